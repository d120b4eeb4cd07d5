import Stripe from "stripe";
import { z } from "zod";
import { DomainError, isDomainError, type ErrorDetails } from "@/lib/errors";
import {
  checkCreatePaymentInput,
  type CreatedPayment,
  type CreatePaymentInput,
  type NormalizedPaymentEvent,
  type PaymentEventType,
  type ProviderRefund,
  type PaymentProvider,
} from "./types";

export type StripeProviderOptions = {
  secretKey: string;
  /** whsec_...; without it every webhook is refused with invalid_signature. */
  webhookSecret?: string | undefined;
  /** Another API origin, e.g. the local fake "http://127.0.0.1:12111". Default: Stripe's own. */
  apiBase?: string | undefined;
  /** Automatic retries of network errors, 409 and 5xx (the SDK reuses the idempotency key). Default 2. */
  maxNetworkRetries?: number;
  /**
   * Per-attempt timeout in ms. Default 10 s: with 2 retries and the SDK's backoff a call gives up after ~32 s,
   * well inside the 60 s after which checkout treats an in-progress idempotency key as crashed.
   */
  timeoutMs?: number;
  /** How old a signed webhook may be, in seconds. Default: the SDK's 300. */
  webhookToleranceSeconds?: number;
};

export const STRIPE_DEFAULT_MAX_NETWORK_RETRIES = 2;
export const STRIPE_DEFAULT_TIMEOUT_MS = 10_000;

const EVENT_TYPES: Record<string, PaymentEventType> = {
  "payment_intent.succeeded": "payment.succeeded",
  "payment_intent.payment_failed": "payment.failed",
  "payment_intent.canceled": "payment.canceled",
};

/** Money events: recorded on the order (a refund made in Stripe's dashboard, a dispute), never a state change. */
const CHARGE_EVENT_TYPES: Record<string, PaymentEventType> = {
  "charge.refunded": "payment.refunded",
  "charge.dispute.created": "payment.disputed",
  "charge.dispute.updated": "payment.disputed",
  "charge.dispute.closed": "payment.disputed",
  "charge.dispute.funds_withdrawn": "payment.disputed",
  "charge.dispute.funds_reinstated": "payment.disputed",
};

const nonEmpty = z.string().min(1);
const minorUnits = z.number().int().min(0);
const currencyCode = z.string().regex(/^[A-Za-z]{3}$/);
/** a PaymentIntent id, or the expanded PaymentIntent */
const intentRef = z.union([nonEmpty, z.object({ id: nonEmpty })]).nullish();

const chargeEventSchema = z.object({
  id: nonEmpty,
  type: nonEmpty,
  data: z.object({
    object: z.object({
      id: nonEmpty,
      object: z.literal("charge"),
      payment_intent: intentRef,
      amount_refunded: minorUnits,
      currency: currencyCode,
      metadata: z.record(z.string(), z.string()).nullish(),
    }),
  }),
});

const disputeEventSchema = z.object({
  id: nonEmpty,
  type: nonEmpty,
  data: z.object({
    object: z.object({
      id: nonEmpty,
      object: z.literal("dispute"),
      charge: intentRef,
      payment_intent: intentRef,
      amount: minorUnits,
      currency: currencyCode,
      status: z.string().nullish(),
      reason: z.string().nullish(),
    }),
  }),
});

const paymentIntentEventSchema = z.object({
  id: nonEmpty,
  type: nonEmpty,
  data: z.object({
    object: z.object({
      id: nonEmpty,
      object: z.literal("payment_intent"),
      amount: minorUnits,
      currency: currencyCode,
      metadata: z.record(z.string(), z.string()).nullish(),
      last_payment_error: z
        .object({ code: z.string().nullish(), decline_code: z.string().nullish() })
        .nullish(),
    }),
  }),
});

/** "http://127.0.0.1:12111" -> the SDK's host/port/protocol settings. */
export function stripeConnectionFromApiBase(apiBase: string): {
  host: string;
  port: number;
  protocol: "http" | "https";
} {
  const u = new URL(apiBase);
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new Error("STRIPE_API_BASE must be an http:// or https:// URL");
  const protocol = u.protocol === "http:" ? "http" : "https";
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1"); // IPv6 literals come bracketed
  const port = u.port ? Number(u.port) : protocol === "http" ? 80 : 443;
  return { host, port, protocol };
}

type Operation = "create" | "cancel" | "retrieve" | "refund";

/**
 * Maps anything the SDK throws to DomainError("payment_provider_error"). The message is ours, never Stripe's
 * (a 401 message echoes a masked key, an error body may carry a client_secret); details hold only safe codes.
 */
