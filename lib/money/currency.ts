import { DomainError } from "@/lib/errors";

// Minor-unit exponents. ISO 4217 (and the payment provider) decide how many minor units an amount is stored in;
// Intl/CLDR only knows how many digits are usually *displayed*, which differs for a few currencies (HUF, IDR,
// TWD, COP, PKR are stored with 2 decimals; IQD with 3). This table wins; Intl answers for everything else.
const EXPONENTS: Readonly<Record<string, number>> = {
  // zero-decimal
  JPY: 0, KRW: 0, CLP: 0, VND: 0, ISK: 0, PYG: 0, UGX: 0, BIF: 0, DJF: 0, GNF: 0, KMF: 0, MGA: 0, RWF: 0,
  VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  // two-decimal
  USD: 2, EUR: 2, GBP: 2, CAD: 2, AUD: 2, NZD: 2, CHF: 2, SEK: 2, NOK: 2, DKK: 2, PLN: 2, CZK: 2, MXN: 2,
  BRL: 2, INR: 2, CNY: 2, HKD: 2, SGD: 2, ZAR: 2, HUF: 2, IDR: 2, TWD: 2, COP: 2, PKR: 2,
  // three-decimal
  KWD: 3, BHD: 3, JOD: 3, OMR: 3, TND: 3, LYD: 3, IQD: 3,
};

const CODE = /^[A-Z]{3}$/;

let supported: ReadonlySet<string> | null | undefined;
function supportedCurrencies(): ReadonlySet<string> | null {
  if (supported === undefined) {
    // supportedValuesOf is ES2022 Intl; without it any well-formed code that Intl accepts is taken on trust.
    const fn = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
    supported = typeof fn === "function" ? new Set(fn("currency")) : null;
  }
  return supported;
}

/** True for an upper-case ISO 4217 code this runtime knows ("USD"); false for "usd", "US", "ABC". */
export function isCurrencyCode(code: unknown): code is string {
  if (typeof code !== "string" || !CODE.test(code)) return false;
  if (code in EXPONENTS) return true;
  const known = supportedCurrencies();
  if (known) return known.has(code);
  try {
    new Intl.NumberFormat("en", { style: "currency", currency: code });
    return true;
  } catch {
    return false;
  }
}

const cache = new Map<string, number>();

/** Number of decimals of the currency's minor unit: USD 2, JPY 0, KWD 3. Throws validation_failed on an invalid code. */
export function currencyExponent(currency: string): number {
  const hit = cache.get(currency);
  if (hit !== undefined) return hit;
  if (!isCurrencyCode(currency)) {
    throw new DomainError("validation_failed", `"${String(currency)}" is not a supported currency.`, {
      fieldErrors: { currency: ["Use an upper-case ISO 4217 currency code such as USD."] },
    });
  }
  const exponent =
    EXPONENTS[currency] ??
    new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ??
    2;
  cache.set(currency, exponent);
  return exponent;
}

/** Throws validation_failed unless `currency` is a valid code; returns it for chaining. */
export function assertCurrency(currency: string): string {
  currencyExponent(currency);
  return currency;
}
