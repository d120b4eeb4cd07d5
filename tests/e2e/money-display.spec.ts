import { expect, test, type Locator, type Page } from "@playwright/test";

// Money is shown one way: the cart, the payment page and the order show the same line amounts (each line's
// subtotal), exactly one discount row, and the shipping and tax rows, all from the same summary fields.

type Shown = { lines: Record<string, string>; discountRows: number; subtotal: string; discount: string; shipping: string; tax: string; total: string };

async function shown(scope: Locator, lineTestId: "cart-line" | "order-line"): Promise<Shown> {
  const lines: Record<string, string> = {};
  for (const row of await scope.getByTestId(lineTestId).all()) lines[(await row.getAttribute("data-sku"))!] = (await row.getByTestId("line-total").textContent())!.trim();
  const text = async (id: string) => (await scope.getByTestId(id).textContent())!.trim();
  return {
    lines,
    discountRows: await scope.getByTestId("discount-row").count(),
    subtotal: await text("summary-subtotal"),
    discount: await text("summary-discount"),
    shipping: await text("summary-shipping"),
    tax: await text("summary-tax"),
    total: await text("summary-total"),
  };
}

async function addToCart(page: Page, slug: string, picks: Record<string, string>, quantity = 1) {
  await page.goto(`/products/${slug}`);
  for (const [legend, value] of Object.entries(picks))
    await page.locator("fieldset", { has: page.locator("legend", { hasText: legend }) }).getByRole("button", { name: value, exact: true }).click();
  await page.getByLabel("Quantity").fill(String(quantity));
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText("Added");
}

async function fillDetails(page: Page) {
  await page.getByLabel("Email").fill("money-display@example.test");
  await page.getByLabel("Full name").fill("Money Display");
  await page.getByLabel("Street address").fill("1 Market St");
  await page.getByLabel("City").fill("San Francisco");
  await page.getByLabel("Country").selectOption("US");
  await page.getByLabel("State / province").fill("CA");
  await page.getByLabel("Postal code").fill("94105");
  await expect(page.getByTestId("summary-tax")).not.toHaveText("Calculated at checkout");
}

test("the cart, the payment page and the order show identical line amounts, one discount row and the shipping row", async ({ page }) => {
  await addToCart(page, "enamel-camp-mug", { Color: "Cream" }, 2);
  await addToCart(page, "dot-grid-notebook", { Color: "Sage" });
  await page.goto("/cart");
  await page.getByLabel("Discount code").fill("WELCOME10");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("discount-code")).toHaveText(/WELCOME10/);

  // the full address is saved by the checkout form; the cart then shows shipping and tax too
  await page.goto("/checkout");
  await fillDetails(page);
  await page.goto("/cart");
  const cart = await shown(page.getByRole("main"), "cart-line");
  expect(Object.keys(cart.lines).sort()).toEqual(["MUG-ENAMEL-CREAM", "NOTEBOOK-A5-SAGE"].sort());
  expect(cart.discountRows).toBe(1);
  expect(cart.discount).toMatch(/^−\$\d+\.\d\d$/);
  expect(cart.shipping).not.toBe("Calculated at checkout");
  expect(cart.tax).toMatch(/^\$\d+\.\d\d$/);

  await page.goto("/checkout");
  await fillDetails(page);
  await page.getByTestId("place-order").click();
  await expect(page.getByTestId("test-card-form")).toBeVisible();
  const pay = await shown(page.getByRole("main"), "order-line");
  expect(pay).toEqual(cart);

  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByTestId("pay-button").click();
  await expect(page.getByTestId("order-status")).toHaveText("Paid");
  const order = await shown(page.getByRole("main"), "order-line");
  expect(order).toEqual(cart);
});

test("the product page's main image follows the picked colour", async ({ page }) => {
  await page.goto("/products/classic-tee");
  const main = page.getByTestId("product-main-image");
  const pick = (legend: string, value: string) =>
    page.locator("fieldset", { has: page.locator("legend", { hasText: legend }) }).getByRole("button", { name: value, exact: true }).click();
  await pick("Size", "S");
  await pick("Color", "White");
  // the white shot is recorded for M / White: S / White shows it too
  await expect(main).toHaveAttribute("src", "/products/classic-tee-white.svg");
  await pick("Color", "Navy");
  await expect(main).not.toHaveAttribute("src", "/products/classic-tee-white.svg");
});
