import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CODE_TAKEN_MESSAGE,
  createDiscount,
  getDiscount,
  listDiscounts,
  setDiscountActive,
  updateDiscount,
  type DiscountJson,
} from "@/lib/admin/discounts";
import { updateVariant } from "@/lib/admin/variants";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { DomainError, toErrorResponse } from "@/lib/errors";

let db: PrismaClient;
let productA: number;
let productB: number;
let variantId: number;
const NOW = new Date("2026-06-01T12:00:00Z");

const code = (tag = "T") => `${tag}${randomBytes(4).toString("hex")}`.toUpperCase();

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (e === null) throw new Error("expected a rejection");
  // ZodErrors become validation_failed in the one mapper, exactly as the routes and actions answer
  const { body } = toErrorResponse(e);
  return new DomainError(body.error.code, body.error.message, body.error.details);
}

async function fieldErrors(p: Promise<unknown>): Promise<Record<string, string[]>> {
  const e = await rejection(p);
  expect(e.code).toBe("validation_failed");
  return (e.details?.fieldErrors ?? {}) as Record<string, string[]>;
}

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 5);
  const make = (slug: string) =>
    db.product.create({
      data: {
        slug: `${slug}-${randomBytes(4).toString("hex")}`,
        name: `Admin ${slug}`,
        basePrice: 2000,
        currency: "USD",
        variants: { create: [{ sku: `ADM-${randomBytes(5).toString("hex")}`, attributes: { size: "M" }, stockQuantity: 5 }] },
      },
      include: { variants: true },
    });
  const a = await make("admin-a");
  const b = await make("admin-b");
  productA = a.id;
  productB = b.id;
  variantId = a.variants[0]!.id;
});

afterAll(async () => {
  await db.$disconnect();
});

