import { expect, test } from "@playwright/test";

test("the home page lists the seeded products with prices", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  const cards = page.getByTestId("product-card");
  await expect(cards.first()).toBeVisible();
  expect(await cards.count()).toBeGreaterThanOrEqual(12);
  await expect(cards.first().locator(".price")).toHaveText(/[$€¥]\s?\d/);
});

test("GET /api/products returns the catalog as JSON with integer prices", async ({ request }) => {
  const res = await request.get("/api/products");
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { products: { slug: string; currency: string; variants: { price: number; available: boolean }[] }[] };
  expect(body.products.length).toBeGreaterThanOrEqual(12);
  for (const p of body.products) {
    expect(p.currency).toMatch(/^[A-Z]{3}$/);
    for (const v of p.variants) expect(Number.isInteger(v.price)).toBe(true);
  }
  const one = await request.get(`/api/products/${body.products[0]!.slug}`);
  expect(one.status()).toBe(200);
  const missing = await request.get("/api/products/no-such-product");
  expect(missing.status()).toBe(404);
  expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
});
