import { z } from "zod";
import { validationError } from "@/lib/errors";

/**
 * The payment provider boundary (docs/ARCHITECTURE.md, lib/payments and Checkout steps 4-6).
 *
 * lib/payments talks to the provider and verifies + normalises what it says; it never decides what an event
 * means for an order. lib/checkout applies the normalised events (guarded by the order's state, recorded by
 * event id). This module therefore never imports lib/checkout.
 */

export type PaymentProviderName = "stripe" | "test";

export type PaymentEventType =
  | "payment.succeeded"
  | "payment.failed"
  | "payment.canceled"
  /** money went back to the buyer (Stripe charge.refunded): recorded on the order */
  | "payment.refunded"
  /** the buyer disputed the charge (Stripe charge.dispute.*): recorded on the order */
  | "payment.disputed";

export type NormalizedPaymentEvent = {
  /** The provider's event id (Stripe "evt_..."); record it to apply each event once. */
  id: string;
  provider: PaymentProviderName;
  type: PaymentEventType;
  /** The provider's payment id (Stripe PaymentIntent "pi_..."), as returned by createPayment. */
  paymentId: string;
  /** The order id we put into the payment's metadata (null when the payment carries none). */
  orderId: string | null;
  /** For payment.failed: why (Stripe decline_code, else the error code). Null otherwise. */
  declineCode: string | null;
  /**
   * Minor units: the payment's amount (succeeded/failed/canceled), the amount refunded so far (refunded), the
   * amount disputed (disputed). A success is applied only when it matches the order's total. Null when unknown.
   */
  amount: number | null;
  /** ISO 4217, upper-case; null when unknown */
  currency: string | null;
  /** refunded / disputed: the provider's event type and state, e.g. "charge.dispute.created: needs_response (fraudulent)" */
  detail: string | null;
};

export type CreatePaymentInput = {
  orderId: string;
  /** Integer minor units (cents for USD, yen for JPY). */
  amount: number;
  /** ISO 4217; any case (sent lower-cased). */
  currency: string;
  email: string;
  /** Passed to the provider so a retry of the same checkout step never creates a second payment. */
  idempotencyKey: string;
};

export type CreatedPayment = { paymentId: string; clientSecret: string };

/** A partial (or full) refund the provider accepted. */
export type ProviderRefund = { refundId: string; amount: number; status: "succeeded" | "pending" };

export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /** Creates the payment for an order; the idempotency key is passed to the provider so a retry never creates a second one. */
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
  /** Cancels; if the provider says it has already succeeded, returns { status: "succeeded" } instead of throwing. */
  cancelPayment(paymentId: string, idempotencyKey: string): Promise<{ status: "canceled" | "succeeded" }>;
  refundPayment(paymentId: string, idempotencyKey: string): Promise<void>;
  /**
   * Refunds `amount` (minor units) of a succeeded payment; the idempotency key is passed to the provider, so a retry
   * of the same refund never refunds twice. Returns the provider's refund id.
   */
  refund(paymentId: string, amount: number, idempotencyKey: string): Promise<ProviderRefund>;
  /** The client secret the browser needs to pay (fetched again so a payment page survives a reload). */
  clientSecretOf(paymentId: string): Promise<string>;
  /** Verifies the signature over the RAW body and normalises the event; returns null for event types we ignore.
   *  A bad or missing signature throws DomainError("invalid_signature"). */
  parseWebhook(rawBody: string, signatureHeader: string | null): NormalizedPaymentEvent | null;
}

/** The built-in provider used by the embedded default and browser tests (no network, no webhooks). */
export interface TestPaymentProvider extends PaymentProvider {
  readonly name: "test";
  /**
   * Stands in for the card form + Stripe's webhook: decides the outcome from Stripe's public test card numbers
   * and returns the event the checkout applies. Deterministic: the same (paymentId, outcome) is the same event id.
   * Throws DomainError("validation_failed", ..., { fieldErrors: { cardNumber: [...] } }) for a malformed or
   * Luhn-invalid number.
   */
  confirmTestCard(
    paymentId: string,
    orderId: string,
    cardNumber: string,
    charged?: { amount: number; currency: string },
    /**
     * How many declines the payment had before this attempt: a decline's event id includes it, so a card declined
     * again on the same order is a new event (Stripe's payment_failed has a new id per attempt too), while a double
     * submit of one attempt is still one event. A success's id never includes it (one payment succeeds once).
     */
    attempt?: number,
  ): NormalizedPaymentEvent;
  /** The refunds made through refund() by this process, oldest first (for tests and the demo). */
  recordedRefunds(): TestRefund[];
}

export type TestRefund = { refundId: string; paymentId: string; amount: number; idempotencyKey: string };

export function isTestProvider(p: PaymentProvider): p is TestPaymentProvider {
  return p.name === "test" && typeof (p as Partial<TestPaymentProvider>).confirmTestCard === "function";
}

const createPaymentInputSchema = z.object({
  // Stripe metadata values are limited to 500 characters
  orderId: z.string().min(1).max(500),
  amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Za-z]{3}$/, "must be an ISO 4217 code like USD"),
  email: z.string().min(1).max(512),
  // Stripe accepts idempotency keys of up to 255 characters
  idempotencyKey: z.string().min(1).max(255),
});

/** Checks what every provider needs before it talks to anyone: a programming error upstream is a 400, not a 502. */
export function checkCreatePaymentInput(input: CreatePaymentInput): CreatePaymentInput {
  const r = createPaymentInputSchema.safeParse(input);
  if (!r.success) throw validationError(r.error, "The payment request is not valid.");
  return { ...r.data, currency: r.data.currency.toLowerCase() };
}
