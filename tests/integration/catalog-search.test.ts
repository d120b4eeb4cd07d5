import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { listCategories } from "@/lib/catalog/categories";
import { MAX_LIMIT, SORTS, productQuerySchema, queryObject, searchProducts, type ProductQuery } from "@/lib/catalog/search";
import { parseWith } from "@/lib/http/handler";
import type { ApiProduct } from "@/lib/catalog";
import { seedCategories, seedProducts } from "@/lib/catalog/seed-data";
import { seed } from "../../scripts/seed";
import { createMigratedDatabase } from "../support/test-database";

// Search, filters, sorting and keyset paging of the catalog against the real PostgreSQL (with pg_trgm), on a
// database of its own holding exactly the demo catalog plus the rows made here, so every expectation is exact.

let database: { url: string; drop: () => Promise<void> };
let db: PrismaClient;

beforeAll(async () => {
  database = await createMigratedDatabase("cw_search");
  db = createPrismaClient(database.url, 4);
  await seed(db, () => {});
}, 120_000);

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const query = (params: Record<string, string>): ProductQuery => parseWith(productQuerySchema, queryObject(params));
const search = async (params: Record<string, string>) => searchProducts(db, query(params));
const slugs = (ps: ApiProduct[]) => ps.map((p) => p.slug);

/** the price the contract sorts and filters by: the lowest price of a variant that can be sold */
const lowestSellable = (p: ApiProduct): number | null => (p.variants.length ? Math.min(...p.variants.map((v) => v.price)) : null);

/** Every page of a listing, following nextCursor; fails on a loop. */
async function allPages(params: Record<string, string>): Promise<{ products: ApiProduct[]; pages: number }> {
  const products: ApiProduct[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await search({ ...params, ...(cursor ? { cursor } : {}) });
    products.push(...page.products);
    cursor = page.nextCursor;
    if (++pages > 200) throw new Error("paging does not end");
  } while (cursor);
  return { products, pages };
}

async function activeProductCount(where: { currency?: string } = {}): Promise<number> {
  return db.product.count({ where: { isActive: true, ...where } });
}

describe("search by words", () => {
  it('"hoodie" finds the hoodie first', async () => {
    const { products } = await search({ q: "hoodie" });
    expect(products[0]?.slug).toBe("heavyweight-hoodie");
  });

  it('"hodie" (a typo) still finds the hoodie first', async () => {
    const { products } = await search({ q: "hodie" });
    expect(products[0]?.slug).toBe("heavyweight-hoodie");
  });

  it("matches prefixes of words: hood, noteb, bott", async () => {
    expect(slugs((await search({ q: "hood" })).products)).toContain("heavyweight-hoodie");
    expect(slugs((await search({ q: "noteb" })).products)).toEqual(["dot-grid-notebook"]);
    expect(slugs((await search({ q: "bott" })).products)).toContain("insulated-water-bottle");
    expect((await search({ q: "the hoodie" })).products[0]?.slug).toBe("heavyweight-hoodie"); // a stop word matches anything
  });

  it("every word must match (a word in the description counts)", async () => {
    expect(slugs((await search({ q: "hoodie kangaroo" })).products)).toEqual(["heavyweight-hoodie"]);
    expect((await search({ q: "hoodie zzqx" })).products).toEqual([]);
  });

  it("finds nothing for nonsense and treats punctuation as nothing to match", async () => {
    expect((await search({ q: "qwxzvbn" })).products).toEqual([]);
    expect((await search({ q: "'; DROP TABLE products; --" })).products).toEqual([]);
    expect(await activeProductCount()).toBe(seedProducts.length);
  });

  it("an inactive product is never found", async () => {
    await db.product.create({
      data: { slug: "hidden-hoodie", name: "Hidden Hoodie", basePrice: 100, currency: "USD", isActive: false, variants: { create: [{ sku: "HID-1", stockQuantity: 5 }] } },
    });
    expect(slugs((await search({ q: "hoodie" })).products)).not.toContain("hidden-hoodie");
    expect(slugs((await allPages({ limit: "5" })).products)).not.toContain("hidden-hoodie");
  });
});

