import type { Db } from "../db";

export type OrderSummaryRow = { id: string; status: string; total: number; currency: string; createdAt: Date; itemCount: number };

/** A signed-in shopper's orders, newest first. */
export async function listOrdersOfUser(db: Db, userId: string, take = 50): Promise<OrderSummaryRow[]> {
  const rows = await db.order.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    take,
    select: { id: true, status: true, total: true, currency: true, createdAt: true, _count: { select: { items: true } } },
  });
  return rows.map((r) => ({ id: r.id, status: r.status, total: r.total, currency: r.currency.trim(), createdAt: r.createdAt, itemCount: r._count.items }));
}
