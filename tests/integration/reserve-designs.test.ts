import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart";
import { DomainError } from "@/lib/errors";
import { forgetRateTables } from "@/lib/rates";
import { createTestProvider } from "@/lib/payments";
import { placeOrder, type CheckoutDeps, type PlaceOrderResult } from "@/lib/checkout";

// The reserve step's races (cw_place_order; the interactive-transaction design these once also ran against was
// measured and removed): each race ends with its invariant asserted on the rows.
// Real PostgreSQL and Redis; the country GL and its zone are this file's own.

const ADDRESS = { name: "Aka Lynge", line1: "Aqqusinersuaq 1", city: "Nuuk", country: "GL", postalCode: "3900" };

let db: PrismaClient;
let kv: RedisKvStore;
let carts: CartService;

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 20);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}reserve-designs:` });
  carts = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
  await db.shippingZoneCountry.upsert({ where: { country: "GL" }, create: { country: "GL", zone: "RESERVE_TEST" }, update: { zone: "RESERVE_TEST" } });
  await db.shippingRate.upsert({
    where: { zone_currency: { zone: "RESERVE_TEST", currency: "USD" } },
    create: { zone: "RESERVE_TEST", currency: "USD", amount: 700, freeOver: null },
    update: { amount: 700, freeOver: null },
  });
  forgetRateTables();
});

afterAll(async () => {
  await kv.close();
  await db.$disconnect();
});

type Outcome = { ok: true; value: PlaceOrderResult } | { ok: false; error: DomainError };

/** A DomainError becomes a value; anything else (a 500, a deadlock, a transaction timeout) fails the test. */
async function attempt(p: Promise<PlaceOrderResult>): Promise<Outcome> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    if (e instanceof DomainError) return { ok: false, error: e };
    throw e;
  }
}

async function makeVariants(stocks: number[], price = 1500): Promise<number[]> {
  const tag = randomUUID().slice(0, 8);
  const p = await db.product.create({
    data: {
      slug: `rd-${tag}`,
      name: `Reserve Mug ${tag}`,
      basePrice: price,
      currency: "USD",
      variants: { create: stocks.map((stock, i) => ({ sku: `RD-${tag}-${i}`, attributes: { n: String(i) }, stockQuantity: stock })) },
    },
    include: { variants: { orderBy: { id: "asc" } } },
  });
  return p.variants.map((v) => v.id);
}

async function guestCart(lines: [variantId: number, quantity: number][], codes: string[] = []): Promise<string> {
  const cart = await carts.createGuestCart();
  for (const [variantId, quantity] of lines) await carts.addItem(cart.id, { userId: null }, { variantId, quantity });
  for (const code of codes) await carts.applyDiscount(cart.id, { userId: null }, code, "reserve-designs");
  return cart.id;
}

async function userCart(lines: [variantId: number, quantity: number][]): Promise<{ cartId: string; userId: string }> {
  const userId = (await db.user.create({ data: { email: `rd-${randomUUID()}@example.test`, passwordHash: "x" } })).id;
  const cart = await carts.cartForUser(userId);
  for (const [variantId, quantity] of lines) await carts.addItem(cart.id, { userId }, { variantId, quantity });
  return { cartId: cart.id, userId };
}

const stockOf = async (id: number) => (await db.productVariant.findUniqueOrThrow({ where: { id }, select: { stockQuantity: true } })).stockQuantity;
const unitsOrdered = async (variantId: number) =>
  (await db.orderItem.aggregate({ where: { variantId, order: { status: { not: "CANCELLED" } } }, _sum: { quantity: true } }))._sum.quantity ?? 0;

describe("the reserve step", () => {
  const deps = (extra: Partial<CheckoutDeps> = {}): CheckoutDeps => ({ db, carts, provider: createTestProvider(), log: () => {}, ...extra });
  const checkout = (d: CheckoutDeps, cartId: string, opts: { email?: string; userId?: string | null } = {}) =>
    placeOrder(d, {
      cartId,
      email: opts.email ?? `rd-${randomUUID().slice(0, 8)}@example.test`,
      shippingAddress: ADDRESS,
      idempotencyKey: randomUUID(),
      actor: { userId: opts.userId ?? null },
    });

  it("50 checkouts race for the last 7 units of a hot SKU (guest and signed-in carts, 1 or 2 units): stock never below 0, units sold = stock taken", async () => {
    const [hot] = await makeVariants([7]);
    const buyers = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const qty = i % 3 === 0 ? 2 : 1;
        if (i % 2 === 0) return { cartId: await guestCart([[hot!, qty]]), userId: null };
        return userCart([[hot!, qty]]);
      }),
    );
    const d = deps();
    const results = await Promise.all(buyers.map((b) => attempt(checkout(d, b.cartId, { userId: b.userId }))));
    for (const r of results) if (!r.ok) expect(r.error.code).toBe("insufficient_stock");
    const left = await stockOf(hot!);
    expect(left).toBeGreaterThanOrEqual(0);
    const sold = await unitsOrdered(hot!);
    expect(7 - left).toBe(sold);
    // every 201 is an order of its cart's units, and nothing that failed left an order or a closed cart behind
    const placed = results.flatMap((r) => (r.ok ? [r.value.body.order] : []));
    expect(placed.reduce((n, o) => n + o.items[0]!.quantity, 0)).toBe(sold);
    expect(await db.order.count({ where: { items: { some: { variantId: hot! } } } })).toBe(placed.length);
    // a refused cart stays ACTIVE: it can be checked out again once stock comes back
    const refused = buyers.filter((_, i) => !results[i]!.ok);
    for (const b of refused.slice(0, 5)) expect((await carts.getCart(b.cartId, { userId: b.userId })).status).toBe("ACTIVE");
    // the stock allows at most one more unit-sized order, and at least one was refused for stock
    expect(left).toBeLessThan(2);
    expect(refused.length).toBeGreaterThan(0);
  });

  it("a code with max_uses 4 under 20 concurrent checkouts is redeemed exactly 4 times; a short line elsewhere redeems nothing", async () => {
    const [v, scarce] = await makeVariants([100, 0]);
    const code = `RD4-${randomUUID().slice(0, 8)}`;
    const d0 = await db.discount.create({ data: { code, type: "FIXED_AMOUNT", value: 300, currency: "USD", maxUses: 4 } });
    const cartIds = await Promise.all(Array.from({ length: 20 }, () => guestCart([[v!, 1]], [code])));
    const d = deps();
    const results = await Promise.all(cartIds.map((id) => attempt(checkout(d, id))));
    expect(results.filter((r) => r.ok)).toHaveLength(4);
    for (const r of results) if (!r.ok) expect([r.error.code, r.error.details?.reason]).toEqual(["discount_invalid", "usage_limit_reached"]);
    const row = await db.discount.findUniqueOrThrow({ where: { id: d0.id } });
    expect(row.usesCount).toBe(4);
    expect(await db.discountRedemption.count({ where: { discountId: d0.id, releasedAt: null } })).toBe(4);
    expect(100 - (await stockOf(v!))).toBe(4); // a refused redemption rolled its stock back

    // stock short on one line: nothing is redeemed, nothing is taken, every short line reported
    const other = `RDX-${randomUUID().slice(0, 8)}`;
    const d1 = await db.discount.create({ data: { code: other, type: "PERCENTAGE", value: 1000 } });
    const cartId = await guestCart([[v!, 1]], [other]);
    await db.productVariant.update({ where: { id: scarce! }, data: { stockQuantity: 1 } });
    await carts.addItem(cartId, { userId: null }, { variantId: scarce!, quantity: 1 });
    await db.productVariant.update({ where: { id: scarce! }, data: { stockQuantity: 0 } });
    const before = await stockOf(v!);
    const r = await attempt(checkout(d, cartId));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.details?.items).toEqual([{ variantId: scarce!, requested: 1, available: 0 }]);
    expect(await stockOf(v!)).toBe(before);
    expect((await db.discount.findUniqueOrThrow({ where: { id: d1.id } })).usesCount).toBe(0);
  });

  it("one customer, a once-per-customer code, 10 checkouts at once from 10 carts: it is redeemed once", async () => {
    const [v] = await makeVariants([100]);
    const code = `RD1-${randomUUID().slice(0, 8)}`;
    const d0 = await db.discount.create({ data: { code, type: "FIXED_AMOUNT", value: 200, currency: "USD", maxUsesPerCustomer: 1 } });
    const email = `once-${randomUUID().slice(0, 8)}@example.test`;
    const cartIds = await Promise.all(Array.from({ length: 10 }, () => guestCart([[v!, 1]], [code])));
    const d = deps(); // no unpaid-order caps: nothing else serialises one shopper's checkouts
    const results = await Promise.all(cartIds.map((id) => attempt(checkout(d, id, { email }))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect([r.error.code, r.error.details?.reason]).toEqual(["discount_invalid", "customer_limit_reached"]);
    expect(await db.discountRedemption.count({ where: { discountId: d0.id } })).toBe(1);
  });

  it("a budget of 1,000 under 12 concurrent checkouts worth 300 each: 3 are redeemed, never more than the budget", async () => {
    const [v] = await makeVariants([100]);
    const code = `RDB-${randomUUID().slice(0, 8)}`;
    const d0 = await db.discount.create({ data: { code, type: "FIXED_AMOUNT", value: 300, currency: "USD", maxDiscountAmount: 1000 } });
    const cartIds = await Promise.all(Array.from({ length: 12 }, () => guestCart([[v!, 1]], [code])));
    const d = deps();
    const results = await Promise.all(cartIds.map((id) => attempt(checkout(d, id))));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    for (const r of results) if (!r.ok) expect([r.error.code, r.error.details?.reason]).toEqual(["discount_invalid", "budget_exhausted"]);
    const row = await db.discount.findUniqueOrThrow({ where: { id: d0.id } });
    expect(Number(row.discountGiven)).toBe(900);
  });

  it("one guest cart checked out 8 times at once with 8 keys: one order, the others cart_not_active or a retryable conflict", async () => {
    const [v] = await makeVariants([50]);
    const cartId = await guestCart([[v!, 2]]);
    const d = deps();
    const results = await Promise.all(Array.from({ length: 8 }, () => attempt(checkout(d, cartId))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(["cart_not_active", "conflict"]).toContain(r.error.code);
    expect(await db.order.count({ where: { cartId } })).toBe(1);
    expect(await stockOf(v!)).toBe(48);
  });

  it("10 racing checkouts for one e-mail under a cap of 4 unpaid orders: exactly 4 pending", async () => {
    const [v] = await makeVariants([100]);
    const email = `cap-${randomUUID().slice(0, 8)}@example.test`;
    const cartIds = await Promise.all(Array.from({ length: 10 }, () => guestCart([[v!, 1]])));
    const d = deps({ unpaidOrdersPerEmail: 4, unpaidOrdersPerClient: 1000 });
    const results = await Promise.all(cartIds.map((id) => attempt(checkout(d, id, { email }))));
    expect(results.filter((r) => r.ok)).toHaveLength(4);
    for (const r of results) if (!r.ok) expect(r.error.code).toBe("rate_limited");
    expect(await db.order.count({ where: { email, status: "PENDING_PAYMENT" } })).toBe(4);
    expect(100 - (await stockOf(v!))).toBe(4);
  });

  it("checkouts waiting for a hot SKU and its code add no lock to those rows: the holder stays their only locker (no MultiXact)", async () => {
    const [v] = await makeVariants([100]);
    const code = `HOT${randomUUID().slice(0, 6).toUpperCase()}`;
    const discount = await db.discount.create({ data: { code, type: "PERCENTAGE", value: 500 } });
    const cartIds = await Promise.all(Array.from({ length: 6 }, () => guestCart([[v!, 1]], [code])));
    let placing: Promise<Outcome[]> | undefined;
    const seen = await db.$transaction(
      async (tx) => {
        // a checkout in its last step: it holds the variant's and the discount's update locks until it ends
        const { xid } = (await tx.$queryRaw<{ xid: string }[]>`SELECT pg_current_xact_id()::text AS xid`)[0]!;
        await tx.$queryRaw`SELECT id FROM product_variants WHERE id = ${v} FOR NO KEY UPDATE`;
        await tx.$queryRaw`SELECT id FROM discounts WHERE id = ${discount.id} FOR NO KEY UPDATE`;
        placing = Promise.all(cartIds.map((id) => attempt(checkout(deps(), id))));
        // the six have written their carts, lines, codes and orders and wait for the variant
        let waiting = 0;
        for (let i = 0; i < 400 && waiting < 6; i++) {
          waiting = (
            await db.$queryRaw<{ n: number }[]>`
              SELECT count(DISTINCT pid)::int AS n FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')`
          )[0]!.n;
          if (waiting < 6) await new Promise((r) => setTimeout(r, 25));
        }
        // a row's xmax names its locker: this transaction's id, or a MultiXact when others share the row
        const [row] = await db.$queryRaw<{ variant: string; discount: string }[]>`
          SELECT (SELECT xmax::text FROM product_variants WHERE id = ${v}) AS variant,
                 (SELECT xmax::text FROM discounts WHERE id = ${discount.id}) AS discount`;
        return { xid, waiting, ...row! };
      },
      { timeout: 30_000 },
    );
    expect(seen.waiting).toBe(6);
    expect(seen.variant).toBe(seen.xid);
    expect(seen.discount).toBe(seen.xid);
    const results = await placing!;
    expect(results.filter((r) => r.ok)).toHaveLength(6);
    expect(await stockOf(v!)).toBe(94);
    expect(await db.discountRedemption.count({ where: { discountId: discount.id } })).toBe(6);
  });

  it("the deferred foreign keys still hold: a line naming no variant, or a cart code naming no discount, is refused at the commit", async () => {
    const cartId = `fk-${randomUUID()}`;
    await db.cart.create({ data: { id: cartId, sessionId: cartId, status: "ACTIVE", currency: "USD", expiresAt: new Date(Date.now() + 86_400_000) } });
    const [v] = await makeVariants([1]);
    const p = (await db.productVariant.findUniqueOrThrow({ where: { id: v! } })).productId;
    await expect(
      db.$executeRaw`INSERT INTO cart_items (id, cart_id, product_id, variant_id, quantity, unit_price, updated_at) VALUES (gen_random_uuid(), ${cartId}, ${p}, 2147483000, 1, 100, now())`,
    ).rejects.toThrow(/cart_items_variant_id_fkey/);
    await expect(db.$executeRaw`INSERT INTO cart_discounts (cart_id, discount_id) VALUES (${cartId}, 2147483000)`).rejects.toThrow(/cart_discounts_discount_id_fkey/);
    expect(await db.cartItem.count({ where: { cartId } })).toBe(0);
    // and a variant that has lines cannot be deleted (RESTRICT, checked at once)
    await db.$executeRaw`INSERT INTO cart_items (id, cart_id, product_id, variant_id, quantity, unit_price, updated_at) VALUES (gen_random_uuid(), ${cartId}, ${p}, ${v}, 1, 100, now())`;
    await expect(db.$executeRaw`DELETE FROM product_variants WHERE id = ${v}`).rejects.toThrow(/cart_items_variant_id_fkey/);
  });
});
