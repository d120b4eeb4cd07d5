import type { Db } from "../db";
import { GUEST_CART_TTL_SECONDS } from "./guest-store";

/** An ACTIVE cart idle (in PostgreSQL) since before the cutoff, with an e-mail to write to. */
export type ReminderCandidate = { id: string; userId: string | null; updatedAt: Date; email: string };

/**
 * Carts that may deserve an abandoned-cart reminder, oldest first, from `after` on (keyset: (updatedAt, id)):
 * ACTIVE, idle in PostgreSQL since before `cutoff`, with items, and with a known address: the signed-in owner's, or
 * for a guest cart (in PostgreSQL only once it was checked out and came back after an unpaid order) the e-mail its
 * last order was placed with. Guest carts live in the KV store: the caller checks the KV copy (its items and last
 * change) before it writes. The caller also checks unsubscribes.
 */
export async function reminderCandidates(
  db: Db,
  opts: { cutoff: Date; limit: number; after?: { updatedAt: Date; id: string } },
): Promise<{ candidates: ReminderCandidate[]; next: { updatedAt: Date; id: string } | null }> {
  // a cart untouched for longer than a guest cart lives (30 days) is not worth reminding, and a guest cart's row that
  // old usually has no KV document left: without this floor such rows would be looked at on every run, forever
  const floor = new Date(opts.cutoff.getTime() - GUEST_CART_TTL_SECONDS * 1000);
  const afterAt = opts.after && opts.after.updatedAt > floor ? opts.after.updatedAt : floor;
  const afterId = opts.after?.id ?? "";
  const rows = await db.$queryRaw<{ id: string; user_id: string | null; updated_at: Date; email: string | null }[]>`
    SELECT c.id, c.user_id::text AS user_id, c.updated_at,
           coalesce(u.email, (SELECT o.email FROM orders o WHERE o.cart_id = c.id ORDER BY o.created_at DESC LIMIT 1)) AS email
    FROM carts c
    LEFT JOIN users u ON u.id = c.user_id
    WHERE c.status = 'ACTIVE' AND c.updated_at < ${opts.cutoff}
      AND (c.updated_at, c.id) > (${afterAt}, ${afterId})
      AND (c.user_id IS NULL OR EXISTS (SELECT 1 FROM cart_items i WHERE i.cart_id = c.id))
    ORDER BY c.updated_at, c.id
    LIMIT ${opts.limit}`;
  const last = rows[rows.length - 1];
  return {
    candidates: rows
      .filter((r): r is typeof r & { email: string } => r.email !== null)
      .map((r) => ({ id: r.id, userId: r.user_id, updatedAt: r.updated_at, email: r.email.trim().toLowerCase() })),
    next: last && rows.length === opts.limit ? { updatedAt: last.updated_at, id: last.id } : null,
  };
}
