import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { DomainError } from "@/lib/errors";
import { forgetRateTables } from "@/lib/rates";
import { createStripeProvider, createTestProvider, TEST_CARDS, type PaymentProvider, type StripePaymentProvider } from "@/lib/payments";
import {
  applyPaymentEvent,
  confirmTestPayment,
  expireReservations,
  getOrderForViewer,
  MAX_DECLINES,
  paymentClientSecretFor,
  paymentStepFor,
  placeOrder,
  type CheckoutDeps,
  type PlaceOrderInput,
} from "@/lib/checkout";
import { restock } from "@/lib/checkout/stock";
import { beginIdempotent, completeIdempotent, purgeExpiredIdempotencyKeys, releaseIdempotent } from "@/lib/idempotency";
import { startStripeFake, type StripeFake } from "@/tests/fakes/stripe-fake";

// Checkout against the real PostgreSQL and Redis of the run, with the real Stripe SDK talking to the local fake.

const SECRET_KEY = "sk_test_cartwrightCheckout0123456789";
const WEBHOOK_SECRET = "whsec_cartwright_checkout_test";
const ADDRESS = { name: "Kay Shopper", line1: "1 Harbour Drive", city: "George Town", country: "KY", postalCode: "KY1-1000" };

let db: PrismaClient;
let kv: RedisKvStore;
let carts: CartService;
let fake: StripeFake;
let stripe: StripePaymentProvider;
let deps: CheckoutDeps;

