import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { DomainError } from "@/lib/errors";
import { forgetRateTables } from "@/lib/rates";
import { createStripeProvider, createTestProvider, TEST_CARDS, type PaymentProvider, type TestPaymentProvider } from "@/lib/payments";
import { dashboard, LOW_STOCK_THRESHOLD } from "@/lib/admin/dashboard";
import { applyPaymentEvent, confirmTestPayment, expireReservations, MAX_DECLINES, placeOrder, type CheckoutDeps } from "@/lib/checkout";
import {
  cancelOrderByAdmin,
  cancelOrderByShopper,
  fulfillOrder,
  getOrderForAdmin,
  listOrders,
  listOrdersQuerySchema,
  parseRefundIdempotencyKey,
  refundOrder,
  unitsAmount,
  type RefundBody,
} from "@/lib/orders";
import { startStripeFake } from "@/tests/fakes/stripe-fake";
import { CSV_COLUMNS, csvCell, exportOrdersCsv } from "@/lib/orders";

// The order desk against the real PostgreSQL and Redis of the run: fulfilment, refunds, cancellation, the order's
// history and the list. Every race is run for real (concurrent calls, each in its own transaction) and the
// invariant is asserted after it.

const ADMIN = "admin@example.test (desk-test)";
// a country and zone of this file's own (other test files' rates neither affect nor are affected); shipping taxed
const ADDRESS = { name: "Desk Shopper", line1: "Laugavegur 1", city: "Reykjavík", postalCode: "101", country: "IS" };

let db: PrismaClient;
let kv: RedisKvStore;
let carts: CartService;
let test: TestPaymentProvider;
/** every refund the provider was asked for, whichever way (a desk refund or a late payment's full refund) */
let providerRefunds: { kind: "partial" | "full"; paymentId: string; amount: number | null; key: string }[];
let deps: CheckoutDeps;

