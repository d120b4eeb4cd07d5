import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { forgetRateTables } from "@/lib/rates";
import { createStripeProvider, type StripePaymentProvider } from "@/lib/payments";
import { applyPaymentEvent, cancelOrder, placeOrder, type CheckoutDeps } from "@/lib/checkout";
import { getOrderForAdmin } from "@/lib/orders";
import { startStripeFake, type StripeFake } from "@/tests/fakes/stripe-fake";

// Payment events against the real PostgreSQL, the real Stripe SDK and the local Stripe fake: a success pays an
// order only when it is the order's payment (id, amount, currency); money that arrives for an order that cannot
// take it goes back through the provider; refunds and disputes are recorded on the order.

const SECRET_KEY = "sk_test_cartwrightHardening0123456789";
const WEBHOOK_SECRET = "whsec_cartwright_hardening_test";
const ADDRESS = { name: "Test Shopper", line1: "1 Harbour Drive", city: "George Town", country: "KY", postalCode: "KY1-1000" };

let db: PrismaClient;
let kv: RedisKvStore;
let carts: CartService;
let fake: StripeFake;
let stripe: StripePaymentProvider;
let deps: CheckoutDeps;
const logged: { level: string; msg: string; data?: Record<string, unknown> }[] = [];

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 20);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}payhard:` });
  carts = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
  fake = await startStripeFake({ apiKey: SECRET_KEY });
  stripe = createStripeProvider({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, apiBase: fake.url, maxNetworkRetries: 0 });
  deps = { db, carts, provider: stripe, log: (level, msg, data) => logged.push({ level, msg, data }) };
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

beforeEach(() => {
  fake.reset();
  logged.length = 0;
});

/** A placed order (PENDING_PAYMENT) with its PaymentIntent at the fake. */
async function placed(): Promise<{ orderId: string; paymentId: string; variantId: number }> {
  const tag = randomUUID().slice(0, 8);
  const p = await db.product.create({
    data: { slug: `ph-${tag}`, name: `Hardening ${tag}`, basePrice: 2000, currency: "USD", variants: { create: [{ sku: `PH-${tag}`, attributes: {}, stockQuantity: 10 }] } },
    include: { variants: true },
  });
  const variantId = p.variants[0]!.id;
  const cart = await carts.createGuestCart();
  await carts.addItem(cart.id, { userId: null }, { variantId, quantity: 1 });
  const r = await placeOrder(deps, { cartId: cart.id, email: `ph-${tag}@example.test`, shippingAddress: ADDRESS, idempotencyKey: randomUUID(), actor: { userId: null } });
  const order = await db.order.findUniqueOrThrow({ where: { id: r.body.order.id } });
  return { orderId: order.id, paymentId: order.paymentIntentId!, variantId };
}

/** A webhook delivery as Stripe would send it, verified and normalised by the real provider. */
function webhook(type: string, object: Stripe.PaymentIntent | Record<string, unknown>) {
  const payload = fake.webhookPayload(type, object);
  return stripe.parseWebhook(payload, fake.signedHeader(payload, WEBHOOK_SECRET))!;
}

const orderOf = (id: string) => db.order.findUniqueOrThrow({ where: { id } });
const eventsOf = async (orderId: string) => (await getOrderForAdmin(db, orderId)).paymentEvents;

describe("a success pays the order only when it is the order's payment", () => {
  it("a webhook with the wrong amount does not mark the order PAID: recorded as a mismatch and logged", async () => {
    const { orderId, paymentId } = await placed();
    const pi = fake.succeed(paymentId);
    const wrong = await applyPaymentEvent(deps, webhook("payment_intent.succeeded", { ...pi, amount: pi.amount - 100 }));
    expect(wrong.outcome).toBe("mismatch");
    expect((await orderOf(orderId)).status).toBe("PENDING_PAYMENT");
    const [event] = await eventsOf(orderId);
    expect(event).toMatchObject({ type: "payment.succeeded", outcome: "mismatch", amount: pi.amount - 100, currency: "USD" });
    expect(event!.detail).toContain(`amount ${pi.amount - 100} is not the order's total ${pi.amount}`);
    expect(logged.some((l) => l.level === "error" && l.msg.includes("does not match"))).toBe(true);

    // the genuine event still pays it
    expect((await applyPaymentEvent(deps, webhook("payment_intent.succeeded", pi))).outcome).toBe("paid");
    expect((await orderOf(orderId)).status).toBe("PAID");
  });

  it("nor one in another currency, nor another PaymentIntent that names the order", async () => {
    const { orderId, paymentId } = await placed();
    const pi = fake.succeed(paymentId);
    expect((await applyPaymentEvent(deps, webhook("payment_intent.succeeded", { ...pi, currency: "eur" }))).outcome).toBe("mismatch");
    const other = fake.succeed(
      (await new (await import("stripe")).default(SECRET_KEY, { host: "127.0.0.1", port: fake.port, protocol: "http" }).paymentIntents.create({
        amount: pi.amount,
        currency: "usd",
        metadata: { order_id: orderId },
      })).id,
    );
    expect((await applyPaymentEvent(deps, webhook("payment_intent.succeeded", other))).outcome).toBe("mismatch");
    const order = await orderOf(orderId);
    expect([order.status, order.paymentIntentId]).toEqual(["PENDING_PAYMENT", paymentId]);
    expect((await eventsOf(orderId)).map((e) => e.outcome)).toEqual(["mismatch", "mismatch"]);
  });

  it("a right and a wrong success racing: the order ends PAID by the right one, exactly once", async () => {
    const { orderId, paymentId } = await placed();
    const pi = fake.succeed(paymentId);
    const events = [
      ...Array.from({ length: 5 }, () => webhook("payment_intent.succeeded", { ...pi, amount: pi.amount + 1 })),
      webhook("payment_intent.succeeded", pi),
    ];
    const results = await Promise.all(events.map((e) => applyPaymentEvent(deps, e)));
    expect(results.filter((r) => r.outcome === "paid")).toHaveLength(1);
    const order = await orderOf(orderId);
    expect([order.status, order.paymentIntentId, order.paymentStatus]).toEqual(["PAID", paymentId, "succeeded"]);
  });
});

