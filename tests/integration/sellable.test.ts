import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, Prisma, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { sellable, sellableSql, sellableUnits, type SellableNeed } from "@/lib/catalog/sellable";
import { loadVariantInfo } from "@/lib/catalog";
import { keepMergeNotice, takeMergeNotice } from "@/lib/cart/merge-notice";

// The sellable rule is stated once in TypeScript (sellable) and once in SQL (sellableSql) for the statements that
// decide inside PostgreSQL: here the two are held equal on every combination, against the real database.

let db: PrismaClient;
let kv: RedisKvStore;

beforeAll(() => {
  db = createPrismaClient(process.env.DATABASE_URL!, 4);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}sellable:` });
});

afterAll(async () => {
  await kv.close();
  await db.$disconnect();
});

async function makeVariant(o: { productActive: boolean; variantActive: boolean; stock: number; currency: string }): Promise<number> {
  const tag = randomUUID().slice(0, 8);
  const p = await db.product.create({
    data: {
      slug: `sellable-${tag}`,
      name: `Sellable ${tag}`,
      basePrice: 1000,
      currency: o.currency,
      isActive: o.productActive,
      variants: { create: [{ sku: `SELL-${tag}`, stockQuantity: o.stock, isActive: o.variantActive }] },
    },
    include: { variants: true },
  });
  return p.variants[0]!.id;
}

describe("the sellable rule", () => {
  it("sellable and sellableSql agree for every combination of active flags, stock, currency and need", async () => {
    const cases: { productActive: boolean; variantActive: boolean; stock: number; currency: string }[] = [];
    for (const productActive of [true, false])
      for (const variantActive of [true, false])
        for (const stock of [0, 1, 3]) for (const currency of ["USD", "EUR"]) cases.push({ productActive, variantActive, stock, currency });
    const ids = await Promise.all(cases.map((c) => makeVariant(c)));
    const info = await loadVariantInfo(db, ids);
    const needs: SellableNeed[] = [{}, { quantity: 1 }, { quantity: 3 }, { currency: "USD" }, { currency: "EUR", quantity: 2 }];
    let yes = 0;
    for (const need of needs) {
      const rows = await db.$queryRaw<{ id: number; ok: boolean }[]>`
        SELECT v.id, ${sellableSql("v", "p", need)} AS ok
        FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.id = ANY(${ids}::int[])`;
      expect(rows).toHaveLength(ids.length);
      for (const r of rows) {
        const c = cases[ids.indexOf(r.id)]!;
        const expected = c.productActive && c.variantActive && (need.currency === undefined || need.currency === c.currency) && (need.quantity === undefined || c.stock >= need.quantity);
        expect({ id: r.id, need, sql: r.ok, ts: sellable(info.get(r.id), need) }).toEqual({ id: r.id, need, sql: expected, ts: expected });
        if (expected) yes++;
      }
    }
    expect(yes).toBeGreaterThan(0);
    // a variant that does not exist is never sellable, and 0 units of one that is not can be sold
    expect(sellable(undefined)).toBe(false);
    expect(sellableUnits(info.get(ids[cases.findIndex((c) => !c.variantActive && c.stock === 3)]!))).toBe(0);
  });

  it("sellableSql takes only table aliases, never text to splice into a statement", () => {
    expect(() => sellableSql("v; DROP TABLE products", "p")).toThrow(RangeError);
    expect(sellableSql("v", "p", { currency: "USD" })).toBeInstanceOf(Prisma.Sql);
  });

  it("a merge at sign-in brings in no unit of a variant that stopped being sellable, and says so", async () => {
    const service = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
    const live = await makeVariant({ productActive: true, variantActive: true, stock: 5, currency: "USD" });
    const gone = await makeVariant({ productActive: true, variantActive: true, stock: 5, currency: "USD" });
    const user = await db.user.create({ data: { email: `sellable-${randomUUID()}@example.test`, passwordHash: "x" } });
    const guest = await service.createGuestCart();
    await service.addItem(guest.id, { userId: null }, { variantId: live, quantity: 2 });
    await service.addItem(guest.id, { userId: null }, { variantId: gone, quantity: 2 });
    await db.productVariant.update({ where: { id: gone }, data: { isActive: false } });

    const result = await service.mergeGuestCart(guest.id, user.id);
    expect(result.merged).toBe(true);
    expect(result.cart.items.map((l) => [l.variantId, l.quantity])).toEqual([[live, 2]]);
    expect(result.capped).toEqual([expect.objectContaining({ variantId: gone, requested: 2, kept: 0 })]);
    // the cart page's notice (lib/cart/merge-notice): left by the merge, shown once
    await keepMergeNotice(kv, user.id, result.capped);
    const name = (await db.product.findFirstOrThrow({ where: { variants: { some: { id: gone } } } })).name;
    expect(await takeMergeNotice(kv, user.id)).toEqual([{ name, requested: 2, kept: 0 }]);
    expect(await takeMergeNotice(kv, user.id)).toEqual([]);
  });
});