const quiet = () => {};

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 20);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}checkout:` });
  carts = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
  fake = await startStripeFake({ apiKey: SECRET_KEY });
  stripe = createStripeProvider({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase: fake.url, maxNetworkRetries: 0 });
  deps = { db, carts, provider: stripe, log: quiet };
  // a country and zone of this file's own, so other test files' rates (US...) neither affect nor are affected
  await db.shippingZoneCountry.upsert({ where: { country: "KY" }, create: { country: "KY", zone: "CHECKOUT_TEST" }, update: { zone: "CHECKOUT_TEST" } });
  await db.shippingRate.upsert({
    where: { zone_currency: { zone: "CHECKOUT_TEST", currency: "USD" } },
    create: { zone: "CHECKOUT_TEST", currency: "USD", amount: 500, freeOver: null },
    update: { amount: 500, freeOver: null },
  });
  await db.taxRate.upsert({
    where: { country_region: { country: "KY", region: "" } },
    create: { country: "KY", region: "", name: "Checkout test tax", ratePpm: 72500 },
    update: { ratePpm: 72500, taxesShipping: false },
  });
  forgetRateTables();
});

afterAll(async () => {
  await fake.close();
  await kv.close();
  await db.$disconnect();
});

beforeEach(() => fake.reset());

// ---- helpers -------------------------------------------------------------------------------------------------

type Outcome<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/** A DomainError becomes a value; anything else (a 500, a deadlock) fails the test. */
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

async function makeProduct(opts: { price?: number; variants: { stock: number; priceOverride?: number }[] }) {
  const tag = randomUUID().slice(0, 8);
  const p = await db.product.create({
    data: {
      slug: `co-${tag}`,
      name: `Checkout Tee ${tag}`,
      basePrice: opts.price ?? 2000,
      currency: "USD",
      variants: {
        create: opts.variants.map((v, i) => ({ sku: `CO-${tag}-${i}`, attributes: { n: String(i) }, stockQuantity: v.stock, priceOverride: v.priceOverride ?? null })),
      },
    },
    include: { variants: { orderBy: { id: "asc" } } },
  });
  return { productId: p.id, variantIds: p.variants.map((v) => v.id) };
}

async function guestCart(lines: [variantId: number, quantity: number][], codes: string[] = []): Promise<string> {
  const cart = await carts.createGuestCart();
  for (const [variantId, quantity] of lines) await carts.addItem(cart.id, { userId: null }, { variantId, quantity });
  for (const code of codes) await carts.applyDiscount(cart.id, { userId: null }, code, "test-client");
  return cart.id;
}

async function makeUser(): Promise<string> {
  return (await db.user.create({ data: { email: `co-${randomUUID()}@example.test`, passwordHash: "x" } })).id;
}

function input(cartId: string, extra: Partial<PlaceOrderInput> = {}): PlaceOrderInput {
  return {
    cartId,
    email: `Shopper-${cartId.slice(0, 6)}@Example.test`,
    shippingAddress: ADDRESS,
    idempotencyKey: randomUUID(),
    actor: { userId: null },
    ...extra,
  };
}

const checkout = (cartId: string, extra: Partial<PlaceOrderInput> = {}) => placeOrder(deps, input(cartId, extra));

const stockOf = async (variantId: number) => (await db.productVariant.findUniqueOrThrow({ where: { id: variantId } })).stockQuantity;

async function paymentIdOf(orderId: string): Promise<string> {
  return (await db.order.findUniqueOrThrow({ where: { id: orderId } })).paymentIntentId!;
}

/** A webhook delivery as Stripe would send it, verified and normalised by the real provider. */
function webhook(type: string, pi: Stripe.PaymentIntent | Record<string, unknown>) {
  const payload = fake.webhookPayload(type, pi);
  return stripe.parseWebhook(payload, fake.signedHeader(payload, WEBHOOK_SECRET))!;
}

async function deadlocks(): Promise<number> {
  const rows = await db.$queryRaw<{ deadlocks: bigint }[]>`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`;
  return Number(rows[0]?.deadlocks ?? 0);
}

// ---- the happy path ------------------------------------------------------------------------------------------

describe("placeOrder", () => {
  it("reserves stock, writes the order, closes the cart, creates one PaymentIntent and answers with the order", async () => {
    const { productId, variantIds } = await makeProduct({ price: 2000, variants: [{ stock: 5 }] });
    const v = variantIds[0]!;
    const cartId = await guestCart([[v, 2]]);
    const result = await checkout(cartId, { email: "  Guest@Example.TEST " });
    expect(result.status).toBe(201);
    expect(result.replayed).toBe(false);
    const { order, orderToken, payment } = result.body;

    expect(Object.keys(order).sort()).toEqual([
      "createdAt", "currency", "email", "fulfillmentStatus", "fulfillments", "id", "items", "payment", "refunds", "shippingAddress", "status", "summary",
    ]);
    expect(order).toMatchObject({ shippingAddress: { ...ADDRESS, region: null, line2: null, phone: null }, fulfillmentStatus: "UNFULFILLED", fulfillments: [], refunds: [] });
    expect(order).toMatchObject({ status: "PENDING_PAYMENT", email: "guest@example.test", currency: "USD", payment: { provider: "stripe", status: "pending" } });
    expect(order.payment.declineCode).toBeUndefined();
    expect(order.items).toHaveLength(1);
    expect(Object.keys(order.items[0]!).sort()).toEqual(["customOptions", "discount", "id", "name", "productId", "quantity", "sku", "tax", "total", "unitPrice", "variantId"]);
    // 2 x 2000, shipping 500 (not taxed), tax 7.25% of 4000 = 290
    expect(order.items[0]).toMatchObject({ productId, variantId: v, quantity: 2, unitPrice: 2000, discount: 0, tax: 290, total: 4290, customOptions: {} });
    expect(order.summary).toEqual({
      currency: "USD",
      subtotal: 4000,
      discount: 0,
      shipping: 500,
      shippingTax: 0,
      tax: 290,
      total: 4790,
      lines: [{ itemId: order.items[0]!.id, subtotal: 4000, discount: 0, tax: 290, total: 4290 }],
    });
    expect(new Date(order.createdAt).toISOString()).toBe(order.createdAt);

    // one PaymentIntent for the total, in minor units, carrying the order id
    expect(fake.createdCount).toBe(1);
    const pi = fake.intents()[0]!;
    expect(pi).toMatchObject({ amount: 4790, currency: "usd", metadata: { order_id: order.id } });
    expect(payment).toEqual({ provider: "stripe", clientSecret: pi.client_secret });
    expect(fake.requests()[0]!.idempotencyKey).toBe(`order:${order.id}`);

    expect(await stockOf(v)).toBe(3);
    const row = await db.order.findUniqueOrThrow({ where: { id: order.id } });
    expect(row.paymentIntentId).toBe(pi.id);
    expect(row.reservedUntil.getTime() - row.createdAt.getTime()).toBeGreaterThan(14 * 60_000);
    // the guest cart is CHECKED_OUT in both stores, and its lines are kept in PostgreSQL
    expect((await carts.getCart(cartId, { userId: null })).status).toBe("CHECKED_OUT");
    const cartRow = await db.cart.findUniqueOrThrow({ where: { id: cartId }, include: { items: true } });
    expect(cartRow.status).toBe("CHECKED_OUT");
    expect(cartRow.items.map((i) => i.quantity)).toEqual([2]);

    // the order token reads the order; nothing else does
    expect((await getOrderForViewer(db, order.id, { userId: null, token: orderToken })).id).toBe(order.id);
    await expectCode(getOrderForViewer(db, order.id, { userId: null, token: "wrong" }), "not_found");
    await expectCode(getOrderForViewer(db, order.id, { userId: await makeUser(), token: null }), "not_found");
    await expectCode(getOrderForViewer(db, "not-a-uuid", { userId: null, token: orderToken }), "not_found");

    // checking the cart out again, with another key, is refused
    await expectCode(checkout(cartId), "cart_not_active");
    expect(await stockOf(v)).toBe(3);
  });

  it("refuses an empty cart, a cart without an address, an unknown cart and another user's cart", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 5 }] });
    const empty = await guestCart([]);
    await expectCode(checkout(empty), "cart_empty");
    const noAddress = await guestCart([[variantIds[0]!, 1]]);
    const e = await expectCode(checkout(noAddress, { shippingAddress: undefined }), "validation_failed");
    expect(e.details).toEqual({ fieldErrors: { shippingAddress: [expect.any(String)] } });
    await expectCode(checkout("no-such-cart-0000"), "not_found");
    const owner = await makeUser();
    const userCart = await carts.cartForUser(owner);
    await carts.addItem(userCart.id, { userId: owner }, { variantId: variantIds[0]!, quantity: 1 });
    await expectCode(checkout(userCart.id, { actor: { userId: await makeUser() } }), "forbidden");
    await expectCode(checkout(userCart.id, { actor: { userId: null } }), "forbidden");
    expect(await stockOf(variantIds[0]!)).toBe(5);
    expect(await db.order.count({ where: { cartId: { in: [empty, noAddress, userCart.id] } } })).toBe(0);
  });

  it("a signed-in cart: the order is the user's, the cart CHECKED_OUT, and the user gets a fresh cart next", async () => {
    const uid = await makeUser();
    const { variantIds } = await makeProduct({ variants: [{ stock: 5 }] });
    const cart = await carts.cartForUser(uid);
    await carts.addItem(cart.id, { userId: uid }, { variantId: variantIds[0]!, quantity: 1, customOptions: { giftWrap: true } });
    await carts.setShippingAddress(cart.id, { userId: uid }, ADDRESS);
    const { body } = await checkout(cart.id, { actor: { userId: uid }, shippingAddress: undefined });
    expect(body.order.items[0]!.customOptions).toEqual({ giftWrap: true });
    expect((await db.order.findUniqueOrThrow({ where: { id: body.order.id } })).userId).toBe(uid);
    expect((await getOrderForViewer(db, body.order.id, { userId: uid })).id).toBe(body.order.id);
    expect((await carts.getCart(cart.id, { userId: uid })).status).toBe("CHECKED_OUT");
    expect((await carts.cartForUser(uid)).id).not.toBe(cart.id);
  });

  it("two checkouts of one cart with different keys: exactly one succeeds, the other gets cart_not_active", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 50 }] });
    const cartId = await guestCart([[variantIds[0]!, 1]]);
    const results = await Promise.all(Array.from({ length: 6 }, () => attempt(checkout(cartId))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r.error.code).toBe("cart_not_active");
    expect(await db.order.count({ where: { cartId } })).toBe(1);
    expect(await stockOf(variantIds[0]!)).toBe(49);
  });
});

describe("the two copies of a guest cart (KV document, PostgreSQL row) heal", () => {
  it("a KV copy still ACTIVE after its checkout committed is refused by PostgreSQL and repaired", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 5 }] });
    const cartId = await guestCart([[variantIds[0]!, 1]]);
    await checkout(cartId);
    const doc = JSON.parse((await kv.get(`cart:${cartId}`))!) as { status: string };
    await kv.set(`cart:${cartId}`, JSON.stringify({ ...doc, status: "ACTIVE" })); // as if the KV write had failed
    await expectCode(checkout(cartId), "cart_not_active");
    expect((await carts.getCart(cartId, { userId: null })).status).toBe("CHECKED_OUT");
    expect(await stockOf(variantIds[0]!)).toBe(4);
  });

  it("a cart that came back after a cancelled payment but whose KV copy still says CHECKED_OUT can be checked out", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 5 }] });
    const cartId = await guestCart([[variantIds[0]!, 1]]);
    const { body } = await checkout(cartId);
    const doc = JSON.parse((await kv.get(`cart:${cartId}`))!) as { status: string };
    const pi = fake.intent(await paymentIdOf(body.order.id))!;
    await applyPaymentEvent(deps, webhook("payment_intent.canceled", { ...pi, status: "canceled" }));
    await kv.set(`cart:${cartId}`, JSON.stringify(doc)); // as if writing the restored copy had failed
    const again = await checkout(cartId);
    expect(again.body.order.id).not.toBe(body.order.id);
    expect(await stockOf(variantIds[0]!)).toBe(4);
  });
});

// ---- contention ----------------------------------------------------------------------------------------------

describe("stock under contention (real PostgreSQL)", () => {
  it("50 concurrent checkouts of one variant with stock 10: exactly 10 orders, stock 0, 40 insufficient_stock", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 10 }] });
    const v = variantIds[0]!;
    const cartIds = await Promise.all(Array.from({ length: 50 }, () => guestCart([[v, 1]])));
    const results = await Promise.all(cartIds.map((id) => attempt(checkout(id))));
    const ok = results.filter((r) => r.ok);
    const failed = results.flatMap((r) => (r.ok ? [] : [r.error]));
    expect(ok).toHaveLength(10);
    expect(failed).toHaveLength(40);
    for (const e of failed) {
      expect(e.code).toBe("insufficient_stock");
      expect(e.details).toEqual({ items: [{ variantId: v, requested: 1, available: 0 }] });
    }
    expect(await stockOf(v)).toBe(0);
    expect(await db.orderItem.aggregate({ where: { variantId: v }, _sum: { quantity: true } })).toEqual({ _sum: { quantity: 10 } });
    expect(fake.createdCount).toBe(10);
    // the losers' carts are still ACTIVE (a 4xx changes nothing)
    const losers = cartIds.filter((_, i) => !results[i]!.ok);
    const states = await Promise.all(losers.map((id) => carts.getCart(id, { userId: null })));
    expect(states.every((c) => c.status === "ACTIVE")).toBe(true);
    expect(await db.cart.count({ where: { id: { in: losers } } })).toBe(0);
  });

  it("30 concurrent checkouts of multi-item carts overlapping in random order: no deadlock, no oversell, every short line reported", async () => {
    const { variantIds } = await makeProduct({ variants: Array.from({ length: 6 }, () => ({ stock: 12 })) });
    const initial = new Map(variantIds.map((id) => [id, 12]));
    const shuffled = <T>(xs: T[]) => xs.map((x) => [Math.random(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
    const plans = Array.from({ length: 30 }, () => shuffled(variantIds).slice(0, 3).map((id) => [id, 1 + Math.floor(Math.random() * 2)] as [number, number]));
    const cartIds = await Promise.all(plans.map((lines) => guestCart(lines)));
    const before = await deadlocks();
    const results = await Promise.all(cartIds.map((id) => attempt(checkout(id))));
    const orders = results.flatMap((r) => (r.ok ? [r.value.body.order] : []));
    for (const [i, r] of results.entries()) {
      if (r.ok) continue;
      expect(r.error.code).toBe("insufficient_stock");
      const items = (r.error.details as { items: { variantId: number; requested: number; available: number }[] }).items;
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        expect(item.requested).toBeGreaterThan(item.available);
        expect(plans[i]!.some(([id, q]) => id === item.variantId && q === item.requested)).toBe(true);
      }
    }
    expect(orders.length).toBeGreaterThan(0);
    for (const id of variantIds) {
      const sold = orders.flatMap((o) => o.items).filter((it) => it.variantId === id).reduce((n, it) => n + it.quantity, 0);
      const stock = await stockOf(id);
      expect(stock).toBeGreaterThanOrEqual(0);
      expect(stock).toBe(initial.get(id)! - sold);
    }
    // statistics reach pg_stat_database when each backend flushes them (at most a second or so later)
    await new Promise((r) => setTimeout(r, 1500));
    expect(await deadlocks()).toBe(before);
  });

  it("restock (a cancelled order's units coming back): 20 concurrent restocks of lines in random order add exactly what they carry, without deadlock", async () => {
    // the reserve statement itself races in the checkouts above (cw_place_order, through placeOrder)
    const { variantIds } = await makeProduct({ variants: Array.from({ length: 3 }, () => ({ stock: 10 })) });
    const shuffled = <T>(xs: T[]) => xs.map((x) => [Math.random(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
    const plans = Array.from({ length: 20 }, () => shuffled(variantIds).map((variantId) => ({ variantId, quantity: 1 + Math.floor(Math.random() * 3) })));
    // lines of one variant (different options) are summed
    plans.push([{ variantId: variantIds[0]!, quantity: 2 }, { variantId: variantIds[0]!, quantity: 1 }]);
    const before = await deadlocks();
    await Promise.all(plans.map((lines) => db.$transaction(async (tx) => restock(tx, lines), { maxWait: 20_000 })));
    for (const id of variantIds) {
      const back = plans.flat().filter((l) => l.variantId === id).reduce((n, l) => n + l.quantity, 0);
      expect(await stockOf(id)).toBe(10 + back);
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(await deadlocks()).toBe(before);
  });
});

// ---- idempotency ---------------------------------------------------------------------------------------------

describe("idempotency", () => {
  it("20 concurrent requests with one key: one order, one PaymentIntent; the replay is the same body", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 5 }] });
    const cartId = await guestCart([[variantIds[0]!, 1]]);
    const req = input(cartId);
    const results = await Promise.all(Array.from({ length: 20 }, () => attempt(placeOrder(deps, req))));
    const ok = results.flatMap((r) => (r.ok ? [r.value] : []));
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of results) if (!r.ok) expect(r.error.code).toBe("idempotency_key_in_use");
    expect(new Set(ok.map((r) => r.body.order.id)).size).toBe(1);
    expect(await db.order.count({ where: { cartId } })).toBe(1);
    expect(fake.createdCount).toBe(1);
    expect(await stockOf(variantIds[0]!)).toBe(4);

    const first = ok.find((r) => !r.replayed)!;
    const again = await placeOrder(deps, req);
    expect(again.replayed).toBe(true);
    expect(again.body).toEqual(first.body);
    expect(JSON.stringify(again.body)).toBe(JSON.stringify(first.body)); // the same bytes, keys in the same order
    expect(fake.createdCount).toBe(1);

    await expectCode(placeOrder(deps, { ...req, email: "someone-else@example.test" }), "idempotency_key_reused");
    await expectCode(placeOrder(deps, { ...req, actor: { userId: await makeUser() } }), "idempotency_key_reused");
  });

  it("a final 4xx is stored and replayed as the same error; a new key gets a new answer", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 1 }] });
    const cartId = await guestCart([[variantIds[0]!, 1]]);
    await db.productVariant.update({ where: { id: variantIds[0]! }, data: { stockQuantity: 0 } });
    const req = input(cartId);
    const e1 = await expectCode(placeOrder(deps, req), "insufficient_stock");
    await db.productVariant.update({ where: { id: variantIds[0]! }, data: { stockQuantity: 1 } });
    const e2 = await expectCode(placeOrder(deps, req), "insufficient_stock");
    expect({ message: e2.message, details: e2.details }).toEqual({ message: e1.message, details: e1.details });
    expect((await checkout(cartId)).status).toBe(201);
  });

  it("keys: in use while fresh, taken over when stale, resumed at the recorded order, released, purged", async () => {
    const key = randomUUID();
    const opts = { scope: "test", key, fingerprint: "f1" };
    const a = await beginIdempotent(db, opts);
    expect(a.kind).toBe("new");
    await expectCode(beginIdempotent(db, opts), "idempotency_key_in_use");
    await expectCode(beginIdempotent(db, { ...opts, fingerprint: "f2" }), "idempotency_key_reused");
    // a crashed attempt: its lock is older than staleAfterMs
    await db.idempotencyKey.update({ where: { scope_key: { scope: "test", key } }, data: { lockedAt: new Date(Date.now() - 120_000) } });
    const takeovers = await Promise.all(Array.from({ length: 5 }, () => attempt(beginIdempotent(db, opts))));
    expect(takeovers.filter((t) => t.ok)).toHaveLength(1);
    const b = takeovers.find((t) => t.ok)!;
    if (!b.ok || b.value.kind !== "new") throw new Error("expected a takeover");
    // the first attempt lost the key: it can no longer record or complete anything
    if (a.kind !== "new") throw new Error("unreachable");
    expect(await completeIdempotent(db, a, 201, { x: 1 })).toBe(false);
    // release without an order: the key is gone, the next request starts over
    await releaseIdempotent(db, b.value);
    const c = await beginIdempotent(db, opts);
    expect(c.kind).toBe("new");
    if (c.kind !== "new") throw new Error("unreachable");
    // with an order recorded (the recovery point), a release unlocks it: the retry resumes for that order
    const { variantIds } = await makeProduct({ variants: [{ stock: 1 }] });
    const cartId = await guestCart([[variantIds[0]!, 1]]);
    const { body } = await checkout(cartId);
    // what the reserve step writes with the order (cw_place_order): the key records it
    await db.idempotencyKey.update({ where: { scope_key: { scope: "test", key } }, data: { orderId: body.order.id } });
    await releaseIdempotent(db, c);
    const d = await beginIdempotent(db, opts);
    expect(d).toMatchObject({ kind: "resume", orderId: body.order.id });
    if (d.kind !== "resume") throw new Error("unreachable");
    expect(await completeIdempotent(db, d, 201, { done: true })).toBe(true);
    expect(await beginIdempotent(db, opts)).toEqual({ kind: "replay", status: 201, body: { done: true } });
    // kept 24 h, then purged
    await db.idempotencyKey.update({ where: { scope_key: { scope: "test", key } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await purgeExpiredIdempotencyKeys(db)).toBeGreaterThanOrEqual(1);
    expect(await db.idempotencyKey.count({ where: { scope: "test", key } })).toBe(0);
  });

  it("the payment provider failing once after commit: 502, then the retry with the same key resumes with exactly one PaymentIntent", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 3 }] });
    const cartId = await guestCart([[variantIds[0]!, 1]]);
    const req = input(cartId);
    fake.failNext(1);
    const e = await expectCode(placeOrder(deps, req), "payment_provider_error");
    expect(e.httpStatus).toBe(502);
    // the order is committed (recovery point) and keeps its stock; no PaymentIntent yet
    const orders = await db.order.findMany({ where: { cartId } });
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: "PENDING_PAYMENT", paymentIntentId: null });
    expect(await stockOf(variantIds[0]!)).toBe(2);
    expect(fake.createdCount).toBe(0);

    const retry = await placeOrder(deps, req);
    expect(retry.status).toBe(201);
    expect(retry.body.order.id).toBe(orders[0]!.id);
    expect(fake.createdCount).toBe(1);
    expect(await paymentIdOf(orders[0]!.id)).toBe(fake.intents()[0]!.id);
    expect(await db.order.count({ where: { cartId } })).toBe(1);
    expect(await stockOf(variantIds[0]!)).toBe(2);
    // the token handed out by the resumed attempt reads the order
    expect((await getOrderForViewer(db, retry.body.order.id, { userId: null, token: retry.body.orderToken })).id).toBe(retry.body.order.id);
    const replay = await placeOrder(deps, req);
    expect(replay).toEqual({ ...retry, replayed: true });
    expect(fake.createdCount).toBe(1);
  });
});

// ---- prices --------------------------------------------------------------------------------------------------

describe("re-pricing", () => {
  it("prices changed between add and checkout: 409 with the list and the new summary, the cart updated; the confirming call succeeds", async () => {
    const uid = await makeUser();
    const { variantIds } = await makeProduct({ price: 1000, variants: [{ stock: 10 }, { stock: 10, priceOverride: 1500 }] });
    const [a, b] = variantIds as [number, number];
    const cart = await carts.cartForUser(uid);
    await carts.addItem(cart.id, { userId: uid }, { variantId: a, quantity: 2 });
    await carts.addItem(cart.id, { userId: uid }, { variantId: b, quantity: 1 });
    const lineA = (await carts.getCart(cart.id, { userId: uid })).items.find((l) => l.variantId === a)!;
    await db.productVariant.update({ where: { id: a }, data: { priceOverride: 1200 } });

    const req = input(cart.id, { actor: { userId: uid } });
    const e = await expectCode(placeOrder(deps, req), "prices_changed");
    const details = e.details as { changes: unknown[]; summary: { subtotal: number; total: number; shipping: number; tax: number } };
    expect(details.changes).toEqual([{ itemId: lineA.id, variantId: a, oldUnitPrice: 1000, newUnitPrice: 1200 }]);
    // 2 x 1200 + 1500 = 3900; shipping 500; tax 7.25% of 2400 = 174, of 1500 = 108.75 -> 109
    expect(details.summary).toMatchObject({ subtotal: 3900, shipping: 500, tax: 283, total: 4683 });
    const updated = await carts.getCart(cart.id, { userId: uid });
    expect(updated.status).toBe("ACTIVE");
    expect(updated.items.find((l) => l.variantId === a)!.unitPrice).toBe(1200);
    expect(await stockOf(a)).toBe(10);
    // the same key replays the 409; the shopper confirms with a new key
    await expectCode(placeOrder(deps, req), "prices_changed");
    const { body } = await placeOrder(deps, { ...req, idempotencyKey: randomUUID() });
    expect(body.order.items.map((i) => [i.variantId, i.unitPrice])).toEqual([[a, 1200], [b, 1500]]);
    expect(body.order.summary.total).toBe(4683);
  });

  it("an inactive variant is reported as insufficient_stock with available 0, together with every other short line", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 5 }, { stock: 2 }, { stock: 9 }] });
    const [a, b, c] = variantIds as [number, number, number];
    const cartId = await guestCart([[a, 1], [b, 2], [c, 1]]);
    await db.productVariant.update({ where: { id: a }, data: { isActive: false } });
    await db.productVariant.update({ where: { id: b }, data: { stockQuantity: 1 } });
    const e = await expectCode(checkout(cartId), "insufficient_stock");
    expect(e.details).toEqual({ items: [{ variantId: a, requested: 1, available: 0 }, { variantId: b, requested: 2, available: 1 }] });
  });
});

// ---- discounts -----------------------------------------------------------------------------------------------

describe("discounts", () => {
  it("a code with max_uses 3 under 20 concurrent checkouts is used exactly 3 times; the others lose the code", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 100 }] });
    const code = `THREE-${randomUUID().slice(0, 8)}`;
    const d = await db.discount.create({ data: { code, type: "FIXED_AMOUNT", value: 500, currency: "USD", maxUses: 3 } });
    const cartIds = await Promise.all(Array.from({ length: 20 }, () => guestCart([[variantIds[0]!, 1]], [code])));
    const results = await Promise.all(cartIds.map((id) => attempt(checkout(id))));
    const ok = results.flatMap((r) => (r.ok ? [r.value.body.order] : []));
    expect(ok).toHaveLength(3);
    for (const o of ok) expect(o.summary.discount).toBe(500);
    for (const r of results) {
      if (r.ok) continue;
      expect(r.error.code).toBe("discount_invalid");
      expect(r.error.details).toEqual({ reason: "usage_limit_reached", code });
    }
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).usesCount).toBe(3);
    expect(await db.discountRedemption.count({ where: { discountId: d.id, releasedAt: null } })).toBe(3);
    expect(await stockOf(variantIds[0]!)).toBe(97);
    const losers = cartIds.filter((_, i) => !results[i]!.ok);
    for (const id of losers) expect((await carts.getCart(id, { userId: null })).discounts).toEqual([]);
  });
});

// ---- payment events ------------------------------------------------------------------------------------------

describe("payment events", () => {
  it("a declined payment keeps the order reserved; the same PaymentIntent, confirmed again with another card, pays it", async () => {
    const { variantIds } = await makeProduct({ price: 3000, variants: [{ stock: 5 }] });
    const v = variantIds[0]!;
    const code = `TENOFF-${randomUUID().slice(0, 8)}`;
    const d = await db.discount.create({ data: { code, type: "PERCENTAGE", value: 1000, maxUses: 5 } });
    const cartId = await guestCart([[v, 2]], [code]);
    const { body } = await checkout(cartId);
    expect(await stockOf(v)).toBe(3);

    const piId = await paymentIdOf(body.order.id);
    const failed = webhook("payment_intent.payment_failed", fake.fail(piId, "insufficient_funds"));
    expect(await applyPaymentEvent(deps, failed)).toEqual({ outcome: "declined", orderId: body.order.id });
    expect(await Promise.all([applyPaymentEvent(deps, failed), applyPaymentEvent(deps, failed)])).toEqual([
      { outcome: "duplicate", orderId: body.order.id },
      { outcome: "duplicate", orderId: body.order.id },
    ]);

    const after = await getOrderForViewer(db, body.order.id, { userId: null, token: body.orderToken });
    expect(after.status).toBe("PENDING_PAYMENT");
    expect(after.payment).toEqual({ provider: "stripe", status: "failed", declineCode: "insufficient_funds", refundedAmount: 0 });
    // nothing given back, nothing cancelled at Stripe: the shopper is still paying for this order
    expect(fake.intent(piId)!.status).toBe("requires_payment_method");
    expect(fake.requests().some((r) => r.path.endsWith("/cancel"))).toBe(false);
    expect(await stockOf(v)).toBe(3);
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).usesCount).toBe(1);
    expect((await db.cart.findUniqueOrThrow({ where: { id: cartId } })).status).toBe("CHECKED_OUT");

    // another card on the same PaymentIntent
    const paid = webhook("payment_intent.succeeded", fake.succeed(piId));
    expect(await applyPaymentEvent(deps, paid)).toEqual({ outcome: "paid", orderId: body.order.id });
    const done = await getOrderForViewer(db, body.order.id, { userId: null, token: body.orderToken });
    expect(done.status).toBe("PAID");
    expect(done.payment).toEqual({ provider: "stripe", status: "succeeded", refundedAmount: 0 });
    expect(await stockOf(v)).toBe(3);
    expect(await db.order.count({ where: { cartId } })).toBe(1);
  });

  it("payment_intent.canceled with duplicate and out-of-order webhooks: restocks once, releases the discount once, the same cart comes back", async () => {
    const { variantIds } = await makeProduct({ price: 3000, variants: [{ stock: 5 }] });
    const v = variantIds[0]!;
    const code = `TENOFF-${randomUUID().slice(0, 8)}`;
    const d = await db.discount.create({ data: { code, type: "PERCENTAGE", value: 1000, maxUses: 5 } });
    const cartId = await guestCart([[v, 2]], [code]);
    const { body } = await checkout(cartId);
    expect(body.order.summary.discount).toBe(600);
    expect(await stockOf(v)).toBe(3);
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).usesCount).toBe(1);

    const piId = await paymentIdOf(body.order.id);
    const failed = webhook("payment_intent.payment_failed", fake.fail(piId, "insufficient_funds"));
    expect((await applyPaymentEvent(deps, failed)).outcome).toBe("declined");
    const canceledPi = { ...fake.intent(piId)!, status: "canceled", cancellation_reason: "requested_by_customer" };
    const cancelled = webhook("payment_intent.canceled", canceledPi);
    expect(await applyPaymentEvent(deps, cancelled)).toEqual({ outcome: "cancelled", orderId: body.order.id });

    const after = await getOrderForViewer(db, body.order.id, { userId: null, token: body.orderToken });
    expect(after.status).toBe("CANCELLED");
    expect(after.payment).toMatchObject({ provider: "stripe", status: "canceled", refundedAmount: 0 });
    expect(await stockOf(v)).toBe(5);
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).usesCount).toBe(0);
    expect(await db.discountRedemption.count({ where: { orderId: body.order.id, releasedAt: { not: null } } })).toBe(1);
    const back = await carts.getCart(cartId, { userId: null });
    expect(back).toMatchObject({ id: cartId, status: "ACTIVE" });
    expect(back.items.map((l) => [l.variantId, l.quantity])).toEqual([[v, 2]]);
    expect(back.discounts.map((x) => x.code)).toEqual([code]);

    // the same deliveries again, a late decline: no change at all
    expect(await Promise.all([applyPaymentEvent(deps, cancelled), applyPaymentEvent(deps, failed)])).toEqual([
      { outcome: "duplicate", orderId: body.order.id },
      { outcome: "duplicate", orderId: body.order.id },
    ]);
    const late = webhook("payment_intent.payment_failed", { ...canceledPi, last_payment_error: { code: "card_declined", decline_code: "generic_decline", type: "card_error" } });
    expect((await applyPaymentEvent(deps, late)).outcome).toBe("unchanged");
    expect(await stockOf(v)).toBe(5);
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).usesCount).toBe(0);
    expect(await db.paymentEvent.count({ where: { orderId: body.order.id } })).toBe(3);

    // the shopper retries with the restored cart (same id): a new order
    const second = await checkout(cartId);
    expect(second.body.order.id).not.toBe(body.order.id);
    expect(second.body.order.summary.discount).toBe(600);
    expect(await stockOf(v)).toBe(3);
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).usesCount).toBe(1);
  });

  it(`the ${MAX_DECLINES}th decline cancels the order (at Stripe too) with the compensation, exactly once; one payment_failed mail per decline`, async () => {
    const { variantIds } = await makeProduct({ price: 3000, variants: [{ stock: 5 }] });
    const v = variantIds[0]!;
    const cartId = await guestCart([[v, 2]]);
    const { body } = await checkout(cartId);
    const piId = await paymentIdOf(body.order.id);
    const declines = Array.from({ length: MAX_DECLINES }, () => webhook("payment_intent.payment_failed", fake.fail(piId, "generic_decline")));
    for (const e of declines.slice(0, -1)) expect((await applyPaymentEvent(deps, e)).outcome).toBe("declined");
    expect((await db.order.findUniqueOrThrow({ where: { id: body.order.id } })).status).toBe("PENDING_PAYMENT");
    expect(await stockOf(v)).toBe(3);
    const last = declines.at(-1)!;
    const outcomes = await Promise.all([applyPaymentEvent(deps, last), applyPaymentEvent(deps, last)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["cancelled", "duplicate"]);
    const after = await getOrderForViewer(db, body.order.id, { userId: null, token: body.orderToken });
    expect(after).toMatchObject({ status: "CANCELLED", payment: { status: "failed", declineCode: "generic_decline" } });
    expect(fake.intent(piId)!.status).toBe("canceled");
    expect(await stockOf(v)).toBe(5);
    expect((await carts.getCart(cartId, { userId: null })).status).toBe("ACTIVE");
    const mails = await db.mailOutbox.findMany({ where: { dedupeKey: { startsWith: body.order.id } }, select: { event: true } });
    expect(mails.filter((m) => m.event === "payment_failed")).toHaveLength(MAX_DECLINES);
    expect(mails.filter((m) => m.event === "order_cancelled")).toHaveLength(1);
  });

  it(`race: ${MAX_DECLINES} declines and a success arrive at once -> exactly one outcome, the compensation at most once`, async () => {
    for (let round = 0; round < 4; round++) {
      const { variantIds } = await makeProduct({ price: 2000, variants: [{ stock: 5 }] });
      const v = variantIds[0]!;
      const cartId = await guestCart([[v, 1]]);
      const { body } = await checkout(cartId);
      const piId = await paymentIdOf(body.order.id);
      const declines = Array.from({ length: MAX_DECLINES }, () => webhook("payment_intent.payment_failed", fake.fail(piId, "generic_decline")));
      const success = webhook("payment_intent.succeeded", fake.succeed(piId));
      const events = [...declines];
      events.splice(round % (MAX_DECLINES + 1), 0, success);
      const outcomes = await Promise.all(events.map((e) => applyPaymentEvent(deps, e)));
      const order = await db.order.findUniqueOrThrow({ where: { id: body.order.id } });
      // Stripe's PaymentIntent succeeded, so cancelling it fails: the order is paid, never cancelled
      expect(order.status).toBe("PAID");
      expect(order.paymentStatus).toBe("succeeded");
      expect(outcomes.filter((o) => o.outcome === "paid")).toHaveLength(1);
      expect(outcomes.some((o) => o.outcome === "cancelled")).toBe(false);
      expect(await stockOf(v)).toBe(4);
      expect((await db.cart.findUniqueOrThrow({ where: { id: cartId } })).status).toBe("CHECKED_OUT");
      expect(await db.mailOutbox.count({ where: { dedupeKey: body.order.id, event: "order_paid" } })).toBe(1);
      expect(await db.mailOutbox.count({ where: { dedupeKey: body.order.id, event: "order_cancelled" } })).toBe(0);
    }
  });

  it("succeeded, then a failure arriving late: stays PAID and nothing is cancelled", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 5 }] });
    const cartId = await guestCart([[variantIds[0]!, 1]]);
    const { body } = await checkout(cartId);
    const piId = await paymentIdOf(body.order.id);
    const succeededPi = fake.succeed(piId);
    const succeeded = webhook("payment_intent.succeeded", succeededPi);
    const lateFailure = webhook("payment_intent.payment_failed", {
      ...succeededPi,
      status: "requires_payment_method",
      last_payment_error: { code: "card_declined", decline_code: "generic_decline", type: "card_error" },
    });
    expect((await applyPaymentEvent(deps, succeeded)).outcome).toBe("paid");
    expect((await applyPaymentEvent(deps, lateFailure)).outcome).toBe("unchanged");
    expect((await applyPaymentEvent(deps, succeeded)).outcome).toBe("duplicate");
    const order = await getOrderForViewer(db, body.order.id, { userId: null, token: body.orderToken });
    expect(order.status).toBe("PAID");
    expect(order.payment).toEqual({ provider: "stripe", status: "succeeded", refundedAmount: 0 });
    expect(await stockOf(variantIds[0]!)).toBe(4);
    expect(fake.requests().some((r) => r.path.endsWith("/cancel"))).toBe(false);
    expect((await db.order.findUniqueOrThrow({ where: { id: body.order.id } })).paidAt).not.toBeNull();
  });

  it("a late failure event for a payment that has just succeeded leaves the order waiting; the success pays it", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 5 }] });
    const cartId = await guestCart([[variantIds[0]!, 1]]);
    const { body } = await checkout(cartId);
    const piId = await paymentIdOf(body.order.id);
    const failed = webhook("payment_intent.payment_failed", fake.fail(piId));
    const succeeded = webhook("payment_intent.succeeded", fake.succeed(piId)); // the shopper's second card went through
    expect((await applyPaymentEvent(deps, failed)).outcome).toBe("declined");
    expect((await applyPaymentEvent(deps, succeeded)).outcome).toBe("paid");
    expect((await getOrderForViewer(db, body.order.id, { userId: null, token: body.orderToken })).status).toBe("PAID");
    expect(await stockOf(variantIds[0]!)).toBe(4);
  });

  it("the webhook route: a bad signature is 400 invalid_signature and changes nothing; a good one is applied", async () => {
    const { setPaymentProviderForTests } = await import("@/lib/payments");
    const { disconnectPrisma } = await import("@/lib/db");
    const { closeKv } = await import("@/lib/kv");
    const { POST } = await import("@/app/api/webhooks/stripe/route");
    setPaymentProviderForTests(stripe);
    try {
      const { variantIds } = await makeProduct({ variants: [{ stock: 5 }] });
      const cartId = await guestCart([[variantIds[0]!, 1]]);
      const { body } = await checkout(cartId);
      const payload = fake.webhookPayload("payment_intent.succeeded", fake.succeed(await paymentIdOf(body.order.id)));
      const post = (signature: string | null) =>
        POST(new Request("http://test/api/webhooks/stripe", { method: "POST", body: payload, headers: signature ? { "stripe-signature": signature } : {} }), {});

      for (const signature of [fake.signedHeader(payload, "whsec_someone_else"), null, "t=1,v1=00"]) {
        const res = await post(signature);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_signature");
      }
      const tampered = await POST(
        new Request("http://test/api/webhooks/stripe", { method: "POST", body: payload.replace(body.order.id, randomUUID()), headers: { "stripe-signature": fake.signedHeader(payload, WEBHOOK_SECRET) } }),
        {},
      );
      expect(tampered.status).toBe(400);
      expect((await db.order.findUniqueOrThrow({ where: { id: body.order.id } })).status).toBe("PENDING_PAYMENT");
      expect(await db.paymentEvent.count({ where: { orderId: body.order.id } })).toBe(0);

      const res = await post(fake.signedHeader(payload, WEBHOOK_SECRET));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: true });
      expect((await db.order.findUniqueOrThrow({ where: { id: body.order.id } })).status).toBe("PAID");
      expect((await post(fake.signedHeader(payload, WEBHOOK_SECRET))).status).toBe(200);
    } finally {
      setPaymentProviderForTests();
      await closeKv();
      await disconnectPrisma();
    }
  });
});

// ---- the payment step ----------------------------------------------------------------------------------------

describe("the payment step's client secret", () => {
  it("Stripe: the order's PaymentIntent client secret, read again from Stripe; null without a PaymentIntent or an order", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 3 }] });
    const { body } = await checkout(await guestCart([[variantIds[0]!, 1]]));
    expect(body.payment.clientSecret).toBe(fake.intents()[0]!.client_secret);
    expect(await paymentClientSecretFor(deps, body.order.id)).toBe(body.payment.clientSecret);

    await db.order.update({ where: { id: body.order.id }, data: { paymentIntentId: null } });
    expect(await paymentClientSecretFor(deps, body.order.id)).toBeNull();
    expect(await paymentClientSecretFor(deps, randomUUID())).toBeNull();
  });

  it("paymentStepFor: the order for its viewer with the client secret, one read; 404 for anyone else; no secret once paid", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 3 }] });
    const { body } = await checkout(await guestCart([[variantIds[0]!, 1]]));
    const step = await paymentStepFor(deps, body.order.id, { userId: null, token: body.orderToken });
    expect(step.order).toEqual(body.order);
    expect(step.clientSecret).toBe(body.payment.clientSecret);
    await expectCode(paymentStepFor(deps, body.order.id, { userId: null, token: "not-the-token" }), "not_found");
    await db.order.update({ where: { id: body.order.id }, data: { status: "PAID", paymentStatus: "succeeded" } });
    const paid = await paymentStepFor(deps, body.order.id, { userId: null, token: body.orderToken });
    expect(paid.order.status).toBe("PAID");
    expect(paid.clientSecret).toBeNull();
  });

  it("the test provider: null (its payment step takes a test card, not Stripe Elements)", async () => {
    const testDeps: CheckoutDeps = { db, carts, provider: createTestProvider(), log: quiet };
    const { variantIds } = await makeProduct({ variants: [{ stock: 3 }] });
    const { body } = await placeOrder(testDeps, input(await guestCart([[variantIds[0]!, 1]])));
    expect(await paymentIdOf(body.order.id)).toMatch(/^test_pi_/);
    expect(await paymentClientSecretFor(testDeps, body.order.id)).toBeNull();
  });
});

// ---- expiry --------------------------------------------------------------------------------------------------

describe("reservation expiry", () => {
  it("an expired reservation is released: PaymentIntent cancelled, stock back, discount released, cart ACTIVE; once", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 4 }] });
    const v = variantIds[0]!;
    const code = `EXP-${randomUUID().slice(0, 8)}`;
    const d = await db.discount.create({ data: { code, type: "PERCENTAGE", value: 500, maxUses: 1 } });
    const cartId = await guestCart([[v, 3]], [code]);
    const { body } = await checkout(cartId);
    const fresh = await guestCart([[v, 1]]);
    const { body: notExpired } = await checkout(fresh);
    expect(await stockOf(v)).toBe(0);
    await db.order.update({ where: { id: body.order.id }, data: { reservedUntil: new Date(Date.now() - 60_000) } });

    const [n1, n2] = await Promise.all([expireReservations(deps, { batch: 10 }), expireReservations(deps, { batch: 10 })]);
    expect(n1 + n2).toBe(1);
    const order = await getOrderForViewer(db, body.order.id, { userId: null, token: body.orderToken });
    expect(order.status).toBe("CANCELLED");
    expect(order.payment.status).toBe("expired");
    expect(fake.intent(await paymentIdOf(body.order.id))!.status).toBe("canceled");
    expect(await stockOf(v)).toBe(3);
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).usesCount).toBe(0);
    expect((await carts.getCart(cartId, { userId: null })).status).toBe("ACTIVE");
    // the other order's reservation still runs
    expect((await db.order.findUniqueOrThrow({ where: { id: notExpired.order.id } })).status).toBe("PENDING_PAYMENT");
    expect(await expireReservations(deps, { batch: 10 })).toBe(0);
    expect(await stockOf(v)).toBe(3);
  });

  it("an expired order whose payment succeeded meanwhile becomes PAID instead", async () => {
    const { variantIds } = await makeProduct({ variants: [{ stock: 4 }] });
    const cartId = await guestCart([[variantIds[0]!, 1]]);
    const { body } = await checkout(cartId);
    fake.succeed(await paymentIdOf(body.order.id));
    await db.order.update({ where: { id: body.order.id }, data: { reservedUntil: new Date(Date.now() - 60_000) } });
    expect(await expireReservations(deps, { batch: 10 })).toBe(1);
    expect((await db.order.findUniqueOrThrow({ where: { id: body.order.id } })).status).toBe("PAID");
    expect(await stockOf(variantIds[0]!)).toBe(3);
  });
});

// ---- the test provider and signed-in carts coming back ---------------------------------------------------------

describe("test provider", () => {
  let testDeps: CheckoutDeps;
  beforeAll(() => {
    const provider: PaymentProvider = createTestProvider();
    testDeps = { db, carts, provider, log: quiet };
  });

  async function userCheckout(uid: string, variantId: number, quantity: number) {
    const cart = await carts.cartForUser(uid);
    await carts.addItem(cart.id, { userId: uid }, { variantId, quantity });
    const { body } = await placeOrder(testDeps, input(cart.id, { actor: { userId: uid } }));
    return { cartId: cart.id, body };
  }

  it("a success card pays the order; only the owner or the token may confirm", async () => {
    const uid = await makeUser();
    const { variantIds } = await makeProduct({ variants: [{ stock: 3 }] });
    const { body } = await userCheckout(uid, variantIds[0]!, 1);
    expect(body.payment).toEqual({ provider: "test", clientSecret: expect.stringMatching(/^test_pi_/) });
    await expectCode(confirmTestPayment(testDeps, { orderId: body.order.id, cardNumber: TEST_CARDS.success }, { userId: null }), "not_found");
    await expectCode(confirmTestPayment(testDeps, { orderId: body.order.id, cardNumber: "4242" }, { userId: uid }), "validation_failed");
    const paid = await confirmTestPayment(testDeps, { orderId: body.order.id, cardNumber: TEST_CARDS.success }, { userId: uid });
    expect(paid.status).toBe("PAID");
    const again = await confirmTestPayment(testDeps, { orderId: body.order.id, cardNumber: TEST_CARDS.genericDecline }, { userId: null, token: body.orderToken });
    expect(again.status).toBe("PAID");
    await expectCode(confirmTestPayment(deps, { orderId: body.order.id, cardNumber: TEST_CARDS.success }, { userId: uid }), "not_found");
  });

  const declineTimes = async (orderId: string, viewer: { userId: string | null; token?: string | null }, n: number) => {
    let last;
    for (let i = 0; i < n; i++) last = await confirmTestPayment(testDeps, { orderId, cardNumber: i % 2 ? TEST_CARDS.genericDecline : TEST_CARDS.insufficientFunds }, viewer);
    return last!;
  };

  it("a decline keeps the order reserved; another card pays the SAME order; a double submit is one event", async () => {
    const uid = await makeUser();
    const { variantIds } = await makeProduct({ variants: [{ stock: 3 }] });
    const { cartId, body } = await userCheckout(uid, variantIds[0]!, 2);
    const viewer = { userId: uid };
    const [a, b] = await Promise.all([
      confirmTestPayment(testDeps, { orderId: body.order.id, cardNumber: TEST_CARDS.insufficientFunds }, viewer),
      confirmTestPayment(testDeps, { orderId: body.order.id, cardNumber: TEST_CARDS.insufficientFunds }, viewer),
    ]);
    for (const declined of [a, b]) expect(declined).toMatchObject({ id: body.order.id, status: "PENDING_PAYMENT", payment: { status: "failed", declineCode: "insufficient_funds" } });
    expect(await db.paymentEvent.count({ where: { orderId: body.order.id, type: "payment.failed" } })).toBe(1);
    // a second decline with another card is its own event (and its own mail)
    const again = await confirmTestPayment(testDeps, { orderId: body.order.id, cardNumber: TEST_CARDS.genericDecline }, viewer);
    expect(again).toMatchObject({ status: "PENDING_PAYMENT", payment: { status: "failed", declineCode: "generic_decline" } });
    expect(await db.paymentEvent.count({ where: { orderId: body.order.id, type: "payment.failed" } })).toBe(2);
    expect(await db.mailOutbox.count({ where: { event: "payment_failed", dedupeKey: { startsWith: body.order.id } } })).toBe(2);
    expect(await stockOf(variantIds[0]!)).toBe(1);
    expect((await db.cart.findUniqueOrThrow({ where: { id: cartId } })).status).toBe("CHECKED_OUT");

    const paid = await confirmTestPayment(testDeps, { orderId: body.order.id, cardNumber: TEST_CARDS.success }, viewer);
    expect(paid).toMatchObject({ id: body.order.id, status: "PAID", payment: { status: "succeeded" } });
    expect(paid.payment.declineCode).toBeUndefined();
    expect(await stockOf(variantIds[0]!)).toBe(1);
    expect(await db.order.count({ where: { cartId } })).toBe(1);
  });

  it(`${MAX_DECLINES} declines bring the signed-in cart back (same id) when the user has no other cart`, async () => {
    const uid = await makeUser();
    const { variantIds } = await makeProduct({ variants: [{ stock: 3 }] });
    const { cartId, body } = await userCheckout(uid, variantIds[0]!, 2);
    const fourth = await declineTimes(body.order.id, { userId: uid }, MAX_DECLINES - 1);
    expect(fourth.status).toBe("PENDING_PAYMENT");
    expect(await stockOf(variantIds[0]!)).toBe(1);
    const fifth = await confirmTestPayment(testDeps, { orderId: body.order.id, cardNumber: TEST_CARDS.insufficientFunds }, { userId: uid });
    expect(fifth).toMatchObject({ status: "CANCELLED", payment: { status: "failed", declineCode: "insufficient_funds" } });
    expect(await stockOf(variantIds[0]!)).toBe(3);
    const back = await carts.cartForUser(uid);
    expect(back.id).toBe(cartId);
    expect(back.items.map((l) => l.quantity)).toEqual([2]);
    // a card after that changes nothing
    expect((await confirmTestPayment(testDeps, { orderId: body.order.id, cardNumber: TEST_CARDS.success }, { userId: uid })).status).toBe("CANCELLED");
  });

  it(`${MAX_DECLINES} declines merge the lines into the user's newer ACTIVE cart, which stays the active one`, async () => {
    const uid = await makeUser();
    const { variantIds } = await makeProduct({ variants: [{ stock: 10 }, { stock: 10 }] });
    const [a, b] = variantIds as [number, number];
    const { cartId, body } = await userCheckout(uid, a, 2);
    const newer = await carts.cartForUser(uid);
    expect(newer.id).not.toBe(cartId);
    await carts.addItem(newer.id, { userId: uid }, { variantId: a, quantity: 1 });
    await carts.addItem(newer.id, { userId: uid }, { variantId: b, quantity: 1 });
    await declineTimes(body.order.id, { userId: uid }, MAX_DECLINES);
    const active = await carts.cartForUser(uid);
    expect(active.id).toBe(newer.id);
    expect(active.items.map((l) => [l.variantId, l.quantity]).sort()).toEqual([[a, 3], [b, 1]].sort());
    expect((await db.cart.findUniqueOrThrow({ where: { id: cartId } })).status).toBe("CHECKED_OUT");
    expect(await stockOf(a)).toBe(10);
  });

  it(`race (test provider): ${MAX_DECLINES} decline events and a success at once -> PAID, or CANCELLED with the money refunded; compensation at most once`, async () => {
    const provider = testDeps.provider as ReturnType<typeof createTestProvider>;
    for (let round = 0; round < 6; round++) {
      const uid = await makeUser();
      const { variantIds } = await makeProduct({ variants: [{ stock: 4 }] });
      const v = variantIds[0]!;
      const { cartId, body } = await userCheckout(uid, v, 1);
      const pi = await paymentIdOf(body.order.id);
      const charged = { amount: body.order.summary.total, currency: body.order.currency };
      const events = Array.from({ length: MAX_DECLINES }, (_, i) => provider.confirmTestCard(pi, body.order.id, TEST_CARDS.genericDecline, charged, i));
      events.splice(round, 0, provider.confirmTestCard(pi, body.order.id, TEST_CARDS.success, charged));
      await Promise.all(events.map((e) => applyPaymentEvent(testDeps, e)));
      const order = await db.order.findUniqueOrThrow({ where: { id: body.order.id } });
      const cancelMails = await db.mailOutbox.count({ where: { dedupeKey: body.order.id, event: "order_cancelled" } });
      const paidMails = await db.mailOutbox.count({ where: { dedupeKey: body.order.id, event: "order_paid" } });
      if (order.status === "PAID") {
        expect(await stockOf(v)).toBe(3);
        expect([cancelMails, paidMails]).toEqual([0, 1]);
        expect((await db.cart.findUniqueOrThrow({ where: { id: cartId } })).status).toBe("CHECKED_OUT");
      } else {
        // the success landed after the cancellation: the stock came back once and the money goes back
        expect(order.status).toBe("CANCELLED");
        expect(order.paymentStatus).toBe("refunded");
        expect(await stockOf(v)).toBe(4);
        expect([cancelMails, paidMails]).toEqual([1, 0]);
        expect((await carts.cartForUser(uid)).items.map((l) => l.quantity)).toEqual([1]);
      }
    }
  });

  it("a payment that succeeds for an order already cancelled by expiry is refunded", async () => {
    const uid = await makeUser();
    const { variantIds } = await makeProduct({ variants: [{ stock: 3 }] });
    const { body } = await userCheckout(uid, variantIds[0]!, 1);
    await db.order.update({ where: { id: body.order.id }, data: { reservedUntil: new Date(Date.now() - 60_000) } });
    expect(await expireReservations(testDeps, { batch: 10 })).toBe(1);
    const provider = testDeps.provider as ReturnType<typeof createTestProvider>;
    const late = provider.confirmTestCard(await paymentIdOf(body.order.id), body.order.id, TEST_CARDS.success);
    expect(await applyPaymentEvent(testDeps, late)).toEqual({ outcome: "refunded", orderId: body.order.id });
    const o = await getOrderForViewer(db, body.order.id, { userId: uid });
    expect(o).toMatchObject({ status: "CANCELLED", payment: { status: "refunded" } });
    expect(await stockOf(variantIds[0]!)).toBe(3);
  });
});
