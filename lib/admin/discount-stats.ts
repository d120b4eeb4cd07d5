import { z } from "zod";
import type { Db } from "../db";
import { moneyAmountSchema } from "../money/schema";
import { notFound } from "../errors";

// A discount's results for the admin page and GET /api/admin/discounts/{id}/stats. Only redemptions that still
// count are included (not released: the order is PENDING_PAYMENT or PAID), so the numbers match uses and budget.

export const discountStatsSchema = z.object({
  uses: z.number().int().min(0),
  orders: z.number().int().min(0),
  revenue: moneyAmountSchema.describe("The total of those orders, in the discount's currency (or the orders' currency when it has none)"),
  discountGiven: moneyAmountSchema,
  byDay: z
    .array(z.object({ date: z.iso.date(), uses: z.number().int().min(0), discountGiven: moneyAmountSchema }))
    .describe("The last 30 days (UTC), oldest first, every day present"),
});
export type DiscountStats = z.output<typeof discountStatsSchema>;

export const STATS_DAYS = 30;

export async function discountStats(db: Db, discountId: number, now: Date): Promise<DiscountStats> {
  const exists = await db.discount.findUnique({ where: { id: discountId }, select: { id: true } });
  if (!exists) throw notFound("Discount");
  const [totals] = await db.$queryRaw<{ uses: number; orders: number; revenue: bigint | null; given: bigint | null }[]>`
    SELECT count(*)::int AS uses,
           count(DISTINCT r.order_id)::int AS orders,
           (SELECT sum(o.total) FROM orders o WHERE o.id IN (
              SELECT order_id FROM discount_redemptions WHERE discount_id = ${discountId} AND released_at IS NULL))::bigint AS revenue,
           sum(r.amount)::bigint AS given
    FROM discount_redemptions r
    WHERE r.discount_id = ${discountId} AND r.released_at IS NULL`;
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (STATS_DAYS - 1)));
  const days = await db.$queryRaw<{ day: string; uses: number; given: bigint }[]>`
    SELECT to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS uses, sum(r.amount)::bigint AS given
    FROM discount_redemptions r
    WHERE r.discount_id = ${discountId} AND r.released_at IS NULL AND r.created_at >= ${start}
    GROUP BY 1`;
  const byDate = new Map(days.map((d) => [d.day, d]));
  const byDay = Array.from({ length: STATS_DAYS }, (_, i) => {
    const date = new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    const d = byDate.get(date);
    return { date, uses: d?.uses ?? 0, discountGiven: Number(d?.given ?? 0n) };
  });
  return {
    uses: totals?.uses ?? 0,
    orders: totals?.orders ?? 0,
    revenue: Number(totals?.revenue ?? 0n),
    discountGiven: Number(totals?.given ?? 0n),
    byDay,
  };
}
