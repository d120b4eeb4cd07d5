import type { Db } from "../db";
import { chooseWithinBudgets, type ChooseResult } from "../discounts/choose";
import { BULK_CODE_USED_MESSAGE, findAutomaticDiscounts, findDiscountsByIds, usedBulkCodes } from "../discounts/repository";
import type { DiscountFailureReason, DiscountRule, PricingLine } from "../discounts/rules";
import { isDomainError } from "../errors";
import type { CartSummary, ShippingAddress } from "../pricing";
import { loadRateTables } from "../rates";
import type { CartLine, CartRecord, CartStatus } from "./model";

/** A cart line as the API shows it: the line without its internal options key and add time, with its total. */
export type CartItemView = Omit<CartLine, "optionsKey" | "addedAt"> & { lineTotal: number };

export type CartDiscountView = {
  /** null for an automatic discount, which shows its title */
  code: string | null;
  title?: string | null;
  automatic?: boolean;
  type: string;
  amount: number;
  /** whether it is in the set the cart gets (chooseDiscounts); when not, `reason` and `conflictsWith` say why */
  applied: boolean;
  /** the same as `applied` (the name the cart pages have read since before combinations) */
  valid: boolean;
  reason?: DiscountFailureReason;
  /** the applied discount (code or title) this one does not combine with */
  conflictsWith?: string | null;
  message?: string;
};

export type CartView = {
  id: string;
  status: CartStatus;
  currency: string;
  items: CartItemView[];
  itemCount: number;
  discounts: CartDiscountView[];
  shippingAddress: ShippingAddress | null;
  summary: CartSummary;
  /** set when the address cannot be priced (no shipping to that country in this currency) */
  shippingError?: string;
};

export function pricingLines(cart: CartRecord): PricingLine[] {
  return cart.items.map((l) => ({ itemId: l.id, productId: l.productId, variantId: l.variantId, unitPrice: l.unitPrice, quantity: l.quantity }));
}

/**
 * The cart as the API and the pages show it: lines, its discounts (the applied set chosen by chooseDiscounts, and
 * every other kept code with the reason it does not apply) and the summary priced with exactly the applied set.
 */
export async function viewCart(db: Db, cart: CartRecord, now = new Date(), rules?: DiscountRule[]): Promise<CartView> {
  const lines = pricingLines(cart);
  const discountRules = rules ?? (await findDiscountsByIds(db, cart.discounts.map((d) => d.discountId)));
  // a single-use code another order holds is no candidate: it shows as used up
  const used = await usedBulkCodes(db, cart.discounts.flatMap((ref) => (ref.codeId != null ? [ref.codeId] : [])));
  const isUsed = (ref: CartRecord["discounts"][number]) => ref.codeId != null && used.has(ref.codeId);
  const codes = cart.discounts.flatMap((ref) => (isUsed(ref) ? [] : (discountRules.find((r) => r.id === ref.discountId) ?? [])));
  // the automatic discounts come after the codes: every cart is a candidate for them, no code needed
  const automatic = (await findAutomaticDiscounts(db, now)).filter((a) => !codes.some((c) => c.id === a.id));
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
    if (isUsed(ref)) {
      const rule = discountRules.find((r) => r.id === ref.discountId);
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
      message: why?.message ?? "This code is not valid.",
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
