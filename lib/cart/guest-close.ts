import type { Db } from "../db";
import type { GuestCartStore } from "./guest-store";
import type { CartRecord } from "./model";

// Settling a guest cart that a checkout closed (GuestCartStore.close) when nobody knows whether its order was
// written: the checkout's call failed without an answer, or its process died. PostgreSQL decides, with one
// statement on the cart's row, the same row cw_place_order writes first:
//  - the row is CHECKED_OUT: the order was written; the KV copy stays CHECKED_OUT;
//  - otherwise the row is left ABANDONED at the closed version (inserted if there is none). cw_place_order
//    only closes a guest row that is older than the version it was given, so the checkout that closed the cart,
//    should it still be running, can no longer write its order; then the cart is reopened.
// Both statements take the row's lock (or wait on its unique key), so they cannot both win.

/** A close older than this is settled by the next reader of the cart (a checkout takes well under a second). */
export const GUEST_CLOSE_STALE_MS = 60_000;

export type GuestCloseOutcome = "checked_out" | "reopened";

export async function settleGuestClose(db: Db, guests: GuestCartStore, closed: CartRecord, now: Date): Promise<GuestCloseOutcome> {
  const orderId = closed.closing?.orderId;
  if (!orderId) return closed.status === "CHECKED_OUT" ? "checked_out" : "reopened";
  const rows = await db.$queryRaw<{ status: string }[]>`
    INSERT INTO carts (id, user_id, session_id, status, currency, created_at, updated_at, expires_at, version)
    VALUES (${closed.id}, NULL, ${closed.sessionId ?? closed.id}, 'ABANDONED', ${closed.currency}, ${new Date(closed.createdAt)}::timestamptz,
            now(), NULL, ${closed.version})
    ON CONFLICT (id) DO UPDATE SET
      status = CASE WHEN carts.status = 'CHECKED_OUT' OR carts.version > EXCLUDED.version THEN carts.status ELSE 'ABANDONED' END,
      version = CASE WHEN carts.status = 'CHECKED_OUT' THEN carts.version ELSE GREATEST(carts.version, EXCLUDED.version) END
    WHERE carts.user_id IS NULL
    RETURNING status::text AS status`;
  if (rows[0]?.status === "CHECKED_OUT" || rows.length === 0) {
    await guests.markCheckedOut(closed.id, now);
    return "checked_out";
  }
  await guests.reopen(closed.id, orderId, now);
  return "reopened";
}

/** True when `doc` is a guest cart held closed by a checkout for longer than any checkout takes. */
export function isStaleClose(doc: CartRecord, now: Date): boolean {
  return doc.userId === null && doc.status === "CHECKED_OUT" && !!doc.closing && now.getTime() - new Date(doc.closing.at).getTime() > GUEST_CLOSE_STALE_MS;
}
