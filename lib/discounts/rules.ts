import { DomainError } from "@/lib/errors";
import { allocate, divideRoundHalfUp, formatMoney, toSafeNumber } from "@/lib/money";

// The discount RULES: whether a code may be used on a cart (validateDiscount, combines) and how much it
// takes off each line (computeDiscount). Pure: no database, no clock (the caller passes `now`), no mutation of
// the inputs. Redeeming a use is lib/discounts/redeem.ts.

export const DISCOUNT_TYPES = ["PERCENTAGE", "FIXED_AMOUNT", "FREE_SHIPPING", "BUY_X_GET_Y"] as const;
export type DiscountType = (typeof DISCOUNT_TYPES)[number];

/** The types whose value is a percent (stored as basis points): PERCENTAGE and BUY_X_GET_Y. */
export const isPercentType = (t: DiscountType): boolean => t === "PERCENTAGE" || t === "BUY_X_GET_Y";

export type DiscountRule = {
  id: number;
  /** what the shopper sees it by: the code, or for an automatic discount (which has no code) its title */
  code: string;
  /** applies to every qualifying cart without a code */
  automatic: boolean;
  title: string | null;
  type: DiscountType;
  /** PERCENTAGE & BUY_X_GET_Y: basis points (1..10000); FIXED_AMOUNT: minor units of `currency`; FREE_SHIPPING: 0 */
  value: number;
  /** required when FIXED_AMOUNT or minOrderAmount is set */
  currency: string | null;
  minOrderAmount: number | null;
  maxUses: number | null;
  maxUsesPerCustomer: number | null;
  usesCount: number;
  validFrom: Date | null;
  validUntil: Date | null;
  /** empty = all products */
  applicableProductIds: number[];
  buyQuantity: number | null;
  getQuantity: number | null;
  maxApplications: number | null;
  /**
   * BUY_X_GET_Y: the products the discounted ("get") units come from; empty or absent = the buy side's products
   * (`applicableProductIds`, which are the products that count towards the "buy" side).
   */
  getProductIds?: number[];
  /**
   * What is left of the budget (maxDiscountAmount minus what unreleased redemptions gave), in the discount's
   * currency; null or absent = no budget. Only a prediction: checkout enforces the budget under the row lock.
   */
  budgetLeft?: number | null;
  isActive: boolean;
  /**
   * PERCENTAGE / FIXED_AMOUNT: used instead of `value` when set (non-empty): the highest tier whose minimum the
   * applicable subtotal (or quantity) reaches gives the value, in the same units as `value`; below the first, 0.
   */
  tiers?: DiscountTier[] | null;
  /** the classes of discount this one may be applied together with (all false: it stands alone) */
  combinesWith: CombinesWith;
};

/** Codes one cart may hold (automatic discounts come on top and do not count). */
export const MAX_CODES_PER_CART = 5;

export type DiscountTier = { minSubtotal?: number | null; minQuantity?: number | null; value: number };

/**
 * The value the tiers give for an applicable subtotal and quantity: the reached tier with the highest minimum (a
 * tier is reached when the amount, or quantity, is at least its minimum); null when no tier is reached.
 */
export function tierValue(tiers: readonly DiscountTier[], subtotal: bigint, quantity: bigint): number | null {
  let best: { min: bigint; value: number } | null = null;
  for (const t of tiers) {
    const bySubtotal = t.minSubtotal != null;
    const min = BigInt(Math.max(0, Math.trunc((bySubtotal ? t.minSubtotal : t.minQuantity) ?? 0)));
    if ((bySubtotal ? subtotal : quantity) < min) continue;
    if (best === null || min >= best.min) best = { min, value: t.value };
  }
  return best?.value ?? null;
}

export const DISCOUNT_CLASSES = ["product", "order", "shipping"] as const;
export type DiscountClass = (typeof DISCOUNT_CLASSES)[number];

export type CombinesWith = { productDiscounts: boolean; orderDiscounts: boolean; shippingDiscounts: boolean };

export type PricingLine = { itemId: string; productId: number; variantId: number; unitPrice: number; quantity: number };

