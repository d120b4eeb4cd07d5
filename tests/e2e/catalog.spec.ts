import fc from "fast-check";
import { expect, test } from "@playwright/test";

// The catalog as a shopper and a crawler see it: search, categories with a cursor, sitemap, 404, JSON-LD.

type Product = { id: number; slug: string; name: string; currency: string; variants: { sku: string; price: number; available: boolean }[] };

async function allProducts(request: import("@playwright/test").APIRequestContext): Promise<Product[]> {
  const out: Product[] = [];
  let cursor: string | null = null;
  do {
    const res = await request.get(`/api/products?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status()).toBe(200);
    const body = (await res.json()) as { products: Product[]; nextCursor: string | null };
    out.push(...body.products);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

test("the search page finds the hoodie by a typo, filters and sorts with a plain GET form", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("search").getByRole("searchbox").fill("hodie");
  await page.getByRole("search").getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/search\?q=hodie/);
  await expect(page.getByTestId("product-card").first()).toContainText("Heavyweight Pullover Hoodie");

  // the filter form, submitted as a browser would without JavaScript
  await page.goto("/search?q=canvas&sort=price_desc");
  const names = await page.getByTestId("product-card").locator(".product-name").allTextContents();
  expect(names.length).toBeGreaterThanOrEqual(2);
  const prices = (await page.getByTestId("product-card").locator(".price").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-amount")))));
  expect(prices).toEqual([...prices].sort((a, b) => b - a));

  await page.goto("/search?q=&min=30&max=40&inStock=1");
  for (const amount of await page.getByTestId("product-card").locator(".price").evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-amount")))))
    expect(amount).toBeGreaterThanOrEqual(3000);
  await page.goto("/search?q=qwxzvbn");
  await expect(page.getByText("No products match")).toBeVisible();
});

test("a category page pages with a cursor link and never repeats a product", async ({ page, request }) => {
  const { categories } = (await (await request.get("/api/categories")).json()) as { categories: { slug: string; productCount: number }[] };
  const apparel = categories.find((c) => c.slug === "apparel")!;
  expect(apparel.productCount).toBeGreaterThanOrEqual(3);

  await page.goto("/categories/apparel?limit=2");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Apparel");
  const seen: string[] = [];
  for (let n = 0; n < 20; n++) {
    seen.push(...(await page.getByTestId("product-card").evaluateAll((els) => els.map((e) => e.getAttribute("data-slug") ?? ""))));
    const next = page.getByTestId("next-page");
    if ((await next.count()) === 0) break;
    const href = (await next.getAttribute("href"))!;
    expect(href).toContain("cursor=");
    await page.goto(href);
  }
  expect(new Set(seen).size).toBe(seen.length);
  const usd = (await allProducts(request)).filter((p) => p.currency === "USD");
  const inApparel = (await (await request.get("/api/products?category=apparel&currency=USD&limit=100")).json()) as { products: Product[] };
  expect(seen.sort()).toEqual(inApparel.products.map((p) => p.slug).sort());
  expect(usd.length).toBeGreaterThan(seen.length);

  expect((await page.goto("/categories/no-such-shelf"))!.status()).toBe(404);
});

test("/sitemap.xml lists every active product and category; robots.txt keeps crawlers out of private paths", async ({ request }) => {
  const res = await request.get("/sitemap.xml");
  expect(res.status()).toBe(200);
  const xml = await res.text();
  const products = await allProducts(request);
  expect(products.length).toBeGreaterThanOrEqual(12);
  for (const p of products) expect(xml).toContain(`/products/${p.slug}</loc>`);
  for (const slug of ["apparel", "bags"]) expect(xml).toContain(`/categories/${slug}</loc>`);

  const robots = await (await request.get("/robots.txt")).text();
  for (const path of ["/admin", "/api", "/checkout", "/cart"]) expect(robots).toContain(`Disallow: ${path}`);
  expect(robots).toMatch(/Sitemap: https?:\/\/.+\/sitemap\.xml/);
});

test("an unknown URL answers 404 with the shop's page, a search box and links", async ({ page }) => {
  const res = await page.goto("/this/page/does-not-exist");
  expect(res!.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
  await expect(page.locator(".site-header")).toBeVisible();
  await expect(page.getByTestId("not-found").getByRole("searchbox")).toBeVisible();
  await expect(page.getByTestId("not-found").getByRole("link", { name: "Back to the shop" })).toHaveAttribute("href", "/");
  expect((await page.goto("/products/no-such-product"))!.status()).toBe(404);
});

test("a product page has Product JSON-LD with exact prices, metadata and a skip link", async ({ page, request }) => {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  const hoodie = (await (await request.get("/api/products/heavyweight-hoodie")).json()) as { product: Product };
  await page.goto("/products/heavyweight-hoodie");
  const script = page.locator('script[type="application/ld+json"]');
  await expect(script).toHaveCount(1);
  const ld = JSON.parse((await script.textContent())!) as { "@type": string; name: string; offers: { sku: string; price: string; priceCurrency: string; availability: string }[] };
  expect(ld["@type"]).toBe("Product");
  expect(ld.name).toBe("Heavyweight Pullover Hoodie");
  expect(ld.offers).toHaveLength(hoodie.product.variants.length);
  for (const v of hoodie.product.variants) {
    const offer = ld.offers.find((o) => o.sku === v.sku)!;
    expect(offer.price).toBe(`${Math.floor(v.price / 100)}.${String(v.price % 100).padStart(2, "0")}`);
    expect(offer.priceCurrency).toBe("USD");
    expect(offer.availability).toBe(v.available ? "https://schema.org/InStock" : "https://schema.org/OutOfStock");
  }
  // the page's CSP nonce is on it (the policy does not govern data blocks, but nothing inline goes without one)
  expect(await script.getAttribute("nonce")).not.toBeNull();
  expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);

  await expect(page).toHaveTitle(/Heavyweight Pullover Hoodie/);
  await expect(page.locator('link[rel="canonical"]')).toHaveAttribute("href", /\/products\/heavyweight-hoodie$/);
  await expect(page.locator('meta[property="og:title"]')).toHaveAttribute("content", "Heavyweight Pullover Hoodie");
  await expect(page.locator('meta[property="og:image"]').first()).toHaveAttribute("content", /^https?:\/\/.+\.svg$/);
  await expect(page.locator('meta[name="description"]')).toHaveAttribute("content", /fleece/);

  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
});

test("the home page shows the default currency with a switcher, and quotes only what can be bought", async ({ page }) => {
  await page.goto("/");
  for (const c of await page.getByTestId("product-card").locator(".price").evaluateAll((els) => els.map((e) => e.getAttribute("data-currency"))))
    expect(c).toBe("USD");
  await page.getByTestId("currency-EUR").click();
  await expect(page).toHaveURL(/currency=EUR/);
  await expect(page.getByTestId("product-card")).toHaveCount(1);
  await expect(page.getByTestId("product-card").locator(".price")).toHaveAttribute("data-currency", "EUR");
});

test("GET /api/products refuses bad parameters with 400 validation_failed", async ({ request }) => {
  for (const qs of ["sort=cheapest", "limit=0", "minPrice=1.5", "inStock=maybe", "cursor=nope", "minPrice=9&maxPrice=1"]) {
    const res = await request.get(`/api/products?${qs}`);
    expect(res.status(), qs).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("validation_failed");
  }
  const clamped = (await (await request.get("/api/products?limit=5000")).json()) as { products: unknown[] };
  expect(clamped.products.length).toBeLessThanOrEqual(100);
});

test("fuzz GET /api/products: any query answers 200 with a page or 400 validation_failed, never 5xx", async ({ request }) => {
  const { nextCursor: realCursor } = (await (await request.get("/api/products?limit=2&sort=price_asc")).json()) as { nextCursor: string };
  const value = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom("", "0", "1", "-1", "100", "101", "1e3", "true", "false", "USD", "usd", "EUR", "XXX", "apparel", "hood", "hodie", "relevance", "price_asc", "price_desc", "newest", realCursor, "2147483648", "99999999999999999999"),
    fc.string({ unit: "binary", maxLength: 12 }),
  );
  const keys = ["q", "category", "currency", "minPrice", "maxPrice", "inStock", "sort", "cursor", "limit", "other"] as const;
  const seed = Number(process.env.FUZZ_SEED ?? 16_0001);
  await fc.assert(
    fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 5 }), async (params) => {
      const qs = new URLSearchParams(params as Record<string, string>).toString();
      const res = await request.get(`/api/products?${qs}`);
      const body = (await res.json()) as { products?: unknown[]; nextCursor?: unknown; error?: { code: string; details?: { fieldErrors?: Record<string, string[]> } } };
      if (res.status() === 200) {
        expect(Array.isArray(body.products), qs).toBe(true);
        expect(body.products!.length, qs).toBeLessThanOrEqual(100);
        expect(body.nextCursor === null || typeof body.nextCursor === "string", qs).toBe(true);
      } else {
        expect(res.status(), qs).toBe(400);
        expect(body.error?.code, qs).toBe("validation_failed");
        expect(Object.keys(body.error?.details?.fieldErrors ?? {}).length, qs).toBeGreaterThan(0);
      }
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 150), seed, endOnFailure: true },
  );
});
