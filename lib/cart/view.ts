import { z } from "zod";
import { addressSchema } from "../address";
import { attributesViewSchema, variantLineFields } from "../catalog";
import type { Db } from "../db";
import { chooseWithinBudgets, type ChooseResult } from "../discounts/choose";
import { findAutomaticDiscounts, findCartCodes, isUsedCode, usableCodes } from "../discounts/repository";
import {
  BULK_CODE_USED_MESSAGE,
  DISCOUNT_FAILURE_MESSAGES,
  DISCOUNT_FAILURE_REASONS,
  DISCOUNT_TYPES,
  type DiscountRule,
  type PricingLine,
} from "../discounts/rules";
import { isDomainError } from "../errors";
import { currencyCodeSchema, isoDateTimeSchema, moneyAmountSchema } from "../money/schema";
import { cartSummarySchema, type ShippingAddress } from "../pricing";
import { loadRateTables } from "../rates";
import { customOptionsSchema, type CartRecord } from "./model";

// The cart as the API answers it. The zod schemas below are the one statement of that shape: the types are inferred
// from them and the OpenAPI document is generated from them (lib/http/openapi.ts). Nothing parses a cart at run time.

// the lists are the discount rules' own (lib/discounts/rules.ts); named here too, where the cart's schema uses them
export { DISCOUNT_FAILURE_REASONS, DISCOUNT_TYPES };

export const CART_STATUSES = ["ACTIVE", "ABANDONED", "CHECKED_OUT"] as const;

/** A cart line as the API shows it: the line without its internal options key and add time, with its total. */
export const cartItemViewSchema = z
  .object({
    ...variantLineFields,
    attributes: attributesViewSchema,
    imageUrl: z.string().nullable(),
    quantity: z.number().int().min(1),
    unitPrice: moneyAmountSchema.describe("Captured when the item was added; checkout re-checks it"),
    customOptions: customOptionsSchema,
    lineTotal: moneyAmountSchema.describe("unitPrice * quantity"),
  })
  .meta({ id: "CartItem" });
export type CartItemView = z.output<typeof cartItemViewSchema>;

export const cartDiscountViewSchema = z
  .object({
    code: z.string().nullable().describe("null for an automatic discount (then title)"),
    title: z.string().nullable().optional(),
    automatic: z.boolean().optional(),
    type: z.enum([...DISCOUNT_TYPES, "UNKNOWN"]),
    amount: moneyAmountSchema.describe("What it takes off; for FREE_SHIPPING the shipping it waives (0 without an address)"),
    applied: z.boolean().describe("Whether it is in the set the cart gets (chooseDiscounts: the compatible set with the lowest total)"),
    valid: z.boolean().describe("The same as applied (the name the cart pages have read since before combinations)"),
    reason: z.enum(DISCOUNT_FAILURE_REASONS).optional().describe("When not applied: why (not_combinable: it lost to the applied set)"),
    conflictsWith: z.string().nullable().optional().describe("When not applied: the applied discount (code or title) it does not combine with"),
    message: z.string().optional(),
  })
  .meta({ id: "CartDiscount" });
export type CartDiscountView = z.output<typeof cartDiscountViewSchema>;

export const cartViewSchema = z
  .object({
    id: z.string(),
    status: z.enum(CART_STATUSES),
    currency: currencyCodeSchema,
    items: z.array(cartItemViewSchema),
    itemCount: z.number().int().min(0),
    discounts: z.array(cartDiscountViewSchema),
    shippingAddress: addressSchema.nullable(),
    summary: cartSummarySchema,
    shippingError: z.string().optional().describe("Set when the address cannot be priced (no shipping to that country in this currency)"),
  })
  .meta({ id: "Cart" });
export type CartView = z.output<typeof cartViewSchema>;

/** A signed-in shopper's saved line, as GET /api/saved-for-later lists it. */
export const savedForLaterItemSchema = z
  .object({ id: z.uuid(), productId: z.number().int(), variantId: z.number().int(), savedAt: isoDateTimeSchema })
  .meta({ id: "SavedForLaterItem" });
export type SavedForLaterItem = z.output<typeof savedForLaterItemSchema>;

export const savedForLaterListSchema = z.array(savedForLaterItemSchema);

export function pricingLines(cart: CartRecord): PricingLine[] {
  return cart.items.map((l) => ({ itemId: l.id, productId: l.productId, variantId: l.variantId, unitPrice: l.unitPrice, quantity: l.quantity }));
}