export function toProviderError(operation: Operation, e: unknown): DomainError {
  if (isDomainError(e)) return e;
  const details: ErrorDetails = { provider: "stripe", operation };
  let reason: string;
  let message: string;
  if (e instanceof Stripe.errors.StripeError) {
    if (e.statusCode !== undefined) details.statusCode = e.statusCode;
    if (e.code) details.providerCode = e.code;
    if (e.requestId) details.requestId = e.requestId;
    if (e instanceof Stripe.errors.StripeConnectionError) {
      const timedOut =
        (e.detail as { code?: unknown } | undefined)?.code === "ETIMEDOUT" || /timeout/i.test(e.message);
      reason = timedOut ? "timeout" : "network";
      message = timedOut
        ? "The payment provider did not answer in time. Please try again."
        : "The payment provider could not be reached. Please try again.";
    } else if (e instanceof Stripe.errors.StripeRateLimitError) {
      reason = "rate_limited";
      message = "The payment provider is busy. Please try again in a moment.";
    } else if (
      e instanceof Stripe.errors.StripeAuthenticationError ||
      e instanceof Stripe.errors.StripePermissionError
    ) {
      reason = "authentication";
      message = "The payment provider refused our credentials.";
    } else if (e instanceof Stripe.errors.StripeIdempotencyError) {
      reason = "idempotency";
      message = "The payment provider refused a reused idempotency key.";
    } else if (e instanceof Stripe.errors.StripeCardError) {
      reason = "card";
      if (e.decline_code) details.declineCode = e.decline_code;
      message = "The payment provider declined the payment.";
    } else if (e instanceof Stripe.errors.StripeInvalidRequestError) {
      reason = "invalid_request";
      if (e.param) details.param = e.param;
      message = "The payment provider rejected the request.";
    } else {
      reason = "server_error";
      message = "The payment provider had an internal error. Please try again.";
    }
  } else {
    reason = "unknown";
    message = "The payment provider call failed. Please try again.";
  }
  details.reason = reason;
  return new DomainError("payment_provider_error", message, details);
}

function invalidSignature(reason: string): DomainError {
  return new DomainError("invalid_signature", "The webhook signature could not be verified.", { reason });
}

export class StripePaymentProvider implements PaymentProvider {
  readonly name = "stripe" as const;
  private readonly stripe: Stripe;
  private readonly webhookSecret: string | undefined;
  private readonly webhookTolerance: number | undefined;

  constructor(opts: StripeProviderOptions) {
    if (!opts.secretKey) throw new Error("The Stripe provider needs a secret key (STRIPE_SECRET_KEY).");
    const config: Stripe.StripeConfig = {
      maxNetworkRetries: opts.maxNetworkRetries ?? STRIPE_DEFAULT_MAX_NETWORK_RETRIES,
      timeout: opts.timeoutMs ?? STRIPE_DEFAULT_TIMEOUT_MS,
      appInfo: { name: "Cartwright" },
    };
    if (opts.apiBase) Object.assign(config, stripeConnectionFromApiBase(opts.apiBase));
    this.stripe = new Stripe(opts.secretKey, config);
    this.webhookSecret = opts.webhookSecret || undefined;
    this.webhookTolerance = opts.webhookToleranceSeconds;
  }

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const { orderId, amount, currency, email, idempotencyKey } = checkCreatePaymentInput(input);
    let pi: Stripe.PaymentIntent;
    try {
      pi = await this.stripe.paymentIntents.create(
        {
          amount,
          currency,
          metadata: { order_id: orderId },
          automatic_payment_methods: { enabled: true },
          receipt_email: email,
        },
        { idempotencyKey },
      );
    } catch (e) {
      throw toProviderError("create", e);
    }
    if (!pi.client_secret)
      throw new DomainError("payment_provider_error", "The payment provider returned no client secret.", {
        provider: "stripe",
        operation: "create",
        reason: "invalid_response",
      });
    return { paymentId: pi.id, clientSecret: pi.client_secret };
  }

  async cancelPayment(paymentId: string, idempotencyKey: string): Promise<{ status: "canceled" | "succeeded" }> {
    try {
      const pi = await this.stripe.paymentIntents.cancel(paymentId, {}, { idempotencyKey });
      return { status: pi.status === "succeeded" ? "succeeded" : "canceled" };
    } catch (e) {
      if (e instanceof Stripe.errors.StripeInvalidRequestError && e.code === "payment_intent_unexpected_state") {
        // The error carries the PaymentIntent; fall back to reading it when it does not.
        const status = e.payment_intent?.status ?? (await this.retrieveStatus(paymentId));
        if (status === "succeeded") return { status: "succeeded" };
        if (status === "canceled") return { status: "canceled" };
      }
      throw toProviderError("cancel", e);
    }
  }

  async clientSecretOf(paymentId: string): Promise<string> {
    let pi: Stripe.PaymentIntent;
    try {
      pi = await this.stripe.paymentIntents.retrieve(paymentId);
    } catch (e) {
      throw toProviderError("retrieve", e);
    }
    if (!pi.client_secret)
      throw new DomainError("payment_provider_error", "The payment provider returned no client secret.", { provider: "stripe", operation: "retrieve", reason: "invalid_response" });
    return pi.client_secret;
  }

  async refundPayment(paymentId: string, idempotencyKey: string): Promise<void> {
    try {
      await this.stripe.refunds.create({ payment_intent: paymentId }, { idempotencyKey });
    } catch (e) {
      // Refunding twice (another key, another instance) is not an error for us: the money is back.
      if (e instanceof Stripe.errors.StripeInvalidRequestError && e.code === "charge_already_refunded") return;
      throw toProviderError("refund", e);
    }
  }

  async refund(paymentId: string, amount: number, idempotencyKey: string): Promise<ProviderRefund> {
    return createStripeRefund(this.stripe, paymentId, amount, idempotencyKey);
  }

  parseWebhook(rawBody: string, signatureHeader: string | null): NormalizedPaymentEvent | null {
    if (!this.webhookSecret) throw invalidSignature("not_configured");
    if (!signatureHeader) throw invalidSignature("missing_header");
    let event: unknown;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signatureHeader, this.webhookSecret, this.webhookTolerance);
    } catch (e) {
      if (e instanceof Stripe.errors.StripeSignatureVerificationError) throw invalidSignature("mismatch");
      // Signed by someone holding our secret, but not JSON.
      throw new DomainError("validation_failed", "The webhook body is not a valid event.", {
        fieldErrors: { "": ["The body is not valid JSON."] },
      });
    }
    const type = typeof event === "object" && event !== null ? (event as { type?: unknown }).type : undefined;
    if (typeof type !== "string") return null;
    if (EVENT_TYPES[type]) return normalizeIntentEvent(event, EVENT_TYPES[type]);
    if (CHARGE_EVENT_TYPES[type]) return normalizeChargeEvent(event, type, CHARGE_EVENT_TYPES[type]);
    return null;
  }

  private async retrieveStatus(paymentId: string): Promise<Stripe.PaymentIntent.Status> {
    try {
      return (await this.stripe.paymentIntents.retrieve(paymentId)).status;
    } catch (e) {
      throw toProviderError("retrieve", e);
    }
  }
}

