import { z } from "zod";
import type { Db } from "../db";
import { emailSchema } from "../accounts";
import { enqueueMail } from "./outbox";

export const orderLookupSchema = z.object({ email: emailSchema });

/** One lookup mail per address per window: asking again within it sends nothing new (nobody's inbox is flooded). */
export const LOOKUP_WINDOW_MS = 15 * 60_000;
const MAX_ORDERS = 20;

/**
 * A guest asks for links to their orders. Whatever happens the caller answers 202 the same way (no account or
 * order is revealed). When orders were placed with this address, one mail lists the newest ones; each link is
 * signed when the mail is rendered and opens that order on any device.
 */
export async function requestOrderLookup(db: Db, input: unknown, opts: { now?: () => Date } = {}): Promise<void> {
  const { email } = orderLookupSchema.parse(input);
  const now = opts.now ? opts.now() : new Date();
  const orders = await db.$queryRaw<{ id: string; created_at: Date; status: string; currency: string; total: number }[]>`
    SELECT id::text AS id, created_at, status::text AS status, trim(currency) AS currency, total
    FROM orders WHERE lower(email) = ${email}
    ORDER BY created_at DESC LIMIT ${MAX_ORDERS}`;
  if (orders.length === 0) return;
  const window = new Date(Math.floor(now.getTime() / LOOKUP_WINDOW_MS) * LOOKUP_WINDOW_MS);
  await enqueueMail(db, {
    event: "order_lookup",
    to: email,
    dedupeKey: `window:${window.toISOString()}`,
    data: {
      orders: orders.map((o) => ({ orderId: o.id, createdAt: o.created_at.toISOString(), status: o.status, currency: o.currency, total: o.total })),
    },
  });
}
