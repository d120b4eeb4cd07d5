import { randomUUID } from "node:crypto";
import type { Db, PrismaClient } from "../db";
import { sellableSql } from "../catalog/sellable";
import { isKvUnavailable } from "../kv";
import { GuestCartMoved } from "./guest-store";
import { isStaleClose, settleGuestClose } from "./guest-close";
import type { CartRecord } from "./model";
import { mergeLines, type CappedLine } from "./mutations";
import type { CartService } from "./service";
import { persistCart } from "./user-store";

// How checkout locates, changes, closes and restores carts, in both stores: lib/cart's public API for checkout
// (lib/checkout never reaches into the stores itself).

/** What these functions need: the cart service, its database, the clock and the per-line maximum. */
export type CartContext = {
  db: PrismaClient;
  carts: CartService;
  now?: () => Date;
  /** per-line maximum when a cart is merged back after a failed payment (default 99) */
  maxLineQuantity?: number;
};

const clock = (ctx: Pick<CartContext, "now">): Date => (ctx.now ? ctx.now() : new Date());

/** The cart moved on since checkout read it (another tab): checkout starts over. */
export class CartChangedDuringCheckout extends Error {}

/** kv: a guest cart's JSON document in the KV store; db: a row in `carts` (signed-in carts, and guest carts
 *  written there by an earlier checkout whose KV document is gone). */
export type LocatedCart = { source: "kv" | "db"; cart: CartRecord };

/** The cart, read from its source of truth: the KV document of a guest cart, else PostgreSQL (not the cache). */
export async function locateCart(deps: CartContext, cartId: string): Promise<LocatedCart | null> {
  let kvError: unknown;
  try {
    let guest = await deps.carts.guests.load(cartId);
    if (guest && isStaleClose(guest, new Date())) {
      // a checkout closed it and never settled (its process died): PostgreSQL decides whether its order exists
      await settleGuestClose(deps.db, deps.carts.guests, guest, clock(deps));
      guest = await deps.carts.guests.load(cartId);
    }
    if (guest?.status === "ACTIVE") return { source: "kv", cart: guest };
    if (guest) {
      // Not ACTIVE in the KV store: PostgreSQL decides. An ACTIVE row NEWER than the document means the cart came
      // back after a failed payment but writing its KV copy failed: repair the copy (only if the document is still
      // the one read) and use it. A row that is not newer is an older copy (the document is held closed by a
      // running checkout, or moved on since): it must never replace the document's lines.
      const row = await deps.carts.users.loadFromDb(cartId);
      if (row && row.userId === null && row.status === "ACTIVE" && row.version > guest.version) {
        const seen = guest.version;
        const repaired = await deps.carts.guests
          .mutate(cartId, (c) => (c.version === seen && c.status !== "ACTIVE" ? { ...row, closing: null, expiresAt: c.expiresAt } : c))
          .catch(() => null);
        if (repaired?.status === "ACTIVE") return { source: "kv", cart: repaired };
        return { source: "kv", cart: repaired ?? guest };
      }
      return { source: "kv", cart: guest };
    }
  } catch (e) {
    if (!isKvUnavailable(e)) throw e;
    kvError = e;
  }
  const row = await deps.carts.users.loadFromDb(cartId);
  if (row) return { source: "db", cart: row };
  if (kvError) throw kvError;
  return null;
}

/** Applies a pure change through the cart's own store (atomic there); null if the cart is gone. */
export async function mutateLocated(deps: CartContext, located: LocatedCart, change: (c: CartRecord) => CartRecord): Promise<CartRecord | null> {
  return located.source === "kv" ? deps.carts.guests.mutate(located.cart.id, change) : deps.carts.users.mutate(located.cart.id, change);
}

/** After the reserve step committed: the KV copy must say CHECKED_OUT too. Throws when the KV store fails (PostgreSQL
 *  already says CHECKED_OUT, and a second checkout of the cart is refused there: the caller only logs it). */
export async function afterCheckout(deps: CartContext, cartId: string, source: "kv" | "db"): Promise<void> {
  if (source === "kv") {
    // the document was closed before the order was written; this only clears the close (or repairs a copy
    // that still says ACTIVE: PostgreSQL says CHECKED_OUT)
    await deps.carts.guests.markCheckedOut(cartId, clock(deps));
  } else {
    await refreshCache(deps, cartId);
  }
}

/**
 * A guest cart lives in the KV store, which the reserve step cannot lock: it is closed first, at the version that
 * was priced (a signed-in cart's row is closed by the reserve step itself, at that version), so a change from now
 * on gets 409 cart_not_active. Returns the cart as the reserve step must write it; null if it is gone; throws
 * CartChangedDuringCheckout when it changed since it was read.
 */
export async function closeForCheckout(deps: CartContext, located: LocatedCart, orderId: string): Promise<LocatedCart | null> {
  if (located.source !== "kv") return located;
  const closed = await deps.carts.guests.close(located.cart.id, located.cart.version, orderId, new Date()).catch((e: unknown) => {
    throw e instanceof GuestCartMoved ? new CartChangedDuringCheckout() : e;
  });
  return closed ? { source: "kv", cart: closed } : null;
}

/**
 * The reserve step gave no answer (the order may or may not be written): PostgreSQL settles a closed guest cart,
 * reopening it only when that order can no longer be written. If even that fails, the next reader settles it once stale.
 */
export async function settleUnansweredClose(deps: CartContext, placing: LocatedCart): Promise<void> {
  if (placing.source === "kv") await settleGuestClose(deps.db, deps.carts.guests, placing.cart, clock(deps));
}