describe("money that arrives for an order that cannot take it goes back", () => {
  it("a success for a cancelled order is refunded at the provider and recorded", async () => {
    const { orderId, paymentId } = await placed();
    await cancelOrder(deps, orderId, { paymentStatus: "expired" });
    const pi = fake.succeed(paymentId);
    const r = await applyPaymentEvent(deps, webhook("payment_intent.succeeded", pi));
    expect(r.outcome).toBe("refunded");
    expect(fake.refunds().map((x) => x.payment_intent)).toEqual([paymentId]);
    const order = await orderOf(orderId);
    expect([order.status, order.paymentStatus]).toEqual(["CANCELLED", "refunded"]);
    expect((await eventsOf(orderId)).map((e) => e.outcome)).toEqual(["refund_pending"]);
  });

  it("a success by ANOTHER PaymentIntent for an order already paid is refunded once, however often it is delivered", async () => {
    const { orderId, paymentId } = await placed();
    await applyPaymentEvent(deps, webhook("payment_intent.succeeded", fake.succeed(paymentId)));
    const second = fake.succeed(
      (await new (await import("stripe")).default(SECRET_KEY, { host: "127.0.0.1", port: fake.port, protocol: "http" }).paymentIntents.create({
        amount: 2645,
        currency: "usd",
        metadata: { order_id: orderId },
      })).id,
    );
    const event = webhook("payment_intent.succeeded", second);
    const results = await Promise.all(Array.from({ length: 5 }, () => applyPaymentEvent(deps, event)));
    expect(results.filter((r) => r.outcome === "refunded")).toHaveLength(1);
    expect(results.filter((r) => r.outcome !== "refunded").every((r) => r.outcome === "duplicate")).toBe(true);
    expect(fake.refunds().map((x) => x.payment_intent)).toEqual([second.id]);
    const order = await orderOf(orderId);
    expect([order.status, order.paymentIntentId, order.paymentStatus]).toEqual(["PAID", paymentId, "succeeded"]);
    const recorded = (await eventsOf(orderId)).find((e) => e.paymentId === second.id);
    expect(recorded).toMatchObject({ outcome: "refunded" });
    expect(recorded!.detail).toContain(paymentId);
  });

  it("when the refund call fails the event is not recorded, so the provider's retry refunds it", async () => {
    const { orderId, paymentId } = await placed();
    await applyPaymentEvent(deps, webhook("payment_intent.succeeded", fake.succeed(paymentId)));
    const second = fake.succeed(
      (await new (await import("stripe")).default(SECRET_KEY, { host: "127.0.0.1", port: fake.port, protocol: "http" }).paymentIntents.create({
        amount: 2645,
        currency: "usd",
        metadata: { order_id: orderId },
      })).id,
    );
    const event = webhook("payment_intent.succeeded", second);
    fake.failNext(1, 500);
    await expect(applyPaymentEvent(deps, event)).rejects.toMatchObject({ code: "payment_provider_error" });
    expect(await db.paymentEvent.count({ where: { id: event.id } })).toBe(0);
    expect((await applyPaymentEvent(deps, event)).outcome).toBe("refunded");
    expect(fake.refunds()).toHaveLength(1);
  });
});

