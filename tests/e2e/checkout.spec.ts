import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { TEST_ADMIN_TOKEN as ADMIN_TOKEN } from "../support/app-server";


type Variant = { id: number; sku: string; price: number; stock: number; available: boolean; attributes: Record<string, string> };
type Product = { id: number; slug: string; name: string; currency: string; variants: Variant[] };

async function catalog(request: APIRequestContext): Promise<Product[]> {
  return ((await (await request.get("/api/products")).json()) as { products: Product[] }).products;
}

async function variantOf(request: APIRequestContext, sku: string): Promise<Variant> {
  const v = (await catalog(request)).flatMap((p) => p.variants).find((x) => x.sku === sku);
  if (!v) throw new Error(`no variant ${sku}`);
  return v;
}

async function addToCart(page: Page, slug: string, picks: Record<string, string>) {
  await page.goto(`/products/${slug}`);
  for (const [legend, value] of Object.entries(picks))
    await page.locator("fieldset", { has: page.locator("legend", { hasText: legend }) }).getByRole("button", { name: value, exact: true }).click();
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText("Added");
}

async function fillCheckoutDetails(page: Page, email: string) {
  await page.goto("/checkout");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Full name").fill("Guest Buyer");
  await page.getByLabel("Street address").fill("350 5th Ave");
  await page.getByLabel("City").fill("New York");
  await page.getByLabel("Country").selectOption("US");
  await page.getByLabel("State / province").fill("NY");
  await page.getByLabel("Postal code").fill("10001");
  // no "estimate" click: a complete address is priced by itself
  await expect(page.getByTestId("summary-tax")).not.toHaveText("Calculated at checkout");
}

test("a guest buys two items with 4242 4242 4242 4242 and lands on a paid confirmation", async ({ page, request }) => {
  const before = await variantOf(request, "MUG-ENAMEL-CREAM");
  await addToCart(page, "enamel-camp-mug", { Color: "Cream" });
  await addToCart(page, "dot-grid-notebook", { Color: "Sage" });
  await fillCheckoutDetails(page, "guest-buyer@example.test");
  await page.getByTestId("place-order").click();
  await expect(page.getByTestId("test-card-form")).toBeVisible();
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByTestId("pay-button").click();
  await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("order-headline")).toHaveText("Thank you! Your order is paid.");
  await expect(page.getByTestId("order-status")).toHaveText("Paid");
  expect((await variantOf(request, "MUG-ENAMEL-CREAM")).stock).toBe(before.stock - 1);
  await expect(page.getByTestId("cart-count")).toHaveText("0");
});

test("a declined card says so clearly, keeps the items reserved, and another card pays the same order", async ({ page, request }) => {
  const before = await variantOf(request, "TOTE-WAXED-NATURAL");
  await addToCart(page, "waxed-canvas-tote", { Color: "Natural" });
  await fillCheckoutDetails(page, "declined@example.test");
  await page.getByTestId("place-order").click();
  await expect(page.getByTestId("test-card-form")).toBeVisible();
  const payUrl = page.url();
  expect(payUrl).not.toContain("declined%40example.test");
  expect((await variantOf(request, "TOTE-WAXED-NATURAL")).stock).toBe(before.stock - 1); // reserved
  await page.getByLabel("Card number").fill("4000 0000 0000 0002");
  await page.getByTestId("pay-button").click();
  await expect(page.getByTestId("payment-declined")).toContainText("Your card was declined.");
  await expect(page.getByTestId("payment-declined")).toContainText("Nothing was charged");
  expect((await variantOf(request, "TOTE-WAXED-NATURAL")).stock).toBe(before.stock - 1); // still reserved
  // a reload still says why, and still offers to pay
  await page.reload();
  await expect(page.getByTestId("payment-declined")).toContainText("Your card was declined.");
  expect(page.url()).toBe(payUrl);
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByTestId("pay-button").click();
  await expect(page.getByTestId("order-status")).toHaveText("Paid");
  expect(page.url()).toContain(payUrl.split("/checkout/pay/")[1]!);
  expect((await variantOf(request, "TOTE-WAXED-NATURAL")).stock).toBe(before.stock - 1);
  // Back shows the paid order, never a Pay button
  await page.goBack();
  await expect(page.getByTestId("order-status")).toHaveText("Paid");
  await expect(page.getByTestId("pay-button")).toHaveCount(0);
});

test("a price changed by an admin after add-to-cart is shown before payment", async ({ page, request }) => {
  const v = await variantOf(request, "CAP-CANVAS-KHAKI");
  await addToCart(page, "canvas-cap", { Color: "Khaki" });
  await fillCheckoutDetails(page, "price-change@example.test");
  const newPrice = v.price + 300;
  const patch = await request.patch(`/api/admin/variants/${v.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, data: { priceOverride: newPrice } });
  expect(patch.status()).toBe(200);
  try {
    await page.getByTestId("place-order").click();
    const problem = page.getByTestId("checkout-problem");
    await expect(problem).toContainText("Some prices changed");
    await expect(problem).toContainText(`$${(v.price / 100).toFixed(2)} → $${(newPrice / 100).toFixed(2)}`);
    await expect(page.getByTestId("test-card-form")).toHaveCount(0); // no payment before the shopper confirms
    await expect(page.getByTestId("summary-subtotal")).toHaveText(`$${(newPrice / 100).toFixed(2)}`);
    await page.getByRole("button", { name: "Confirm new prices and continue" }).click();
    await expect(page.getByTestId("test-card-form")).toBeVisible();
  } finally {
    await request.patch(`/api/admin/variants/${v.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, data: { priceOverride: null } });
  }
});

test("Back to cart on the payment page cancels the order: the stock comes back and the item is in the cart again", async ({ page, request }) => {
  const before = await variantOf(request, "MUG-ENAMEL-CREAM");
  await addToCart(page, "enamel-camp-mug", { Color: "Cream" });
  await fillCheckoutDetails(page, "back-to-cart@example.test");
  await page.getByTestId("place-order").click();
  await expect(page.getByTestId("test-card-form")).toBeVisible();
  expect((await variantOf(request, "MUG-ENAMEL-CREAM")).stock).toBe(before.stock - 1); // reserved
  await page.getByTestId("back-to-cart").click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByTestId("cart-count")).toHaveText("1");
  expect((await variantOf(request, "MUG-ENAMEL-CREAM")).stock).toBe(before.stock); // released
});

test("an address changed just before Continue is the order's address: the button waits until the new one is priced", async ({ page }) => {
  await addToCart(page, "enamel-camp-mug", { Color: "Cream" });
  await fillCheckoutDetails(page, "quick-clicker@example.test");
  // the shopper corrects the street and clicks at once, inside the autosave's pause
  await page.getByLabel("Street address").fill("20 W 34th St");
  await page.getByTestId("place-order").click();
  await expect(page).toHaveURL(/\/checkout\/pay\/[0-9a-f-]{36}$/);
  const orderId = page.url().split("/").pop()!;
  const res = await page.request.get(`/api/orders/${orderId}`);
  expect(res.status()).toBe(200);
  const { order } = (await res.json()) as { order: { shippingAddress: { line1: string } } };
  expect(order.shippingAddress.line1).toBe("20 W 34th St");
});
