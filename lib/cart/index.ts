import { variantInfoCache } from "../catalog/variant-cache";
import { automaticDiscountCache } from "../discounts/automatic-cache";
import { prisma } from "../db";
import { env } from "../env";
import { kv } from "../kv";
import { CartService } from "./service";
import { viewCart, type CartView } from "./view";
import type { CartRecord } from "./model";

export { CartService, newCartId, type CartActor, type SavedForLaterView } from "./service";
export type { CartRecord, CartLine, CustomOptions } from "./model";
export { customOptionsSchema, shippingAddressSchema } from "./model";
export { viewCart, type CartView } from "./view";
export { loadLineStatuses, type LineStatus } from "./line-status";
export { keepMergeNotice, takeMergeNotice, type MergeNotice } from "./merge-notice";
export { pricingLines } from "./view";
export { cartIdSchema } from "./schemas";
// checkout's use of carts: locate, change, close, settle, restore (lib/checkout uses only these)
export {
  afterCheckout,
  afterRestore,
  CartChangedDuringCheckout,
  closeForCheckout,
  locateCart,
  mutateLocated,
  reopenAfterFailedCheckout,
  restoreCartTx,
  settleUnansweredClose,
  type CartContext,
  type CartRestore,
  type LocatedCart,
} from "./checkout-carts";

const globalForCart = globalThis as unknown as { cartwrightCartService?: CartService };

/** One cart service per process, wired to the process's database and KV store. */
export function cartService(): CartService {
  globalForCart.cartwrightCartService ??= new CartService(prisma(), kv(), {
    maxLineQuantity: env().CART_MAX_LINE_QUANTITY,
    defaultCurrency: env().DEFAULT_CURRENCY,
    cacheReads: env().CART_CACHE === "on",
    variants: variantInfoCache(env().CATALOG_CACHE_MS),
  });
  return globalForCart.cartwrightCartService;
}

/** The cart as the API and the pages show it, the automatic discounts from the process's short copy (CATALOG_CACHE_MS). */
export function showCart(cart: CartRecord): Promise<CartView> {
  const automatic = automaticDiscountCache(env().CATALOG_CACHE_MS);
  return viewCart(prisma(), cart, new Date(), (db, now) => automatic.get(db, now));
}