describe("filters", () => {
  it("currency limits the list to one currency", async () => {
    const { products } = await search({ currency: "EUR" });
    expect(products.length).toBeGreaterThan(0);
    expect(products.every((p) => p.currency === "EUR")).toBe(true);
    expect((await search({ currency: "usd" })).products.length).toBe(await activeProductCount({ currency: "USD" }));
  });

  it("category lists exactly the category's active products", async () => {
    const bags = seedCategories.find((c) => c.slug === "bags")!;
    expect(slugs((await search({ category: "bags" })).products).sort()).toEqual([...bags.productSlugs].sort());
    expect((await search({ category: "no-such-shelf" })).products).toEqual([]);
    expect(slugs((await search({ category: "bags", q: "backpack" })).products)).toEqual(["rolltop-backpack"]);
  });

  it("minPrice and maxPrice bound the lowest sellable variant price, inclusive", async () => {
    // a product whose cheapest variant is inactive: its price is the cheapest ACTIVE one
    await db.product.create({
      data: {
        slug: "two-price-lamp",
        name: "Two Price Lamp",
        basePrice: 5000,
        currency: "USD",
        variants: { create: [{ sku: "LAMP-CHEAP", priceOverride: 100, stockQuantity: 5, isActive: false }, { sku: "LAMP-STD", stockQuantity: 5 }] },
      },
    });
    const { products } = await allPages({ currency: "USD", minPrice: "3000", maxPrice: "5000" });
    expect(products.length).toBeGreaterThan(0);
    for (const p of products) expect(lowestSellable(p)).toBeGreaterThanOrEqual(3000);
    for (const p of products) expect(lowestSellable(p)).toBeLessThanOrEqual(5000);
    expect(slugs(products)).toContain("two-price-lamp");
    expect(slugs((await allPages({ maxPrice: "4999" })).products)).not.toContain("two-price-lamp");
    // what is left out is exactly what is out of range
    const all = (await allPages({ currency: "USD" })).products;
    const expected = all.filter((p) => { const x = lowestSellable(p); return x !== null && x >= 3000 && x <= 5000; });
    expect(slugs(products).sort()).toEqual(slugs(expected).sort());
  });

  it("inStock keeps the products with a sellable variant in stock (false: only those without)", async () => {
    await db.product.create({
      data: { slug: "sold-out-kettle", name: "Sold Out Kettle", basePrice: 4200, currency: "USD", variants: { create: [{ sku: "KETTLE-1", stockQuantity: 0 }, { sku: "KETTLE-2", stockQuantity: 9, isActive: false }] } },
    });
    expect(slugs((await allPages({ inStock: "true" })).products)).not.toContain("sold-out-kettle");
    const soldOut = (await allPages({ inStock: "false" })).products;
    expect(slugs(soldOut)).toContain("sold-out-kettle");
    for (const p of soldOut) expect(p.variants.some((v) => v.available)).toBe(false);
  });
});

