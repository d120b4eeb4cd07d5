import { randomUUID } from "node:crypto";
import { expect, test, type APIRequestContext, type APIResponse, type Page } from "@playwright/test";
import { TEST_ADMIN_TOKEN as ADMIN_TOKEN } from "../support/app-server";

// The order desk over HTTP against the production build: a guest buys with the full address, the admin (by the
// admin API token) finds the order, ships part of it, refunds a unit, reads its history; the shopper's "Back to
// cart" cancels an unpaid order once.

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const ADDRESS = { name: "Desk Guest", line1: "350 5th Ave", city: "New York", region: "NY", postalCode: "10001", country: "US" };

type Order = {
  id: string;
  status: string;
  items: { id: string; quantity: number; total: number; variantId: number }[];
  summary: { total: number };
  shippingAddress: Record<string, unknown> | null;
  fulfillmentStatus: string;
  refunds: { amount: number }[];
  payment: { status: string; refundedAmount: number };
  events?: { type: string; actor: string }[];
};

async function read<T>(res: APIResponse, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status(), `${res.url()} -> ${text.slice(0, 400)}`).toBe(status);
  return JSON.parse(text) as T;
}

async function stockedVariant(request: APIRequestContext): Promise<number> {
  const { products } = await read<{ products: { variants: { id: number; stock: number; available: boolean }[] }[] }>(await request.get("/api/products?limit=50"));
  return products.flatMap((p) => p.variants).filter((v) => v.available).sort((a, b) => b.stock - a.stock)[0]!.id;
}

async function placeOrder(request: APIRequestContext, quantity: number): Promise<{ order: Order; orderToken: string }> {
  const variantId = await stockedVariant(request);
  const { cart } = await read<{ cart: { id: string } }>(await request.post("/api/carts", { data: {} }), 201);
  await read(await request.post(`/api/carts/${cart.id}/items`, { data: { variantId, quantity } }), 201);
  // an estimate is not enough to check out: the full address is required
  await read(await request.put(`/api/carts/${cart.id}/shipping-address`, { data: { country: "US", region: "NY", postalCode: "10001" } }));
  const partial = await read<{ error: { details: { fieldErrors: Record<string, string[]> } } }>(
    await request.post("/api/checkout", { data: { cartId: cart.id, email: "desk@example.test" }, headers: { "Idempotency-Key": randomUUID() } }),
    400,
  );
  expect(Object.keys(partial.error.details.fieldErrors).sort()).toEqual(["shippingAddress.city", "shippingAddress.line1", "shippingAddress.name"]);
  return read(await request.post("/api/checkout", { data: { cartId: cart.id, email: "desk@example.test", shippingAddress: ADDRESS }, headers: { "Idempotency-Key": randomUUID() } }), 201);
}

test("an admin finds a paid order, ships part of it, refunds a unit and reads its history", async ({ request }) => {
  const { order, orderToken } = await placeOrder(request, 2);
  expect(order.shippingAddress).toMatchObject(ADDRESS);
  await read(await request.post("/api/payments/test/confirm", { data: { orderId: order.id, cardNumber: "4242424242424242" }, headers: { Authorization: `Bearer ${orderToken}` } }));

  await read(await request.get(`/api/admin/orders?q=${order.id}`), 401);
  const list = await read<{ orders: Order[] }>(await request.get(`/api/admin/orders?q=${order.id}&status=PAID`, { headers: admin }));
  expect(list.orders.map((o) => o.id)).toEqual([order.id]);

  const item = order.items[0]!;
  const shipped = await read<{ order: Order }>(
    await request.post(`/api/admin/orders/${order.id}/fulfillments`, { data: { carrier: "UPS", trackingNumber: "1Z999", items: [{ itemId: item.id, quantity: 1 }] }, headers: admin }),
    201,
  );
  expect(shipped.order.fulfillmentStatus).toBe("PARTIALLY_FULFILLED");
  await read(await request.post(`/api/admin/orders/${order.id}/fulfillments`, { data: { items: [{ itemId: item.id, quantity: 5 }] }, headers: admin }), 422);

  await read(await request.post(`/api/admin/orders/${order.id}/refunds`, { data: { items: [{ itemId: item.id, quantity: 1 }] }, headers: admin }), 400);
  const key = randomUUID();
  const refunded = await read<{ order: Order; refund: { amount: number; status: string } }>(
    await request.post(`/api/admin/orders/${order.id}/refunds`, { data: { items: [{ itemId: item.id, quantity: 1 }] }, headers: { ...admin, "Idempotency-Key": key } }),
    201,
  );
  expect(refunded.refund.status).toBe("succeeded");
  expect(refunded.order.payment).toMatchObject({ status: "partially_refunded", refundedAmount: refunded.refund.amount });
  const replay = await request.post(`/api/admin/orders/${order.id}/refunds`, { data: { items: [{ itemId: item.id, quantity: 1 }] }, headers: { ...admin, "Idempotency-Key": key } });
  expect(replay.headers()["idempotent-replayed"]).toBe("true");
  await read(await request.post(`/api/admin/orders/${order.id}/refunds`, { data: { shipping: true }, headers: { ...admin, "Idempotency-Key": key } }), 422);

  const { order: full } = await read<{ order: Order }>(await request.get(`/api/admin/orders/${order.id}`, { headers: admin }));
  expect(full.events!.map((e) => e.type)).toEqual(["placed", "webhook", "paid", "fulfilled", "refunded"]);
  expect(full.events!.find((e) => e.type === "refunded")!.actor).toBe("admin-api-token");
  // a shipped order is refunded, not cancelled
  await read(await request.post(`/api/admin/orders/${order.id}/cancel`, { data: {}, headers: admin }), 409);
});

