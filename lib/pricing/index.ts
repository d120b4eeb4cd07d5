import { z } from "zod";
import { DomainError } from "@/lib/errors";
import { applyRatePpm, assertCurrency, toSafeNumber } from "@/lib/money";
import { currencyCodeSchema, moneyAmountSchema } from "@/lib/money/schema";
import {
  computeDiscount,
  lineAmount,
  type DiscountRule,
  type DiscountType,
  type PricingLine,
} from "@/lib/discounts/rules";

// The pricing engine: (cart lines, validated discounts, shipping address, rate tables) -> CartSummary. Pure.
// Every amount is an integer in minor units of `currency`; sums are taken in BigInt and checked back into safe
// integers. Rounding happens in three places only: the discount (lib/discounts/rules), each line's tax, and the
// shipping tax, each half-up.

export type { DiscountRule, DiscountType, PricingLine } from "@/lib/discounts/rules";

/** Pricing reads country and region; the other fields travel with the address (lib/address checks them). */
export type ShippingAddress = {
  country: string;
  region?: string | null;
  postalCode: string;
  city?: string | null;
  line1?: string | null;
  line2?: string | null;
  name?: string | null;
  phone?: string | null;
};

export type ShippingRateRow = { zone: string; currency: string; amount: number; freeOver: number | null };
export type TaxRateRow = { country: string; region: string; ratePpm: number; taxesShipping: boolean };

export type RateTables = {
  /** country -> zone; unlisted countries are in "INTERNATIONAL" */
  zoneOf: Record<string, string>;
  shippingRates: ShippingRateRow[];
  /** region "" = the whole country */
  taxRates: TaxRateRow[];
};

const withoutAddress = (what: string) => moneyAmountSchema.nullable().describe(`${what}; null without a shipping address ("calculated at checkout")`);

export const cartSummaryLineSchema = z
  .object({
    itemId: z.uuid(),
    subtotal: moneyAmountSchema,
    discount: moneyAmountSchema,
    tax: withoutAddress("The line's tax on its discounted amount"),
    total: moneyAmountSchema,
  })
  .meta({ id: "CartSummaryLine" });
export type CartSummaryLine = z.output<typeof cartSummaryLineSchema>;

/** The priced summary of a cart (and of an order): total = subtotal - discount + shipping + tax. */
export const cartSummarySchema = z
  .object({
    currency: currencyCodeSchema,
    subtotal: moneyAmountSchema,
    discount: moneyAmountSchema,
    shipping: withoutAddress("Shipping (0 when free)"),
    shippingTax: withoutAddress("Tax on shipping"),
    tax: withoutAddress("Sum of the lines' tax + shippingTax"),
    total: moneyAmountSchema.describe("subtotal - discount + shipping + tax (without an address: subtotal - discount)"),
    lines: z.array(cartSummaryLineSchema),
  })
  .meta({ id: "CartSummary" });
export type CartSummary = z.output<typeof cartSummarySchema>;

export type AppliedDiscount = { discountId: number; code: string; type: DiscountType; amount: number };

export type PriceCartInput = {
  currency: string;
  lines: PricingLine[];
  discounts: DiscountRule[];
  address: ShippingAddress | null;
  rates: RateTables;
};

export const DEFAULT_ZONE = "INTERNATIONAL";

const norm = (s: string | null | undefined) => (s ?? "").trim().toUpperCase();

/** The shipping zone of a country ("US" -> "DOMESTIC"); countries not in the table are INTERNATIONAL. */
export function shippingZone(country: string, rates: Pick<RateTables, "zoneOf">): string {
  const c = norm(country);
  return rates.zoneOf[c] ?? rates.zoneOf[country] ?? DEFAULT_ZONE;
}

function countryName(country: string): string {
  try {
    const name = new Intl.DisplayNames("en", { type: "region" }).of(norm(country));
    if (name && name !== "Unknown Region") return name;
  } catch {
    // not a region code Intl knows: show the code as given
  }
  return country;
}

/**
 * The shipping rate row for an address and currency. Throws validation_failed (on `shippingAddress.country`)
 * when there is none: "We don't ship to Canada in JPY yet."
 */
