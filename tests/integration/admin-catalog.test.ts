import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { resetEnvCache } from "@/lib/env";
import { auditOf } from "@/lib/audit";
import { findProduct } from "@/lib/catalog";
import { productQuerySchema, queryObject, searchProducts } from "@/lib/catalog/search";
import { parseWith } from "@/lib/http/handler";
import {
  createCategory,
  createProduct,
  createVariant,
  getProduct,
  productFormToInput,
  slugify,
  updateProduct,
  variantFormToInput,
} from "@/lib/admin/products";
import { updateVariant } from "@/lib/admin/variants";

// The admin catalog (products, variants, categories, images) against the real PostgreSQL of the run: the lib
// functions the server actions call, and the route handlers a headless client calls (with ADMIN_API_TOKEN).

const TOKEN = "admin-catalog-test-token-0123456789";
process.env.ADMIN_API_TOKEN = TOKEN;
resetEnvCache();

let db: PrismaClient;
const ACTOR = "cat@example.test (u1)";

beforeAll(() => {
  db = createPrismaClient(process.env.DATABASE_URL!, 30);
});
afterAll(async () => {
  await db.$disconnect();
});

const tag = () => randomUUID().slice(0, 8);

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

const fieldErrors = (e: DomainError) => (e.details?.fieldErrors ?? {}) as Record<string, string[]>;