test("the shopper's Back to cart cancels an unpaid order once; stock by delta never goes below 0", async ({ request }) => {
  const { order, orderToken } = await placeOrder(request, 1);
  await read(await request.post(`/api/orders/${order.id}/cancel`, { headers: { Authorization: "Bearer wrong" } }), 404);
  const { order: cancelled } = await read<{ order: Order }>(await request.post(`/api/orders/${order.id}/cancel`, { headers: { Authorization: `Bearer ${orderToken}` } }));
  expect(cancelled.status).toBe("CANCELLED");
  await read(await request.post(`/api/orders/${order.id}/cancel`, { headers: { Authorization: `Bearer ${orderToken}` } }), 409);

  const variantId = order.items[0]!.variantId;
  const { variant } = await read<{ variant: { stock: number } }>(await request.patch(`/api/admin/variants/${variantId}`, { data: { stockDelta: 3 }, headers: admin }));
  const { variant: back } = await read<{ variant: { stock: number } }>(await request.patch(`/api/admin/variants/${variantId}`, { data: { stockDelta: -3 }, headers: admin }));
  expect(back.stock).toBe(variant.stock - 3);
  await read(await request.patch(`/api/admin/variants/${variantId}`, { data: { stockDelta: -(back.stock + 1) }, headers: admin }), 409);
});

test("the admin pages: find the order, ship everything, refund everything", async ({ page, request }) => {
  const { order, orderToken } = await placeOrder(request, 1);
  await read(await request.post("/api/payments/test/confirm", { data: { orderId: order.id, cardNumber: "4242424242424242" }, headers: { Authorization: `Bearer ${orderToken}` } }));
  await page.goto(`/admin/orders?q=${order.id}`);
  await page.getByLabel("Email").fill("admin@cartwright.test");
  await page.getByLabel("Password").fill("admin-password-123");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin(\/|$)/); // signed in: the admin area (its dashboard)
  await page.goto(`/admin/orders?q=${order.id}`);
  await expect(page.getByTestId("order-row")).toHaveCount(1);
  await page.getByTestId("order-row").getByRole("link").click();
  await expect(page.getByTestId("order-status")).toHaveText("PAID");
  await page.getByLabel("Carrier").fill("UPS");
  await page.getByTestId("ship-button").click();
  await expect(page.getByTestId("fulfillment-status")).toHaveText("FULFILLED");
  await page.getByTestId("refund-button").click();
  await expect(page.getByTestId("payment-status")).toHaveText("refunded");
  await expect(page.getByTestId("order-events")).toContainText("refunded by admin@cartwright.test");
});

// ---- in the browser: the shopper's side and the admin's, on one order ---------------------------------------------

async function addToCart(page: Page, slug: string, picks: Record<string, string>, giftMessage?: string) {
  await page.goto(`/products/${slug}`);
  for (const [legend, value] of Object.entries(picks))
    await page.locator("fieldset", { has: page.locator("legend", { hasText: legend }) }).getByRole("button", { name: value, exact: true }).click();
  if (giftMessage) {
    await page.getByText("Add gift wrap or personalization").click();
    await page.getByLabel("Gift message").fill(giftMessage);
  }
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText("Added");
}

async function fillCheckout(page: Page, email: string) {
  await page.goto("/checkout");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Full name").fill("Gift Giver");
  await page.getByLabel("Street address").fill("350 5th Ave");
  await page.getByLabel("City").fill("New York");
  await page.getByLabel("Country").selectOption("US");
  await page.getByLabel("State / province").fill("NY");
  await page.getByLabel("Postal code").fill("10001");
  await expect(page.getByTestId("summary-tax")).not.toHaveText("Calculated at checkout");
}

