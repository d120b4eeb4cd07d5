import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { DomainError } from "@/lib/errors";
import { resetEnvCache } from "@/lib/env";
import {
  createStripeProvider,
  createTestProvider,
  isTestProvider,
  paymentProvider,
  setPaymentProviderForTests,
  TEST_CARDS,
  type StripeProviderOptions,
} from "@/lib/payments";
import { startStripeFake, type StripeFake } from "@/tests/fakes/stripe-fake";

const SECRET_KEY = "sk_test_cartwrightFake0123456789";
const WEBHOOK_SECRET = "whsec_cartwright_test_secret";

let fake: StripeFake;

beforeAll(async () => {
  fake = await startStripeFake({ apiKey: SECRET_KEY });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

function provider(opts: Partial<StripeProviderOptions> = {}) {
  return createStripeProvider({
    secretKey: SECRET_KEY,
    webhookSecret: WEBHOOK_SECRET,
    apiBase: fake.url,
    maxNetworkRetries: 0,
    ...opts,
  });
}

function sdk(key = SECRET_KEY) {
  return new Stripe(key, { host: "127.0.0.1", port: fake.port, protocol: "http", maxNetworkRetries: 0 });
}

async function caught(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

function expectDomainError(e: unknown, code: string): DomainError {
  expect(e).toBeInstanceOf(DomainError);
  const d = e as DomainError;
  expect(d.code).toBe(code);
  return d;
}

const order = (n: number | string) => ({
  orderId: `ord_${n}`,
  amount: 4599,
  currency: "USD",
  email: "shopper@example.com",
  idempotencyKey: `checkout:key-${n}`,
});

describe("stripe fake (driven by the real SDK)", () => {
  it("creates a realistic PaymentIntent from a form-encoded body and reads it back", async () => {
    const s = sdk();
    const pi = await s.paymentIntents.create({
      amount: 1234,
      currency: "EUR",
      metadata: { order_id: "ord_1" },
      automatic_payment_methods: { enabled: true },
      receipt_email: "a@example.com",
    });
    expect(pi.id).toMatch(/^pi_\w{20,}$/);
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_\\w+$`));
    expect(pi).toMatchObject({
      object: "payment_intent",
      amount: 1234,
      currency: "eur",
      status: "requires_payment_method",
      metadata: { order_id: "ord_1" },
      automatic_payment_methods: { enabled: true },
      receipt_email: "a@example.com",
      livemode: false,
    });
    const again = await s.paymentIntents.retrieve(pi.id);
    expect(again).toEqual(pi);
    expect(fake.createdCount).toBe(1);
    const e = await caught(s.paymentIntents.retrieve("pi_missing"));
    expect(e).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((e as Stripe.errors.StripeError).code).toBe("resource_missing");
  });

  it("requires a valid bearer key", async () => {
    const noAuth = await fetch(`${fake.url}/v1/payment_intents/pi_x`);
    expect(noAuth.status).toBe(401);
    expect(((await noAuth.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    const e = await caught(sdk("sk_test_wrongWrongWrong").paymentIntents.create({ amount: 100, currency: "usd" }));
    expect(e).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(fake.createdCount).toBe(0);
  });

  it("honours Idempotency-Key: same params replay, other params are an idempotency_error", async () => {
    const s = sdk();
    const params = { amount: 500, currency: "usd", metadata: { order_id: "o1" } };
    const a = await s.paymentIntents.create(params, { idempotencyKey: "k1" });
    const b = await s.paymentIntents.create({ metadata: { order_id: "o1" }, currency: "usd", amount: 500 }, { idempotencyKey: "k1" });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(fake.createdCount).toBe(1);
    const e = await caught(s.paymentIntents.create({ ...params, amount: 501 }, { idempotencyKey: "k1" }));
    expect(e).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((e as Stripe.errors.StripeError).statusCode).toBe(400);
    expect(fake.createdCount).toBe(1);
  });

  it("refuses unknown and missing parameters like Stripe", async () => {
    const s = sdk();
    const unknown = await caught(s.paymentIntents.create({ amount: 100, currency: "usd", bogus: 1 } as never));
    expect((unknown as Stripe.errors.StripeError).code).toBe("parameter_unknown");
    const missing = await caught(s.paymentIntents.create({ currency: "usd" } as never));
    expect((missing as Stripe.errors.StripeError).code).toBe("parameter_missing");
    expect(fake.createdCount).toBe(0);
  });

  it("cancel of a succeeded PaymentIntent is a 400 payment_intent_unexpected_state carrying the intent", async () => {
    const s = sdk();
    const pi = await s.paymentIntents.create({ amount: 100, currency: "usd" });
    fake.succeed(pi.id);
    const e = (await caught(s.paymentIntents.cancel(pi.id))) as Stripe.errors.StripeError;
    expect(e).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe("payment_intent_unexpected_state");
    expect(e.payment_intent?.status).toBe("succeeded");
  });
});

describe("Stripe provider: createPayment", () => {
  it("sends amount, lower-cased currency, order metadata, automatic payment methods and the idempotency key", async () => {
    const p = provider();
    const r = await p.createPayment(order(1));
    expect(r.paymentId).toMatch(/^pi_/);
    expect(r.clientSecret).toMatch(new RegExp(`^${r.paymentId}_secret_`));
    expect(fake.intent(r.paymentId)).toMatchObject({
      amount: 4599,
      currency: "usd",
      metadata: { order_id: "ord_1" },
      automatic_payment_methods: { enabled: true },
      receipt_email: "shopper@example.com",
    });
    expect(fake.requests()).toEqual([
      expect.objectContaining({ method: "POST", path: "/v1/payment_intents", idempotencyKey: "checkout:key-1", status: 200 }),
    ]);
  });

  it("20 concurrent creates with one key make one PaymentIntent", async () => {
    const p = provider();
    const results = await Promise.all(Array.from({ length: 20 }, () => p.createPayment(order("same"))));
    expect(new Set(results.map((r) => r.paymentId)).size).toBe(1);
    expect(new Set(results.map((r) => r.clientSecret)).size).toBe(1);
    expect(fake.createdCount).toBe(1);
    expect(fake.intents()).toHaveLength(1);
    expect(fake.requests().filter((r) => r.replayed)).toHaveLength(19);
  });

  it("different keys make different PaymentIntents", async () => {
    const p = provider();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => p.createPayment(order(i))));
    expect(new Set(results.map((r) => r.paymentId)).size).toBe(5);
    expect(fake.createdCount).toBe(5);
  });

  it("refuses a bad input before calling the provider", async () => {
    const p = provider();
    for (const bad of [{ amount: 0 }, { amount: 12.5 }, { currency: "dollars" }, { idempotencyKey: "" }]) {
      const e = expectDomainError(await caught(p.createPayment({ ...order(1), ...bad })), "validation_failed");
      expect(e.details?.fieldErrors).toBeTruthy();
    }
    expect(fake.requests()).toHaveLength(0);
  });

  it("a 500 from the provider becomes payment_provider_error without secrets", async () => {
    fake.failNext(1, 500);
    const e = expectDomainError(await caught(provider().createPayment(order(1))), "payment_provider_error");
    expect(e.httpStatus).toBe(502);
    expect(e.details).toMatchObject({ provider: "stripe", operation: "create", reason: "server_error", statusCode: 500 });
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain(SECRET_KEY);
    expect(fake.createdCount).toBe(0);
  });

  it("retries 5xx with the same idempotency key when retries are on", async () => {
    fake.failNext(2, 503);
    const r = await provider({ maxNetworkRetries: 2 }).createPayment(order(1));
    expect(r.paymentId).toMatch(/^pi_/);
    expect(fake.createdCount).toBe(1);
    const reqs = fake.requests();
    expect(reqs.map((x) => x.status)).toEqual([503, 503, 200]);
    expect(new Set(reqs.map((x) => x.idempotencyKey))).toEqual(new Set(["checkout:key-1"]));
  });

  it("a rate limit (429) becomes payment_provider_error", async () => {
    fake.failNext(1, 429);
    const e = expectDomainError(await caught(provider().createPayment(order(1))), "payment_provider_error");
    expect(e.details?.reason).toBe("rate_limited");
  });

  it("an answer slower than the timeout becomes payment_provider_error; a retry with the key finds the same payment", async () => {
    fake.delayNext(1, 1_500);
    const p = provider({ timeoutMs: 200 });
    const started = Date.now();
    const e = expectDomainError(await caught(p.createPayment(order(1))), "payment_provider_error");
    expect(Date.now() - started).toBeLessThan(1_400);
    expect(e.details?.reason).toBe("timeout");
    // the fake processed the request (as Stripe would have); the retry of the step gets that same PaymentIntent
    expect(fake.createdCount).toBe(1);
    const r = await p.createPayment(order(1));
    expect(r.paymentId).toBe(fake.intents()[0]?.id);
    expect(fake.createdCount).toBe(1);
  });

  it("an unreachable provider becomes payment_provider_error", async () => {
    const other = await startStripeFake();
    const url = other.url;
    await other.close();
    const p = createStripeProvider({ secretKey: SECRET_KEY, apiBase: url, maxNetworkRetries: 0, timeoutMs: 2_000 });
    const e = expectDomainError(await caught(p.createPayment(order(1))), "payment_provider_error");
    expect(e.details?.reason).toBe("network");
  });

  it("a rejected key becomes payment_provider_error that does not echo the key", async () => {
    const wrongKey = "sk_test_notTheRightKey987654321";
    const e = expectDomainError(
      await caught(provider({ secretKey: wrongKey }).createPayment(order(1))),
      "payment_provider_error",
    );
    expect(e.details?.reason).toBe("authentication");
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain("987654321");
  });
});

describe("Stripe provider: cancel and refund", () => {
  it("cancels an open PaymentIntent", async () => {
    const p = provider();
    const { paymentId } = await p.createPayment(order(1));
    expect(await p.cancelPayment(paymentId, "cancel:1")).toEqual({ status: "canceled" });
    expect(fake.intent(paymentId)?.status).toBe("canceled");
    // cancelling again (another key, e.g. the sweeper on another instance) is still "canceled"
    expect(await p.cancelPayment(paymentId, "cancel:2")).toEqual({ status: "canceled" });
  });

  it("cancel of an already succeeded PaymentIntent returns succeeded instead of throwing", async () => {
    const p = provider();
    const { paymentId } = await p.createPayment(order(1));
    fake.succeed(paymentId);
    expect(await p.cancelPayment(paymentId, "cancel:1")).toEqual({ status: "succeeded" });
    expect(fake.intent(paymentId)?.status).toBe("succeeded");
  });

  it("cancel errors other than 'already succeeded' become payment_provider_error", async () => {
    const p = provider();
    const e = expectDomainError(await caught(p.cancelPayment("pi_doesNotExist", "cancel:x")), "payment_provider_error");
    expect(e.details).toMatchObject({ operation: "cancel", reason: "invalid_request", providerCode: "resource_missing" });
    fake.failNext(1);
    expectDomainError(await caught(p.cancelPayment("pi_any", "cancel:y")), "payment_provider_error");
  });

  it("refunds a succeeded payment once per key, and a second refund is not an error", async () => {
    const p = provider();
    const { paymentId } = await p.createPayment(order(1));
    fake.succeed(paymentId);
    await p.refundPayment(paymentId, "refund:1");
    await p.refundPayment(paymentId, "refund:1");
    expect(fake.refunds()).toHaveLength(1);
    expect(fake.refunds()[0]).toMatchObject({ payment_intent: paymentId, amount: 4599, status: "succeeded" });
    await p.refundPayment(paymentId, "refund:2"); // charge_already_refunded -> fine
    expect(fake.refunds()).toHaveLength(1);
  });

  it("refund of a payment that never succeeded is payment_provider_error", async () => {
    const p = provider();
    const { paymentId } = await p.createPayment(order(1));
    expectDomainError(await caught(p.refundPayment(paymentId, "refund:1")), "payment_provider_error");
  });
});

describe("Stripe provider: webhooks", () => {
  async function intent() {
    const { paymentId } = await provider().createPayment(order("wh"));
    return paymentId;
  }
  function signed(type: string, pi: unknown, secret = WEBHOOK_SECRET) {
    const body = fake.webhookPayload(type, pi as Stripe.PaymentIntent);
    return { body, header: fake.signedHeader(body, secret), id: (JSON.parse(body) as { id: string }).id };
  }

  it("parses payment_intent.succeeded", async () => {
    const pi = fake.succeed(await intent());
    const { body, header, id } = signed("payment_intent.succeeded", pi);
    expect(provider().parseWebhook(body, header)).toEqual({
      id,
      provider: "stripe",
      type: "payment.succeeded",
      paymentId: pi.id,
      orderId: "ord_wh",
      declineCode: null,
      amount: pi.amount,
      currency: pi.currency.toUpperCase(),
      detail: null,
    });
  });

  it("parses payment_intent.payment_failed with the decline code, else the error code", async () => {
    const pi = fake.fail(await intent(), "insufficient_funds");
    const { body, header, id } = signed("payment_intent.payment_failed", pi);
    expect(provider().parseWebhook(body, header)).toEqual({
      id,
      provider: "stripe",
      type: "payment.failed",
      paymentId: pi.id,
      orderId: "ord_wh",
      declineCode: "insufficient_funds",
      amount: pi.amount,
      currency: pi.currency.toUpperCase(),
      detail: null,
    });
    const onlyCode = { ...pi, last_payment_error: { type: "card_error", code: "expired_card" } };
    const second = signed("payment_intent.payment_failed", onlyCode);
    expect(provider().parseWebhook(second.body, second.header)?.declineCode).toBe("expired_card");
  });

  it("parses payment_intent.canceled", async () => {
    const p = provider();
    const paymentId = await intent();
    await p.cancelPayment(paymentId, "cancel:wh");
    const pi = fake.intent(paymentId);
    const { body, header, id } = signed("payment_intent.canceled", pi);
    expect(p.parseWebhook(body, header)).toEqual({
      id,
      provider: "stripe",
      type: "payment.canceled",
      paymentId,
      orderId: "ord_wh",
      declineCode: null,
      amount: pi!.amount,
      currency: pi!.currency.toUpperCase(),
      detail: null,
    });
  });

  it("a payment without order metadata has orderId null", async () => {
    const pi = await sdk().paymentIntents.create({ amount: 100, currency: "usd" });
    const { body, header } = signed("payment_intent.succeeded", fake.succeed(pi.id));
    expect(provider().parseWebhook(body, header)?.orderId).toBeNull();
  });

  it("ignores event types it does not handle", async () => {
    const pi = fake.intent(await intent());
    for (const type of ["payment_intent.created", "charge.succeeded", "payment_intent.processing"]) {
      const { body, header } = signed(type, pi);
      expect(provider().parseWebhook(body, header)).toBeNull();
    }
  });

  it("a tampered body, a wrong secret, a missing or stale signature are invalid_signature", async () => {
    const pi = fake.succeed(await intent());
    const { body, header } = signed("payment_intent.succeeded", pi);
    const p = provider();
    const tampered = body.replace('"ord_wh"', '"ord_other"');
    expect(tampered).not.toBe(body);
    expectDomainError(await caught(() => p.parseWebhook(tampered, header)), "invalid_signature");
    const wrong = signed("payment_intent.succeeded", pi, "whsec_someone_else");
    expectDomainError(await caught(() => p.parseWebhook(wrong.body, wrong.header)), "invalid_signature");
    expectDomainError(await caught(() => p.parseWebhook(body, null)), "invalid_signature");
    expectDomainError(await caught(() => p.parseWebhook(body, "")), "invalid_signature");
    expectDomainError(await caught(() => p.parseWebhook(body, "t=1,v1=deadbeef")), "invalid_signature");
    const stale = fake.signedHeader(body, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 3_600);
    expectDomainError(await caught(() => p.parseWebhook(body, stale)), "invalid_signature");
    const noSecret = provider({ webhookSecret: undefined });
    const d = expectDomainError(await caught(() => noSecret.parseWebhook(body, header)), "invalid_signature");
    expect(d.httpStatus).toBe(400);
  });

  it("a signed event of a handled type that is not a PaymentIntent is validation_failed", async () => {
    const { body, header } = signed("payment_intent.succeeded", { id: "ch_1", object: "charge" });
    expectDomainError(await caught(() => provider().parseWebhook(body, header)), "validation_failed");
  });
});

describe("built-in test provider", () => {
  const tp = createTestProvider();

  it("is a test provider with deterministic payments", async () => {
    expect(tp.name).toBe("test");
    expect(isTestProvider(tp)).toBe(true);
    expect(isTestProvider(provider())).toBe(false);
    const a = await tp.createPayment(order(7));
    const b = await createTestProvider().createPayment(order(7));
    expect(a).toEqual(b);
    expect(a.paymentId).toBe("test_pi_ord_7");
    expect(a.clientSecret).toMatch(/^test_pi_ord_7_secret_/);
    expectDomainError(await caught(tp.createPayment({ ...order(7), amount: -1 })), "validation_failed");
    expect(await tp.cancelPayment(a.paymentId, "k")).toEqual({ status: "canceled" });
    await expect(tp.refundPayment(a.paymentId, "k")).resolves.toBeUndefined();
    expectDomainError(await caught(() => tp.parseWebhook("{}", "t=1,v1=x")), "invalid_signature");
  });

  it.each([
    [TEST_CARDS.success, "payment.succeeded", null],
    ["4000000000000002", "payment.failed", "generic_decline"],
    ["4000000000009995", "payment.failed", "insufficient_funds"],
    ["4000000000000069", "payment.failed", "expired_card"],
    ["4000000000000127", "payment.failed", "incorrect_cvc"],
    ["5555555555554444", "payment.succeeded", null], // any other Luhn-valid number
    ["378282246310005", "payment.succeeded", null],
    ["4242 4242 4242 4242", "payment.succeeded", null],
    ["4000-0000-0000-9995", "payment.failed", "insufficient_funds"],
  ])("card %s -> %s %s", (card, type, declineCode) => {
    const e = tp.confirmTestCard("test_pi_ord_1", "ord_1", card);
    expect(e).toMatchObject({ provider: "test", type, declineCode, paymentId: "test_pi_ord_1", orderId: "ord_1" });
    expect(e.id).toMatch(/^test_evt_/);
  });

  it.each(["4242424242424241", "1234567812345678", "4242", "4242x4242x4242x4242", "", "42424242424242424242"])(
    "refuses card number %j with a cardNumber field error",
    async (card) => {
      const e = expectDomainError(await caught(() => tp.confirmTestCard("test_pi_o", "o", card)), "validation_failed");
      const fe = e.details?.fieldErrors as Record<string, string[]>;
      expect(fe.cardNumber?.length).toBeGreaterThan(0);
    },
  );

  it("the event id is deterministic per (payment, outcome), so a double submit is one event", () => {
    const a = tp.confirmTestCard("test_pi_o", "o", "4242424242424242");
    const b = createTestProvider().confirmTestCard("test_pi_o", "o", "4242 4242 4242 4242");
    const other = tp.confirmTestCard("test_pi_o", "o", "5555555555554444");
    expect(b.id).toBe(a.id);
    expect(other.id).toBe(a.id); // same outcome (succeeded) for the same payment is the same event
    const declined = tp.confirmTestCard("test_pi_o", "o", "4000000000000002");
    const poor = tp.confirmTestCard("test_pi_o", "o", "4000000000009995");
    expect(new Set([a.id, declined.id, poor.id]).size).toBe(3);
    expect(tp.confirmTestCard("test_pi_p", "p", "4242424242424242").id).not.toBe(a.id);
  });

  it("a decline after earlier declines (attempt n) is a new event; a success is one event whatever the attempt", () => {
    const first = tp.confirmTestCard("test_pi_o", "o", "4000000000000002");
    expect(tp.confirmTestCard("test_pi_o", "o", "4000000000000002", undefined, 0).id).toBe(first.id);
    const second = tp.confirmTestCard("test_pi_o", "o", "4000000000000002", undefined, 1);
    const third = tp.confirmTestCard("test_pi_o", "o", "4000000000000002", undefined, 2);
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
    expect(tp.confirmTestCard("test_pi_o", "o", "4242424242424242", undefined, 3).id).toBe(tp.confirmTestCard("test_pi_o", "o", "4242424242424242").id);
    expect(() => tp.confirmTestCard("test_pi_o", "o", "4000000000000002", undefined, -1)).toThrow(RangeError);
  });
});

describe("paymentProvider() factory", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ["PAYMENT_PROVIDER", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    resetEnvCache();
    setPaymentProviderForTests();
  });

  it("defaults to the test provider and keeps one per process", () => {
    delete process.env.PAYMENT_PROVIDER;
    delete process.env.STRIPE_SECRET_KEY;
    resetEnvCache();
    setPaymentProviderForTests();
    const p = paymentProvider();
    expect(p.name).toBe("test");
    expect(paymentProvider()).toBe(p);
  });

  it("builds the Stripe provider from the environment (STRIPE_API_BASE points it at the fake)", async () => {
    process.env.PAYMENT_PROVIDER = "stripe";
    process.env.STRIPE_SECRET_KEY = SECRET_KEY;
    process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
    process.env.STRIPE_API_BASE = fake.url;
    resetEnvCache();
    setPaymentProviderForTests();
    const p = paymentProvider();
    expect(p.name).toBe("stripe");
    const { paymentId } = await p.createPayment(order("env"));
    expect(fake.intent(paymentId)?.metadata.order_id).toBe("ord_env");
    const body = fake.webhookPayload("payment_intent.succeeded", fake.succeed(paymentId));
    expect(p.parseWebhook(body, fake.signedHeader(body, WEBHOOK_SECRET))?.type).toBe("payment.succeeded");
  });
});
