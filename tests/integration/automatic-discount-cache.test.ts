// The cart view's short per-process copy of the automatic discounts (lib/discounts/automatic-cache.ts): how old it
// may be, what forgets it, and that validity windows are still checked at the time of each view. Checkout never
// uses it (tests/integration/discount-automatic.test.ts covers what checkout redeems).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { createDiscount, updateDiscount } from "@/lib/admin/discounts";
import { AutomaticDiscountCache, automaticDiscountCache } from "@/lib/discounts/automatic-cache";
import { findAutomaticDiscounts } from "@/lib/discounts/repository";
import { countingRawStatements } from "../support/raw-statements";

let db: PrismaClient;
let productId: number;
const tag = randomUUID().slice(0, 8);
const made: number[] = [];

/** An automatic discount kept to this file's own product, so no other test file's cart qualifies for it. */
async function automatic(title: string, extra: Record<string, unknown> = {}) {
  const row = await db.discount.create({
    data: { automatic: true, title: `${title} ${tag}`, type: "PERCENTAGE", value: 5, applicableProductIds: [productId], ...extra },
  });
  made.push(row.id);
  return row;
}

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 4);
  const p = await db.product.create({
    data: { slug: `auto-cache-${tag}`, name: "Auto Cache Mug", basePrice: 1200, currency: "USD", variants: { create: [{ sku: `AC-${tag}`, attributes: {}, stockQuantity: 5 }] } },
  });
  productId = p.id;
});

afterAll(async () => {
  await db.discount.updateMany({ where: { id: { in: made } }, data: { isActive: false } });
  await db.$disconnect();
});

describe("the cart view's copy of the automatic discounts", () => {
  it("50 views that find the copy expired at once send ONE statement, and all see what it read", async () => {
    let t = 3_000_000;
    const cache = new AutomaticDiscountCache(1000, () => t);
    const { db: c, statements } = countingRawStatements(db);
    const now = new Date();
    await cache.get(c, now);
    expect(statements()).toBe(1);
    const d = await automatic("read once");
    t += 1000;
    const views = await Promise.all(Array.from({ length: 50 }, () => cache.get(c, now)));
    expect(statements()).toBe(2);
    for (const v of views) expect(v.some((r) => r.id === d.id)).toBe(true);
  });

  it("a view after the copy is forgotten does not wait for a read that began before", async () => {
    const cache = new AutomaticDiscountCache(60_000);
    const { db: c, statements } = countingRawStatements(db);
    const now = new Date();
    const first = cache.get(c, now); // under way
    cache.forget();
    const d = await automatic("made meanwhile");
    expect((await cache.get(c, now)).some((r) => r.id === d.id)).toBe(true);
    expect(statements()).toBe(2);
    await first;
    // the copy kept is the read that began after the change
    expect((await cache.get(c, now)).some((r) => r.id === d.id)).toBe(true);
    expect(statements()).toBe(2);
  });

  it("is at most ttlMs old: a discount made behind its back shows once the copy expires, not before", async () => {
    let t = 1_000_000;
    const cache = new AutomaticDiscountCache(1000, () => t);
    const now = new Date();
    await cache.get(db, now);
    const d = await automatic("behind its back");
    expect((await cache.get(db, now)).some((r) => r.id === d.id)).toBe(false);
    t += 999;
    expect((await cache.get(db, now)).some((r) => r.id === d.id)).toBe(false);
    t += 1;
    expect((await cache.get(db, now)).some((r) => r.id === d.id)).toBe(true);
  });

  it("checks validity windows at the time of each view, not at the time it was read", async () => {
    const t = 2_000_000;
    const cache = new AutomaticDiscountCache(60_000, () => t);
    const now = new Date();
    const ending = await automatic("ending", { validUntil: new Date(now.getTime() + 60_000) });
    expect((await cache.get(db, now)).some((r) => r.id === ending.id)).toBe(true);
    // the same copy, a minute later: expired (validUntil is exclusive)
    expect((await cache.get(db, new Date(now.getTime() + 60_000))).some((r) => r.id === ending.id)).toBe(false);
  });

  it("with ttlMs 0 reads PostgreSQL every time (what the tests' cart services and checkout see)", async () => {
    const cache = new AutomaticDiscountCache(0);
    const now = new Date();
    await cache.get(db, now);
    const d = await automatic("uncached");
    expect((await cache.get(db, now)).map((r) => r.id)).toEqual((await findAutomaticDiscounts(db, now)).map((r) => r.id));
    expect((await cache.get(db, now)).some((r) => r.id === d.id)).toBe(true);
  });

  it("the process's copy is forgotten by the admin's writes: a new automatic discount and a deactivation show at once", async () => {
    const shared = automaticDiscountCache(60_000);
    const now = new Date();
    await shared.get(db, now);
    const created = await createDiscount(
      db,
      { automatic: true, title: `admin made ${tag}`, type: "PERCENTAGE", value: 7, applicableProductIds: [productId] },
      now,
    );
    made.push(created.id);
    expect((await shared.get(db, now)).some((r) => r.id === created.id)).toBe(true);
    await updateDiscount(db, created.id, { isActive: false }, now);
    expect((await shared.get(db, now)).some((r) => r.id === created.id)).toBe(false);
  });
});