/**
 * Why a discount does not apply: the one list (the cart's `reason`, `details.reason` of 422 discount_invalid, the
 * OpenAPI enum), and the shopper's message for each. Where the message can say more (how much is missing, which
 * currency, which code clashes), the rule that finds the failure words it; these are the words otherwise.
 */
export const DISCOUNT_FAILURE_REASONS = [
  "unknown",
  "inactive",
  "not_yet_valid",
  "expired",
  "usage_limit_reached",
  "customer_limit_reached",
  "min_order_not_met",
  "not_applicable",
  "not_combinable",
  "currency_mismatch",
  "too_many_codes",
  "budget_exhausted",
] as const;
export type DiscountFailureReason = (typeof DISCOUNT_FAILURE_REASONS)[number];

export const DISCOUNT_FAILURE_MESSAGES: Record<DiscountFailureReason, string> = {
  unknown: "This code is not valid.",
  inactive: "This code is no longer active.",
  not_yet_valid: "This code can't be used yet.",
  expired: "This code has expired.",
  usage_limit_reached: "This code has reached its usage limit.",
  customer_limit_reached: "You have already used this code as many times as allowed.",
  min_order_not_met: "Your order is below this code's minimum.",
  not_applicable: "This code doesn't apply to anything in your cart.",
  not_combinable: "This code can't be combined with your other discounts.",
  currency_mismatch: "This code can't be used in this currency.",
  too_many_codes: `A cart can hold at most ${MAX_CODES_PER_CART} discount codes.`,
  budget_exhausted: "This discount has run out: its budget is used up.",
};

/** A single-use (bulk) code that an order already took: refused as usage_limit_reached, in these words. */
export const BULK_CODE_USED_MESSAGE = "This code has already been used.";

/** The 422 discount_invalid for a reason; the message defaults to the reason's own. */
export function discountInvalid(reason: DiscountFailureReason, message = DISCOUNT_FAILURE_MESSAGES[reason], details: Record<string, unknown> = {}): DomainError {
  return new DomainError("discount_invalid", message, { reason, ...details });
}

export type Validation = { ok: true } | { ok: false; reason: DiscountFailureReason; message: string };

export type DiscountComputation = { amount: number; perLine: Map<string, number> };

export const DISCOUNT_STATUSES = ["scheduled", "active", "expired", "exhausted", "inactive"] as const;
export type DiscountStatus = (typeof DISCOUNT_STATUSES)[number];

const OK: Validation = { ok: true };
const fail = (reason: DiscountFailureReason, message = DISCOUNT_FAILURE_MESSAGES[reason]): Validation => ({ ok: false, reason, message });

/** unitPrice * quantity, checked: both non-negative safe integers, the product a safe integer. */
export function lineAmount(line: PricingLine): number {
  if (!Number.isSafeInteger(line.unitPrice) || line.unitPrice < 0) {
    throw new RangeError(`Line ${line.itemId}: unitPrice must be a non-negative integer, got ${line.unitPrice}.`);
  }
  if (!Number.isSafeInteger(line.quantity) || line.quantity < 0) {
    throw new RangeError(`Line ${line.itemId}: quantity must be a non-negative integer, got ${line.quantity}.`);
  }
  return toSafeNumber(BigInt(line.unitPrice) * BigInt(line.quantity), `line ${line.itemId} amount`);
}

/** Whether the code applies to this product (an empty product list means every product). */
export function isApplicable(d: DiscountRule, productId: number): boolean {
  return d.applicableProductIds.length === 0 || d.applicableProductIds.includes(productId);
}

/** Sum of unitPrice * quantity over the lines the code applies to. */
export function applicableSubtotal(d: DiscountRule, lines: readonly PricingLine[]): number {
  let total = 0n;
  for (const line of lines) if (isApplicable(d, line.productId)) total += BigInt(lineAmount(line));
  return toSafeNumber(total, "applicable subtotal");
}

/** The amounts of a FIXED_AMOUNT value and of minOrderAmount are in the code's currency: they must be the cart's. */
function needsCurrency(d: DiscountRule): boolean {
  return d.type === "FIXED_AMOUNT" || d.minOrderAmount != null;
}

