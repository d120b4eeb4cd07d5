import type { PrismaClient } from "../db";
import type { CartService } from "../cart/service";
import type { CartRecord } from "../cart/model";
import { reminderCandidates, type ReminderCandidate } from "../cart/reminder-candidates";
import { logger as appLogger } from "../observability/logger";
import { verifyCartRestoreToken, verifyUnsubscribeToken } from "./links";
import { enqueueMail } from "./outbox";

export type CartReminderDeps = {
  db: PrismaClient;
  carts: CartService;
  /** CART_REMINDER_AFTER_MINUTES */
  afterMinutes: number;
  now?: () => Date;
};

const clock = (deps: { now?: () => Date }) => (deps.now ? deps.now() : new Date());

/**
 * Abandoned-cart reminders: every ACTIVE cart with items and a known address, idle for `afterMinutes`, gets ONE
 * reminder per idle period. The period is named by the cart's last change (idle_since): a `cart_reminders` row
 * per (cart, idle_since) and the outbox's unique key make a second reminder for the same period impossible, on any
 * number of instances at once; a change to the cart starts a new period. The reminder is written in a transaction
 * that holds the cart row and sees it ACTIVE (never after checkout) and the address not unsubscribed; the worker
 * checks both again at delivery. Returns how many reminders were queued.
 */
export async function sendCartReminders(deps: CartReminderDeps, opts: { batch?: number } = {}): Promise<number> {
  const now = clock(deps);
  const cutoff = new Date(now.getTime() - deps.afterMinutes * 60_000);
  const limit = Math.max(1, opts.batch ?? 200);
  let after: { updatedAt: Date; id: string } | undefined;
  let queued = 0;
  for (;;) {
    const { candidates, next } = await reminderCandidates(deps.db, { cutoff, limit, after });
    for (const c of candidates) {
      try {
        if (await remindOne(deps, c, cutoff, now)) queued += 1;
      } catch (e) {
        appLogger().warn({ cartId: c.id, err: String(e) }, "cart reminders: skipped a cart");
      }
    }
    if (!next) return queued;
    after = next;
  }
}

async function remindOne(deps: CartReminderDeps, c: ReminderCandidate, cutoff: Date, now: Date): Promise<boolean> {
  // the cart as the shopper sees it: a guest cart's truth is its KV document (edits after it came back from an
  // unpaid order are only there); a signed-in cart's is the row
  let record: CartRecord | null;
  let idleSince = c.updatedAt;
  if (c.userId === null) {
    record = await deps.carts.guests.load(c.id);
    if (record) {
      const kvChange = new Date(record.updatedAt);
      if (kvChange > idleSince) idleSince = kvChange;
    }
  } else record = await deps.carts.users.loadFromDb(c.id);
  if (!record || record.status !== "ACTIVE" || record.items.length === 0 || idleSince >= cutoff) return false;
  const items = record.items.map((l) => ({ name: l.name, sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice }));
  const subtotal = items.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);

  return deps.db.$transaction(async (tx) => {
    // a cart being checked out or edited right now is skipped (its lock is held); the next run looks again
    const rows = await tx.$queryRaw<{ status: string; updated_at: Date }[]>`
      SELECT status::text AS status, updated_at FROM carts WHERE id = ${c.id} FOR UPDATE SKIP LOCKED`;
    const row = rows[0];
    if (!row || row.status !== "ACTIVE" || row.updated_at.getTime() !== c.updatedAt.getTime()) return false;
    const unsubscribed = await tx.mailUnsubscribe.findUnique({ where: { email: c.email }, select: { email: true } });
    if (unsubscribed) return false;
    const claimed = await tx.$queryRaw<{ cart_id: string }[]>`
      INSERT INTO cart_reminders (cart_id, idle_since, email, sent_at) VALUES (${c.id}, ${idleSince}, ${c.email}, ${now})
      ON CONFLICT (cart_id, idle_since) DO NOTHING RETURNING cart_id`;
    if (claimed.length === 0) return false;
    return enqueueMail(tx, {
      event: "cart_reminder",
      to: c.email,
      dedupeKey: `${c.id}:${idleSince.toISOString()}`,
      data: { cartId: c.id, currency: record.currency, items, subtotal, signedIn: c.userId !== null },
    });
  });
}

export type RestoreResult = { kind: "guest"; cartId: string } | { kind: "user"; cartId: string; userId: string } | { kind: "invalid" };

/**
 * The reminder's restore link. A guest cart that is still ACTIVE is handed back (the route sets the cart cookie,
 * on whatever device opened the link); a signed-in cart only needs its owner to sign in. Anything else (a bad or
 * expired signature, a cart checked out since) is `invalid`. Records the click for the dashboard.
 */
export async function restoreFromReminder(deps: Pick<CartReminderDeps, "db" | "carts" | "now">, token: unknown): Promise<RestoreResult> {
  const now = clock(deps);
  const verified = verifyCartRestoreToken(token, now);
  if (!verified) return { kind: "invalid" };
  const row = await deps.db.cart.findUnique({ where: { id: verified.cartId }, select: { status: true, userId: true } });
  if (!row || row.status !== "ACTIVE") return { kind: "invalid" };
  if (row.userId === null) {
    const doc = await deps.carts.guests.load(verified.cartId);
    if (!doc || doc.status !== "ACTIVE") return { kind: "invalid" };
  }
  await deps.db.cartReminder.updateMany({ where: { cartId: verified.cartId, restoredAt: null }, data: { restoredAt: now } });
  return row.userId === null ? { kind: "guest", cartId: verified.cartId } : { kind: "user", cartId: verified.cartId, userId: row.userId };
}

/** The unsubscribe link: records the address (idempotent). Returns it, or null for a bad signature. */
export async function unsubscribe(db: PrismaClient, token: unknown): Promise<string | null> {
  const verified = verifyUnsubscribeToken(token);
  if (!verified) return null;
  await db.$executeRaw`INSERT INTO mail_unsubscribes (email) VALUES (${verified.email}) ON CONFLICT (email) DO NOTHING`;
  return verified.email;
}

export type ReminderStats = {
  remindersSent: number;
  cartsRestored: number;
  cartsRecovered: number;
  /** PAID orders placed from a reminded cart after its reminder, per currency (minor units) */
  revenueRecovered: { currency: string; amount: number }[];
};

/** For the admin dashboard. */
export async function reminderStats(db: PrismaClient): Promise<ReminderStats> {
  const [sent, restored, recovered] = await Promise.all([
    db.cartReminder.count(),
    db.cartReminder.count({ where: { restoredAt: { not: null } } }),
    db.$queryRaw<{ currency: string; carts: number; amount: bigint }[]>`
      SELECT trim(o.currency) AS currency, count(DISTINCT o.cart_id)::int AS carts, sum(o.total)::bigint AS amount
      FROM orders o
      WHERE o.status = 'PAID' AND EXISTS (SELECT 1 FROM cart_reminders r WHERE r.cart_id = o.cart_id AND r.sent_at <= o.created_at)
      GROUP BY 1 ORDER BY 1`,
  ]);
  return {
    remindersSent: sent,
    cartsRestored: restored,
    cartsRecovered: recovered.reduce((n, r) => n + r.carts, 0),
    revenueRecovered: recovered.map((r) => ({ currency: r.currency, amount: Number(r.amount) })),
  };
}