describe("createDiscount", () => {
  it("creates each type, stores percents as basis points, returns the API shape with status", async () => {
    const pct = await createDiscount(db, { code: code("pct").toLowerCase(), type: "PERCENTAGE", value: 12.5 }, NOW);
    expect(pct.code).toMatch(/^PCT[0-9A-F]{8}$/);
    expect(pct).toMatchObject({ type: "PERCENTAGE", value: 12.5, usesCount: 0, isActive: true, status: "active", applicableProductIds: null });
    expect((await db.discount.findUniqueOrThrow({ where: { id: pct.id } })).value).toBe(1250);
    expect(Object.keys(pct).sort()).toEqual(
      [
        "applicableProductIds", "buyQuantity", "code", "currency", "getQuantity", "id", "isActive", "maxApplications", "maxUses",
        "maxUsesPerCustomer", "minOrderAmount", "status", "type", "usesCount", "validFrom", "validUntil", "value", "class", "combinesWith", "automatic", "title", "maxDiscountAmount", "discountGiven", "tiers", "getProductIds",
      ].sort(),
    );

    const fixed = await createDiscount(db, { code: code("fix"), type: "FIXED_AMOUNT", value: 500, currency: "usd", minOrderAmount: 3000 }, NOW);
    expect(fixed).toMatchObject({ type: "FIXED_AMOUNT", value: 500, currency: "USD", minOrderAmount: 3000 });
    expect((await db.discount.findUniqueOrThrow({ where: { id: fixed.id } })).value).toBe(500);

    const ship = await createDiscount(db, { code: code("ship"), type: "FREE_SHIPPING", currency: "USD", minOrderAmount: 5000 }, NOW);
    expect(ship).toMatchObject({ type: "FREE_SHIPPING", value: 0 });

    const bxgy = await createDiscount(
      db,
      { code: code("bxgy"), type: "BUY_X_GET_Y", value: 100, buyQuantity: 2, getQuantity: 1, maxApplications: 3, applicableProductIds: [productA, productB, productA] },
      NOW,
    );
    expect(bxgy).toMatchObject({ value: 100, buyQuantity: 2, getQuantity: 1, maxApplications: 3, applicableProductIds: [productA, productB] });
    expect((await db.discount.findUniqueOrThrow({ where: { id: bxgy.id } })).value).toBe(10000);

    const windowed = await createDiscount(
      db,
      {
        code: code("win"),
        type: "PERCENTAGE",
        value: 0.01,
        maxUses: 10,
        maxUsesPerCustomer: 1,
        validFrom: "2026-05-01T00:00:00+02:00",
        validUntil: "2026-07-01T00:00:00Z",
        isActive: false,
      },
      NOW,
    );
    expect(windowed).toMatchObject({
      value: 0.01,
      validFrom: "2026-04-30T22:00:00.000Z",
      validUntil: "2026-07-01T00:00:00.000Z",
      maxUses: 10,
      maxUsesPerCustomer: 1,
      status: "inactive",
    });

    const listed = await listDiscounts(db, NOW);
    const ids = listed.map((d) => d.id);
    for (const d of [pct, fixed, ship, bxgy, windowed]) expect(ids).toContain(d.id);
    expect(await getDiscount(db, bxgy.id, NOW)).toEqual(bxgy);
  });

  it("refuses bad input field by field, and writes nothing", async () => {
    const before = await db.discount.count();
    const base = { code: code(), type: "PERCENTAGE", value: 10 };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, code: "AB" }, "code"],
      [{ ...base, code: "x".repeat(33) }, "code"],
      [{ ...base, code: "NO SPACES" }, "code"],
      [{ ...base, code: undefined }, "code"],
      [{ ...base, type: "BOGO" }, "type"],
      [{ ...base, value: 0 }, "value"],
      [{ ...base, value: 100.01 }, "value"],
      [{ ...base, value: 12.345 }, "value"],
      [{ ...base, value: "10" }, "value"],
      [{ ...base, value: undefined }, "value"],
      [{ ...base, type: "FIXED_AMOUNT", value: 500 }, "currency"],
      [{ ...base, type: "FIXED_AMOUNT", value: 5.5, currency: "USD" }, "value"],
      [{ ...base, type: "FIXED_AMOUNT", value: 0, currency: "USD" }, "value"],
      [{ ...base, type: "FIXED_AMOUNT", value: 500, currency: "XYZ" }, "currency"],
      [{ ...base, type: "FREE_SHIPPING", value: 5 }, "value"],
      [{ ...base, minOrderAmount: 1000 }, "currency"],
      [{ ...base, minOrderAmount: 0, currency: "USD" }, "minOrderAmount"],
      [{ ...base, minOrderAmount: 10.5, currency: "USD" }, "minOrderAmount"],
      [{ ...base, maxUses: 0 }, "maxUses"],
      [{ ...base, maxUsesPerCustomer: 0 }, "maxUsesPerCustomer"],
      [{ ...base, type: "BUY_X_GET_Y", value: 100, getQuantity: 1 }, "buyQuantity"],
      [{ ...base, type: "BUY_X_GET_Y", value: 100, buyQuantity: 2 }, "getQuantity"],
      [{ ...base, type: "BUY_X_GET_Y", value: 100, buyQuantity: 2, getQuantity: 0 }, "getQuantity"],
      [{ ...base, type: "BUY_X_GET_Y", value: 100, buyQuantity: 2, getQuantity: 1, maxApplications: 0 }, "maxApplications"],
      [{ ...base, buyQuantity: 2 }, "buyQuantity"],
      [{ ...base, maxApplications: 2 }, "maxApplications"],
      [{ ...base, validFrom: "2026-07-01T00:00:00Z", validUntil: "2026-07-01T00:00:00Z" }, "validUntil"],
      [{ ...base, validFrom: "2026-07-01" }, "validFrom"],
      [{ ...base, validUntil: "2026-07-01T10:00" }, "validUntil"],
      [{ ...base, applicableProductIds: [] }, "applicableProductIds"],
      [{ ...base, applicableProductIds: [2_000_000_000] }, "applicableProductIds"],
      [{ ...base, applicableProductIds: ["1"] }, "applicableProductIds.0"],
      [{ ...base, isActive: "yes" }, "isActive"],
      [{ ...base, usesCount: 5 }, "usesCount"],
      [{ ...base, surprise: true }, "surprise"],
    ];
    for (const [input, field] of cases) {
      const errors = await fieldErrors(createDiscount(db, input, NOW));
      expect(Object.keys(errors), JSON.stringify(input)).toContain(field);
    }
    // a field that fails parsing does not hide the type rules' errors on the other fields
    const both = await fieldErrors(createDiscount(db, { code: "x!", type: "PERCENTAGE", value: 150, minOrderAmount: 100 }, NOW));
    expect(Object.keys(both).sort()).toEqual(["code", "currency", "value"]);
    expect(await db.discount.count()).toBe(before);
  });

  it("refuses a code that exists in another case with a 409 conflict, also under concurrency", async () => {
    const c = code("dup");
    await createDiscount(db, { code: c, type: "PERCENTAGE", value: 10 }, NOW);
    const e = await rejection(createDiscount(db, { code: c.toLowerCase(), type: "FREE_SHIPPING" }, NOW));
    expect(e.code).toBe("conflict");
    expect(e.httpStatus).toBe(409);
    expect(e.message).toBe(CODE_TAKEN_MESSAGE);
    expect(e.details).toEqual({ fieldErrors: { code: [CODE_TAKEN_MESSAGE] } });

    const race = code("race");
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        createDiscount(db, { code: i % 2 ? race : race.toLowerCase(), type: "PERCENTAGE", value: 5 }, NOW),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results)
      if (r.status === "rejected") expect((r.reason as DomainError).code).toBe("conflict");
    expect(await db.discount.count({ where: { code: { equals: race, mode: "insensitive" } } })).toBe(1);
  });
});

