import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";

async function pick(page: Page, legend: string, value: string) {
  await page.locator("fieldset", { has: page.locator("legend", { hasText: legend }) }).getByRole("button", { name: value, exact: true }).click();
}

test("a guest builds a cart, it survives a reload, and it merges into the account at sign-in", async ({ page }) => {
  await page.goto("/products/classic-tee");
  await pick(page, "Size", "M");
  await pick(page, "Color", "White");
  await expect(page.getByTestId("stock-note")).toContainText("TEE-CLASSIC-M-WHITE");
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText("Added");
  await expect(page.getByTestId("cart-count")).toHaveText("1");

  await page.goto("/products/heavyweight-hoodie");
  await pick(page, "Size", "L");
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText("Added");
  await expect(page.getByTestId("cart-count")).toHaveText("2");

  // the guest cart cookie is httpOnly and SameSite=Lax
  const cookie = (await page.context().cookies()).find((c) => c.name === "cw_cart");
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe("Lax");

  await page.goto("/cart");
  const lines = page.getByTestId("cart-line");
  await expect(lines).toHaveCount(2);
  const tee = lines.filter({ hasText: "Classic Cotton Tee" });
  await expect(tee).toContainText("Size: M");
  await expect(tee).toContainText("Color: White");
  await tee.getByRole("button", { name: "Increase quantity" }).click();
  await expect(tee.getByTestId("line-quantity")).toHaveValue("2");
  await expect(tee.getByTestId("line-total")).toHaveText("$56.00");

  await lines.filter({ hasText: "Hoodie" }).getByRole("button", { name: "Remove" }).click();
  await expect(lines).toHaveCount(1);
  await expect(page.getByTestId("summary-subtotal")).toHaveText("$56.00");
  await expect(page.getByTestId("summary-shipping")).toHaveText("Calculated at checkout");

  await page.reload();
  await expect(lines).toHaveCount(1);
  await expect(tee.getByTestId("line-quantity")).toHaveValue("2");

  // sign in: the guest's lines join the account's cart
  const email = `cart-${randomBytes(5).toString("hex")}@example.test`;
  const password = "cart-test-password";
  const reg = await page.request.post("/api/account/register", { data: { email, password } });
  expect(reg.status()).toBe(201);
  await page.goto("/signin?callbackUrl=/cart");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-email")).toHaveText(email);
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByTestId("cart-line")).toHaveCount(1);
  await expect(page.getByTestId("cart-line").getByTestId("line-quantity")).toHaveValue("2");
  await expect(page.getByTestId("cart-count")).toHaveText("2");

  // a signed-in shopper can save for later and bring it back
  await page.getByTestId("cart-line").getByRole("button", { name: "Save for later" }).click();
  await expect(page.getByTestId("cart-line")).toHaveCount(0);
  await expect(page.getByTestId("saved-list")).toContainText("Classic Cotton Tee");
  await page.getByRole("button", { name: "Move to cart" }).click();
  await expect(page.getByTestId("cart-line")).toHaveCount(1);
});

test("out-of-stock variants cannot be added and too many is refused with a readable message", async ({ page }) => {
  const res = await page.request.get("/api/products");
  const { products } = (await res.json()) as { products: { slug: string; variants: { sku: string; stock: number; available: boolean; attributes: Record<string, string> }[] }[] };
  const low = products.flatMap((p) => p.variants.filter((v) => v.available && v.stock <= 3).map((v) => ({ slug: p.slug, v })))[0]!;
  await page.goto(`/products/${low.slug}`);
  for (const [k, value] of Object.entries(low.v.attributes)) await pick(page, k.charAt(0).toUpperCase() + k.slice(1), value);
  await expect(page.getByTestId("stock-note")).toContainText(low.v.sku);
  await page.getByLabel("Quantity").fill(String(low.v.stock + 1));
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText(`Only ${low.v.stock}`);
});

test("the cart says when a line's price changed since it was added, and when it holds more than is in stock", async ({ page, request }) => {
  const ADMIN = { authorization: "Bearer test-admin-token-0123456789" };
  const { products } = (await (await request.get("/api/products")).json()) as { products: { variants: { id: number; sku: string; price: number; stock: number }[] }[] };
  const v = products.flatMap((p) => p.variants).find((x) => x.sku === "NOTEBOOK-A5-INK")!;
  await page.goto("/products/dot-grid-notebook");
  await pick(page, "Color", "Ink");
  await page.getByLabel("Quantity").fill("3");
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText("Added");
  await page.goto("/cart");
  const line = page.getByTestId("cart-line");
  await expect(line.getByTestId("line-price-changed")).toHaveCount(0);
  await expect(line.getByTestId("line-stock")).toHaveCount(0);
  try {
    expect((await request.patch(`/api/admin/variants/${v.id}`, { headers: ADMIN, data: { priceOverride: v.price + 200, stock: 2 } })).status()).toBe(200);
    await page.reload();
    const usd = (n: number) => `$${(n / 100).toFixed(2)}`;
    await expect(line.getByTestId("line-price-changed")).toContainText(`${usd(v.price)} → ${usd(v.price + 200)}`);
    await expect(line.getByTestId("line-stock")).toContainText("Only 2 in stock now");
    // the line still shows the price it was added at, until checkout asks the shopper to confirm the new one
    await expect(line.getByTestId("line-total")).toHaveText(usd(3 * v.price));
  } finally {
    await request.patch(`/api/admin/variants/${v.id}`, { headers: ADMIN, data: { priceOverride: null, stock: v.stock } });
  }
});
