import { createHash } from "node:crypto";
import { DomainError } from "@/lib/errors";
import {
  checkCreatePaymentInput,
  type CreatedPayment,
  type CreatePaymentInput,
  type NormalizedPaymentEvent,
  type ProviderRefund,
  type TestPaymentProvider,
  type TestRefund,
} from "./types";

/**
 * Stripe's public test card numbers (https://docs.stripe.com/testing) and the decline each one stands for.
 * `declineCode` follows the Stripe provider's rule: decline_code, else the error code.
 */
export const TEST_CARDS = {
  success: "4242424242424242",
  genericDecline: "4000000000000002",
  insufficientFunds: "4000000000009995",
  expiredCard: "4000000000000069",
  incorrectCvc: "4000000000000127",
} as const;

const DECLINES: Record<string, string> = {
  [TEST_CARDS.genericDecline]: "generic_decline", // code card_declined, decline_code generic_decline
  [TEST_CARDS.insufficientFunds]: "insufficient_funds", // code card_declined, decline_code insufficient_funds
  [TEST_CARDS.expiredCard]: "expired_card",
  [TEST_CARDS.incorrectCvc]: "incorrect_cvc",
};

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** "4242 4242-4242 4242" -> "4242424242424242"; throws validation_failed on a malformed or Luhn-invalid number. */
export function normalizeCardNumber(cardNumber: string): string {
  const digits = String(cardNumber).replace(/[\s-]/g, "");
  const fail = (msg: string) =>
    new DomainError("validation_failed", "The card number is not valid.", { fieldErrors: { cardNumber: [msg] } });
  if (!/^\d{12,19}$/.test(digits)) throw fail("Enter a card number of 12 to 19 digits.");
  if (!luhnValid(digits)) throw fail("This card number is not valid.");
  return digits;
}

const digest = (s: string, len = 24) => createHash("sha256").update(s).digest("hex").slice(0, len);

/**
 * The built-in provider. Stateless (every answer is derived from its inputs), so several app instances agree
 * without sharing anything; no network, no webhooks.
 */
class BuiltInTestProvider implements TestPaymentProvider {
  readonly name = "test" as const;

  async createPayment(input: CreatePaymentInput): Promise<CreatedPayment> {
    const { orderId, idempotencyKey } = checkCreatePaymentInput(input);
    const paymentId = `test_pi_${orderId}`;
    return { paymentId, clientSecret: `${paymentId}_secret_${digest(`${paymentId}:${idempotencyKey}`)}` };
  }

  async cancelPayment(): Promise<{ status: "canceled" | "succeeded" }> {
    return { status: "canceled" };
  }

  async refundPayment(): Promise<void> {}

  /**
   * Records the refund (per process: what tests assert) and answers like the provider would: the same idempotency
   * key is the same refund.
   */
  async refund(paymentId: string, amount: number, idempotencyKey: string): Promise<ProviderRefund> {
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError(`refund amount must be a positive integer, got ${amount}`);
    const prior = this.refunds.get(idempotencyKey);
    if (prior) return { refundId: prior.refundId, amount: prior.amount, status: "succeeded" };
    const refundId = `test_re_${digest(idempotencyKey)}`;
    this.refunds.set(idempotencyKey, { refundId, paymentId, amount, idempotencyKey });
    return { refundId, amount, status: "succeeded" };
  }

  /** The refunds this process made through refund(), oldest first. */
  recordedRefunds(): TestRefund[] {
    return [...this.refunds.values()];
  }

  private readonly refunds = new Map<string, TestRefund>();

  async clientSecretOf(paymentId: string): Promise<string> {
    return `${paymentId}_secret_${digest(paymentId)}`;
  }

  parseWebhook(): NormalizedPaymentEvent | null {
    throw new DomainError("invalid_signature", "The test payment provider does not accept webhooks.", {
      reason: "not_supported",
    });
  }

  /** `charged`: what the card form was asked to charge (the order's total), carried like Stripe's amount. */
  confirmTestCard(paymentId: string, orderId: string, cardNumber: string, charged?: { amount: number; currency: string }, attempt = 0): NormalizedPaymentEvent {
    const digits = normalizeCardNumber(cardNumber);
    if (!paymentId || !orderId)
      throw new DomainError("validation_failed", "The payment is not valid.", {
        fieldErrors: { [paymentId ? "orderId" : "paymentId"]: ["Required."] },
      });
    const declineCode = DECLINES[digits] ?? null;
    const type = declineCode === null ? "payment.succeeded" : "payment.failed";
    if (!Number.isSafeInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
    // attempt 0 keeps the id it always had, so events recorded before retries existed still match
    const outcome = declineCode === null ? "succeeded" : attempt === 0 ? `failed:${declineCode}` : `failed:${declineCode}#${attempt}`;
    return {
      id: `test_evt_${digest(`${paymentId}:${outcome}`)}`,
      provider: "test",
      type,
      paymentId,
      orderId,
      declineCode,
      amount: charged?.amount ?? null,
      currency: charged ? charged.currency.trim().toUpperCase() : null,
      detail: null,
    };
  }
}

export function createTestProvider(): TestPaymentProvider {
  return new BuiltInTestProvider();
}
