import { cartService, type CartRecord } from "@/lib/cart";
import { cartIdSchema, itemIdSchema } from "@/lib/cart/schemas";
import type { SavedForLaterItem } from "@/lib/cart/view";
import { currentUser } from "@/lib/auth/session";
import { parseWith } from "@/lib/http/handler";
import { json } from "@/lib/http/handler";
import { cartView } from "./shopper";

export type CartParams = { params: Promise<{ cartId: string }> };
export type ItemParams = { params: Promise<{ cartId: string; itemId: string }> };

/** The caller (for access checks) and the validated cart id of a /api/carts/{cartId}/... route. */
export async function cartRoute(ctx: CartParams) {
  const { cartId } = await ctx.params;
  const user = await currentUser();
  return { cartId: parseWith(cartIdSchema, cartId), actor: { userId: user?.id ?? null }, user, service: cartService() };
}

export async function itemRoute(ctx: ItemParams) {
  const { itemId } = await ctx.params;
  return { ...(await cartRoute(ctx)), itemId: parseWith(itemIdSchema, itemId) };
}

export async function cartJson(cart: CartRecord, status = 200, extra: Record<string, unknown> = {}): Promise<Response> {
  return json({ cart: await cartView(cart), ...extra }, status);
}

/** A saved-for-later entry as the API lists it. */
export function savedJson(s: SavedForLaterItem): SavedForLaterItem {
  return { id: s.id, productId: s.productId, variantId: s.variantId, savedAt: s.savedAt };
}