/** The built-in test provider with its refund calls counted (both ways a refund can reach it). */
function counting(p: TestPaymentProvider): TestPaymentProvider {
  return Object.assign(Object.create(p) as TestPaymentProvider, {
    refund: async (paymentId: string, amount: number, key: string) => {
      const r = await p.refund(paymentId, amount, key);
      providerRefunds.push({ kind: "partial", paymentId, amount, key });
      return r;
    },
    refundPayment: async (paymentId: string, key: string) => {
      await p.refundPayment(paymentId, key);
      providerRefunds.push({ kind: "full", paymentId, amount: null, key });
    },
  });
}

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 30);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}desk:` });
  carts = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
  providerRefunds = [];
  test = counting(createTestProvider());
  deps = { db, carts, provider: test, log: () => {} };
  await db.shippingZoneCountry.upsert({ where: { country: "IS" }, create: { country: "IS", zone: "DESK_TEST" }, update: { zone: "DESK_TEST" } });
  await db.shippingRate.upsert({
    where: { zone_currency: { zone: "DESK_TEST", currency: "USD" } },
    create: { zone: "DESK_TEST", currency: "USD", amount: 799, freeOver: null },
    update: { amount: 799, freeOver: null },
  });
  await db.taxRate.upsert({
    where: { country_region: { country: "IS", region: "" } },
    create: { country: "IS", region: "", name: "Desk test VAT", ratePpm: 240000, taxesShipping: true },
    update: { ratePpm: 240000, taxesShipping: true },
  });
  forgetRateTables();
});

afterAll(async () => {
  await kv.close();
  await db.$disconnect();
});

// ---- helpers -------------------------------------------------------------------------------------------------

type Outcome<T> = { ok: true; value: T } | { ok: false; error: DomainError };

async function attempt<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    if (e instanceof DomainError) return { ok: false, error: e };
    throw e;
  }
}

async function expectCode(p: Promise<unknown>, code: string): Promise<DomainError> {
  const r = await attempt(p);
  if (r.ok) throw new Error(`expected ${code}, got success`);
  expect(r.error.code).toBe(code);
  return r.error;
}

async function makeVariants(prices: number[], stock = 100): Promise<number[]> {
  const tag = randomUUID().slice(0, 8);
  const p = await db.product.create({
    data: {
      slug: `desk-${tag}`,
      name: `Desk Tee ${tag}`,
      basePrice: 1000,
      currency: "USD",
      variants: { create: prices.map((price, i) => ({ sku: `DESK-${tag}-${i}`, stockQuantity: stock, priceOverride: price })) },
    },
    include: { variants: { orderBy: { id: "asc" } } },
  });
  return p.variants.map((v) => v.id);
}

async function makeCode(kind: "percent" | "fixed", value: number): Promise<string> {
  const code = `DESK${randomUUID().slice(0, 8).toUpperCase()}`;
  await db.discount.create({
    data: kind === "percent" ? { code, type: "PERCENTAGE", value } : { code, type: "FIXED_AMOUNT", value, currency: "USD" },
  });
  return code;
}

/** Places an order (PENDING_PAYMENT) for the lines, with an optional code; returns its id and token. */
async function place(lines: [variantId: number, quantity: number][], code?: string) {
  const cart = await carts.createGuestCart();
  for (const [variantId, quantity] of lines) await carts.addItem(cart.id, { userId: null }, { variantId, quantity });
  if (code) await carts.applyDiscount(cart.id, { userId: null }, code, `desk-${randomUUID()}`);
  const { body } = await placeOrder(deps, {
    cartId: cart.id,
    email: `desk-${randomUUID().slice(0, 8)}@example.test`,
    shippingAddress: ADDRESS,
    idempotencyKey: randomUUID(),
    actor: { userId: null },
  });
  return { orderId: body.order.id, token: body.orderToken, cartId: cart.id, order: body.order };
}

const pay = (orderId: string, token: string) => confirmTestPayment(deps, { orderId, cardNumber: TEST_CARDS.success }, { userId: null, token });

async function placePaid(lines: [number, number][], code?: string) {
  const placed = await place(lines, code);
  const paid = await pay(placed.orderId, placed.token);
  expect(paid.status).toBe("PAID");
  return { ...placed, order: paid };
}

const refund = (orderId: string, body: RefundBody = {}, key = randomUUID()) => refundOrder(deps, { orderId, idempotencyKey: key, body, actor: ADMIN });

const stockOf = async (id: number) => (await db.productVariant.findUniqueOrThrow({ where: { id } })).stockQuantity;
const usesOf = async (code: string) => (await db.discount.findFirstOrThrow({ where: { code } })).usesCount;

// ---- refunds ---------------------------------------------------------------------------------------------------

describe("refunds", () => {
  it("property: refunding every unit one by one, then the shipping, returns exactly the order's total", async () => {
    const line = fc.record({ price: fc.integer({ min: 1, max: 9_999 }), quantity: fc.integer({ min: 1, max: 4 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 4 }),
        fc.oneof(fc.constant(null), fc.record({ kind: fc.constant("percent" as const), value: fc.integer({ min: 1, max: 10_000 }) }), fc.record({ kind: fc.constant("fixed" as const), value: fc.integer({ min: 1, max: 5_000 }) })),
        async (lines, discount) => {
          const variants = await makeVariants(lines.map((l) => l.price));
          const code = discount ? await makeCode(discount.kind, discount.value) : undefined;
          const placed = await placePaid(lines.map((l, i) => [variants[i]!, l.quantity]), code);
          const total = placed.order.summary.total;
          let sum = 0;
          for (const item of placed.order.items)
            for (let u = 0; u < item.quantity; u++) {
              const { body } = await refund(placed.orderId, { items: [{ itemId: item.id, quantity: 1 }] });
              // each unit is its exact largest-remainder share of its line's total
              expect(body.refund.amount).toBe(unitsAmount(item, u, 1));
              sum += body.refund.amount;
            }
          const { body: last } = await refund(placed.orderId, { shipping: true });
          expect(last.refund.amount).toBe(placed.order.summary.shipping! + placed.order.summary.shippingTax!);
          sum += last.refund.amount;
          expect(sum).toBe(total);
          expect(last.order.payment).toMatchObject({ status: "refunded", refundedAmount: total });
          expect(last.order.refunds.reduce((a, r) => a + r.amount, 0)).toBe(total);
          // nothing is left: one more refund of "everything" is a conflict
          await expectCode(refund(placed.orderId), "conflict");
          // the code's use comes back once the whole order has been refunded
          if (code) expect(await usesOf(code)).toBe(0);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("10 concurrent refunds of the last unit refund it once; the others get 409 and nothing changes", async () => {
    const [v] = await makeVariants([1999]);
    const placed = await placePaid([[v!, 3]]);
    const itemId = placed.order.items[0]!.id;
    await refund(placed.orderId, { items: [{ itemId, quantity: 2 }] });
    const before = providerRefunds.length;
    const results = await Promise.all(Array.from({ length: 10 }, () => attempt(refund(placed.orderId, { items: [{ itemId, quantity: 1 }] }))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r.error.code).toBe("conflict");
    const row = await db.order.findUniqueOrThrow({ where: { id: placed.orderId }, include: { items: true, refunds: true } });
    expect(row.items[0]!.refundedQuantity).toBe(3);
    expect(row.refunds).toHaveLength(2);
    expect(row.refundedAmount).toBe(row.items[0]!.total);
    expect(providerRefunds.length - before).toBe(1);
    expect(row.paymentStatus).toBe("partially_refunded"); // the shipping is not refunded
  });

  it("all of it at once (no items, no shipping) returns the total; restock puts the units back", async () => {
    const [a, b] = await makeVariants([1250, 333]);
    const code = await makeCode("percent", 1500);
    const placed = await placePaid([[a!, 2], [b!, 3]], code);
    const [sa, sb] = [await stockOf(a!), await stockOf(b!)];
    const { body } = await refund(placed.orderId, { restock: true, reason: "customer changed their mind" });
    expect(body.refund).toMatchObject({ amount: placed.order.summary.total, currency: "USD", status: "succeeded" });
    expect(body.order.payment).toMatchObject({ status: "refunded", refundedAmount: placed.order.summary.total });
    expect([await stockOf(a!), await stockOf(b!)]).toEqual([sa + 2, sb + 3]);
    expect(await usesOf(code)).toBe(0);
    expect(test.recordedRefunds().some((r) => r.idempotencyKey === `refund:${body.refund.id}` && r.amount === body.refund.amount)).toBe(true);
  });

  it("an Idempotency-Key replays the same refund; reused with another body is 422; a missing key is 400", async () => {
    const [v] = await makeVariants([1000]);
    const placed = await placePaid([[v!, 4]]);
    const itemId = placed.order.items[0]!.id;
    const key = randomUUID();
    const first = await refund(placed.orderId, { items: [{ itemId, quantity: 1 }] }, key);
    const again = await refund(placed.orderId, { items: [{ itemId, quantity: 1 }] }, key);
    expect(again.replayed).toBe(true);
    expect(again.body.refund).toEqual(first.body.refund);
    await expectCode(refund(placed.orderId, { items: [{ itemId, quantity: 2 }] }, key), "idempotency_key_reused");
    // one new key sent six times at once: one refund; the others replay it or are told it is in use
    const key2 = randomUUID();
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => attempt(refund(placed.orderId, { shipping: true }, key2))));
    for (const r of concurrent) if (!r.ok) expect(r.error.code).toBe("idempotency_key_in_use");
    expect(concurrent.filter((r) => r.ok && !r.value.replayed)).toHaveLength(1);
    expect(await db.refund.count({ where: { orderId: placed.orderId } })).toBe(2);
    expect(() => parseRefundIdempotencyKey(null)).toThrow(DomainError);
    expect(() => parseRefundIdempotencyKey("not-a-uuid")).toThrow(DomainError);
  });

  it("a quantity beyond what is left is 422; an unpaid order cannot be refunded (409); an unknown item is 422", async () => {
    const [v] = await makeVariants([1000]);
    const placed = await place([[v!, 2]]);
    const itemId = placed.order.items[0]!.id;
    await expectCode(refund(placed.orderId), "conflict");
    await pay(placed.orderId, placed.token);
    const e = await expectCode(refund(placed.orderId, { items: [{ itemId, quantity: 3 }] }), "validation_failed");
    expect(e.details).toEqual({ fieldErrors: { "items.0.quantity": ["Only 2 left of this item."] } });
    expect(e.httpStatus).toBe(422);
    // replayed with its own status
    const key = randomUUID();
    await expectCode(refund(placed.orderId, { items: [{ itemId, quantity: 3 }] }, key), "validation_failed");
    expect((await expectCode(refund(placed.orderId, { items: [{ itemId, quantity: 3 }] }, key), "validation_failed")).httpStatus).toBe(422);
    await expectCode(refund(placed.orderId, { items: [{ itemId: randomUUID(), quantity: 1 }] }), "validation_failed");
    expect((await db.order.findUniqueOrThrow({ where: { id: placed.orderId } })).refundedAmount).toBe(0);
  });

  it("through Stripe: the real SDK refunds partial amounts with the refund's idempotency key", async () => {
    const fake = await startStripeFake({ apiKey: "sk_test_deskRefunds0123456789" });
    try {
      const stripe = createStripeProvider({ secretKey: "sk_test_deskRefunds0123456789", webhookSecret: "whsec_desk", apiBase: fake.url, maxNetworkRetries: 0 });
      const created = await stripe.createPayment({ orderId: randomUUID(), amount: 5000, currency: "usd", email: "s@example.test", idempotencyKey: randomUUID() });
      fake.succeed(created.paymentId);
      const key = `refund:${randomUUID()}`;
      const r1 = await stripe.refund(created.paymentId, 1234, key);
      const r2 = await stripe.refund(created.paymentId, 1234, key); // a retry: the same refund
      expect(r2.refundId).toBe(r1.refundId);
      await stripe.refund(created.paymentId, 3766, `refund:${randomUUID()}`);
      expect(fake.refunds().map((r) => r.amount)).toEqual([1234, 3766]);
      await expect(stripe.refund(created.paymentId, 1, `refund:${randomUUID()}`)).rejects.toMatchObject({ code: "payment_provider_error" });
    } finally {
      await fake.close();
    }
  });

  it("a refund the provider refused stays pending and the sweeper sends it again, once", async () => {
    const [v] = await makeVariants([2500]);
    const placed = await placePaid([[v!, 1]]);
    let fail = true;
    const flaky: PaymentProvider = Object.assign(Object.create(test) as PaymentProvider, {
      refund: async (pi: string, amount: number, key: string) => {
        if (fail) throw new DomainError("payment_provider_error", "down");
        return test.refund(pi, amount, key);
      },
    });
    const { body } = await refundOrder({ ...deps, provider: flaky }, { orderId: placed.orderId, idempotencyKey: randomUUID(), body: {}, actor: ADMIN });
    expect(body.refund.status).toBe("pending");
    fail = false;
    await db.refund.update({ where: { id: body.refund.id }, data: { createdAt: new Date(Date.now() - 60_000) } });
    await Promise.all([expireReservations({ ...deps, provider: flaky }), expireReservations({ ...deps, provider: flaky })]);
    expect((await db.refund.findUniqueOrThrow({ where: { id: body.refund.id } })).status).toBe("succeeded");
    expect(test.recordedRefunds().filter((r) => r.idempotencyKey === `refund:${body.refund.id}`)).toHaveLength(1);
  });
});

// ---- cancellation ------------------------------------------------------------------------------------------------

describe("cancel", () => {
  it("a paid, unshipped order: cancelled, refunded in full, restocked and its code released, exactly once", async () => {
    const [v] = await makeVariants([1500], 10);
    const code = await makeCode("fixed", 300);
    const placed = await placePaid([[v!, 2]], code);
    expect(await stockOf(v!)).toBe(8);
    expect(await usesOf(code)).toBe(1);
    const results = await Promise.all(Array.from({ length: 5 }, () => attempt(cancelOrderByAdmin(deps, placed.orderId, {}, ADMIN))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r.error.code).toBe("conflict");
    const order = (results.find((r) => r.ok) as { value: Awaited<ReturnType<typeof cancelOrderByAdmin>> }).value;
    expect(order).toMatchObject({ status: "CANCELLED", payment: { status: "refunded", refundedAmount: placed.order.summary.total } });
    expect(await stockOf(v!)).toBe(10);
    expect(await usesOf(code)).toBe(0);
    expect(providerRefunds.filter((r) => r.paymentId === `test_pi_${placed.orderId}`).map((r) => r.amount)).toEqual([placed.order.summary.total]);
  });

  it("cancelling while the payment webhook arrives: either way stock, code use and money come back exactly once", async () => {
    for (let round = 0; round < 6; round++) {
      const [v] = await makeVariants([1800], 10);
      const code = await makeCode("percent", 1000);
      const placed = await place([[v!, 3]], code);
      expect(await stockOf(v!)).toBe(7);
      const [cancelled] = await Promise.all([attempt(cancelOrderByAdmin(deps, placed.orderId, {}, ADMIN)), attempt(pay(placed.orderId, placed.token))]);
      expect(cancelled.ok).toBe(true);
      const row = await db.order.findUniqueOrThrow({ where: { id: placed.orderId } });
      expect(row.status).toBe("CANCELLED");
      expect(await stockOf(v!)).toBe(10);
      expect(await usesOf(code)).toBe(0);
      expect(await db.discountRedemption.count({ where: { orderId: placed.orderId, releasedAt: null } })).toBe(0);
      // the money: refunded once if the payment went through (by the desk, or as a late payment), never twice
      const mine = providerRefunds.filter((r) => r.paymentId === `test_pi_${placed.orderId}`);
      const paidEvents = await db.orderEvent.count({ where: { orderId: placed.orderId, type: "paid" } });
      expect(mine).toHaveLength(paidEvents === 1 || row.paymentStatus === "refunded" ? 1 : 0);
      expect(row.paymentStatus).toBe(mine.length === 1 ? "refunded" : "canceled");
      // what went back is what the order says went back
      expect(row.refundedAmount).toBe(mine.length === 1 ? row.total : 0);
    }
  });

  it("a payment that lands after the cancellation is refunded in full, and the order says so", async () => {
    const [v] = await makeVariants([2100], 5);
    const placed = await place([[v!, 1]]);
    await cancelOrderByAdmin(deps, placed.orderId, {}, ADMIN);
    const late = test.confirmTestCard(`test_pi_${placed.orderId}`, placed.orderId, TEST_CARDS.success);
    expect((await applyPaymentEvent(deps, late)).outcome).toBe("refunded");
    const view = await getOrderForAdmin(db, placed.orderId);
    expect(view.payment).toMatchObject({ status: "refunded", refundedAmount: placed.order.summary.total });
    expect(view.events.map((e) => e.type)).toEqual(["placed", "cancelled", "webhook", "refunded"]);
    expect(providerRefunds.filter((r) => r.paymentId === `test_pi_${placed.orderId}`)).toHaveLength(1);
  });

  it("an unpaid order: cancelled with the compensation (cart ACTIVE again); a shipped order cannot be cancelled", async () => {
    const [v] = await makeVariants([900], 5);
    const placed = await place([[v!, 2]]);
    const order = await cancelOrderByAdmin(deps, placed.orderId, {}, ADMIN);
    expect(order).toMatchObject({ status: "CANCELLED" });
    expect(await stockOf(v!)).toBe(5);
    expect((await carts.getCart(placed.cartId, { userId: null })).status).toBe("ACTIVE");
    await expectCode(cancelOrderByAdmin(deps, placed.orderId, {}, ADMIN), "conflict");
    const shipped = await placePaid([[v!, 1]]);
    await fulfillOrder(deps, shipped.orderId, {}, ADMIN);
    await expectCode(cancelOrderByAdmin(deps, shipped.orderId, {}, ADMIN), "conflict");
  });

  it("the shopper's cancel: token or owner only, PENDING_PAYMENT only, exactly once against the payment", async () => {
    const [v] = await makeVariants([700], 20);
    const a = await place([[v!, 2]]);
    await expectCode(cancelOrderByShopper(deps, a.orderId, { userId: null, token: "wrong" }), "not_found");
    const order = await cancelOrderByShopper(deps, a.orderId, { userId: null, token: a.token });
    expect(order.status).toBe("CANCELLED");
    expect((await carts.getCart(a.cartId, { userId: null })).status).toBe("ACTIVE");
    await expectCode(cancelOrderByShopper(deps, a.orderId, { userId: null, token: a.token }), "conflict");
    expect(await stockOf(v!)).toBe(20);
    for (let round = 0; round < 5; round++) {
      const b = await place([[v!, 1]]);
      const [c, p] = await Promise.all([attempt(cancelOrderByShopper(deps, b.orderId, { userId: null, token: b.token })), attempt(pay(b.orderId, b.token))]);
      const row = await db.order.findUniqueOrThrow({ where: { id: b.orderId } });
      if (c.ok) {
        expect(row.status).toBe("CANCELLED");
        expect(await stockOf(v!)).toBe(20);
      } else {
        expect(c.error.code).toBe("conflict");
        expect(row.status).toBe("PAID");
        expect(p.ok).toBe(true);
        await cancelOrderByAdmin(deps, b.orderId, {}, ADMIN); // put the stock back for the next round
      }
      expect(await db.orderEvent.count({ where: { orderId: b.orderId, type: "cancelled" } })).toBeLessThanOrEqual(1);
    }
  });
});

// ---- fulfilment -------------------------------------------------------------------------------------------------

describe("fulfilment", () => {
  it("10 concurrent one-unit shipments of a line of 5: exactly 5 go out, the rest are 422; FULFILLED", async () => {
    const [v] = await makeVariants([1200]);
    const placed = await placePaid([[v!, 5]]);
    const itemId = placed.order.items[0]!.id;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(fulfillOrder(deps, placed.orderId, { carrier: "UPS", trackingNumber: `1Z${i}`, items: [{ itemId, quantity: 1 }] }, ADMIN))));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    for (const r of results) if (!r.ok) expect([r.error.code, r.error.httpStatus]).toEqual(["validation_failed", 422]);
    const view = await getOrderForAdmin(db, placed.orderId);
    expect(view.fulfillmentStatus).toBe("FULFILLED");
    expect(view.fulfillments).toHaveLength(5);
    expect(view.fulfillments.reduce((a, f) => a + f.items[0]!.quantity, 0)).toBe(5);
    await expectCode(fulfillOrder(deps, placed.orderId, {}, ADMIN), "conflict");
  });

  it("5 concurrent 'ship everything' requests: one shipment; an unpaid order cannot be shipped", async () => {
    const [a, b] = await makeVariants([500, 600]);
    const placed = await placePaid([[a!, 2], [b!, 1]]);
    const first = await fulfillOrder(deps, placed.orderId, { items: [{ itemId: placed.order.items[0]!.id, quantity: 1 }] }, ADMIN);
    expect(first.fulfillmentStatus).toBe("PARTIALLY_FULFILLED");
    const results = await Promise.all(Array.from({ length: 5 }, () => attempt(fulfillOrder(deps, placed.orderId, { carrier: "DHL" }, ADMIN))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r.error.code).toBe("conflict");
    const rows = await db.orderItem.findMany({ where: { orderId: placed.orderId } });
    expect(rows.every((r) => r.fulfilledQuantity === r.quantity)).toBe(true);
    const unpaid = await place([[a!, 1]]);
    await expectCode(fulfillOrder(deps, unpaid.orderId, {}, ADMIN), "conflict");
  });
});

// ---- reads ------------------------------------------------------------------------------------------------------

describe("the order's history and the list", () => {
  it("events: placed, webhook, paid, fulfilled, refunded, cancelled, each with its actor", async () => {
    const [v] = await makeVariants([1000]);
    const placed = await placePaid([[v!, 2]]);
    await fulfillOrder(deps, placed.orderId, { items: [{ itemId: placed.order.items[0]!.id, quantity: 1 }] }, ADMIN);
    await refund(placed.orderId, { items: [{ itemId: placed.order.items[0]!.id, quantity: 1 }] });
    const view = await getOrderForAdmin(db, placed.orderId);
    expect(view.events.map((e) => [e.type, e.actor])).toEqual([
      ["placed", "shopper"],
      ["webhook", "system"],
      ["paid", "system"],
      ["fulfilled", ADMIN],
      ["refunded", ADMIN],
    ]);
    expect(view.events[4]!.details).toMatchObject({ amount: view.refunds[0]!.amount });
    const shopperCancel = await place([[v!, 1]]);
    await cancelOrderByShopper(deps, shopperCancel.orderId, { userId: null, token: shopperCancel.token });
    expect((await getOrderForAdmin(db, shopperCancel.orderId)).events.map((e) => [e.type, e.actor])).toEqual([
      ["placed", "shopper"],
      ["cancelled", "shopper"],
    ]);
    expect(await db.auditLog.count({ where: { target: `order:${placed.orderId}` } })).toBe(2);

    // declined cards: the webhooks, the failed payment and, at the last decline allowed, the cancellation (by the system)
    const declined = await place([[v!, 1]]);
    for (let i = 0; i < MAX_DECLINES; i++)
      await confirmTestPayment(deps, { orderId: declined.orderId, cardNumber: TEST_CARDS.genericDecline }, { userId: null, token: declined.token });
    const types = (await getOrderForAdmin(db, declined.orderId)).events.map((e) => [e.type, e.actor]);
    expect(types).toEqual([
      ["placed", "shopper"],
      ["webhook", "system"],
      ["payment_failed", "system"],
      ...Array.from({ length: MAX_DECLINES - 1 }, () => ["webhook", "system"]),
      ["cancelled", "system"],
    ]);
    // a Stripe delivery is the provider's
    await db.paymentEvent.create({ data: { id: `evt_${randomUUID()}`, provider: "stripe", type: "payment.succeeded", paymentIntentId: "pi_x", orderId: declined.orderId } });
    expect((await getOrderForAdmin(db, declined.orderId)).events.at(-1)).toMatchObject({ type: "webhook", actor: "stripe", details: { eventType: "payment.succeeded" } });
  });

  it("filters by status, fulfilment, payment, q (id, e-mail, SKU), dates; pages newest first", async () => {
    const [v] = await makeVariants([1000]);
    const sku = (await db.productVariant.findUniqueOrThrow({ where: { id: v! } })).sku;
    const since = new Date(Date.now() - 1000);
    const a = await placePaid([[v!, 1]]);
    const b = await place([[v!, 1]]);
    const c = await placePaid([[v!, 1]]);
    await fulfillOrder(deps, c.orderId, {}, ADMIN);
    const q = (o: Record<string, string>) => listOrders(db, listOrdersQuerySchema.parse(o));
    expect((await q({ q: sku })).orders.map((o) => o.id)).toEqual([c.orderId, b.orderId, a.orderId]);
    expect((await q({ q: sku, status: "PENDING_PAYMENT" })).orders.map((o) => o.id)).toEqual([b.orderId]);
    expect((await q({ q: sku, fulfillment: "FULFILLED" })).orders.map((o) => o.id)).toEqual([c.orderId]);
    expect((await q({ q: sku, payment: "succeeded", fulfillment: "UNFULFILLED" })).orders.map((o) => o.id)).toEqual([a.orderId]);
    expect((await q({ q: a.orderId })).orders.map((o) => o.id)).toEqual([a.orderId]);
    expect((await q({ q: a.order.email.toUpperCase() })).orders.map((o) => o.id)).toEqual([a.orderId]);
    expect((await q({ q: sku, from: since.toISOString(), to: new Date(Date.now() + 60_000).toISOString() })).orders).toHaveLength(3);
    expect((await q({ q: sku, to: since.toISOString() })).orders).toHaveLength(0);
    const page1 = await q({ q: sku, limit: "2" });
    expect(page1.orders).toHaveLength(2);
    const page2 = await q({ q: sku, limit: "2", cursor: page1.nextCursor! });
    expect([...page1.orders, ...page2.orders].map((o) => o.id)).toEqual([c.orderId, b.orderId, a.orderId]);
    expect(page2.nextCursor).toBeNull();
    expect(listOrdersQuerySchema.safeParse({ status: "SHIPPED" }).success).toBe(false);
  });

  it("the CSV export holds the filtered orders, newest first, with exact decimal amounts and neutralised formulas", async () => {
    const [v] = await makeVariants([1999]);
    const sku = (await db.productVariant.findUniqueOrThrow({ where: { id: v! } })).sku;
    const a = await placePaid([[v!, 2]]);
    const b = await place([[v!, 1]]);
    const csv = await exportOrdersCsv(db, { q: sku });
    const rows = csv.trimEnd().split("\r\n");
    expect(rows[0]).toBe(CSV_COLUMNS.join(","));
    expect(rows.slice(1).map((r) => r.split(",")[0])).toEqual([b.orderId, a.orderId]);
    const cell = (row: string, col: (typeof CSV_COLUMNS)[number]) => row.split(",")[CSV_COLUMNS.indexOf(col)];
    const rowA = rows[2]!;
    expect(cell(rowA, "subtotal")).toBe("39.98");
    expect(cell(rowA, "total")).toBe((await import("@/lib/money/format")).toMajorUnitsString(a.order.summary.total, "USD"));
    expect(cell(rowA, "status")).toBe("PAID");
    expect(cell(rowA, "items")).toBe(`2 x ${sku}`);
    expect(await exportOrdersCsv(db, { q: sku, status: "PENDING_PAYMENT" })).toContain(b.orderId);
    expect(await exportOrdersCsv(db, { q: sku, status: "PENDING_PAYMENT" })).not.toContain(a.orderId);
    // a spreadsheet must not run what a shopper typed
    expect(csvCell("=HYPERLINK(\"http://x\")")).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell("+1 555")).toBe("'+1 555");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell(-5)).toBe("-5");
  });
});

// ---- the desk's mail -------------------------------------------------------------------------------------------

describe("the desk's mail (outbox, written with the change)", () => {
  const mailOf = (orderId: string, event: string) => db.mailOutbox.findMany({ where: { event, data: { path: ["orderId"], equals: orderId } } });

  it("a fulfilment and a refund each write exactly one mail, also when the request is retried or sent concurrently", async () => {
    const [a, b] = await makeVariants([1500, 800]);
    const placed = await placePaid([[a!, 1], [b!, 2]]);
    const ship = placed.order.items[0]!;
    const give = placed.order.items[1]!;

    // the same "ship everything" sent 4 times at once (a double click, a retry): one shipment, one mail
    const shipments = await Promise.all(Array.from({ length: 4 }, () => attempt(fulfillOrder(deps, placed.orderId, { carrier: "UPS", trackingNumber: "1ZMAIL", items: [{ itemId: ship.id, quantity: 1 }] }, ADMIN))));
    expect(shipments.filter((r) => r.ok)).toHaveLength(1);
    const shipped = await mailOf(placed.orderId, "order_shipped");
    expect(shipped).toHaveLength(1);
    expect(shipped[0]!.data).toMatchObject({ carrier: "UPS", trackingNumber: "1ZMAIL", items: [{ quantity: 1 }] });

    // one refund key retried 4 times at once, then again: one refund, one mail
    const key = randomUUID();
    await Promise.all(Array.from({ length: 4 }, () => attempt(refund(placed.orderId, { items: [{ itemId: give.id, quantity: 1 }] }, key))));
    const replay = await refund(placed.orderId, { items: [{ itemId: give.id, quantity: 1 }] }, key);
    expect(replay.replayed).toBe(true);
    expect(await db.refund.count({ where: { orderId: placed.orderId } })).toBe(1);
    const refunded = await mailOf(placed.orderId, "order_refunded");
    expect(refunded).toHaveLength(1);
    expect(refunded[0]!.data).toMatchObject({ refundId: replay.body.refund.id, amount: replay.body.refund.amount, refundedTotal: replay.body.refund.amount });
  });

  it("an admin cancel writes one order_cancelled mail (reason admin), paid or unpaid, however often it is sent", async () => {
    const [v] = await makeVariants([900]);
    const paid = await placePaid([[v!, 1]]);
    const unpaid = await place([[v!, 1]]);
    for (const o of [paid, unpaid]) {
      await Promise.all(Array.from({ length: 3 }, () => attempt(cancelOrderByAdmin(deps, o.orderId, {}, ADMIN))));
      const cancelled = await mailOf(o.orderId, "order_cancelled");
      expect(cancelled).toHaveLength(1);
      expect(cancelled[0]!.data).toMatchObject({ reason: "admin" });
    }
    // the paid one was refunded in full: the shopper hears of that too, once
    expect(await mailOf(paid.orderId, "order_refunded")).toHaveLength(1);
    expect(await mailOf(unpaid.orderId, "order_refunded")).toHaveLength(0);
  });
});

// ---- the admin home ----------------------------------------------------------------------------------------------

describe("the admin home's numbers", () => {
  it("today's orders and revenue per currency (minor units), orders waiting to ship, low stock, recent refunds", async () => {
    // a day of this test's own, so other files' orders (made today) do not count
    const day = new Date(Date.UTC(2031, 2, 4, 12));
    const at = (h: number) => new Date(Date.UTC(2031, 2, 4, h));
    const [cheap, dear] = await makeVariants([1250, 4999], 50);
    const [low] = await makeVariants([700], 3);
    const a = await placePaid([[cheap!, 2]]);
    const b = await placePaid([[dear!, 1]]);
    const unpaid = await place([[cheap!, 1]]);
    const yesterday = await placePaid([[cheap!, 1]]);
    await db.order.update({ where: { id: a.orderId }, data: { createdAt: at(1), paidAt: at(2) } });
    await db.order.update({ where: { id: b.orderId }, data: { createdAt: at(3), paidAt: at(23) } });
    await db.order.update({ where: { id: unpaid.orderId }, data: { createdAt: at(4) } });
    await db.order.update({ where: { id: yesterday.orderId }, data: { createdAt: at(-2), paidAt: at(-1) } });
    // b is shipped; a gets one unit refunded today
    await fulfillOrder(deps, b.orderId, {}, ADMIN);
    const r = await refund(a.orderId, { items: [{ itemId: a.order.items[0]!.id, quantity: 1 }] });
    await db.refund.update({ where: { id: r.body.refund.id }, data: { createdAt: at(5) } });

    const d = await dashboard(db, { now: day, limit: 1000 });
    expect(d.day).toEqual({ from: "2031-03-04T00:00:00.000Z", to: "2031-03-05T00:00:00.000Z" });
    expect(d.today.ordersPlaced).toBe(3);
    expect(d.today.ordersPaid).toBe(2);
    expect(d.today.revenue).toEqual([{ currency: "USD", amount: a.order.summary.total + b.order.summary.total }]);
    expect(d.today.refunded).toEqual([{ currency: "USD", amount: r.body.refund.amount }]);
    for (const m of [...d.today.revenue, ...d.today.refunded]) expect(Number.isSafeInteger(m.amount)).toBe(true);
    const waiting = d.toShip.orders.map((o) => o.id);
    expect(waiting).toContain(a.orderId);
    expect(waiting).toContain(yesterday.orderId);
    expect(waiting).not.toContain(b.orderId); // shipped
    expect(waiting).not.toContain(unpaid.orderId);
    expect(d.toShip.count).toBeGreaterThanOrEqual(2);
    expect(d.lowStock.variants.find((v) => v.id === low)).toMatchObject({ stock: 3 });
    expect(d.lowStock.variants.some((v) => v.id === cheap)).toBe(false);
    expect(d.lowStock.variants.every((v) => v.stock <= LOW_STOCK_THRESHOLD)).toBe(true);
    expect(d.recentRefunds.some((x) => x.id === r.body.refund.id && x.orderId === a.orderId)).toBe(true);
    // another day: none of these
    const other = await dashboard(db, { now: new Date(Date.UTC(2031, 2, 6)), limit: 5 });
    expect(other.today).toEqual({ ordersPlaced: 0, ordersPaid: 0, revenue: [], refunded: [] });
    expect(other.recentRefunds.length).toBeLessThanOrEqual(5);
  });
});