/**
 * The cart as the API and the pages show it: lines, its discounts (the applied set chosen by chooseDiscounts, and
 * every other kept code with the reason it does not apply) and the summary priced with exactly the applied set.
 */
export async function viewCart(
  db: Db,
  cart: CartRecord,
  now = new Date(),
  /** where the automatic discounts come from (the app: a short per-process copy); default: PostgreSQL */
  automaticDiscounts: (db: Db, now: Date) => Promise<DiscountRule[]> = findAutomaticDiscounts,
): Promise<CartView> {
  const lines = pricingLines(cart);
  // a single-use code another order holds is no candidate: it shows as used up
  const cartCodes = await findCartCodes(db, cart.discounts);
  const codes = usableCodes(cart.discounts, cartCodes);
  // the automatic discounts come after the codes: every cart is a candidate for them, no code needed
  const automatic = (await automaticDiscounts(db, now)).filter((a) => !codes.some((c) => c.id === a.id));
  const candidates = [...codes, ...automatic];
  const rates = await loadRateTables(db);
  let shippingError: string | undefined;
  let chosen: ChooseResult;
  const choose = (address: ShippingAddress | null) =>
    // a discount whose budget is too short for this cart shows as not applied (budget_exhausted), as checkout would refuse it
    chooseWithinBudgets({ currency: cart.currency, lines, address, rates, now }, candidates);
  try {
    chosen = choose(cart.shippingAddress);
  } catch (e) {
    if (!isDomainError(e) || !cart.shippingAddress) throw e;
    shippingError = e.message;
    chosen = choose(null);
  }
  // a code shows as the shopper typed it (a single-use code, not its discount's own code)
  const asEntry = (id: number, code: string): Pick<CartDiscountView, "code" | "title" | "automatic"> => {
    const rule = candidates.find((r) => r.id === id);
    if (rule?.automatic) return { code: null, title: rule.title, automatic: true };
    return { code: cart.discounts.find((ref) => ref.discountId === id)?.code ?? code };
  };
  const discounts: CartDiscountView[] = chosen.applied.map((a) => ({ ...asEntry(a.discountId, a.code), type: a.type, amount: a.amount, applied: true, valid: true }));
  // an automatic discount the cart does not qualify for is not shown; one that loses to the applied set is, with why
  for (const a of automatic) {
    const why = chosen.notApplied.find((n) => n.id === a.id);
    if (!why || (why.reason !== "not_combinable" && why.reason !== "budget_exhausted")) continue;
    discounts.push({ ...asEntry(a.id, a.code), type: a.type, amount: 0, applied: false, valid: false, reason: why.reason, conflictsWith: why.conflictsWith, message: why.message });
  }
  for (const ref of cart.discounts) {
    if (isUsedCode(ref, cartCodes.usedCodes)) {
      const rule = cartCodes.codes.find((r) => r.id === ref.discountId);
      discounts.push({ code: ref.code, type: rule?.type ?? "UNKNOWN", amount: 0, applied: false, valid: false, reason: "usage_limit_reached", conflictsWith: null, message: BULK_CODE_USED_MESSAGE });
      continue;
    }
    const rule = candidates.find((r) => r.id === ref.discountId);
    if (rule && chosen.applied.some((a) => a.discountId === rule.id)) continue;
    const why = rule ? chosen.notApplied.find((n) => n.id === rule.id) : undefined;
    discounts.push({
      code: ref.code,
      type: rule?.type ?? "UNKNOWN",
      amount: 0,
      applied: false,
      valid: false,
      reason: why?.reason ?? "unknown",
      conflictsWith: why?.conflictsWith ?? null,
      message: why?.message ?? DISCOUNT_FAILURE_MESSAGES.unknown,
    });
  }
  const priced = { summary: chosen.summary };
  const view: CartView = {
    id: cart.id,
    status: cart.status,
    currency: cart.currency,
    items: cart.items.map((l) => ({
      id: l.id,
      productId: l.productId,
      variantId: l.variantId,
      sku: l.sku,
      name: l.name,
      attributes: l.attributes,
      imageUrl: l.imageUrl,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      customOptions: l.customOptions,
      lineTotal: l.unitPrice * l.quantity,
    })),
    itemCount: cart.items.reduce((n, l) => n + l.quantity, 0),
    discounts,
    shippingAddress: cart.shippingAddress,
    summary: priced.summary,
  };
  if (shippingError) view.shippingError = shippingError;
  return view;
}
