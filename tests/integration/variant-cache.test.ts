import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { VariantInfoCache, forgetVariantInfo, variantInfoCache } from "@/lib/catalog/variant-cache";
import { updateVariant } from "@/lib/admin/variants";
import { countingRawStatements } from "../support/raw-statements";

// The carts' short-lived catalog copy, against the real PostgreSQL: what it serves, when it reads again.

let db: PrismaClient;

beforeAll(() => {
  db = createPrismaClient(process.env.DATABASE_URL!, 4);
});

afterAll(async () => {
  await db.$disconnect();
});

async function makeVariant(stock: number, price = 1500): Promise<number> {
  const tag = randomUUID().slice(0, 8);
  const p = await db.product.create({
    data: { slug: `vc-${tag}`, name: `Cache Mug ${tag}`, basePrice: price, currency: "USD", variants: { create: [{ sku: `VC-${tag}`, stockQuantity: stock }] } },
    include: { variants: true },
  });
  return p.variants[0]!.id;
}

const setStock = (id: number, stock: number) => db.productVariant.update({ where: { id }, data: { stockQuantity: stock } });

describe("VariantInfoCache", () => {
  it("serves a copy within its ttl and reads PostgreSQL again after it", async () => {
    let now = 1_000_000;
    const cache = new VariantInfoCache(1000, 100, () => now);
    const id = await makeVariant(5);
    expect((await cache.get(db, [id])).get(id)).toMatchObject({ id, stock: 5, price: 1500, currency: "USD", variantActive: true, productActive: true });
    await setStock(id, 2);
    now += 999;
    expect((await cache.get(db, [id])).get(id)?.stock).toBe(5); // the copy, still young enough
    now += 1;
    expect((await cache.get(db, [id])).get(id)?.stock).toBe(2); // expired: read again
  });

  it("with ttl 0 always reads PostgreSQL", async () => {
    const cache = new VariantInfoCache(0);
    const id = await makeVariant(5);
    await cache.get(db, [id]);
    await setStock(id, 1);
    expect((await cache.get(db, [id])).get(id)?.stock).toBe(1);
  });

  it("does not remember a variant that does not exist, and reads only what it lacks", async () => {
    const cache = new VariantInfoCache(60_000);
    const a = await makeVariant(3);
    expect((await cache.get(db, [a, 2_000_000_000])).has(2_000_000_000)).toBe(false);
    await setStock(a, 9);
    const b = await makeVariant(4);
    const both = await cache.get(db, [a, b]);
    expect(both.get(a)?.stock).toBe(3); // cached
    expect(both.get(b)?.stock).toBe(4); // read
  });

  it("forgets given variants, or all, and keeps at most maxEntries", async () => {
    const cache = new VariantInfoCache(60_000, 2);
    const [a, b, c] = [await makeVariant(1), await makeVariant(1), await makeVariant(1)];
    await cache.get(db, [a, b]);
    await Promise.all([setStock(a, 7), setStock(b, 7)]);
    cache.forget([a]);
    expect((await cache.get(db, [a])).get(a)?.stock).toBe(7);
    expect((await cache.get(db, [b])).get(b)?.stock).toBe(1);
    await cache.get(db, [c]); // a third entry: the least recently loaded (b) goes
    expect((await cache.get(db, [b])).get(b)?.stock).toBe(7);
    cache.forget();
    await setStock(c, 8);
    expect((await cache.get(db, [c])).get(c)?.stock).toBe(8);
  });

  it("an admin change of a variant is forgotten at once by the process's cache", async () => {
    const cache = variantInfoCache(60_000);
    const id = await makeVariant(5, 1000);
    expect((await cache.get(db, [id])).get(id)?.price).toBe(1000);
    await updateVariant(db, id, { priceOverride: 1250, stock: 2 });
    expect((await cache.get(db, [id])).get(id)).toMatchObject({ price: 1250, stock: 2 });
    await setStock(id, 0);
    forgetVariantInfo([id]);
    expect((await cache.get(db, [id])).get(id)?.stock).toBe(0);
  });

  it("50 requests that find a variant's copy expired at once send ONE statement, and all get what it read", async () => {
    let now = 1_000_000;
    const cache = new VariantInfoCache(1000, 100, () => now);
    const { db: c, statements } = countingRawStatements(db);
    const [a, b] = [await makeVariant(5), await makeVariant(6)];
    await cache.get(c, [a]);
    expect(statements()).toBe(1);
    await setStock(a, 3);
    now += 1000; // a's copy expires
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => cache.get(c, i % 2 ? [a, b] : [a])));
    // one read of a (with b, or a alone: whichever request came first) and at most one of b
    expect(statements()).toBeLessThanOrEqual(3);
    expect(statements()).toBeGreaterThanOrEqual(2);
    for (const [i, m] of answers.entries()) {
      expect(m.get(a)?.stock).toBe(3);
      if (i % 2) expect(m.get(b)?.stock).toBe(6);
    }
    await cache.get(c, [a, b]); // both copies are young now
    const after = statements();
    await cache.get(c, [a, b]);
    expect(statements()).toBe(after);
  });

  it("a request after a variant is forgotten does not wait for a read that began before", async () => {
    const cache = new VariantInfoCache(60_000);
    const { db: c, statements } = countingRawStatements(db);
    const id = await makeVariant(5);
    const first = cache.get(c, [id]); // under way
    cache.forget([id]);
    await setStock(id, 2);
    const second = await cache.get(c, [id]);
    expect(statements()).toBe(2);
    expect(second.get(id)?.stock).toBe(2);
    expect([5, 2]).toContain((await first).get(id)?.stock);
    // the copy kept is the read that began after the change
    expect((await cache.get(c, [id])).get(id)?.stock).toBe(2);
    expect(statements()).toBe(2);
  });
});
