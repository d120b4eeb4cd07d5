import type { Db } from "../db";
import { findDiscountsByIds } from "../discounts/repository";
import { validateDiscount, type DiscountRule, type PricingLine } from "../discounts/rules";
import { isDomainError } from "../errors";
import { priceCart, type CartSummary, type ShippingAddress } from "../pricing";
import { loadRateTables } from "../rates";
import type { CartLine, CartRecord, CartStatus } from "./model";

/** A cart line as the API shows it: the line without its internal options key and add time, with its total. */
export type CartItemView = Omit<CartLine, "optionsKey" | "addedAt"> & { lineTotal: number };

export type CartDiscountView = {
  code: string;
  type: string;
  amount: number;
  /** false when the code no longer applies (expired, minimum no longer met...): it takes nothing off */
  valid: boolean;
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

/** The cart as the API and the pages show it: lines, the discounts that apply, and the priced summary. */
export async function viewCart(db: Db, cart: CartRecord, now = new Date(), rules?: DiscountRule[]): Promise<CartView> {
  const lines = pricingLines(cart);
  const discountRules = rules ?? (await findDiscountsByIds(db, cart.discounts.map((d) => d.discountId)));
  const discounts: CartDiscountView[] = [];
  const valid: DiscountRule[] = [];
  for (const ref of cart.discounts) {
    const rule = discountRules.find((r) => r.id === ref.discountId) ?? null;
    const check = validateDiscount(rule, { currency: cart.currency, lines, now });
    if (rule && check.ok) valid.push(rule);
    else discounts.push({ code: ref.code, type: rule?.type ?? "UNKNOWN", amount: 0, valid: false, message: check.ok ? undefined : check.message });
  }
  const rates = await loadRateTables(db);
  let shippingError: string | undefined;
  let priced: ReturnType<typeof priceCart>;
  try {
    priced = priceCart({ currency: cart.currency, lines, discounts: valid, address: cart.shippingAddress, rates });
  } catch (e) {
    if (!isDomainError(e) || !cart.shippingAddress) throw e;
    shippingError = e.message;
    priced = priceCart({ currency: cart.currency, lines, discounts: valid, address: null, rates });
  }
  const appliedViews = priced.appliedDiscounts.map((a) => ({ code: a.code, type: a.type, amount: a.amount, valid: true }));
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
    discounts: [...appliedViews, ...discounts],
    shippingAddress: cart.shippingAddress,
    summary: priced.summary,
  };
  if (shippingError) view.shippingError = shippingError;
  return view;
}