export function findShippingRate(address: ShippingAddress, currency: string, rates: RateTables): ShippingRateRow {
  const zone = shippingZone(address.country, rates);
  const row = rates.shippingRates.find((r) => r.zone === zone && r.currency === currency);
  if (!row) {
    const message = `We don't ship to ${countryName(address.country)} in ${currency} yet.`;
    throw new DomainError("validation_failed", message, { fieldErrors: { "shippingAddress.country": [message] } });
  }
  return row;
}

/** The tax row for (country, region) if there is one, else (country, ""), else none (no tax). */
export function findTaxRate(address: ShippingAddress, rates: RateTables): TaxRateRow | null {
  const country = norm(address.country);
  const region = norm(address.region);
  const inCountry = rates.taxRates.filter((r) => norm(r.country) === country);
  return (
    (region !== "" ? inCountry.find((r) => norm(r.region) === region) : undefined) ??
    inCountry.find((r) => norm(r.region) === "") ??
    null
  );
}

const checked = (n: bigint, what: string) => toSafeNumber(n, what);

/** The largest amount a money column holds (PostgreSQL int4): orders, order items and discounts store amounts so. */
export const MAX_STORED_AMOUNT = 2_147_483_647;

/**
 * 422 amount_out_of_range when a cart's lines add up to more than an order can hold, before any discount, shipping
 * or tax. For the cart's mutations (add, change quantity) to call BEFORE they save, so a 4xx changes nothing.
 */
export function assertLinesInRange(currency: string, lines: PricingLine[]): void {
  const subtotal = lines.reduce((a, l) => a + BigInt(lineAmount(l)), 0n);
  if (subtotal > BigInt(MAX_STORED_AMOUNT))
    throw new DomainError("amount_out_of_range", "This cart's total is larger than an order can be. Please reduce the quantities.", {
      field: "subtotal",
      max: MAX_STORED_AMOUNT,
      currency,
    });
}

/**
 * 422 amount_out_of_range when any amount of a summary is beyond what the money columns hold: such a cart could
 * never be ordered (the insert would fail with a 500), so the shopper is told at once, and checkout refuses it
 * before any stock is reserved.
 */
export function assertSummaryInRange(summary: CartSummary): void {
  const amounts: [string, number | null][] = [
    ["subtotal", summary.subtotal],
    ["discount", summary.discount],
    ["shipping", summary.shipping],
    ["shippingTax", summary.shippingTax],
    ["tax", summary.tax],
    ["total", summary.total],
    ...summary.lines.flatMap((l): [string, number | null][] => [
      ["lines.subtotal", l.subtotal],
      ["lines.tax", l.tax],
      ["lines.total", l.total],
    ]),
  ];
  const over = amounts.find(([, v]) => v !== null && Math.abs(v) > MAX_STORED_AMOUNT);
  if (over)
    throw new DomainError("amount_out_of_range", "This cart's total is larger than an order can be. Please reduce the quantities.", {
      field: over[0],
      max: MAX_STORED_AMOUNT,
      currency: summary.currency,
    });
}

/**
 * Prices a cart. Discounts are trusted to have been validated (lib/discounts/rules validateDiscount and
 * checkCombinable); the engine still guarantees that no line is discounted below zero, so the discount never
 * exceeds the subtotal, and that the summary adds up:
 *   total = subtotal - discount + shipping + tax,  tax = sum(line tax) + shippingTax,
 *   sum(line discount) = discount,  line total = line subtotal - line discount + line tax.
 * Without an address, shipping, shippingTax, tax and every line's tax are null.
 * A summary with an amount beyond the money columns (MAX_STORED_AMOUNT) is 422 amount_out_of_range.
 * A FREE_SHIPPING code is not part of `discount`: shipping becomes 0 and its AppliedDiscount.amount is the
 * shipping it waived (0 without an address, or when the free-over threshold already made shipping free).
 */