function invalidEvent(error: z.ZodError, what: string): DomainError {
  return new DomainError("validation_failed", `The webhook event is not a valid ${what} event.`, {
    fieldErrors: Object.fromEntries(error.issues.map((i) => [i.path.join("."), [i.message]])),
  });
}

const idOf = (ref: string | { id: string } | null | undefined): string | null => (ref == null ? null : typeof ref === "string" ? ref : ref.id);

function normalizeIntentEvent(event: unknown, mapped: PaymentEventType): NormalizedPaymentEvent {
  const parsed = paymentIntentEventSchema.safeParse(event);
  if (!parsed.success) throw invalidEvent(parsed.error, "PaymentIntent");
  const { id, data } = parsed.data;
  const pi = data.object;
  const lastError = pi.last_payment_error;
  return {
    id,
    provider: "stripe",
    type: mapped,
    paymentId: pi.id,
    orderId: pi.metadata?.order_id || null,
    declineCode: mapped === "payment.failed" ? lastError?.decline_code || lastError?.code || null : null,
    amount: pi.amount,
    currency: pi.currency.toUpperCase(),
    detail: null,
  };
}

/** charge.refunded and charge.dispute.*: the PaymentIntent they belong to (else the charge), amounts, state. */
function normalizeChargeEvent(event: unknown, stripeType: string, mapped: PaymentEventType): NormalizedPaymentEvent {
  if (mapped === "payment.refunded") {
    const parsed = chargeEventSchema.safeParse(event);
    if (!parsed.success) throw invalidEvent(parsed.error, "charge");
    const charge = parsed.data.data.object;
    return {
      id: parsed.data.id,
      provider: "stripe",
      type: mapped,
      paymentId: idOf(charge.payment_intent) ?? charge.id,
      orderId: charge.metadata?.order_id || null,
      declineCode: null,
      amount: charge.amount_refunded,
      currency: charge.currency.toUpperCase(),
      detail: stripeType,
    };
  }
  const parsed = disputeEventSchema.safeParse(event);
  if (!parsed.success) throw invalidEvent(parsed.error, "dispute");
  const dispute = parsed.data.data.object;
  return {
    id: parsed.data.id,
    provider: "stripe",
    type: mapped,
    paymentId: idOf(dispute.payment_intent) ?? idOf(dispute.charge) ?? dispute.id,
    orderId: null,
    declineCode: null,
    amount: dispute.amount,
    currency: dispute.currency.toUpperCase(),
    detail: `${stripeType}: ${dispute.status ?? "unknown"}${dispute.reason ? ` (${dispute.reason})` : ""}`,
  };
}

export function createStripeProvider(opts: StripeProviderOptions): StripePaymentProvider {
  return new StripePaymentProvider(opts);
}

/**
 * The order desk's refunds: `amount` minor units of a PaymentIntent through Stripe's Refunds API, with the order
 * desk's idempotency key (so a retry after a timeout is the same refund at Stripe, never a second one).
 */
export async function createStripeRefund(stripe: Stripe, paymentId: string, amount: number, idempotencyKey: string): Promise<ProviderRefund> {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError(`refund amount must be a positive integer, got ${amount}`);
  try {
    const r = await stripe.refunds.create({ payment_intent: paymentId, amount }, { idempotencyKey });
    return { refundId: r.id, amount: r.amount, status: r.status === "succeeded" ? "succeeded" : "pending" };
  } catch (e) {
    throw toProviderError("refund", e);
  }
}