describe("updateDiscount", () => {
  let d: DiscountJson;
  beforeAll(async () => {
    d = await createDiscount(db, { code: code("upd"), type: "PERCENTAGE", value: 10, applicableProductIds: [productA] }, NOW);
  });

  it("writes only what is sent; null clears; the code may change (upper-cased) but not to one that exists", async () => {
    const renamed = code("ren");
    const after = await updateDiscount(db, d.id, { code: renamed.toLowerCase(), value: 15, maxUses: 5, applicableProductIds: null }, NOW);
    expect(after).toMatchObject({ code: renamed, value: 15, maxUses: 5, applicableProductIds: null, type: "PERCENTAGE" });
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).value).toBe(1500);
    const cleared = await updateDiscount(db, d.id, { maxUses: null, type: "PERCENTAGE" }, NOW);
    expect(cleared).toMatchObject({ maxUses: null, value: 15, code: renamed });

    const other = await createDiscount(db, { code: code("oth"), type: "FREE_SHIPPING" }, NOW);
    const e = await rejection(updateDiscount(db, d.id, { code: other.code!.toLowerCase() }, NOW));
    expect(e.code).toBe("conflict");
    expect((await getDiscount(db, d.id, NOW)).code).toBe(renamed);
  });

  it("validates the merged result and refuses a change of type", async () => {
    expect(Object.keys(await fieldErrors(updateDiscount(db, d.id, { type: "FIXED_AMOUNT" }, NOW)))).toEqual(["type"]);
    expect(Object.keys(await fieldErrors(updateDiscount(db, d.id, { value: 150 }, NOW)))).toEqual(["value"]);
    expect(Object.keys(await fieldErrors(updateDiscount(db, d.id, { minOrderAmount: 1000 }, NOW)))).toEqual(["currency"]);
    expect(Object.keys(await fieldErrors(updateDiscount(db, d.id, { value: null }, NOW)))).toEqual(["value"]);
    await updateDiscount(db, d.id, { validUntil: "2026-07-01T00:00:00Z" }, NOW);
    expect(Object.keys(await fieldErrors(updateDiscount(db, d.id, { validFrom: "2026-08-01T00:00:00Z" }, NOW)))).toEqual(["validUntil"]);
    expect(Object.keys(await fieldErrors(updateDiscount(db, d.id, { id: 5 }, NOW)))).toEqual(["id"]);
    expect(await fieldErrors(updateDiscount(db, d.id, {}, NOW))).toEqual({ "": ["Send at least one field to change."] });
    expect((await getDiscount(db, d.id, NOW)).value).toBe(15);
    const fixed = await createDiscount(db, { code: code("fx"), type: "FIXED_AMOUNT", value: 500, currency: "USD" }, NOW);
    expect(Object.keys(await fieldErrors(updateDiscount(db, fixed.id, { currency: null }, NOW)))).toEqual(["currency"]);
    expect(await updateDiscount(db, fixed.id, { value: 750, currency: "EUR" }, NOW)).toMatchObject({ value: 750, currency: "EUR" });
  });

  it("keeps maxUses at or above the uses already made", async () => {
    const limited = await createDiscount(db, { code: code("lim"), type: "PERCENTAGE", value: 20, maxUses: 3 }, NOW);
    await db.discount.update({ where: { id: limited.id }, data: { usesCount: 2 } }); // as two checkouts would
    expect((await getDiscount(db, limited.id, NOW)).usesCount).toBe(2);
    const errors = await fieldErrors(updateDiscount(db, limited.id, { maxUses: 1 }, NOW));
    expect(errors.maxUses?.[0]).toContain("used 2 times");
    expect(await updateDiscount(db, limited.id, { maxUses: 2 }, NOW)).toMatchObject({ maxUses: 2, status: "exhausted" });
  });

  it("answers not_found for an unknown id", async () => {
    expect((await rejection(updateDiscount(db, 2_000_000_000, { isActive: false }, NOW))).code).toBe("not_found");
    expect((await rejection(getDiscount(db, 2_000_000_000, NOW))).code).toBe("not_found");
  });
});