export function priceCart(input: PriceCartInput): { summary: CartSummary; appliedDiscounts: AppliedDiscount[] } {
  const { currency, lines, discounts, address, rates } = input;
  assertCurrency(currency);

  const amounts = lines.map(lineAmount);
  const seen = new Set<string>();
  for (const l of lines) {
    if (seen.has(l.itemId)) throw new RangeError(`Duplicate cart line ${l.itemId}.`);
    seen.add(l.itemId);
  }
  const subtotal = checked(amounts.reduce((a, x) => a + BigInt(x), 0n), "subtotal");

  // Order-level discounts, in the order given. Each line's running discount is capped at the line's amount, so a
  // second code (which the stacking policy does not allow, but the engine does not rely on that) can only take
  // what is left of each line; its AppliedDiscount.amount is what it actually took.
  const lineDiscounts = lines.map(() => 0);
  const amountOfCode = discounts.map(() => 0);
  const freeShipping: number[] = [];
  discounts.forEach((d, k) => {
    if (d.type === "FREE_SHIPPING") {
      freeShipping.push(k);
      return;
    }
    if (d.type === "FIXED_AMOUNT" && d.currency !== currency) {
      throw new DomainError(
        "currency_mismatch",
        `The code ${d.code} is in ${d.currency ?? "no currency"}, but this cart is in ${currency}.`,
      );
    }
    const { perLine } = computeDiscount(d, lines);
    let took = 0;
    lines.forEach((line, i) => {
      const before = lineDiscounts[i] ?? 0;
      const after = Math.min(amounts[i] ?? 0, before + (perLine.get(line.itemId) ?? 0));
      lineDiscounts[i] = after;
      took += after - before;
    });
    amountOfCode[k] = took;
  });
  const discount = checked(lineDiscounts.reduce((a, x) => a + BigInt(x), 0n), "discount");

  let shipping: number | null = null;
  let shippingTax: number | null = null;
  let tax: number | null = null;
  let lineTaxes: (number | null)[] = lines.map(() => null);
  let waived = 0;

  if (address) {
    const rate = findShippingRate(address, currency, rates);
    if (!Number.isSafeInteger(rate.amount) || rate.amount < 0) {
      throw new RangeError(`Shipping rate ${rate.zone}/${rate.currency} must be a non-negative integer amount.`);
    }
    const beforeCodes = rate.freeOver != null && subtotal - discount >= rate.freeOver ? 0 : rate.amount;
    waived = freeShipping.length > 0 ? beforeCodes : 0;
    shipping = beforeCodes - waived;

    const taxRow = findTaxRate(address, rates);
    const ppm = taxRow?.ratePpm ?? 0;
    lineTaxes = lines.map((_, i) => applyRatePpm((amounts[i] ?? 0) - (lineDiscounts[i] ?? 0), ppm));
    shippingTax = taxRow?.taxesShipping ? applyRatePpm(shipping, ppm) : 0;
    tax = checked(lineTaxes.reduce<bigint>((a, x) => a + BigInt(x ?? 0), BigInt(shippingTax)), "tax");
  }
  // the first FREE_SHIPPING code is the one that waived the shipping; any other waived nothing more
  const firstFree = freeShipping[0];
  if (firstFree !== undefined) amountOfCode[firstFree] = waived;
  const appliedDiscounts: AppliedDiscount[] = discounts.map((d, k) => ({
    discountId: d.id,
    code: d.code,
    type: d.type,
    amount: amountOfCode[k] ?? 0,
  }));

  const total = checked(
    BigInt(subtotal) - BigInt(discount) + BigInt(shipping ?? 0) + BigInt(tax ?? 0),
    "total",
  );
  const summaryLines: CartSummaryLine[] = lines.map((line, i) => {
    const lineSubtotal = amounts[i] ?? 0;
    const lineDiscount = lineDiscounts[i] ?? 0;
    const lineTax = lineTaxes[i] ?? null;
    return {
      itemId: line.itemId,
      subtotal: lineSubtotal,
      discount: lineDiscount,
      tax: lineTax,
      total: checked(BigInt(lineSubtotal) - BigInt(lineDiscount) + BigInt(lineTax ?? 0), "line total"),
    };
  });

  const summary: CartSummary = { currency, subtotal, discount, shipping, shippingTax, tax, total, lines: summaryLines };
  assertSummaryInRange(summary);
  return { summary, appliedDiscounts };
}