/** The reserve step wrote nothing: a closed guest cart is the shopper's again, exactly as it was priced. */
export async function reopenAfterFailedCheckout(deps: CartContext, placing: LocatedCart, orderId: string): Promise<void> {
  if (placing.source === "kv") await deps.carts.guests.reopen(placing.cart.id, orderId, clock(deps));
}

/**
 * A signed-in cart's cache gets the committed copy (newer version), rather than being evicted: a reader that
 * loaded the old copy before the commit cannot put it back afterwards (the cache only moves forward).
 */
async function refreshCache(deps: CartContext, cartId: string): Promise<void> {
  const record = await deps.carts.users.loadFromDb(cartId);
  if (record?.userId) await deps.carts.users.writeCache(record);
  else await deps.carts.users.evict(cartId);
}

/** What to do in the KV store once the compensation transaction committed. */
export type CartRestore =
  | { kind: "none" }
  | { kind: "guest"; cartId: string }
  | { kind: "user"; cartId: string }
  | { kind: "merged"; cartId: string; intoCartId: string; capped: CappedLine[] };

/**
 * Inside the compensation transaction (the order row is locked and was PENDING_PAYMENT): the order's cart comes
 * back so the shopper can retry with another card. Locks cart rows before the caller restocks (the same order
 * as checkout: carts, then variants, then discounts).
 *  - guest cart: its row goes back to ACTIVE (the KV document is written back after commit);
 *  - signed-in cart, and the user has no other ACTIVE cart: the same cart (same id) is ACTIVE again;
 *  - signed-in cart, and the user has started another ACTIVE cart since: only one cart can be ACTIVE per user,
 *    so this cart's lines are merged into that one (mergeLines: equal lines add up, capped at stock and the line
 *    maximum) and this cart stays CHECKED_OUT.
 * `orderQuantities` are what the caller is about to restock (counted as available for the merge caps).
 */
export async function restoreCartTx(
  tx: Db,
  deps: CartContext,
  cartId: string,
  orderQuantities: Map<number, number>,
): Promise<CartRestore> {
  const rows = await tx.$queryRaw<{ id: string; user_id: string | null; status: string }[]>`
    SELECT id, user_id::text AS user_id, status::text AS status FROM carts WHERE id = ${cartId} FOR UPDATE`;
  const cart = rows[0];
  if (!cart || cart.status !== "CHECKED_OUT") return { kind: "none" };
  if (cart.user_id === null) {
    await tx.$executeRaw`UPDATE carts SET status = 'ACTIVE', version = version + 1, updated_at = now() WHERE id = ${cartId}`;
    return { kind: "guest", cartId };
  }
  const other = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM carts WHERE user_id = ${cart.user_id}::uuid AND status = 'ACTIVE' AND id <> ${cartId} FOR UPDATE`;
  const intoId = other[0]?.id;
  if (!intoId) {
    // may raise a unique violation if the user's new cart is being created right now: the caller retries
    await tx.$executeRaw`UPDATE carts SET status = 'ACTIVE', version = version + 1, updated_at = now() WHERE id = ${cartId}`;
    return { kind: "user", cartId };
  }
  const target = await deps.carts.users.loadFromDb(intoId, tx);
  const source = await deps.carts.users.loadFromDb(cartId, tx);
  if (!target || !source) return { kind: "none" };
  if (target.currency !== source.currency) {
    // one cart cannot hold two currencies: this one waits as ABANDONED, and comes back (activeCartFor revives
    // the latest abandoned cart) once the user has no ACTIVE cart
    await tx.$executeRaw`UPDATE carts SET status = 'ABANDONED', version = version + 1, updated_at = now() WHERE id = ${cartId}`;
    return { kind: "user", cartId };
  }
  const ids = [...new Set(source.items.map((l) => l.variantId))];
  const stockRows = ids.length
    ? await tx.$queryRaw<{ id: number; stock: number; sellable: boolean }[]>`
        SELECT v.id, v.stock_quantity AS stock, ${sellableSql("v", "p")} AS sellable
        FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.id = ANY(${ids}::int[])`
    : [];
  const stock = new Map(stockRows.map((r) => [r.id, r.sellable ? r.stock + (orderQuantities.get(r.id) ?? 0) : 0]));
  const merged = mergeLines(target, source.items, (id) => stock.get(id) ?? 0, {
    now: clock(deps),
    limits: { maxLineQuantity: deps.maxLineQuantity ?? 99 },
    newLineId: randomUUID,
  });
  const next: CartRecord = {
    ...merged.cart,
    shippingAddress: merged.cart.shippingAddress ?? source.shippingAddress,
    discounts: merged.cart.discounts.length ? merged.cart.discounts : source.discounts,
  };
  // both rows are locked above, so the write cannot lose a version race
  if (!(await persistCart(tx, target, next))) throw new Error(`cart ${intoId} changed under its row lock`);
  return { kind: "merged", cartId, intoCartId: intoId, capped: merged.capped };
}

/** After the compensation committed: the KV store catches up. Throws when the KV store fails (PostgreSQL has the
 *  truth; the caller only logs it). */
export async function afterRestore(deps: CartContext, restore: CartRestore): Promise<void> {
  switch (restore.kind) {
      case "none":
        return;
      case "guest": {
        const record = await deps.carts.users.loadFromDb(restore.cartId);
        if (!record) return;
        await deps.carts.guests.restore(record, clock(deps));
        return;
      }
      case "user":
        await refreshCache(deps, restore.cartId);
        return;
      case "merged":
        await refreshCache(deps, restore.cartId);
        await refreshCache(deps, restore.intoCartId);
        return;
    }
}