describe("status", () => {
  it("is inactive, expired, exhausted, scheduled or active, in that order of precedence", async () => {
    const mk = (extra: Record<string, unknown>) => createDiscount(db, { code: code("st"), type: "PERCENTAGE", value: 5, ...extra }, NOW);
    expect((await mk({})).status).toBe("active");
    expect((await mk({ validFrom: "2026-06-02T00:00:00Z" })).status).toBe("scheduled");
    expect((await mk({ validUntil: "2026-06-01T12:00:00Z" })).status).toBe("expired"); // validUntil is exclusive
    expect((await mk({ validUntil: "2026-06-01T12:00:00.001Z" })).status).toBe("active");
    expect((await mk({ validFrom: "2026-05-01T00:00:00Z", validUntil: "2026-05-02T00:00:00Z", isActive: false })).status).toBe("inactive");

    const once = await mk({ maxUses: 1 });
    await db.discount.update({ where: { id: once.id }, data: { usesCount: 1 } });
    expect((await getDiscount(db, once.id, NOW)).status).toBe("exhausted");

    const toggled = await mk({});
    expect((await setDiscountActive(db, toggled.id, false, NOW)).status).toBe("inactive");
    expect((await setDiscountActive(db, toggled.id, true, NOW)).status).toBe("active");
  });
});

describe("updateVariant", () => {
  it("sets stock and the price override; null clears the override; bad input is refused", async () => {
    const v = await updateVariant(db, variantId, { stock: 0, priceOverride: 2500 });
    expect(v).toMatchObject({ id: variantId, productId: productA, stock: 0, price: 2500, priceOverride: 2500, available: false, attributes: { size: "M" } });
    expect(Object.keys(v).sort()).toEqual(["attributes", "available", "id", "isActive", "price", "priceOverride", "productId", "sku", "stock"]);
    const cleared = await updateVariant(db, variantId, { priceOverride: null, stock: 7 });
    expect(cleared).toMatchObject({ price: 2000, priceOverride: null, stock: 7, available: true });

    expect(Object.keys(await fieldErrors(updateVariant(db, variantId, { stock: -1 })))).toEqual(["stock"]);
    expect(Object.keys(await fieldErrors(updateVariant(db, variantId, { stock: 1.5 })))).toEqual(["stock"]);
    expect(Object.keys(await fieldErrors(updateVariant(db, variantId, { priceOverride: -5 })))).toEqual(["priceOverride"]);
    expect(Object.keys(await fieldErrors(updateVariant(db, variantId, { price: 5 })))).toEqual(["price"]);
    expect(Object.keys(await fieldErrors(updateVariant(db, variantId, {})))).toEqual([""]);
    expect((await rejection(updateVariant(db, 2_000_000_000, { stock: 1 }))).code).toBe("not_found");
    expect((await db.productVariant.findUniqueOrThrow({ where: { id: variantId } })).stockQuantity).toBe(7);
  });
});