const api = (path: string, method: string, body?: unknown) =>
  new Request(`http://test${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
const ctx = (id: number | string) => ({ params: Promise.resolve({ id: String(id) }) });

describe("money typed in the form", () => {
  it("reads major units with the currency's exponent, without floats; refuses more decimals than the currency has", async () => {
    const cases: [string, string, number][] = [
      ["USD", "19.99", 1999],
      ["JPY", "500", 500],
      ["KWD", "1.500", 1500],
      ["USD", "0.1", 10],
      ["USD", "1.005", NaN],
    ];
    for (const [currency, text, minor] of cases) {
      const form = { name: `Money ${currency} ${tag()}`, currency, basePrice: text };
      if (Number.isNaN(minor)) {
        const e = await rejection(Promise.resolve().then(() => productFormToInput(form)));
        expect(e.code).toBe("validation_failed");
        continue;
      }
      const p = await createProduct(db, productFormToInput(form), ACTOR);
      expect([p.currency, p.basePrice]).toEqual([currency, minor]);
      expect((await db.product.findUniqueOrThrow({ where: { id: p.id } })).basePrice).toBe(minor);
    }
  });

  it('"19.999" USD is refused under basePrice (never rounded), with the other fields\' errors at once; nothing is written', async () => {
    const name = `Refused ${tag()}`;
    const e = await rejection(Promise.resolve().then(() => productFormToInput({ name, currency: "USD", basePrice: "19.999", slug: "Not A Slug!" })));
    expect(e.code).toBe("validation_failed");
    expect(Object.keys(fieldErrors(e)).sort()).toEqual(["basePrice", "slug"]);
    expect(await db.product.count({ where: { name } })).toBe(0);
    // "500.5" JPY and "1,000" are refused too
    expect(() => productFormToInput({ name, currency: "JPY", basePrice: "500.5" })).toThrow(DomainError);
    expect(() => productFormToInput({ name, currency: "USD", basePrice: "1,000" })).toThrow(DomainError);
    expect(() => productFormToInput({ name, currency: "USD", basePrice: "-1" })).toThrow(DomainError);
  });

  it("a variant's price override typed in the product's currency; empty means the base price", () => {
    expect(variantFormToInput({ sku: "X", priceOverride: "2.5", stock: "7" }, "USD")).toEqual({ sku: "X", priceOverride: 250, stock: 7 });
    expect(variantFormToInput({ sku: "X", priceOverride: "", stock: "0" }, "KWD")).toEqual({ sku: "X", priceOverride: null, stock: 0 });
    expect(() => variantFormToInput({ sku: "X", priceOverride: "2.505", stock: "1" }, "USD")).toThrow(DomainError);
  });
});

describe("products", () => {
  it("creates with a derived slug, the default currency, categories and ordered images; edits; deactivates; audited", async () => {
    const t = tag();
    const category = await createCategory(db, { name: `Bags ${t}` }, ACTOR);
    expect(category.slug).toBe(`bags-${t}`);
    const p = await createProduct(
      db,
      {
        name: `Café Tote ${t}`,
        description: "A sturdy waxed canvas tote",
        basePrice: 3200,
        categoryIds: [category.id],
        images: [
          { url: "https://cdn.example.test/tote-front.jpg", alt: "Front" },
          { url: "/products/tote-back.svg", alt: "Back" },
        ],
      },
      ACTOR,
    );
    expect(p).toMatchObject({ slug: `cafe-tote-${t}`, currency: "USD", basePrice: 3200, isActive: true, variants: [] });
    expect(p.categories.map((c) => c.slug)).toEqual([category.slug]);
    expect(p.images.map((i) => [i.url, i.position])).toEqual([
      ["https://cdn.example.test/tote-front.jpg", 0],
      ["/products/tote-back.svg", 1],
    ]);

    const v = await createVariant(db, p.id, { sku: `tote-${t}-olive`, attributes: { color: "Olive" }, stock: 4 }, ACTOR);
    expect(v).toMatchObject({ sku: `TOTE-${t.toUpperCase()}-OLIVE`, price: 3200, priceOverride: null, stock: 4, available: true, isActive: true });

    const edited = await updateProduct(
      db,
      p.id,
      { name: `Waxed Tote ${t}`, slug: `waxed-tote-${t}`, basePrice: 3500, images: [{ url: "/products/tote-back.svg", alt: "Back", variantId: v.id }] },
      ACTOR,
    );
    expect(edited).toMatchObject({ name: `Waxed Tote ${t}`, slug: `waxed-tote-${t}`, basePrice: 3500 });
    expect(edited.images).toMatchObject([{ url: "/products/tote-back.svg", variantId: v.id, position: 0 }]);
    expect(edited.variants[0]!.price).toBe(3500);
    // the storefront: the main image is the first of the gallery
    expect((await findProduct(db, `waxed-tote-${t}`))?.imageUrl).toBe("/products/tote-back.svg");

    await updateProduct(db, p.id, { isActive: false }, "other@example.test (u2)");
    expect(await findProduct(db, `waxed-tote-${t}`)).toBeNull();
    expect((await getProduct(db, p.id)).isActive).toBe(false);

    const rows = await auditOf(db, `product:${p.id}`);
    expect(rows.map((r) => [r.action, r.actor])).toEqual([
      ["product.create", ACTOR],
      ["product.update", ACTOR],
      ["product.deactivate", "other@example.test (u2)"],
    ]);
    expect(rows[1]).toMatchObject({ before: { basePrice: 3200, slug: `cafe-tote-${t}` }, after: { basePrice: 3500, slug: `waxed-tote-${t}` } });
    expect(rows[2]).toMatchObject({ before: { isActive: true }, after: { isActive: false } });
    expect((await auditOf(db, `variant:${v.id}`)).map((r) => r.action)).toEqual(["variant.create"]);
    expect((await auditOf(db, `category:${category.id}`)).map((r) => r.action)).toEqual(["category.create"]);
  });

  it("refuses bad input with field errors and writes nothing (no audit row either)", async () => {
    const t = tag();
    const e = await rejection(
      createProduct(
        db,
        {
          name: `Bad ${t}`,
          basePrice: 1.5,
          currency: "XXY",
          categoryIds: [2147483000],
          images: [{ url: "http://insecure.example/a.jpg" }, { url: "/\\evil.example/a.jpg" }, { url: "//evil.example/a.jpg" }, { url: "javascript:alert(1)" }],
          extra: 1,
        },
        ACTOR,
      ),
    );
    expect(e.code).toBe("validation_failed");
    expect(Object.keys(fieldErrors(e)).sort()).toEqual(["basePrice", "currency", "extra", "images.0.url", "images.1.url", "images.2.url", "images.3.url"]);
    const missing = await rejection(createProduct(db, { name: `Bad ${t}`, basePrice: 100, categoryIds: [2147483000] }, ACTOR));
    expect(Object.keys(fieldErrors(missing))).toEqual(["categoryIds"]);
    expect(await db.product.count({ where: { name: `Bad ${t}` } })).toBe(0);

    // an image may only show a variant of its own product; the currency never changes
    const a = await createProduct(db, { name: `A ${t}`, basePrice: 100 }, ACTOR);
    const b = await createProduct(db, { name: `B ${t}`, basePrice: 100, currency: "EUR" }, ACTOR);
    const bv = await createVariant(db, b.id, { sku: `B-${t}` }, ACTOR);
    const wrong = await rejection(updateProduct(db, a.id, { images: [{ url: "/a.svg", variantId: bv.id }] }, ACTOR));
    expect(Object.keys(fieldErrors(wrong))).toEqual(["images.0.variantId"]);
    const currency = await rejection(updateProduct(db, b.id, { currency: "USD" }, ACTOR));
    expect(Object.keys(fieldErrors(currency))).toEqual(["currency"]);
    expect((await updateProduct(db, b.id, { currency: "EUR", name: `B2 ${t}` }, ACTOR)).name).toBe(`B2 ${t}`);
    expect((await auditOf(db, `product:${a.id}`)).map((r) => r.action)).toEqual(["product.create"]);
    expect(slugify("  Ünïcödé -- Hoodie!! ")).toBe("unicode-hoodie");
  });

  it("a duplicate slug is 409 conflict, also when two creates race: one product, one conflict", async () => {
    const t = tag();
    await createProduct(db, { name: `Dup ${t}`, basePrice: 100 }, ACTOR);
    const e = await rejection(createProduct(db, { name: `Dup ${t}`, basePrice: 100 }, ACTOR));
    expect([e.code, e.httpStatus, Object.keys(fieldErrors(e))]).toEqual(["conflict", 409, ["slug"]]);

    const results = await Promise.allSettled(Array.from({ length: 6 }, () => createProduct(db, { name: `Race ${t}`, basePrice: 100 }, ACTOR)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as DomainError).code).toBe("conflict");
    expect(await db.product.count({ where: { slug: `race-${t}` } })).toBe(1);
    expect(await db.auditLog.count({ where: { action: "product.create", after: { path: ["slug"], equals: `race-${t}` } } })).toBe(1);
  });
});

describe("edits racing", () => {
  it("two renames to one slug at the same moment: one wins, one 409; concurrent category sets never mix", async () => {
    const t = tag();
    const [a, b] = await Promise.all([createProduct(db, { name: `Ra ${t}`, basePrice: 100 }, ACTOR), createProduct(db, { name: `Rb ${t}`, basePrice: 100 }, ACTOR)]);
    const results = await Promise.allSettled([updateProduct(db, a.id, { slug: `same-${t}` }, ACTOR), updateProduct(db, b.id, { slug: `same-${t}` }, ACTOR)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ code: "conflict" });
    expect(await db.product.count({ where: { slug: `same-${t}` } })).toBe(1);

    // each PATCH replaces the whole set under the product's row lock: the result is exactly one of the sets sent
    const cats = await Promise.all(Array.from({ length: 6 }, (_, i) => createCategory(db, { name: `Set ${i} ${t}` }, ACTOR)));
    const sets = [0, 1, 2, 3, 4, 5].map((i) => [cats[i]!.id, cats[(i + 1) % 6]!.id]);
    const patched = await Promise.allSettled(sets.map((categoryIds) => updateProduct(db, a.id, { categoryIds }, ACTOR)));
    expect(patched.every((r) => r.status === "fulfilled")).toBe(true);
    const final = (await db.productCategory.findMany({ where: { productId: a.id } })).map((r) => r.categoryId).sort((x, y) => x - y);
    expect(sets.map((set) => [...set].sort((x, y) => x - y))).toContainEqual(final);
    expect((await auditOf(db, `product:${a.id}`)).filter((r) => r.action === "product.update")).toHaveLength(6 + (results[0]!.status === "fulfilled" ? 1 : 0));
  });

  it("two creates of one category slug: one category, one 409", async () => {
    const t = tag();
    const results = await Promise.allSettled([createCategory(db, { name: `Cat ${t}` }, ACTOR), createCategory(db, { name: `cat ${t}` }, ACTOR)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ code: "conflict" });
    expect(await db.category.count({ where: { slug: `cat-${t}` } })).toBe(1);
  });
});

describe("variants", () => {
  it("two creates with one SKU at the same moment (through the API): one 201, one 409; one variant, one audit row", async () => {
    const { POST } = await import("@/app/api/admin/products/[id]/variants/route");
    const t = tag();
    const p = await createProduct(db, { name: `Sku race ${t}`, basePrice: 900 }, ACTOR);
    const sku = `RACE-${t}`.toUpperCase();
    const responses = await Promise.all(
      Array.from({ length: 2 }, (_, i) => POST(api(`/api/admin/products/${p.id}/variants`, "POST", { sku: i === 0 ? sku : sku.toLowerCase(), stock: 3 }), ctx(p.id))),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
    const conflict = (await responses.find((r) => r.status === 409)!.json()) as { error: { code: string; details: { fieldErrors: object } } };
    expect(conflict.error.code).toBe("conflict");
    expect(Object.keys(conflict.error.details.fieldErrors)).toEqual(["sku"]);
    const rows = await db.productVariant.findMany({ where: { sku } });
    expect(rows).toHaveLength(1);
    expect(await auditOf(db, `variant:${rows[0]!.id}`)).toHaveLength(1);
  });

  it("many concurrent creates of one SKU across products: exactly one wins", async () => {
    const t = tag();
    const products = await Promise.all(Array.from({ length: 4 }, (_, i) => createProduct(db, { name: `Many ${i} ${t}`, basePrice: 100 }, ACTOR)));
    const results = await Promise.allSettled(products.flatMap((p) => [createVariant(db, p.id, { sku: `MANY-${t}` }, ACTOR), createVariant(db, p.id, { sku: `many-${t}` }, ACTOR)]));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as DomainError).code).toBe("conflict");
    expect(await db.productVariant.count({ where: { sku: `MANY-${t}`.toUpperCase() } })).toBe(1);
  });

  it("PATCH /api/admin/variants/{id} edits sku, attributes and isActive (audited); a taken SKU is 409; deactivated variants leave the shop", async () => {
    const { PATCH } = await import("@/app/api/admin/variants/[id]/route");
    const t = tag();
    const p = await createProduct(db, { name: `Edit v ${t}`, basePrice: 1200 }, ACTOR);
    const a = await createVariant(db, p.id, { sku: `EA-${t}`, attributes: { size: "M" }, stock: 2 }, ACTOR);
    const b = await createVariant(db, p.id, { sku: `EB-${t}`, attributes: { size: "L" }, stock: 2, priceOverride: 1500 }, ACTOR);

    const ok = await PATCH(api(`/api/admin/variants/${a.id}`, "PATCH", { sku: `ea2-${t}`, attributes: { size: "S", color: "Red" } }), ctx(a.id));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { variant: unknown }).variant).toMatchObject({ sku: `EA2-${t}`.toUpperCase(), attributes: { size: "S", color: "Red" } });
    const taken = await PATCH(api(`/api/admin/variants/${a.id}`, "PATCH", { sku: `EB-${t}` }), ctx(a.id));
    expect(taken.status).toBe(409);
    const badAttrs = await PATCH(api(`/api/admin/variants/${a.id}`, "PATCH", { attributes: { "Not A Key": "x", size: "" } }), ctx(a.id));
    expect(badAttrs.status).toBe(400);

    await updateVariant(db, b.id, { isActive: false }, ACTOR);
    const shop = await findProduct(db, `edit-v-${t}`);
    expect(shop?.variants.map((v) => v.sku)).toEqual([`EA2-${t}`.toUpperCase()]);
    const audit = await auditOf(db, `variant:${a.id}`);
    expect(audit.map((r) => r.action)).toEqual(["variant.create", "variant.update"]);
    expect(audit[1]).toMatchObject({ before: { sku: `EA-${t}`.toUpperCase(), attributes: { size: "M" } }, after: { sku: `EA2-${t}`.toUpperCase() } });
    expect((await auditOf(db, `variant:${b.id}`))[1]).toMatchObject({ before: { isActive: true }, after: { isActive: false } });
  });
});

describe("the API", () => {
  it("POST /api/admin/products -> 201; GET and PATCH /api/admin/products/{id}; POST /api/admin/categories -> 201", async () => {
    const products = await import("@/app/api/admin/products/route");
    const one = await import("@/app/api/admin/products/[id]/route");
    const categories = await import("@/app/api/admin/categories/route");
    const t = tag();

    const cat = await categories.POST(api("/api/admin/categories", "POST", { name: `Lamps ${t}`, slug: `lamps-${t}` }), {});
    expect(cat.status).toBe(201);
    const category = ((await cat.json()) as { category: { id: number; slug: string } }).category;
    expect((await categories.POST(api("/api/admin/categories", "POST", { name: `Lamps ${t}` }), {})).status).toBe(409);

    const created = await products.POST(api("/api/admin/products", "POST", { name: `Brass Desk Lamp ${t}`, basePrice: 8900, currency: "usd", description: "Polished brass", categoryIds: [category.id] }), {});
    expect(created.status).toBe(201);
    const product = ((await created.json()) as { product: { id: number; slug: string; currency: string } }).product;
    expect(product.currency).toBe("USD");
    expect((await one.GET(api(`/api/admin/products/${product.id}`, "GET"), ctx(product.id))).status).toBe(200);
    const patched = await one.PATCH(api(`/api/admin/products/${product.id}`, "PATCH", { description: "Polished brass with a linen shade" }), ctx(product.id));
    expect(patched.status).toBe(200);
    expect((await one.PATCH(api(`/api/admin/products/${product.id}`, "PATCH", {}), ctx(product.id))).status).toBe(400);
    expect((await one.GET(api("/api/admin/products/2147483000", "GET"), ctx(2147483000))).status).toBe(404);
    expect((await products.POST(api("/api/admin/products", "POST", { name: `Brass Desk Lamp ${t}`, basePrice: 1 }), {})).status).toBe(409);

    // a product with a sellable variant shows in GET /api/products, its category and search (also with a typo)
    const { POST: addVariant } = await import("@/app/api/admin/products/[id]/variants/route");
    expect((await addVariant(api(`/api/admin/products/${product.id}/variants`, "POST", { sku: `LAMP-${t}`, stock: 5 }), ctx(product.id))).status).toBe(201);
    const search = async (params: Record<string, string>) =>
      (await searchProducts(db, parseWith(productQuerySchema, queryObject({ ...params, limit: "100" })))).products.map((p) => p.slug);
    expect(await search({ category: category.slug })).toEqual([product.slug]);
    expect(await search({ q: `brass ${t}` })).toContain(product.slug);
    expect(await search({ q: "linen shade", category: category.slug })).toEqual([product.slug]);
    const { GET: listProducts } = await import("@/app/api/products/route");
    const listed = (await (await listProducts(new Request(`http://test/api/products?category=${category.slug}`), {} as never)).json()) as { products: { slug: string; variants: { sku: string; price: number }[] }[] };
    expect(listed.products).toMatchObject([{ slug: product.slug, variants: [{ sku: `LAMP-${t}`.toUpperCase(), price: 8900 }] }]);
  });
});
