import { randomUUID } from "node:crypto";
import { expect, test, type APIRequestContext, type APIResponse } from "@playwright/test";

// The order desk over HTTP against the production build: a guest buys with the full address, the admin (by the
// admin API token) finds the order, ships part of it, refunds a unit, reads its history; the shopper's "Back to
// cart" cancels an unpaid order once.

const ADMIN_TOKEN = "test-admin-token-0123456789"; // what tests/support/app-server.ts starts the server with
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