/**
 * May this code be applied to this cart now? Checks, in this order (the first failure wins): unknown, inactive,
 * not_yet_valid (now < validFrom), expired (now >= validUntil: validUntil is exclusive), usage_limit_reached,
 * customer_limit_reached (only when customerUses is known), currency_mismatch, not_applicable (no line it applies
 * to, or an empty cart), min_order_not_met (on the applicable subtotal; the message says how much is missing).
 * A BUY_X_GET_Y code on a cart with applicable products but no complete group yet is valid (it computes to 0).
 */
export function validateDiscount(
  d: DiscountRule | null,
  ctx: { currency: string; lines: readonly PricingLine[]; now: Date; customerUses?: number | null },
): Validation {
  if (!d) return fail("unknown");
  if (!d.isActive) return fail("inactive");
  if (d.validFrom && ctx.now.getTime() < d.validFrom.getTime()) {
    return fail("not_yet_valid");
  }
  if (d.validUntil && ctx.now.getTime() >= d.validUntil.getTime()) return fail("expired");
  if (d.maxUses != null && d.usesCount >= d.maxUses) {
    return fail("usage_limit_reached");
  }
  if (ctx.customerUses != null && d.maxUsesPerCustomer != null && ctx.customerUses >= d.maxUsesPerCustomer) {
    return fail(
      "customer_limit_reached",
      d.maxUsesPerCustomer === 1
        ? "You have already used this code."
        : `You have already used this code ${d.maxUsesPerCustomer} times, the most allowed.`,
    );
  }
  if (needsCurrency(d) && d.currency !== ctx.currency) {
    return fail(
      "currency_mismatch",
      d.currency ? `This code only works for orders in ${d.currency}.` : DISCOUNT_FAILURE_MESSAGES.currency_mismatch,
    );
  }
  if (ctx.lines.length === 0) return fail("not_applicable", "Add something to your cart to use this code.");
  if (!ctx.lines.some((l) => l.quantity > 0 && isApplicable(d, l.productId))) {
    return fail("not_applicable");
  }
  if (d.minOrderAmount != null) {
    const subtotal = applicableSubtotal(d, ctx.lines);
    if (subtotal < d.minOrderAmount) {
      const missing = formatMoney({ amount: d.minOrderAmount - subtotal, currency: ctx.currency });
      return fail("min_order_not_met", `Add ${missing} more to use this code.`);
    }
  }
  return OK;
}

/**
 * The class a discount belongs to for combinations: `product` when it lists the products it applies to, `shipping`
 * for FREE_SHIPPING, otherwise `order` (the contract's order of precedence).
 */
export function discountClass(d: Pick<DiscountRule, "type" | "applicableProductIds">): DiscountClass {
  if (d.applicableProductIds.length > 0) return "product";
  if (d.type === "FREE_SHIPPING") return "shipping";
  return "order";
}

function allows(d: DiscountRule, cls: DiscountClass): boolean {
  switch (cls) {
    case "product":
      return d.combinesWith.productDiscounts;
    case "order":
      return d.combinesWith.orderDiscounts;
    case "shipping":
      return d.combinesWith.shippingDiscounts;
  }
}

/**
 * Whether two discounts may be applied together: each must allow the other's class (Shopify's rule: a one-sided
 * "combines with" is not enough). A discount never combines with itself.
 */
export function combines(a: DiscountRule, b: DiscountRule): boolean {
  if (a.id === b.id) return false;
  return allows(a, discountClass(b)) && allows(b, discountClass(a));
}

/** The combinations that reproduce the original stacking rule (one free-shipping code plus one other code). */
export function legacyCombinesWith(type: DiscountType): CombinesWith {
  return type === "FREE_SHIPPING"
    ? { productDiscounts: true, orderDiscounts: true, shippingDiscounts: false }
    : { productDiscounts: false, orderDiscounts: false, shippingDiscounts: true };
}