describe("refunds and disputes are recorded on the order", () => {
  it("charge.refunded and charge.dispute.created show in the admin order view; a full refund sets payment.status refunded", async () => {
    const { orderId, paymentId } = await placed();
    await applyPaymentEvent(deps, webhook("payment_intent.succeeded", fake.succeed(paymentId)));

    const dispute = fake.dispute(paymentId, { reason: "fraudulent", status: "needs_response" });
    const disputed = webhook("charge.dispute.created", dispute);
    // delivered three times at once: recorded once
    const results = await Promise.all([1, 2, 3].map(() => applyPaymentEvent(deps, disputed)));
    expect(results.map((r) => r.outcome).sort()).toEqual(["duplicate", "duplicate", "recorded"]);
    expect(logged.some((l) => l.level === "warn" && l.msg.includes("dispute"))).toBe(true);
    expect((await orderOf(orderId)).status).toBe("PAID");

    await stripe.refundPayment(paymentId, `refund:${paymentId}`);
    const refunded = await applyPaymentEvent(deps, webhook("charge.refunded", fake.charge(paymentId)));
    expect(refunded.outcome).toBe("recorded");

    const view = await getOrderForAdmin(db, orderId);
    expect(view.status).toBe("PAID");
    expect(view.payment.status).toBe("refunded");
    expect(view.paymentEvents.map((e) => [e.type, e.outcome])).toEqual([
      ["payment.succeeded", "paid"],
      ["payment.disputed", "recorded"],
      ["payment.refunded", "recorded"],
    ]);
    expect(view.paymentEvents[1]).toMatchObject({ amount: 2645, currency: "USD", detail: "charge.dispute.created: needs_response (fraudulent)" });
    expect(view.paymentEvents[2]).toMatchObject({ amount: 2645, currency: "USD", paymentId });
  });

  it("a partial refund is recorded without calling the payment refunded", async () => {
    const { orderId, paymentId } = await placed();
    await applyPaymentEvent(deps, webhook("payment_intent.succeeded", fake.succeed(paymentId)));
    await new (await import("stripe")).default(SECRET_KEY, { host: "127.0.0.1", port: fake.port, protocol: "http" }).refunds.create({
      payment_intent: paymentId,
      amount: 100,
    });
    expect((await applyPaymentEvent(deps, webhook("charge.refunded", fake.charge(paymentId)))).outcome).toBe("recorded");
    const view = await getOrderForAdmin(db, orderId);
    expect(view.payment.status).toBe("succeeded");
    expect(view.paymentEvents.at(-1)).toMatchObject({ type: "payment.refunded", amount: 100 });
  });
});
