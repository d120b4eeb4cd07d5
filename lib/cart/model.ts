import { z } from "zod";
import type { ShippingAddress } from "../pricing";

/** Custom options on a cart line; unknown keys are refused. */
export const customOptionsSchema = z.strictObject({
  giftWrap: z.boolean().optional(),
  giftMessage: z.string().trim().max(200, "Gift message can be at most 200 characters").optional(),
  personalization: z.string().trim().max(100, "Personalization can be at most 100 characters").optional(),
});
export type CustomOptions = z.output<typeof customOptionsSchema>;

/** Drops empty values so `{ giftWrap: false }` and `{}` are the same line. */
export function normalizeOptions(o: CustomOptions | undefined): CustomOptions {
  const out: CustomOptions = {};
  if (o?.giftWrap) out.giftWrap = true;
  if (o?.giftMessage) out.giftMessage = o.giftMessage;
  if (o?.personalization) out.personalization = o.personalization;
  return out;
}

/** Canonical text of the options: the same variant with the same options is one line. */
export function optionsKey(o: CustomOptions): string {
  const n = normalizeOptions(o);
  const keys = Object.keys(n).sort() as (keyof CustomOptions)[];
  return keys.length === 0 ? "" : JSON.stringify(keys.map((k) => [k, n[k]]));
}

/** The address rules live in lib/address (shared with checkout and orders); the cart stores what it accepts. */
export { shippingAddressSchema } from "../address";

export type CartStatus = "ACTIVE" | "ABANDONED" | "CHECKED_OUT";

export type CartLine = {
  id: string;
  productId: number;
  variantId: number;
  /** snapshot taken at add-to-cart, so reading a cart needs no catalog query */
  sku: string;
  name: string;
  attributes: Record<string, string>;
  imageUrl: string | null;
  quantity: number;
  /** captured at add-to-cart; re-checked at checkout */
  unitPrice: number;
  customOptions: CustomOptions;
  optionsKey: string;
  addedAt: string;
};

/**
 * A code the cart holds: its discount, the code as the shopper sees it and, for a single-use (bulk) code, its id in
 * discount_codes (checkout takes that code with the order).
 */
export type CartDiscountRef = { discountId: number; code: string; codeId?: number | null };

/** One cart, the same shape in both stores (the KV document of a guest cart, the rows of a signed-in one). */
export type CartRecord = {
  id: string;
  userId: string | null;
  sessionId: string | null;
  status: CartStatus;
  currency: string;
  shippingAddress: ShippingAddress | null;
  items: CartLine[];
  discounts: CartDiscountRef[];
  /** bumped on every write; the cache only ever moves forward in version */
  version: number;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  /**
   * Guest carts only: set while a checkout holds the cart closed (status CHECKED_OUT) and has not yet settled.
   * Checkout closes the KV document at the version it priced BEFORE it writes the order, so a change after that
   * is refused (409) instead of answered 2xx and lost; if the order is not written, the cart is reopened.
   */
  closing?: GuestClose | null;
};

/** Which checkout closed a guest cart, and when (a close older than GUEST_CLOSE_STALE_MS is settled by readers). */
export type GuestClose = { orderId: string; at: string };

/** What add-to-cart needs to know about a variant. */
export type { VariantInfo } from "../catalog";