test("a guest's gift order: declined, then paid on the same order; the admin finds it by e-mail, ships one line, refunds a unit; the shopper sees both", async ({ browser }) => {
  const email = `gift-${randomUUID().slice(0, 8)}@example.test`;
  const shopper = await (await browser.newContext()).newPage();
  await addToCart(shopper, "enamel-camp-mug", { Color: "Cream" }, "Happy birthday, Sam!");
  await addToCart(shopper, "dot-grid-notebook", { Color: "Sage" });
  await addToCart(shopper, "dot-grid-notebook", { Color: "Sage" });
  await fillCheckout(shopper, email);
  await shopper.getByTestId("place-order").click();
  await expect(shopper.getByTestId("test-card-form")).toBeVisible();
  const orderId = shopper.url().split("/checkout/pay/")[1]!;
  expect(shopper.url()).not.toContain("%40");
  // a declined card, then 4242 on the SAME order
  await shopper.getByLabel("Card number").fill("4000 0000 0000 0002");
  await shopper.getByTestId("pay-button").click();
  await expect(shopper.getByTestId("payment-declined")).toContainText("Your card was declined.");
  await shopper.getByLabel("Card number").fill("4242 4242 4242 4242");
  await shopper.getByTestId("pay-button").click();
  await expect(shopper.getByTestId("order-status")).toHaveText("Paid");
  expect(shopper.url()).toContain(`/orders/${orderId}`);

  const admin = await (await browser.newContext()).newPage();
  await admin.goto("/admin/orders");
  await admin.getByLabel("Email").fill("admin@cartwright.test");
  await admin.getByLabel("Password").fill("admin-password-123");
  await admin.getByRole("button", { name: "Sign in" }).click();
  await expect(admin).toHaveURL(/\/admin/);
  // the header's Orders link is the order desk for an admin
  await expect(admin.getByTestId("orders-link")).toHaveAttribute("href", "/admin/orders");
  await admin.goto("/admin/orders");
  await admin.getByLabel("Order id, e-mail or SKU").fill(email);
  await admin.getByLabel("Order id, e-mail or SKU").press("Enter");
  await expect(admin.getByTestId("order-row")).toHaveCount(1);
  await admin.getByTestId("order-row").getByRole("link").first().click();
  await expect(admin.getByTestId("order-status")).toHaveText("PAID");
  await expect(admin.getByTestId("gift-message")).toContainText("Happy birthday, Sam!");
  // ship the mug only, with a tracking number
  await admin.getByLabel("Ship units of Enamel Camp Mug").fill("1");
  await admin.getByLabel("Carrier").fill("UPS");
  await admin.getByLabel("Tracking number").fill("1Z999AA10123456784");
  await admin.getByTestId("ship-button").click();
  await expect(admin.getByTestId("fulfillment-status")).toHaveText("PARTIALLY_FULFILLED");
  // refund one of the two notebooks
  await admin.getByLabel(/^Dot Grid Notebook \(left 2\)/).fill("1");
  await admin.getByTestId("refund-button").click();
  await expect(admin.getByTestId("payment-status")).toHaveText("partially_refunded");

  await shopper.reload();
  await expect(shopper.getByTestId("tracking-number")).toHaveText("1Z999AA10123456784");
  await expect(shopper.getByTestId("order-refund")).toHaveCount(1);
  await expect(shopper.getByTestId("order-refund")).toContainText("Dot Grid Notebook");
  await expect(shopper.getByTestId("order-meta")).toContainText(`a receipt goes to ${email}`);
});

test("Back to cart on the payment page gives the items back at once; the cancelled order promises no receipt", async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await addToCart(page, "enamel-camp-mug", { Color: "Cream" });
  await fillCheckout(page, `back-${randomUUID().slice(0, 8)}@example.test`);
  await page.getByTestId("place-order").click();
  await expect(page.getByTestId("test-card-form")).toBeVisible();
  const orderId = page.url().split("/checkout/pay/")[1]!;
  await page.getByTestId("back-to-cart").click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByTestId("cart-count")).toHaveText("1");
  await page.goto(`/orders/${orderId}`);
  await expect(page.getByTestId("order-status")).toHaveText("Cancelled");
  await expect(page.getByTestId("order-meta")).not.toContainText("receipt");
  await expect(page.getByTestId("order-cancelled-note")).toContainText("Nothing was charged");
});

test("the payment page on the test provider loads no Stripe.js", async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  const stripeRequests: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("js.stripe.com")) stripeRequests.push(r.url());
  });
  await addToCart(page, "enamel-camp-mug", { Color: "Cream" });
  await fillCheckout(page, `nostripe-${randomUUID().slice(0, 8)}@example.test`);
  await page.getByTestId("place-order").click();
  await expect(page.getByTestId("test-card-form")).toBeVisible();
  await expect(page.locator('script[src*="js.stripe.com"]')).toHaveCount(0);
  expect(stripeRequests).toEqual([]);
  await page.getByTestId("back-to-cart").click();
  await expect(page).toHaveURL(/\/cart$/);
});
