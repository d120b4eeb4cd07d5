import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createDiscount } from "@/lib/admin/discounts";
import { discountStats } from "@/lib/admin/discount-stats";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { viewCart } from "@/lib/cart/view";
import { DomainError } from "@/lib/errors";
import { forgetRateTables } from "@/lib/rates";
import { createTestProvider } from "@/lib/payments";
import { cancelOrder, placeOrder, type CheckoutDeps } from "@/lib/checkout";

// Automatic discounts and combinations through the real cart and checkout (PostgreSQL + Redis, no mocks). Every
// automatic discount here is limited to this file's own product, so the other files' carts never qualify for it,
// and is deactivated at the end.

const ADDRESS = { name: "Auto Shopper", line1: "1 Front Street", city: "Hamilton", country: "BM", postalCode: "HM 11" };
let db: PrismaClient;
let kv: RedisKvStore;
let carts: CartService;
let deps: CheckoutDeps;
let product: number;
let variant: number;
const made: number[] = [];
const tag = randomUUID().slice(0, 6).toUpperCase();

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 10);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}auto:` });
  carts = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
  deps = { db, carts, provider: createTestProvider(), log: () => {}, maxLineQuantity: 99 };
  await db.shippingZoneCountry.upsert({ where: { country: "BM" }, create: { country: "BM", zone: "RACES_TEST" }, update: {} });
  await db.shippingRate.upsert({
    where: { zone_currency: { zone: "RACES_TEST", currency: "USD" } },
    create: { zone: "RACES_TEST", currency: "USD", amount: 500, freeOver: null },
    update: {},
  });
  forgetRateTables();
  const p = await db.product.create({
    data: {
      slug: `auto-${tag.toLowerCase()}`,
      name: `Auto Tee ${tag}`,
      basePrice: 6000,
      currency: "USD",
      variants: { create: [{ sku: `AUTO-${tag}`, attributes: {}, stockQuantity: 10_000 }] },
    },
    include: { variants: true },
  });
  product = p.id;
  variant = p.variants[0]!.id;
});

afterAll(async () => {
  if (made.length) await db.discount.updateMany({ where: { id: { in: made } }, data: { isActive: false } });
  await kv.close();
  await db.$disconnect();
});

async function discount(input: Record<string, unknown>) {
  // an automatic discount is kept to this file's product (other files' carts must never qualify); codes are not
  const d = await createDiscount(db, { ...(input.automatic ? { applicableProductIds: [product] } : {}), ...input }, new Date());
  made.push(d.id);
  return d;
}

const checkout = (cartId: string) =>
  placeOrder(deps, { cartId, email: `auto-${randomUUID().slice(0, 8)}@example.test`, shippingAddress: ADDRESS, idempotencyKey: randomUUID(), actor: { userId: null } });

describe("automatic discounts", () => {
  it("an automatic 10% over $100 and a free-shipping code that combines with it both apply; a third code shows why it does not; checkout redeems exactly the applied set", async () => {
    const title = `10% over $100 ${tag}`;
    const auto = await discount({ automatic: true, title, type: "PERCENTAGE", value: 10, currency: "USD", minOrderAmount: 10_000, combinesWith: { shippingDiscounts: true } });
    expect(auto).toMatchObject({ code: null, automatic: true, title, class: "product" });
    const ship = await discount({ code: `SHIP${tag}`, type: "FREE_SHIPPING", combinesWith: { productDiscounts: true, orderDiscounts: true } });
    const third = await discount({ code: `FIVE${tag}`, type: "PERCENTAGE", value: 5, combinesWith: { shippingDiscounts: true } });

    const cart = await carts.createGuestCart();
    await carts.addItem(cart.id, { userId: null }, { variantId: variant, quantity: 1 });
    // $60: below the automatic's minimum: it is not shown at all
    expect((await viewCart(db, await carts.getCart(cart.id, { userId: null }))).discounts).toEqual([]);

    await carts.addItem(cart.id, { userId: null }, { variantId: variant, quantity: 1 });
    await carts.setShippingAddress(cart.id, { userId: null }, ADDRESS);
    await carts.applyDiscount(cart.id, { userId: null }, ship.code!, "auto-client");
    const thirdAnswer = await carts.applyDiscount(cart.id, { userId: null }, third.code!, "auto-client"); // 200: kept
    expect(thirdAnswer.discounts.map((d) => d.code)).toContain(third.code);
    const view = await viewCart(db, await carts.getCart(cart.id, { userId: null }));
    // $120: 10% = 1200 beats 5% = 600; shipping 500 waived
    expect(view.discounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: null, title, applied: true, amount: 1200 }),
        expect.objectContaining({ code: ship.code, applied: true, amount: 500 }),
        expect.objectContaining({ code: third.code, applied: false, reason: "not_combinable", conflictsWith: title }),
      ]),
    );
    expect(view.summary).toMatchObject({ subtotal: 12_000, discount: 1200, shipping: 0 });

    const placed = await checkout(cart.id);
    const row = await db.order.findUniqueOrThrow({ where: { id: placed.body.order.id } });
    expect(row.discountTotal).toBe(1200);
    const redeemedIds = (await db.discountRedemption.findMany({ where: { orderId: row.id }, select: { discountId: true } })).map((r) => r.discountId).sort();
    expect(redeemedIds).toEqual([auto.id, ship.id].sort());
    expect((await db.discount.findUniqueOrThrow({ where: { id: third.id } })).usesCount).toBe(0);
    await db.discount.updateMany({ where: { id: { in: [auto.id, ship.id, third.id] } }, data: { isActive: false } });
  });

  it("an automatic discount with max_uses 3 under 12 concurrent checkouts is given exactly 3 times", async () => {
    const auto = await discount({ automatic: true, title: `Three only ${tag}`, type: "FIXED_AMOUNT", value: 1000, currency: "USD", maxUses: 3 });
    const ids = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const c = await carts.createGuestCart();
        await carts.addItem(c.id, { userId: null }, { variantId: variant, quantity: 1 });
        return c.id;
      }),
    );
    const results = await Promise.all(
      ids.map((id) =>
        checkout(id).then(
          (r) => ({ ok: true as const, orderId: r.body.order.id as string }),
          (e: unknown) => {
            if (!(e instanceof DomainError)) throw e;
            return { ok: false as const, code: e.code, reason: (e.details as { reason?: string } | undefined)?.reason };
          },
        ),
      ),
    );
    // a checkout that lost the race is refused (usage_limit_reached) and changes nothing; none is a 500
    for (const r of results) if (!r.ok) expect([r.code, r.reason]).toEqual(["discount_invalid", "usage_limit_reached"]);
    const row = await db.discount.findUniqueOrThrow({ where: { id: auto.id } });
    expect(row.usesCount).toBe(3);
    expect(await db.discountRedemption.count({ where: { discountId: auto.id, releasedAt: null } })).toBe(3);
    const orders = results.flatMap((r) => (r.ok ? [r.orderId] : []));
    const discounted = await db.order.count({ where: { id: { in: orders }, discountTotal: 1000 } });
    expect(discounted).toBe(3);
  });
});

describe("budgets (maxDiscountAmount)", () => {
  it("20 concurrent checkouts against a $50 budget of a $10-off code never give away more than it; the losers get budget_exhausted; a cancel gives the amount back", async () => {
    const d = await discount({ code: `BUDGET${tag}`, type: "FIXED_AMOUNT", value: 1000, currency: "USD" });
    await db.discount.update({ where: { id: d.id }, data: { maxDiscountAmount: 5000 } });
    const ids = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const c = await carts.createGuestCart();
        await carts.addItem(c.id, { userId: null }, { variantId: variant, quantity: 1 });
        await carts.applyDiscount(c.id, { userId: null }, d.code!, `budget-${c.id}`);
        return c.id;
      }),
    );
    const results = await Promise.all(
      ids.map((id) =>
        checkout(id).then(
          (r) => ({ ok: true as const, orderId: r.body.order.id as string }),
          (e: unknown) => {
            if (!(e instanceof DomainError)) throw e;
            return { ok: false as const, code: e.code, reason: (e.details as { reason?: string } | undefined)?.reason };
          },
        ),
      ),
    );
    for (const r of results) if (!r.ok) expect([r.code, r.reason]).toEqual(["discount_invalid", "budget_exhausted"]);
    const row = await db.discount.findUniqueOrThrow({ where: { id: d.id } });
    expect(row.discountGiven).toBe(5000n);
    expect(row.usesCount).toBe(5);
    const given = await db.discountRedemption.aggregate({ where: { discountId: d.id, releasedAt: null }, _sum: { amount: true } });
    expect(given._sum.amount).toBe(5000);
    expect(results.filter((r) => r.ok)).toHaveLength(5);

    // cancelling one order gives its $10 back
    const first = results.find((r) => r.ok)!;
    await cancelOrder(deps, first.ok ? first.orderId : "", { paymentStatus: "canceled" });
    const after = await db.discount.findUniqueOrThrow({ where: { id: d.id } });
    expect([after.discountGiven, after.usesCount]).toEqual([4000n, 4]);

    // the stats count what still counts: 4 uses, 4 orders of $60 - $10 + $5 shipping, $40 given, all today
    const stats = await discountStats(db, d.id, new Date());
    expect(stats).toMatchObject({ uses: 4, orders: 4, revenue: 4 * 5500, discountGiven: 4000 });
    expect(stats.byDay).toHaveLength(30);
    expect(stats.byDay.at(-1)).toEqual({ date: new Date().toISOString().slice(0, 10), uses: 4, discountGiven: 4000 });
    expect(stats.byDay.slice(0, -1).every((x) => x.uses === 0)).toBe(true);
  });
});
