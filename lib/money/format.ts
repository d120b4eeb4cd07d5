import { currencyExponent } from "./currency";

// Formatting and parsing go through decimal strings, never through a float: Intl.NumberFormat formats a numeric
// string exactly (ES2023), and parsing reads the digits.

/** "12.34" for 1234 USD, "500" for 500 JPY, "-0.05" for -5 USD, "1.500" for 1500 KWD. */
export function toMajorUnitsString(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be a safe integer, got ${amount}.`);
  const exponent = currencyExponent(currency);
  const sign = amount < 0 ? "-" : "";
  const digits = Math.abs(amount).toString();
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, "0");
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

/** "$19.99" for { amount: 1999, currency: "USD" }, "¥500" for 500 JPY; always shows the currency's exponent. */
export function formatMoney(m: { amount: number; currency: string }, locale = "en-US"): string {
  const exponent = currencyExponent(m.currency);
  const key = `${locale}|${m.currency}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, {
      style: "currency",
      currency: m.currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    formatters.set(key, f);
  }
  return f.format(toMajorUnitsString(m.amount, m.currency) as Intl.StringNumericLiteral);
}

/**
 * Minor units from what a person typed in major units: "12.34" -> 1234 (USD), "12.3" -> 1230, "12" -> 1200,
 * "500" -> 500 (JPY). Surrounding whitespace is ignored. Returns null (never throws, except for an invalid
 * currency code) for anything else: more decimals than the currency has ("1.234" USD, "1.5" JPY), a sign,
 * separators ("1,000"), exponents, empty text, or a value beyond the safe integer range.
 */
export function parseMajorUnits(text: string, currency: string): number | null {
  const exponent = currencyExponent(currency);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return null;
  const whole = match[1] ?? "";
  const fraction = match[2] ?? "";
  if (fraction.length > exponent) return null;
  const value = BigInt(whole + fraction.padEnd(exponent, "0"));
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(value);
}

/**
 * Basis points (hundredths of a percent) from an admin's percent: "12.5" or 12.5 -> 1250, "100" -> 10000.
 * Read as a decimal string, never multiplied as a float. At most 2 decimals, non-negative; returns null otherwise
 * (e.g. "12.345", "-5", "abc", 0.1 + 0.2). Range checks (0 < p <= 100) belong to the caller's schema.
 */
export function percentToBasisPoints(percent: string | number): number | null {
  if (typeof percent === "number" && !Number.isFinite(percent)) return null;
  // String(12.5) is the shortest round-trip text, so a number that was typed as "12.5" reads back as "12.5".
  const text = typeof percent === "number" ? String(percent) : percent.trim();
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return null;
  const value = BigInt((match[1] ?? "") + (match[2] ?? "").padEnd(2, "0"));
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(value);
}

/** 1250 -> 12.5, for display and for the admin form (a float is fine here: it is never used to compute money). */
export function basisPointsToPercent(basisPoints: number): number {
  if (!Number.isSafeInteger(basisPoints)) throw new RangeError(`basisPoints must be a safe integer, got ${basisPoints}.`);
  return basisPoints / 100;
}