describe("sorting and paging", () => {
  it("without q or sort the order is the catalog's (by id), as before", async () => {
    const { products } = await allPages({});
    const ids = products.map((p) => p.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids.length).toBe(await activeProductCount());
  });

  it("price_asc and price_desc order by the lowest sellable price, ties by id", async () => {
    const asc = (await allPages({ sort: "price_asc", currency: "USD" })).products;
    const prices = asc.map((p) => lowestSellable(p) ?? Number.MAX_SAFE_INTEGER);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    const desc = (await allPages({ sort: "price_desc", currency: "USD" })).products;
    const dPrices = desc.map((p) => lowestSellable(p) ?? -1);
    expect(dPrices).toEqual([...dPrices].sort((a, b) => b - a));
    expect(desc[0]!.slug).toBe("rolltop-backpack");
  });

  it("newest puts the latest product first", async () => {
    const made = await db.product.create({
      data: { slug: "brand-new-thing", name: "Brand New Thing", basePrice: 1000, currency: "USD", variants: { create: [{ sku: "NEW-1", stockQuantity: 1 }] } },
    });
    const { products } = await search({ sort: "newest", limit: "3" });
    expect(products[0]!.id).toBe(made.id);
    const all = (await allPages({ sort: "newest" })).products;
    const times = all.map((p) => Date.parse(p.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it.each([...SORTS, "none"])("cursor paging visits every product exactly once (sort %s, limit 3)", async (sort) => {
    const params: Record<string, string> = sort === "none" ? { limit: "3" } : { sort, limit: "3" };
    const { products, pages } = await allPages(params);
    const ids = products.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(await activeProductCount());
    expect(pages).toBe(Math.ceil(ids.length / 3));
    // the same order as one big page
    expect(ids).toEqual((await search({ ...params, limit: "100" })).products.map((p) => p.id));
  });

  it("cursor paging with a query visits every match exactly once, best first", async () => {
    const one = (await search({ q: "canvas", limit: "100" })).products.map((p) => p.id);
    expect(one.length).toBeGreaterThanOrEqual(3);
    const paged = (await allPages({ q: "canvas", limit: "1" })).products.map((p) => p.id);
    expect(paged).toEqual(one);
  });

  it("a page boundary does not move when a product before it is removed", async () => {
    const first = await search({ sort: "price_asc", limit: "4" });
    const expectedNext = (await search({ sort: "price_asc", limit: "8" })).products.slice(4).map((p) => p.id);
    await db.product.update({ where: { id: first.products[0]!.id }, data: { isActive: false } });
    try {
      const next = await search({ sort: "price_asc", limit: "4", cursor: first.nextCursor! });
      expect(next.products.map((p) => p.id)).toEqual(expectedNext);
    } finally {
      await db.product.update({ where: { id: first.products[0]!.id }, data: { isActive: true } });
    }
  });
});

describe("limit", () => {
  it("defaults to 50 and clamps larger values to 100", async () => {
    await db.product.createMany({
      data: Array.from({ length: 110 }, (_, i) => ({ slug: `bulk-item-${i}`, name: `Bulk Item ${i}`, basePrice: 500 + i, currency: "USD" })),
    });
    expect((await search({})).products).toHaveLength(50);
    const clamped = await search({ limit: "100000" });
    expect(clamped.products).toHaveLength(MAX_LIMIT);
    expect(clamped.nextCursor).not.toBeNull();
    expect((await search({ limit: "1" })).products).toHaveLength(1);
  });
});

describe("bad parameters are 400 validation_failed naming the parameter", () => {
  it.each([
    [{ sort: "cheapest" }, "sort"],
    [{ limit: "0" }, "limit"],
    [{ limit: "-5" }, "limit"],
    [{ limit: "ten" }, "limit"],
    [{ minPrice: "1.50" }, "minPrice"],
    [{ minPrice: "-1" }, "minPrice"],
    [{ maxPrice: "99999999999" }, "maxPrice"],
    [{ minPrice: "500", maxPrice: "100" }, "maxPrice"],
    [{ inStock: "yes" }, "inStock"],
    [{ currency: "dollars" }, "currency"],
    [{ category: "Bags & Carry" }, "category"],
    [{ q: "x".repeat(201) }, "q"],
    [{ cursor: "not a cursor" }, "cursor"],
    [{ cursor: "eyJ2IjoxfQ" }, "cursor"],
  ])("%j", async (params, field) => {
    const attempt = search(params as Record<string, string>);
    await expect(attempt).rejects.toBeInstanceOf(DomainError);
    const err = (await attempt.catch((e: unknown) => e)) as DomainError;
    expect(err.code).toBe("validation_failed");
    expect(err.httpStatus).toBe(400);
    expect(Object.keys((err.details as { fieldErrors: Record<string, string[]> }).fieldErrors)).toContain(field);
  });

  it("a cursor made for another sort order is refused", async () => {
    const { nextCursor } = await search({ sort: "price_asc", limit: "2" });
    await expect(search({ sort: "newest", limit: "2", cursor: nextCursor! })).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("blank values (an empty form field) mean absent", async () => {
    const { products } = await search({ q: "", minPrice: "", sort: "", limit: "2", inStock: "" });
    expect(products).toHaveLength(2);
  });
});

describe("categories", () => {
  it("lists every seeded category with its count of active products", async () => {
    const categories = await listCategories(db);
    expect(categories.map((c) => c.slug)).toEqual(seedCategories.map((c) => c.slug));
    for (const c of seedCategories) expect(categories.find((x) => x.slug === c.slug)!.productCount).toBe(c.productSlugs.length);
    expect(categories.some((c) => c.productCount >= 3)).toBe(true);
  });

  it("an inactive product is not counted", async () => {
    const tote = await db.product.findUniqueOrThrow({ where: { slug: "waxed-canvas-tote" } });
    await db.product.update({ where: { id: tote.id }, data: { isActive: false } });
    try {
      expect((await listCategories(db)).find((c) => c.slug === "bags")!.productCount).toBe(2);
    } finally {
      await db.product.update({ where: { id: tote.id }, data: { isActive: true } });
    }
  });

  it("a product carries its categories and its gallery (main image first, variant images marked)", async () => {
    const { products } = await search({ q: "classic tee" });
    const tee = products.find((p) => p.slug === "classic-tee")!;
    expect(tee.categories).toEqual([{ slug: "apparel", name: "Apparel" }]);
    expect(tee.images[0]).toMatchObject({ url: tee.imageUrl, variantId: null });
    const white = tee.images.find((i) => i.url.endsWith("classic-tee-white.svg"))!;
    expect(tee.variants.find((v) => v.id === white.variantId)?.attributes.color).toBe("White");
  });

  it("an image URL must be a same-origin path or https (no javascript:, data: or protocol-relative URLs)", async () => {
    const tee = await db.product.findUniqueOrThrow({ where: { slug: "classic-tee" } });
    for (const url of ["javascript:alert(1)", "data:image/svg+xml,<svg/>", "//evil.example/x.png", "http://evil.example/x.png"])
      await expect(db.productImage.create({ data: { productId: tee.id, url, alt: "x" } }), url).rejects.toThrow();
    const ok = await db.productImage.create({ data: { productId: tee.id, url: "https://cdn.example/tee.png", alt: "ok", position: 9 } });
    await db.productImage.delete({ where: { id: ok.id } });
  });
});
