import { DomainError } from "@/lib/errors";

/**
 * The smallest and largest amount (minor units) a payment provider accepts per currency. Stripe's minimum charge
 * is about 0.50 USD in every currency (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts) and
 * its maximum is 99,999,999 minor units (eight digits). The built-in test provider uses the same table, so a cart
 * that pays in the demo pays in production too.
 */
export type AmountLimits = { min: number; max: number };

const STRIPE_MAX = 99_999_999;

const MINIMUMS: Record<string, number> = {
  USD: 50, EUR: 50, CAD: 50, AUD: 50, NZD: 50, CHF: 50, SGD: 50, BRL: 50, INR: 50,
  GBP: 30, JPY: 50, DKK: 250, NOK: 300, SEK: 300, HKD: 400, MXN: 1000, PLN: 200, CZK: 1500, HUF: 17500,
};
/** currencies not listed: Stripe's rule of thumb, the equivalent of 0.50 USD, is 50 minor units for most */
const DEFAULT_MIN = 50;

export function paymentAmountLimits(currency: string): AmountLimits {
  return { min: MINIMUMS[currency.trim().toUpperCase()] ?? DEFAULT_MIN, max: STRIPE_MAX };
}

/**
 * 422 amount_out_of_range unless a total can be paid: 0 (nothing to pay, the order is paid at once) or within the
 * provider's limits. Checked before any stock is reserved.
 */
export function assertPayableAmount(amount: number, currency: string): void {
  if (amount === 0) return;
  const { min, max } = paymentAmountLimits(currency);
  if (Number.isSafeInteger(amount) && amount >= min && amount <= max) return;
  const below = amount < min;
  throw new DomainError(
    "amount_out_of_range",
    below ? "This order's total is below the smallest amount that can be paid by card." : "This order's total is above the largest amount that can be paid by card.",
    { amount, currency: currency.trim().toUpperCase(), min, max },
  );
}
