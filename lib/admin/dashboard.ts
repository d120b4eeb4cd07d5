import { z } from "zod";
import type { Db } from "../db";
import type { Money } from "../money";

// The admin home's numbers (issue "admin home"): today's orders and revenue, what waits to ship, low stock and the
// latest refunds. Read-only; every amount is an integer in minor units next to its currency, summed by PostgreSQL per
// currency (amounts of different currencies are never added together).

/** A variant at or under this stock is "low". */
export const LOW_STOCK_THRESHOLD = 5;

export const dashboardOptionsSchema = z.strictObject({
  /** any instant of the day to report (the UTC day) */
  now: z.date(),
  /** rows per list (the counts are always complete) */
  limit: z.int().min(1).max(1000).default(20),
});

export type DashboardOptions = z.input<typeof dashboardOptionsSchema>;

export type Dashboard = {
  day: { from: string; to: string };
  today: { ordersPlaced: number; ordersPaid: number; revenue: Money[]; refunded: Money[] };
  toShip: { count: number; orders: { id: string; email: string; paidAt: string | null; total: number; currency: string; fulfillmentStatus: string }[] };
  lowStock: { count: number; variants: { id: number; sku: string; productName: string; stock: number }[] };
  recentRefunds: { id: string; orderId: string; amount: number; currency: string; status: string; createdAt: string }[];
  /** messages that could not be sent (the admin can resend them at /admin/mail) */
  failedMail: number;
};

/** The UTC day holding `now`, as [from, to). */
export function utcDayOf(now: Date): { from: Date; to: Date } {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  return { from, to: new Date(from.getTime() + 24 * 60 * 60_000) };
}

const money = (rows: { currency: string; amount: bigint | number }[]): Money[] =>
  rows.map((r) => ({ currency: r.currency.trim(), amount: Number(r.amount) })).sort((a, b) => a.currency.localeCompare(b.currency));

export async function dashboard(db: Db, options: DashboardOptions): Promise<Dashboard> {
  const { now, limit } = dashboardOptionsSchema.parse(options);
  const { from, to } = utcDayOf(now);
  const [placed, paid, revenue, refunded, toShipCount, toShip, lowCount, low, refunds, failedMail] = await Promise.all([
    db.order.count({ where: { createdAt: { gte: from, lt: to } } }),
    db.order.count({ where: { paidAt: { gte: from, lt: to } } }),
    // revenue: what was paid today (orders paid today, whatever happened to them since), per currency
    db.$queryRaw<{ currency: string; amount: bigint }[]>`
      SELECT currency, sum(total)::bigint AS amount FROM orders
      WHERE paid_at >= ${from} AND paid_at < ${to} GROUP BY currency`,
    db.$queryRaw<{ currency: string; amount: bigint }[]>`
      SELECT currency, sum(amount)::bigint AS amount FROM refunds
      WHERE created_at >= ${from} AND created_at < ${to} GROUP BY currency`,
    db.order.count({ where: { status: "PAID", fulfillmentStatus: { not: "FULFILLED" }, paymentStatus: { not: "refunded" } } }),
    db.order.findMany({
      where: { status: "PAID", fulfillmentStatus: { not: "FULFILLED" }, paymentStatus: { not: "refunded" } },
      select: { id: true, email: true, paidAt: true, total: true, currency: true, fulfillmentStatus: true },
      // the longest waiting first
      orderBy: [{ paidAt: "asc" }, { id: "asc" }],
      take: limit,
    }),
    db.productVariant.count({ where: { stockQuantity: { lte: LOW_STOCK_THRESHOLD } } }),
    db.productVariant.findMany({
      where: { stockQuantity: { lte: LOW_STOCK_THRESHOLD } },
      select: { id: true, sku: true, stockQuantity: true, product: { select: { name: true } } },
      orderBy: [{ stockQuantity: "asc" }, { id: "asc" }],
      take: limit,
    }),
    db.refund.findMany({
      select: { id: true, orderId: true, amount: true, currency: true, status: true, createdAt: true },
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      take: limit,
    }),
    db.mailOutbox.count({ where: { status: "failed" } }),
  ]);
  return {
    day: { from: from.toISOString(), to: to.toISOString() },
    today: { ordersPlaced: placed, ordersPaid: paid, revenue: money(revenue), refunded: money(refunded) },
    toShip: {
      count: toShipCount,
      orders: toShip.map((o) => ({ ...o, currency: o.currency.trim(), paidAt: o.paidAt?.toISOString() ?? null, fulfillmentStatus: String(o.fulfillmentStatus) })),
    },
    lowStock: { count: lowCount, variants: low.map((v) => ({ id: v.id, sku: v.sku, productName: v.product.name, stock: v.stockQuantity })) },
    recentRefunds: refunds.map((r) => ({ ...r, currency: r.currency.trim(), createdAt: r.createdAt.toISOString() })),
    failedMail,
  };
}
