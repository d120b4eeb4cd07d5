/**
 * A small local fake of exactly the Stripe API endpoints Cartwright uses, good enough for the REAL `stripe` SDK:
 *
 *   const fake = await startStripeFake();
 *   const stripe = new Stripe("sk_test_x", { host: "127.0.0.1", port: fake.port, protocol: "http", maxNetworkRetries: 0 });
 *   // or: process.env.STRIPE_API_BASE = fake.url
 *
 * charge()/dispute() build the objects of charge.refunded / charge.dispute.* events.
 *
 * Endpoints: POST /v1/payment_intents, GET /v1/payment_intents/:id, POST /v1/payment_intents/:id/cancel,
 * POST /v1/refunds. Bodies are form-encoded like Stripe's (metadata[order_id]=...), answers and errors are
 * Stripe-shaped, `Authorization: Bearer sk_...` is required, and `Idempotency-Key` behaves like Stripe's: the
 * same key with the same parameters replays the stored answer (no new object, `Idempotent-Replayed: true`), the
 * same key with other parameters is a 400 idempotency_error. Requests are handled synchronously once their body
 * has arrived, so concurrent requests with one key can never both create.
 *
 * Test controls are plain methods (not HTTP): succeed/fail move a PaymentIntent as a card confirmation would,
 * failNext/delayNext inject 5xx answers and slow answers (a delayed request is still processed at once, as
 * on a real server whose answer is lost to a client timeout), webhookPayload/signedHeader build signed events.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import Stripe from "stripe";

type Json = Record<string, unknown>;
type Params = Record<string, unknown>;

export type StripeFakeOptions = {
  /** When set, only this key is accepted; otherwise any key that looks like a secret key (sk_... / rk_...). */
  apiKey?: string;
  /** Default 0: a random free port. */
  port?: number;
};

export type StripeFakeRequest = {
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  replayed: boolean;
};

export type StripeFakeEventType =
  | "payment_intent.succeeded"
  | "payment_intent.payment_failed"
  | "payment_intent.canceled"
  | (string & {});

export type StripeFake = {
  port: number;
  /** "http://127.0.0.1:<port>", the value for STRIPE_API_BASE */
  url: string;
  close(): Promise<void>;
  /** Confirms a PaymentIntent with a card that succeeds (status succeeded, a charge, amount_received). */
  succeed(piId: string): Stripe.PaymentIntent;
  /** A declined confirmation: back to requires_payment_method with last_payment_error (decline_code). */
  fail(piId: string, declineCode?: string): Stripe.PaymentIntent;
  /** Every PaymentIntent, oldest first (copies). */
  intents(): Stripe.PaymentIntent[];
  intent(piId: string): Stripe.PaymentIntent | undefined;
  refunds(): Stripe.Refund[];
  /** The charge of a succeeded PaymentIntent as a charge.* event carries it (amount_refunded so far, metadata). */
  charge(piId: string): Json;
  /** A dispute of a succeeded PaymentIntent's charge, as a charge.dispute.* event carries it. */
  dispute(piId: string, opts?: { status?: string; reason?: string; amount?: number }): Json;
  /** PaymentIntents created since start/reset (idempotent replays do not count). */
  readonly createdCount: number;
  /** Every request answered since start/reset, in order of arrival. */
  requests(): StripeFakeRequest[];
  /** Answers the next n requests with a Stripe-shaped 5xx (or the given status) without processing them. */
  failNext(n: number, status?: number): void;
  /** Holds the answers to the next n requests back for ms (they are processed at once). */
  delayNext(n: number, ms: number): void;
  /** Forgets every object, idempotency key, request and pending failure/delay. */
  reset(): void;
  /** A Stripe event JSON body ({ id: "evt_...", object: "event", type, data: { object: pi }, ... }). */
  webhookPayload(type: StripeFakeEventType, pi: Stripe.PaymentIntent | Json): string;
  /** A Stripe-Signature header for the payload, by the SDK's own generateTestHeaderString. */
  signedHeader(payload: string, secret: string, timestampSeconds?: number): string;
};

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
function rand(n: number): string {
  const bytes = randomBytes(n);
  let s = "";
  for (const b of bytes) s += ALNUM[b % ALNUM.length];
  return s;
}
const newId = (prefix: string, n = 24) => `${prefix}_${rand(n)}`;
const now = () => Math.floor(Date.now() / 1000);
const clone = <T>(v: T): T => structuredClone(v);

