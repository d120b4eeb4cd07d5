import { loadVariantInfo, sellableUnits, type VariantInfo } from "../catalog";
import type { Db } from "../db";
import type { CartLine, CartRecord } from "./model";

/**
 * What the cart page warns about on a line, before checkout would refuse it: the price moved since the line was
 * added (the captured unit price is what the cart shows; checkout charges the current one after the shopper
 * confirms), or the cart holds more of the variant than is in stock now.
 */
export type LineStatus = {
  itemId: string;
  /** set when the current price differs from the captured one */
  priceChange: { captured: number; current: number } | null;
  /** set when the cart's units of this variant (over all its lines) exceed what can be sold now: that number */
  available: number | null;
};

/** Pure: the cart's lines against the catalog as it is now. A variant no longer sold counts as 0 available. */
export function lineStatuses(items: readonly CartLine[], variants: ReadonlyMap<number, VariantInfo>): Map<string, LineStatus> {
  const unitsOf = new Map<number, number>();
  for (const l of items) unitsOf.set(l.variantId, (unitsOf.get(l.variantId) ?? 0) + l.quantity);
  const out = new Map<string, LineStatus>();
  for (const l of items) {
    const v = variants.get(l.variantId);
    const units = sellableUnits(v);
    const priceChange = v && v.price !== l.unitPrice ? { captured: l.unitPrice, current: v.price } : null;
    const available = (unitsOf.get(l.variantId) ?? 0) > units ? units : null;
    out.set(l.id, { itemId: l.id, priceChange, available });
  }
  return out;
}

/** Reads the variants fresh (not the add-to-cart cache): a warning about price or stock must be about now. */
export async function loadLineStatuses(db: Db, cart: CartRecord): Promise<Map<string, LineStatus>> {
  return lineStatuses(cart.items, await loadVariantInfo(db, cart.items.map((l) => l.variantId)));
}