/** For the admin list. Inactive wins, then expired, exhausted, scheduled; otherwise active. */
export function discountStatus(d: DiscountRule, now: Date): DiscountStatus {
  if (!d.isActive) return "inactive";
  if (d.validUntil && now.getTime() >= d.validUntil.getTime()) return "expired";
  if (d.maxUses != null && d.usesCount >= d.maxUses) return "exhausted";
  if (d.validFrom && now.getTime() < d.validFrom.getTime()) return "scheduled";
  return "active";
}

function emptyShares(lines: readonly PricingLine[]): Map<string, number> {
  const perLine = new Map<string, number>();
  for (const line of lines) {
    if (perLine.has(line.itemId)) throw new RangeError(`Duplicate cart line ${line.itemId}.`);
    perLine.set(line.itemId, 0);
  }
  return perLine;
}

/** A basis-point value held to 0..10000 so a bad row can never take off more than the whole amount. */
const clampBps = (bps: number) => Math.min(10_000, Math.max(0, Math.trunc(bps)));

/** Splits `amount` over `weighted` lines by largest remainder (ties to the earlier line) into `perLine`. */
function spread(amount: number, weighted: { itemId: string; weight: number }[], perLine: Map<string, number>): void {
  if (amount === 0 || weighted.length === 0) return;
  const shares = allocate(
    amount,
    weighted.map((w) => w.weight),
  );
  weighted.forEach((w, i) => perLine.set(w.itemId, (perLine.get(w.itemId) ?? 0) + (shares[i] ?? 0)));
}

/**
 * How much the code takes off, in total and per line (every line of `lines` has an entry, 0 where nothing).
 * The caller has validated the code (currency, dates, limits). FREE_SHIPPING is 0 here: pricing waives shipping.
 *
 * - PERCENTAGE: value bps of the applicable subtotal, rounded half-up once, allocated to the applicable lines in
 *   proportion to their amounts by largest remainder (ties to the earlier line).
 * - FIXED_AMOUNT: min(value, applicable subtotal), allocated the same way.
 * - BUY_X_GET_Y: the groups * Y cheapest get-side units (buyGetUnits: X units bought from the buy side's products
 *   per group, Y got from getProductIds, or from the same products; at most maxApplications groups) get value bps
 *   off their total, rounded half-up once, split over their lines by largest remainder weighted by their amounts.
 * A line's share never exceeds its amount, and the shares always sum to `amount`.
 */
export function computeDiscount(d: DiscountRule, lines: readonly PricingLine[]): DiscountComputation {
  const perLine = emptyShares(lines);
  const applicable = lines
    .map((line, index) => ({ line, index, amount: lineAmount(line) }))
    .filter((x) => isApplicable(d, x.line.productId));
  const subtotal = applicable.reduce((a, x) => a + BigInt(x.amount), 0n);

  switch (d.type) {
    case "FREE_SHIPPING":
      return { amount: 0, perLine };

    case "PERCENTAGE":
    case "FIXED_AMOUNT": {
      let value = d.value;
      if (d.tiers && d.tiers.length > 0) {
        const quantity = applicable.reduce((a, x) => a + BigInt(x.line.quantity), 0n);
        const reached = tierValue(d.tiers, subtotal, quantity);
        if (reached === null) return { amount: 0, perLine };
        value = reached;
      }
      const amount =
        d.type === "PERCENTAGE"
          ? divideRoundHalfUp(subtotal * BigInt(clampBps(value)), 10_000n)
          : toSafeNumber(minBig(BigInt(Math.max(0, Math.trunc(value))), subtotal));
      spread(
        amount,
        applicable.map((x) => ({ itemId: x.line.itemId, weight: x.amount })),
        perLine,
      );
      return { amount, perLine };
    }

    case "BUY_X_GET_Y": {
      const taken = buyGetUnits(d, lines);
      if (taken.length === 0) return { amount: 0, perLine };
      const takenTotal = taken.reduce((a, t) => a + t.value, 0n);
      // the cart's own order for the tie-break of the split, not the price order
      const byCartOrder = new Map(lines.map((l, i) => [l.itemId, i]));
      taken.sort((a, b) => (byCartOrder.get(a.itemId) ?? 0) - (byCartOrder.get(b.itemId) ?? 0));
      const amount = divideRoundHalfUp(takenTotal * BigInt(clampBps(d.value)), 10_000n);
      spread(
        amount,
        taken.map((t) => ({ itemId: t.itemId, weight: toSafeNumber(t.value) })),
        perLine,
      );
      return { amount, perLine };
    }
  }
  throw new RangeError(`Unknown discount type ${String((d as { type: unknown }).type)}.`);
}

