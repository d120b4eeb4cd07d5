import { DomainError } from "@/lib/errors";
import { assertCurrency } from "./currency";
import { divideRoundHalfUp, toBigInt, toSafeNumber } from "./rounding";

// Money is an integer count of the currency's minor unit (cents, yen, fils) next to its ISO 4217 code.
// No float ever holds an amount; products that could pass 2^53 are computed in BigInt (see ./rounding).

export type Money = { amount: number; currency: string };

export { allocate } from "./allocate";
export { assertCurrency, currencyExponent, isCurrencyCode } from "./currency";
export {
  basisPointsToPercent,
  formatMoney,
  parseMajorUnits,
  percentToBasisPoints,
  toMajorUnitsString,
} from "./format";
export {
  divideRoundDown,
  divideRoundDownBig,
  divideRoundHalfEven,
  divideRoundHalfEvenBig,
  divideRoundHalfUp,
  divideRoundHalfUpBig,
  toBigInt,
  toSafeNumber,
  type IntegerLike,
} from "./rounding";

/** Throws RangeError unless `amount` is a safe integer (an amount in minor units). */
export function assertAmount(amount: number, name = "amount"): number {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`${name} must be a safe integer of minor units, got ${amount}.`);
  return amount;
}

/** A Money value; the amount must be a safe integer and the currency a valid upper-case ISO 4217 code. */
export function money(amount: number, currency: string): Money {
  assertAmount(amount);
  assertCurrency(currency);
  return { amount, currency };
}

function sameCurrency(a: Money, b: Money, verb: string): void {
  if (a.currency !== b.currency) {
    throw new DomainError("currency_mismatch", `Cannot ${verb} ${a.currency} and ${b.currency}.`, {
      currencies: [a.currency, b.currency],
    });
  }
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b, "add");
  return { amount: toSafeNumber(toBigInt(a.amount) + toBigInt(b.amount)), currency: a.currency };
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b, "subtract");
  return { amount: toSafeNumber(toBigInt(a.amount) - toBigInt(b.amount)), currency: a.currency };
}

/** m * factor, where factor is an integer (a quantity); use percentOf / applyRatePpm for fractions. */
export function multiply(m: Money, factor: number): Money {
  return { amount: toSafeNumber(toBigInt(m.amount) * toBigInt(factor, "factor")), currency: m.currency };
}

/** The sum of `list`, all of which must be in `currency` (an empty list is zero). */
export function sum(list: readonly Money[], currency: string): Money {
  assertCurrency(currency);
  let total = 0n;
  for (const m of list) {
    sameCurrency({ amount: 0, currency }, m, "add");
    total += toBigInt(m.amount);
  }
  return { amount: toSafeNumber(total), currency };
}

/** amount * basisPoints / 10_000, rounded half away from zero (1250 bps = 12.5%). */
export function percentOf(amount: number, basisPoints: number): number {
  return divideRoundHalfUp(toBigInt(amount, "amount") * toBigInt(basisPoints, "basisPoints"), 10_000n);
}

/** amount * ppm / 1_000_000, rounded half away from zero (a rate of 14.975% is 149_750 ppm). */
export function applyRatePpm(amount: number, ppm: number): number {
  return divideRoundHalfUp(toBigInt(amount, "amount") * toBigInt(ppm, "ppm"), 1_000_000n);
}
