import { headers } from "next/headers";
import {
  cartService,
  keepMergeNotice,
  loadLineStatuses,
  showCart,
  takeMergeNotice as takeNotice,
  viewCart,
  type CartRecord,
  type CartView,
  type LineStatus,
  type MergeNotice,
} from "@/lib/cart";
import { currentUser, type SessionUser } from "@/lib/auth/session";
import { clearGuestCartId, readGuestCartId, writeGuestCartId } from "@/lib/auth/cookies";
import { prisma } from "@/lib/db";
import { isDomainError } from "@/lib/errors";
import { clientKeyFrom } from "@/lib/http/client-key";
import { kv } from "@/lib/kv";

export type Shopper = { user: SessionUser | null };

/**
 * The cart of whoever is asking: the signed-in user's active cart (merging a guest cart left in the cookie, once),
 * or the guest's cart from the signed cookie. With `create`, a guest without a live cart gets a new one (an
 * expired guest cart is never an error). Cookie writes only work in actions and route handlers: elsewhere they are
 * skipped, and the merge still happens exactly once because the guest cart is claimed atomically.
 */
export async function shopperCart(opts: { create: boolean }): Promise<{ user: SessionUser | null; cart: CartRecord | null }> {
  const service = cartService();
  const user = await currentUser();
  const guestId = await readGuestCartId();
  if (user) {
    if (guestId) {
      const merged = await service.mergeGuestCart(guestId, user.id);
      await clearGuestCartId().catch(() => {});
      await keepMergeNotice(kv(), user.id, merged.capped);
      return { user, cart: merged.cart };
    }
    return { user, cart: await service.cartForUser(user.id) };
  }
  if (guestId) {
    try {
      const cart = await service.getCart(guestId, { userId: null });
      if (cart.status === "ACTIVE") return { user, cart };
    } catch (e) {
      if (!isDomainError(e) || (e.code !== "not_found" && e.code !== "forbidden")) throw e;
    }
  }
  if (!opts.create) return { user, cart: null };
  const cart = await service.createGuestCart();
  await writeGuestCartId(cart.id);
  return { user, cart };
}

/** The "some quantities were reduced" message left by a merge, shown once. */
export async function takeMergeNotice(userId: string): Promise<MergeNotice> {
  return takeNotice(kv(), userId);
}

export async function cartView(cart: CartRecord): Promise<CartView> {
  return showCart(cart);
}

/** Per line: a price that moved since it was added, more units than are in stock now (the cart page warns). */
export async function cartLineStatuses(cart: CartRecord): Promise<Map<string, LineStatus>> {
  return loadLineStatuses(prisma(), cart);
}

/** The client a rate limit counts against (lib/http/client-key.ts: the one rule every limiter uses). */
export async function clientKey(): Promise<string> {
  return clientKeyFrom(await headers());
}
