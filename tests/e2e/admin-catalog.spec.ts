import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";

const ADMIN = { email: "admin@cartwright.test", password: "admin-password-123" };

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function addVariant(page: Page, v: { sku: string; size: string; price: string; stock: string }) {
  const form = page.getByTestId("variant-form");
  await form.getByLabel("SKU", { exact: true }).fill(v.sku);
  await form.getByLabel("Attribute 1 name").fill("size");
  await form.getByLabel("Attribute 1 value").fill(v.size);
  await form.getByLabel("Price override", { exact: true }).fill(v.price);
  await form.getByLabel("Stock", { exact: true }).fill(v.stock);
  await form.getByRole("button", { name: "Add variant" }).click();
  await expect(form.getByTestId("variant-form-message")).toHaveText(`Added ${v.sku.toUpperCase()}.`);
}

test("an admin creates a product with two variants and an image; it shows in the shop and goes into a cart", async ({ page }) => {
  const tag = randomBytes(3).toString("hex");
  const name = `Trail Mug ${tag}`;
  const slug = `trail-mug-${tag}`;

  await page.goto("/signin?callbackUrl=%2Fadmin%2Fproducts");
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin\/products$/);
  await page.getByRole("link", { name: "New product" }).click();
  await expect(page).toHaveURL(/\/admin\/products\/new$/);

  // a price with more decimals than the currency has is refused under its field, never rounded
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Base price").fill("19.999");
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByTestId("error-basePrice")).toContainText("USD");
  await expect(page.getByLabel("Base price")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Base price")).toHaveAttribute("aria-describedby", "basePrice-error");

  await page.getByLabel("Base price").fill("19.50");
  await page.getByLabel("Description", { exact: true }).fill("An enamel mug for the trail.");
  await page.getByLabel("New category").fill(`Trail gear ${tag}`);
  await page.getByRole("button", { name: "Create category" }).click();
  await expect(page.getByRole("checkbox", { name: `Trail gear ${tag}` })).toBeChecked();
  await page.getByRole("button", { name: "Add image" }).click();
  await page.getByLabel("Image 1 URL").fill("javascript:alert(1)");
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByTestId("error-images.0.url")).toContainText("https://");
  await page.getByLabel("Image 1 URL").fill("/products/enamel-camp-mug.svg");
  await page.getByLabel("Image 1 description (alt text)").fill("The trail mug from the side");
  await page.getByRole("button", { name: "Create product" }).click();

  await expect(page).toHaveURL(/\/admin\/products\/\d+\?created=1$/);
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.getByTestId("no-variants")).toBeVisible();
  await addVariant(page, { sku: `mug-${tag}-s`, size: "S", price: "", stock: "5" });
  await addVariant(page, { sku: `mug-${tag}-l`, size: "L", price: "24.00", stock: "2" });
  await expect(page.getByTestId("variant-row")).toHaveCount(2);
  // a SKU already in use is refused under the SKU field
  const form = page.getByTestId("variant-form");
  await form.getByLabel("SKU", { exact: true }).fill(`MUG-${tag}-S`);
  await form.getByLabel("Attribute 1 value").fill("XL");
  await form.getByRole("button", { name: "Add variant" }).click();
  await expect(form.getByTestId("error-sku")).toContainText("already has this SKU");

  // the shop: the product page, its image, both sizes at their prices, and into the cart
  await page.goto(`/products/${slug}`);
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.locator('img[src="/products/enamel-camp-mug.svg"]').first()).toBeVisible();
  const size = page.locator("fieldset", { has: page.locator("legend", { hasText: "Size" }) });
  await size.getByRole("button", { name: "L", exact: true }).click();
  await expect(page.getByTestId("selected-price")).toHaveText("$24.00");
  await size.getByRole("button", { name: "S", exact: true }).click();
  await expect(page.getByTestId("selected-price")).toHaveText("$19.50");
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText("Added");
  await page.goto("/cart");
  const line = page.getByTestId("cart-line").filter({ hasText: name });
  await expect(line).toHaveCount(1);
  await expect(line.getByTestId("line-total")).toHaveText("$19.50");

  // and the API lists it, in its category and by search
  const listed = (await (await page.request.get(`/api/products?category=trail-gear-${tag}`)).json()) as { products: { slug: string }[] };
  expect(listed.products.map((p) => p.slug)).toEqual([slug]);
  const found = (await (await page.request.get(`/api/products?q=${encodeURIComponent(`trail mug ${tag}`)}`)).json()) as { products: { slug: string }[] };
  expect(found.products.map((p) => p.slug)).toContain(slug);
});