describe("combinations (combinesWith and the derived class)", () => {
  it("a new discount combines with nothing by default; combinesWith is stored, answered with the derived class, and PATCHed as a whole", async () => {
    const plain = await createDiscount(db, { code: code("cmb"), type: "PERCENTAGE", value: 10 }, NOW);
    expect(plain).toMatchObject({ class: "order", combinesWith: { productDiscounts: false, orderDiscounts: false, shippingDiscounts: false } });

    const ship = await createDiscount(db, { code: code("cmbs"), type: "FREE_SHIPPING", combinesWith: { orderDiscounts: true } }, NOW);
    expect(ship).toMatchObject({ class: "shipping", combinesWith: { productDiscounts: false, orderDiscounts: true, shippingDiscounts: false } });
    const row = await db.discount.findUniqueOrThrow({ where: { id: ship.id } });
    expect([row.combinesWithProduct, row.combinesWithOrder, row.combinesWithShipping]).toEqual([false, true, false]);

    const product = await createDiscount(db, { code: code("cmbp"), type: "PERCENTAGE", value: 5, applicableProductIds: [productA] }, NOW);
    expect(product.class).toBe("product");

    const patched = await updateDiscount(db, plain.id, { combinesWith: { shippingDiscounts: true, productDiscounts: true } }, NOW);
    expect(patched.combinesWith).toEqual({ productDiscounts: true, orderDiscounts: false, shippingDiscounts: true });
    expect((await getDiscount(db, plain.id, NOW)).combinesWith).toEqual(patched.combinesWith);
  });

  it("refuses an unknown class or a non-boolean as 400 validation_failed on combinesWith", async () => {
    expect(Object.keys(await fieldErrors(createDiscount(db, { code: code("cmbx"), type: "FREE_SHIPPING", combinesWith: { everything: true } }, NOW)))).toEqual(["combinesWith.everything"]);
    expect(Object.keys(await fieldErrors(createDiscount(db, { code: code("cmby"), type: "FREE_SHIPPING", combinesWith: { orderDiscounts: "yes" } }, NOW)))).toContain(
      "combinesWith.orderDiscounts",
    );
  });
});

describe("automatic discounts (admin)", () => {
  it("an automatic discount needs a title and no code; a code needs a code; automatic cannot be switched by PATCH", async () => {
    expect(Object.keys(await fieldErrors(createDiscount(db, { type: "PERCENTAGE", value: 10, automatic: true }, NOW)))).toEqual(["title"]);
    expect(Object.keys(await fieldErrors(createDiscount(db, { code: code("aut"), type: "PERCENTAGE", value: 10, automatic: true, title: "T" }, NOW)))).toEqual(["code"]);
    expect(Object.keys(await fieldErrors(createDiscount(db, { type: "PERCENTAGE", value: 10 }, NOW)))).toEqual(["code"]);
    const auto = await createDiscount(db, { type: "PERCENTAGE", value: 10, automatic: true, title: "Ten off", isActive: false }, NOW);
    expect(auto).toMatchObject({ code: null, automatic: true, title: "Ten off" });
    expect(Object.keys(await fieldErrors(updateDiscount(db, auto.id, { automatic: false }, NOW)))).toEqual(["automatic"]);
    expect((await updateDiscount(db, auto.id, { title: "Ten percent off" }, NOW)).title).toBe("Ten percent off");
  });
});