const minBig = (a: bigint, b: bigint) => (a < b ? a : b);

/** Whether a unit of this product may be a discounted ("get") unit of a buy-X-get-Y discount. */
export function isGetProduct(d: Pick<DiscountRule, "applicableProductIds" | "getProductIds">, productId: number): boolean {
  const get = d.getProductIds ?? [];
  return get.length > 0 ? get.includes(productId) : d.applicableProductIds.length === 0 || d.applicableProductIds.includes(productId);
}

/**
 * The discounted units of a buy-X-get-Y discount, per line (units and their value), cheapest first.
 *
 * Buy units come from the buy side's products (`applicableProductIds`), get units from `getProductIds` (absent:
 * the buy side's). A unit counts once: a product on both sides (the overlap) is either bought or got. With b units
 * only on the buy side, g only on the get side and o on both, the number of groups is the largest k with
 * k*X <= b + o, k*Y <= g + o and k*(X+Y) <= b + g + o, at most maxApplications. The k*Y get units are the cheapest
 * get-side units (ties: earlier line first), taking at most b + o - k*X overlap units so that k*X units are left to
 * buy; picking the cheapest under that one cap is optimal (greedy on a partition constraint). Without
 * getProductIds this is floor(units / (X+Y)) groups whose Y cheapest units are discounted, as before.
 */
export function buyGetUnits(d: DiscountRule, lines: readonly PricingLine[]): { itemId: string; units: bigint; value: bigint }[] {
  const X = d.buyQuantity ?? 0;
  const Y = d.getQuantity ?? 0;
  if (!Number.isSafeInteger(X) || !Number.isSafeInteger(Y) || X < 0 || Y <= 0) return [];
  let buyOnly = 0n;
  let getOnly = 0n;
  let both = 0n;
  const getSide: { line: PricingLine; index: number; overlap: boolean }[] = [];
  lines.forEach((line, index) => {
    lineAmount(line); // checks the line's numbers
    const buy = isApplicable(d, line.productId);
    const get = isGetProduct(d, line.productId);
    const q = BigInt(line.quantity);
    if (buy && get) both += q;
    else if (buy) buyOnly += q;
    else if (get) getOnly += q;
    if (get && line.quantity > 0) getSide.push({ line, index, overlap: buy });
  });
  const x = BigInt(X);
  const y = BigInt(Y);
  let groups = (getOnly + both) / y;
  if (x > 0n) groups = minBig(groups, (buyOnly + both) / x);
  groups = minBig(groups, (buyOnly + getOnly + both) / (x + y));
  if (d.maxApplications != null) groups = minBig(groups, BigInt(Math.max(0, Math.trunc(d.maxApplications))));
  let toDiscount = groups * y;
  if (toDiscount <= 0n) return [];
  let overlapLeft = buyOnly + both - groups * x; // overlap units that may be got and still leave enough to buy

  // cheapest first; Array.prototype.sort is stable, so equal prices keep cart order (earlier line first)
  getSide.sort((a, b) => a.line.unitPrice - b.line.unitPrice);
  const taken: { itemId: string; units: bigint; value: bigint }[] = [];
  for (const { line, overlap } of getSide) {
    if (toDiscount === 0n) break;
    let n = minBig(BigInt(line.quantity), toDiscount);
    if (overlap) {
      n = minBig(n, overlapLeft);
      overlapLeft -= n;
    }
    if (n <= 0n) continue;
    toDiscount -= n;
    taken.push({ itemId: line.itemId, units: n, value: n * BigInt(line.unitPrice) });
  }
  return taken;
}
