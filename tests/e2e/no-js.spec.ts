import { expect, test, type APIRequestContext } from "@playwright/test";

// Every shopping step works as plain HTML forms posted to server actions: no script runs in this browser.
test.use({ javaScriptEnabled: false });

type Variant = { id: number; sku: string; price: number };

async function variantOf(request: APIRequestContext, sku: string): Promise<Variant> {
  const { products } = (await (await request.get("/api/products")).json()) as { products: { variants: Variant[] }[] };
  const v = products.flatMap((p) => p.variants).find((x) => x.sku === sku);
  if (!v) throw new Error(`no variant ${sku}`);
  return v;
}

const usd = (minor: number) => `$${(minor / 100).toFixed(2)}`;

test("without JavaScript a shopper adds to cart, types a quantity, applies a code, enters the full address and reaches the payment step", async ({ page, request }) => {
  const mug = await variantOf(request, "MUG-ENAMEL-CREAM");

  // add to cart: the variant is picked from a select, and the page comes back saying so
  await page.goto("/products/enamel-camp-mug");
  await page.getByTestId("variant-select").selectOption(String(mug.id));
  await page.getByTestId("add-to-cart").click();
  await expect(page).toHaveURL(/\/products\/enamel-camp-mug\?added=1$/);
  await expect(page.getByTestId("add-result")).toContainText("Added to your cart.");
  await expect(page.getByTestId("cart-count")).toHaveText("1");

  // the quantity, typed
  await page.goto("/cart");
  const line = page.getByTestId("cart-line");
  await expect(line).toHaveCount(1);
  await line.getByTestId("line-quantity").fill("3");
  await line.getByRole("button", { name: "Update", exact: true }).click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(line.getByTestId("line-quantity")).toHaveValue("3");
  await expect(line.getByTestId("line-total")).toHaveText(usd(3 * mug.price));
  // Enter in the field submits the typed value (not the − button, which comes first in the form)
  await line.getByTestId("line-quantity").fill("2");
  await line.getByTestId("line-quantity").press("Enter");
  await expect(line.getByTestId("line-quantity")).toHaveValue("2");
  // and the + button still steps
  await line.getByRole("button", { name: "Increase quantity" }).click();
  await expect(line.getByTestId("line-quantity")).toHaveValue("3");
  // a quantity the server refuses (more than the stock; the field's own max is the per-item limit) is explained on
  // the page the form came from
  await line.getByTestId("line-quantity").fill("99");
  await line.getByRole("button", { name: "Update", exact: true }).click();
  await expect(line.getByTestId("line-error")).toContainText("Only");
  await page.goto("/cart");
  await expect(line.getByTestId("line-quantity")).toHaveValue("3");

  // a code: a wrong one is explained, a right one applies
  await page.getByLabel("Discount code").fill("NOT-A-REAL-CODE");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("discount-error")).toBeVisible();
  await page.getByLabel("Discount code").fill("WELCOME10");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/\/cart$/);
  const subtotal = 3 * mug.price;
  await expect(page.getByTestId("summary-discount")).toHaveText(`−${usd(Math.round(subtotal / 10))}`);
  await expect(page.getByTestId("discount-row")).toHaveCount(1);

  // the shipping estimate on the cart
  await page.getByLabel("Country").selectOption("US");
  await page.getByLabel("State / province").fill("CA");
  await page.getByLabel("Postal code").fill("94103");
  await page.getByRole("button", { name: "Estimate shipping & tax" }).click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByTestId("summary-shipping")).not.toHaveText("Calculated at checkout");
  await expect(page.getByTestId("summary-tax")).not.toHaveText("Calculated at checkout");

  // checkout: the full address, priced first (the e-mail typed with it is kept), then on to payment
  await page.getByTestId("checkout-link").click();
  await expect(page).toHaveURL(/\/checkout$/);
  await page.getByLabel("Email").fill("no-js@example.test");
  await page.getByLabel("Full name").fill("Plain Html");
  await page.getByLabel("Street address").fill("350 5th Ave");
  await page.getByLabel("City").fill("New York");
  await page.getByLabel("Country").selectOption("US");
  await page.getByLabel("State / province").fill("NY");
  await page.getByLabel("Postal code").fill("10001");
  await page.getByTestId("price-address").click();
  await expect(page).toHaveURL(/\/checkout\?email=/);
  await expect(page.getByLabel("Email")).toHaveValue("no-js@example.test");
  await expect(page.getByLabel("Full name")).toHaveValue("Plain Html");
  await expect(page.getByTestId("summary-tax")).not.toHaveText("Calculated at checkout");
  await page.getByTestId("place-order").click();
  await expect(page).toHaveURL(/\/checkout\/pay\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("test-card-form")).toBeVisible();
  await expect(page.getByTestId("discount-row")).toHaveCount(1);
});

test("without JavaScript a checkout with a missing address field is answered on the page, with what was typed", async ({ page, request }) => {
  const mug = await variantOf(request, "MUG-ENAMEL-CREAM");
  await page.goto("/products/enamel-camp-mug");
  await page.getByTestId("variant-select").selectOption(String(mug.id));
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText("Added");
  await page.goto("/checkout");
  await page.getByLabel("Email").fill("no-js-missing@example.test");
  await page.getByLabel("Full name").fill("Half Typed");
  await page.getByLabel("Country").selectOption("US");
  await page.getByLabel("State / province").fill("NY");
  await page.getByLabel("Postal code").fill("10001");
  await page.getByTestId("place-order").click();
  // still on checkout, nothing was ordered: the missing street and city are named next to their fields
  await expect(page).toHaveURL(/\/checkout$/);
  await expect(page.getByTestId("address-error-line1")).toBeVisible();
  await expect(page.getByLabel("Full name")).toHaveValue("Half Typed");
  await expect(page.getByLabel("Email")).toHaveValue("no-js-missing@example.test");
  await expect(page.getByTestId("test-card-form")).toHaveCount(0);
});

test("without JavaScript the search and category pages show their products, and the next-page link works", async ({ page }) => {
  // search: the header's GET form, submitted as plain HTML
  await page.goto("/");
  await page.getByRole("searchbox").first().fill("hoodie");
  await page.getByRole("searchbox").first().press("Enter");
  await expect(page).toHaveURL(/\/search\?q=hoodie/);
  const cards = page.getByTestId("product-card");
  await expect(cards.first()).toBeVisible();
  await expect(cards.first()).toHaveAttribute("data-slug", "heavyweight-hoodie");

  // a category, paged by its plain link
  await page.goto("/categories/apparel?limit=2");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Apparel");
  await expect(cards).toHaveCount(2);
  await expect(cards.first()).toBeVisible();
  const first = await cards.evaluateAll((els) => els.map((e) => e.getAttribute("data-slug")));
  await page.getByTestId("next-page").click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(cards.first()).toBeVisible();
  const second = await cards.evaluateAll((els) => els.map((e) => e.getAttribute("data-slug")));
  expect(second.some((s) => first.includes(s))).toBe(false);
});