describe("budgets (admin)", () => {
  it("maxDiscountAmount needs a currency, is stored and answered with what was given, and cannot go below what was given", async () => {
    expect(Object.keys(await fieldErrors(createDiscount(db, { code: code("bud"), type: "PERCENTAGE", value: 10, maxDiscountAmount: 5000 }, NOW)))).toEqual(["currency"]);
    const d = await createDiscount(db, { code: code("bud"), type: "PERCENTAGE", value: 10, currency: "USD", maxDiscountAmount: 5000 }, NOW);
    expect(d).toMatchObject({ maxDiscountAmount: 5000, discountGiven: 0 });
    await db.discount.update({ where: { id: d.id }, data: { discountGiven: 3000 } });
    expect(Object.keys(await fieldErrors(updateDiscount(db, d.id, { maxDiscountAmount: 2000 }, NOW)))).toEqual(["maxDiscountAmount"]);
    expect((await updateDiscount(db, d.id, { maxDiscountAmount: 3000 }, NOW)).maxDiscountAmount).toBe(3000);
  });
});

describe("tiers (admin)", () => {
  it("stores percent tiers as basis points and answers them in percent; refuses tiers with a value, out of order, or on the wrong type", async () => {
    const d = await createDiscount(db, { code: code("tier"), type: "PERCENTAGE", currency: "USD", tiers: [{ minSubtotal: 5000, value: 5 }, { minSubtotal: 10_000, value: 12.5 }] }, NOW);
    expect(d.tiers).toEqual([{ minSubtotal: 5000, value: 5 }, { minSubtotal: 10_000, value: 12.5 }]);
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).tiers).toEqual([{ minSubtotal: 5000, value: 500 }, { minSubtotal: 10_000, value: 1250 }]);
    const fixed = await createDiscount(db, { code: code("tierf"), type: "FIXED_AMOUNT", currency: "USD", tiers: [{ minQuantity: 3, value: 500 }] }, NOW);
    expect(fixed.tiers).toEqual([{ minQuantity: 3, value: 500 }]);
    expect(Object.keys(await fieldErrors(createDiscount(db, { code: code("tierx"), type: "PERCENTAGE", value: 5, tiers: [{ minQuantity: 2, value: 5 }] }, NOW)))).toEqual(["value"]);
    expect(Object.keys(await fieldErrors(createDiscount(db, { code: code("tiery"), type: "PERCENTAGE", tiers: [{ minQuantity: 4, value: 5 }, { minQuantity: 2, value: 10 }] }, NOW)))).toEqual(["tiers"]);
    expect(Object.keys(await fieldErrors(createDiscount(db, { code: code("tierz"), type: "FREE_SHIPPING", tiers: [{ minQuantity: 2, value: 5 }] }, NOW)))).toEqual(["tiers"]);
    expect((await updateDiscount(db, d.id, { tiers: null, value: 10 }, NOW)).tiers).toBeNull();
  });
});

describe("buy X get Y: getProductIds", () => {
  it("is created, read and patched (null = the buy side's products); refused on other types and for unknown products, changing nothing", async () => {
    const c = code("BG");
    const d = await createDiscount(db, { code: c, type: "BUY_X_GET_Y", value: 100, buyQuantity: 2, getQuantity: 1, applicableProductIds: [productA], getProductIds: [productB, productB] }, NOW);
    expect(d).toMatchObject({ applicableProductIds: [productA], getProductIds: [productB] });
    expect(await getDiscount(db, d.id, NOW)).toMatchObject({ getProductIds: [productB] });
    expect(await updateDiscount(db, d.id, { getProductIds: null }, NOW)).toMatchObject({ getProductIds: null });
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).getProductIds).toEqual([]);
    expect(await updateDiscount(db, d.id, { getProductIds: [productA, productB] }, NOW)).toMatchObject({ getProductIds: [productA, productB] });

    expect(await fieldErrors(createDiscount(db, { code: code("BG"), type: "PERCENTAGE", value: 10, getProductIds: [productB] }, NOW))).toMatchObject({
      getProductIds: ["Only for buy-X-get-Y discounts."],
    });
    expect(await fieldErrors(updateDiscount(db, d.id, { getProductIds: [2_000_000_000] }, NOW))).toMatchObject({
      getProductIds: ["No product with id 2000000000."],
    });
    expect(await fieldErrors(updateDiscount(db, d.id, { getProductIds: [] }, NOW))).toHaveProperty("getProductIds");
    expect((await getDiscount(db, d.id, NOW)).getProductIds).toEqual([productA, productB]);
  });
});