/** Decodes Stripe's form encoding (a[b][c]=v, list[0]=v) into nested objects and arrays. */
export function decodeStripeForm(body: string): Params {
  const root: Params = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    const path = m ? [m[1] as string, ...[...(m[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1] as string)] : [rawKey];
    let node: Params = root;
    path.forEach((seg, i) => {
      const key = seg === "" ? String(Object.keys(node).length) : seg;
      if (i === path.length - 1) node[key] = value;
      else {
        const next = node[key];
        if (typeof next !== "object" || next === null) node[key] = {};
        node = node[key] as Params;
      }
    });
  }
  const arrays = (v: unknown): unknown => {
    if (typeof v !== "object" || v === null) return v;
    const o = v as Params;
    const keys = Object.keys(o);
    const out: Params = {};
    for (const k of keys) out[k] = arrays(o[k]);
    if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => out[k]);
    return out;
  };
  return arrays(root) as Params;
}

/** Order-independent fingerprint of a request's parameters (Stripe compares parameters, not bytes). */
function fingerprint(method: string, path: string, body: string): string {
  const pairs = [...new URLSearchParams(body)].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return JSON.stringify([method, path, pairs]);
}

type Answer = { status: number; body: Json; store?: boolean; headers?: Record<string, string> };

function stripeError(status: number, error: Json, store = true): Answer {
  return { status, body: { error: { type: "invalid_request_error", ...error } }, store };
}
const paramError = (message: string, param: string, code: string) =>
  stripeError(400, { message, param, code, doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}` }, false);
const missing = (param: string) => paramError(`Missing required param: ${param}.`, param, "parameter_missing");
const unknownParam = (param: string) => paramError(`Received unknown parameter: ${param}`, param, "parameter_unknown");
const noSuch = (kind: string, id: string, param: string) =>
  stripeError(404, {
    code: "resource_missing",
    doc_url: "https://stripe.com/docs/error-codes/resource-missing",
    message: `No such ${kind}: '${id}'`,
    param,
  });

const CANCELABLE: ReadonlySet<string> = new Set([
  "requires_payment_method",
  "requires_capture",
  "requires_confirmation",
  "requires_action",
  "processing",
]);
const CANCELLATION_REASONS = new Set(["duplicate", "fraudulent", "requested_by_customer", "abandoned"]);
/** Decline codes Stripe reports with an error code of their own rather than card_declined. */
const OWN_CODE_DECLINES = new Set(["expired_card", "incorrect_cvc", "incorrect_number", "processing_error"]);

export async function startStripeFake(opts: StripeFakeOptions = {}): Promise<StripeFake> {
  const intents = new Map<string, Stripe.PaymentIntent>();
  const refunds = new Map<string, Stripe.Refund>();
  const refundedAmount = new Map<string, number>();
  const idempotency = new Map<string, { fingerprint: string; answer: Answer; requestId: string }>();
  let requestLog: StripeFakeRequest[] = [];
  let created = 0;
  let failQueue: number[] = [];
  let delayQueue: number[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const authorized = (req: IncomingMessage): Answer | null => {
    const h = req.headers.authorization ?? "";
    let key: string | null = null;
    if (/^Bearer /i.test(h)) key = h.slice(7).trim();
    else if (/^Basic /i.test(h)) key = Buffer.from(h.slice(6).trim(), "base64").toString("utf8").split(":")[0] ?? null;
    if (!key)
      return {
        status: 401,
        store: false,
        headers: { "WWW-Authenticate": 'Bearer realm="Stripe"' },
        body: {
          error: {
            type: "invalid_request_error",
            message:
              "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
          },
        },
      };
    const ok = opts.apiKey !== undefined ? key === opts.apiKey : /^(sk|rk)_(test|live)_\w+/.test(key);
    if (ok) return null;
    return {
      status: 401,
      store: false,
      headers: { "WWW-Authenticate": 'Bearer realm="Stripe"' },
      body: {
        error: {
          type: "invalid_request_error",
          code: "api_key_invalid",
          message: `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
        },
      },
    };
  };

  function createIntent(p: Params): Answer {
    const known = new Set([
      "amount", "currency", "metadata", "automatic_payment_methods", "receipt_email", "description",
      "payment_method_types", "capture_method", "statement_descriptor_suffix", "expand",
    ]);
    for (const k of Object.keys(p)) if (!known.has(k)) return unknownParam(k);
    if (p.amount === undefined) return missing("amount");
    if (typeof p.amount !== "string" || !/^-?\d+$/.test(p.amount))
      return paramError(`Invalid integer: ${String(p.amount)}`, "amount", "parameter_invalid_integer");
    const amount = Number(p.amount);
    if (amount < 1 || !Number.isSafeInteger(amount))
      return paramError("Amount must be at least 1.", "amount", "amount_too_small");
    if (p.currency === undefined) return missing("currency");
    if (typeof p.currency !== "string" || !/^[a-zA-Z]{3}$/.test(p.currency))
      return paramError(`Invalid currency: ${String(p.currency)}.`, "currency", "parameter_invalid_string");
    const metadata: Record<string, string> = {};
    if (p.metadata !== undefined) {
      if (typeof p.metadata !== "object" || p.metadata === null || Array.isArray(p.metadata))
        return paramError("Invalid object", "metadata", "parameter_invalid_string");
      for (const [k, v] of Object.entries(p.metadata as Params)) {
        if (typeof v !== "string") return paramError("Invalid string", `metadata[${k}]`, "parameter_invalid_string");
        if (k.length > 40) return paramError("Metadata keys can have at most 40 characters.", `metadata[${k}]`, "parameter_invalid_string");
        if (v.length > 500) return paramError("Metadata values can have at most 500 characters.", `metadata[${k}]`, "parameter_invalid_string");
        if (v !== "") metadata[k] = v;
      }
    }
    let automatic: Stripe.PaymentIntent.AutomaticPaymentMethods | null = null;
    if (p.automatic_payment_methods !== undefined) {
      const a = p.automatic_payment_methods as Params;
      for (const k of Object.keys(a)) if (k !== "enabled" && k !== "allow_redirects") return unknownParam(`automatic_payment_methods[${k}]`);
      if (a.enabled !== "true" && a.enabled !== "false")
        return paramError("Invalid boolean", "automatic_payment_methods[enabled]", "parameter_invalid_boolean");
      if (a.enabled === "true")
        automatic = {
          allow_redirects: a.allow_redirects === "never" ? "never" : "always",
          enabled: true,
        };
    }
    let receiptEmail: string | null = null;
    if (p.receipt_email !== undefined) {
      if (typeof p.receipt_email !== "string" || !/^[^@\s]+@[^@\s]+$/.test(p.receipt_email))
        return paramError(`Invalid email address: ${String(p.receipt_email)}`, "receipt_email", "email_invalid");
      receiptEmail = p.receipt_email;
    }
    const id = newId("pi");
    const pi: Stripe.PaymentIntent = {
      id,
      object: "payment_intent",
      allowed_payment_method_types: null,
      amount,
      amount_capturable: 0,
      amount_details: { tip: {} },
      amount_received: 0,
      application: null,
      application_fee_amount: null,
      automatic_payment_methods: automatic,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: p.capture_method === "manual" ? "manual" : "automatic_async",
      client_secret: `${id}_secret_${rand(25)}`,
      confirmation_method: "automatic",
      created: now(),
      currency: p.currency.toLowerCase(),
      customer: null,
      customer_account: null,
      description: typeof p.description === "string" ? p.description : null,
      excluded_payment_method_types: null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      managed_payments: null,
      metadata,
      next_action: null,
      on_behalf_of: null,
      payment_method: null,
      payment_method_configuration_details: automatic ? { id: newId("pmc"), parent: null } : null,
      payment_method_options: {
        card: { installments: null, mandate_options: null, network: null, request_three_d_secure: "automatic" },
      },
      payment_method_types: ["card"],
      payment_record: null,
      processing: null,
      receipt_email: receiptEmail,
      review: null,
      setup_future_usage: null,
      shipping: null,
      source: null,
      statement_descriptor: null,
      statement_descriptor_suffix: typeof p.statement_descriptor_suffix === "string" ? p.statement_descriptor_suffix : null,
      status: "requires_payment_method",
      transfer_data: null,
      transfer_group: null,
    };
    intents.set(id, pi);
    created++;
    return { status: 200, body: clone(pi) as unknown as Json };
  }

  function cancelIntent(id: string, p: Params): Answer {
    for (const k of Object.keys(p)) if (k !== "cancellation_reason" && k !== "expand") return unknownParam(k);
    const pi = intents.get(id);
    if (!pi) return noSuch("payment_intent", id, "intent");
    if (p.cancellation_reason !== undefined && !CANCELLATION_REASONS.has(String(p.cancellation_reason)))
      return paramError(`Invalid cancellation_reason: ${String(p.cancellation_reason)}`, "cancellation_reason", "parameter_invalid_string");
    if (!CANCELABLE.has(pi.status))
      return stripeError(400, {
        code: "payment_intent_unexpected_state",
        doc_url: "https://stripe.com/docs/error-codes/payment-intent-unexpected-state",
        message: `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${[...CANCELABLE].join(", ")}.`,
        payment_intent: clone(pi),
      });
    pi.status = "canceled";
    pi.canceled_at = now();
    pi.cancellation_reason = (p.cancellation_reason as Stripe.PaymentIntent.CancellationReason | undefined) ?? null;
    return { status: 200, body: clone(pi) as unknown as Json };
  }

  function createRefund(p: Params): Answer {
    for (const k of Object.keys(p)) if (!["payment_intent", "amount", "reason", "metadata", "expand"].includes(k)) return unknownParam(k);
    if (p.payment_intent === undefined) return missing("payment_intent");
    const piId = String(p.payment_intent);
    const pi = intents.get(piId);
    if (!pi) return noSuch("payment_intent", piId, "payment_intent");
    if (pi.status !== "succeeded" || typeof pi.latest_charge !== "string")
      return stripeError(400, {
        message: `This PaymentIntent (${piId}) does not have a successful charge to refund.`,
        param: "payment_intent",
      });
    const already = refundedAmount.get(piId) ?? 0;
    const remaining = pi.amount_received - already;
    if (remaining <= 0)
      return stripeError(400, {
        code: "charge_already_refunded",
        doc_url: "https://stripe.com/docs/error-codes/charge-already-refunded",
        message: `Charge ${pi.latest_charge} has already been refunded.`,
      });
    let amount = remaining;
    if (p.amount !== undefined) {
      if (typeof p.amount !== "string" || !/^\d+$/.test(p.amount) || Number(p.amount) < 1)
        return paramError(`Invalid integer: ${String(p.amount)}`, "amount", "parameter_invalid_integer");
      amount = Number(p.amount);
      if (amount > remaining)
        return stripeError(400, {
          code: "amount_too_large",
          message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
          param: "amount",
        });
    }
    const refund: Stripe.Refund = {
      id: newId("re"),
      object: "refund",
      amount,
      balance_transaction: newId("txn"),
      charge: pi.latest_charge,
      created: now(),
      currency: pi.currency,
      customer: null,
      customer_account: null,
      destination_details: { card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" }, type: "card" },
      metadata: {},
      payment_intent: pi.id,
      payment_method: typeof pi.payment_method === "string" ? pi.payment_method : null,
      reason: (p.reason as Stripe.Refund.Reason | undefined) ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: "succeeded",
      transfer_reversal: null,
    };
    refunds.set(refund.id, refund);
    refundedAmount.set(piId, already + amount);
    return { status: 200, body: clone(refund) as unknown as Json };
  }

  function route(method: string, path: string, p: Params): Answer {
    if (path === "/v1/payment_intents" && method === "POST") return createIntent(p);
    let m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (m && method === "GET") {
      const pi = intents.get(decodeURIComponent(m[1] as string));
      return pi ? { status: 200, body: clone(pi) as unknown as Json } : noSuch("payment_intent", m[1] as string, "intent");
    }
    m = /^\/v1\/payment_intents\/([^/]+)\/cancel$/.exec(path);
    if (m && method === "POST") return cancelIntent(decodeURIComponent(m[1] as string), p);
    if (path === "/v1/refunds" && method === "POST") return createRefund(p);
    m = /^\/v1\/refunds\/([^/]+)$/.exec(path);
    if (m && method === "GET") {
      const r = refunds.get(decodeURIComponent(m[1] as string));
      return r ? { status: 200, body: clone(r) as unknown as Json } : noSuch("refund", m[1] as string, "id");
    }
    return stripeError(
      404,
      { message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` },
      false,
    );
  }

  function answer(req: IncomingMessage, body: string): { answer: Answer; requestId: string; replayed: boolean } {
    const requestId = newId("req", 14);
    const url = new URL(req.url ?? "/", "http://fake");
    const method = (req.method ?? "GET").toUpperCase();
    const injected = failQueue.shift();
    if (injected !== undefined) {
      const type = injected === 429 ? "invalid_request_error" : "api_error";
      const error: Json =
        injected === 429
          ? { type, code: "rate_limit", message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits." }
          : { type, message: "Sorry, something went wrong. We've already been notified of the problem." };
      return { answer: { status: injected, body: { error } }, requestId, replayed: false };
    }
    const denied = authorized(req);
    if (denied) return { answer: denied, requestId, replayed: false };
    const key = method === "POST" ? (req.headers["idempotency-key"] as string | undefined) ?? null : null;
    let slot: string | null = null;
    if (key !== null) {
      if (key.length > 255)
        return { answer: stripeError(400, { message: "Idempotency keys can be at most 255 characters long." }, false), requestId, replayed: false };
      slot = `${req.headers.authorization ?? ""}\u0000${key}`;
      const prior = idempotency.get(slot);
      if (prior) {
        if (prior.fingerprint !== fingerprint(method, url.pathname, body))
          return {
            answer: {
              status: 400,
              body: {
                error: {
                  type: "idempotency_error",
                  message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
                },
              },
            },
            requestId,
            replayed: false,
          };
        return {
          answer: { ...prior.answer, headers: { ...prior.answer.headers, "Idempotent-Replayed": "true", "Original-Request": prior.requestId } },
          requestId,
          replayed: true,
        };
      }
    }
    const ct = String(req.headers["content-type"] ?? "");
    const params = method === "GET" ? decodeStripeForm(url.search.slice(1)) : ct.includes("json") ? (JSON.parse(body || "{}") as Params) : decodeStripeForm(body);
    const result = route(method, url.pathname, params);
    if (slot !== null && result.store !== false)
      idempotency.set(slot, { fingerprint: fingerprint(method, url.pathname, body), answer: result, requestId });
    return { answer: result, requestId, replayed: false };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on("error", () => {});
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const delay = delayQueue.shift();
      let out: { answer: Answer; requestId: string; replayed: boolean };
      try {
        out = answer(req, Buffer.concat(chunks).toString("utf8"));
      } catch (e) {
        out = {
          answer: { status: 500, body: { error: { type: "api_error", message: `Fake failure: ${String(e)}` } } },
          requestId: newId("req", 14),
          replayed: false,
        };
      }
      const { answer: a, requestId, replayed } = out;
      const key = req.headers["idempotency-key"];
      requestLog.push({
        method: req.method ?? "GET",
        path: (req.url ?? "/").split("?")[0] as string,
        idempotencyKey: typeof key === "string" ? key : null,
        status: a.status,
        replayed,
      });
      const send = () => {
        if (res.destroyed || res.writableEnded) return;
        const payload = JSON.stringify(a.body, null, 2);
        res.writeHead(a.status, {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(payload),
          "Request-Id": requestId,
          "Stripe-Version": String(req.headers["stripe-version"] ?? Stripe.API_VERSION),
          ...(typeof key === "string" && req.method === "POST" ? { "Idempotency-Key": key } : {}),
          ...a.headers,
        });
        res.end(payload);
      };
      if (delay === undefined || delay <= 0) send();
      else {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, delay);
        timers.add(t);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const mustGet = (piId: string): Stripe.PaymentIntent => {
    const pi = intents.get(piId);
    if (!pi) throw new Error(`stripe-fake: no PaymentIntent ${piId}`);
    return pi;
  };

  const fake: StripeFake = {
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    succeed(piId) {
      const pi = mustGet(piId);
      if (pi.status === "succeeded" || pi.status === "canceled")
        throw new Error(`stripe-fake: cannot succeed ${piId}, it is ${pi.status}`);
      pi.status = "succeeded";
      pi.amount_received = pi.amount;
      pi.latest_charge = newId("ch");
      pi.payment_method = newId("pm");
      pi.last_payment_error = null;
      return clone(pi);
    },
    fail(piId, declineCode = "generic_decline") {
      const pi = mustGet(piId);
      if (pi.status === "succeeded" || pi.status === "canceled")
        throw new Error(`stripe-fake: cannot fail ${piId}, it is ${pi.status}`);
      const code = OWN_CODE_DECLINES.has(declineCode) ? declineCode : "card_declined";
      pi.status = "requires_payment_method";
      pi.latest_charge = newId("ch");
      pi.payment_method = null;
      pi.last_payment_error = {
        charge: pi.latest_charge,
        code,
        decline_code: declineCode,
        doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}`,
        message: code === "card_declined" ? "Your card was declined." : `Your card was declined (${declineCode}).`,
        type: "card_error",
      };
      return clone(pi);
    },
    intents: () => [...intents.values()].map(clone),
    intent: (piId) => {
      const pi = intents.get(piId);
      return pi ? clone(pi) : undefined;
    },
    refunds: () => [...refunds.values()].map(clone),
    charge(piId) {
      const pi = mustGet(piId);
      if (!pi.latest_charge) throw new Error(`stripe-fake: ${piId} has no charge`);
      const refunded = refundedAmount.get(piId) ?? 0;
      return {
        id: pi.latest_charge,
        object: "charge",
        amount: pi.amount,
        amount_captured: pi.amount,
        amount_refunded: refunded,
        refunded: refunded >= pi.amount,
        currency: pi.currency,
        payment_intent: pi.id,
        metadata: clone(pi.metadata),
        status: "succeeded",
        paid: true,
      };
    },
    dispute(piId, opts = {}) {
      const pi = mustGet(piId);
      if (!pi.latest_charge) throw new Error(`stripe-fake: ${piId} has no charge`);
      return {
        id: newId("dp"),
        object: "dispute",
        amount: opts.amount ?? pi.amount,
        currency: pi.currency,
        charge: pi.latest_charge,
        payment_intent: pi.id,
        reason: opts.reason ?? "fraudulent",
        status: opts.status ?? "needs_response",
        created: now(),
        livemode: false,
      };
    },
    get createdCount() {
      return created;
    },
    requests: () => requestLog.map((r) => ({ ...r })),
    failNext(n, status = 500) {
      for (let i = 0; i < n; i++) failQueue.push(status);
    },
    delayNext(n, ms) {
      for (let i = 0; i < n; i++) delayQueue.push(ms);
    },
    reset() {
      intents.clear();
      refunds.clear();
      refundedAmount.clear();
      idempotency.clear();
      requestLog = [];
      created = 0;
      failQueue = [];
      delayQueue = [];
    },
    webhookPayload(type, pi) {
      const event = {
        id: newId("evt"),
        object: "event",
        api_version: Stripe.API_VERSION,
        created: now(),
        data: { object: pi },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      };
      return JSON.stringify(event, null, 2);
    },
    signedHeader(payload, secret, timestampSeconds) {
      return Stripe.webhooks.generateTestHeaderString({
        payload,
        secret,
        ...(timestampSeconds !== undefined ? { timestamp: timestampSeconds } : {}),
      });
    },
  };
  return fake;
}
