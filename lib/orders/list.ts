import { z } from "zod";
import { loadOrderRow, orderInclude, orderJson, isUuid, paymentEventsOf, orderViewSchema, paymentEventViewSchema } from "../checkout/order-view";
import { isoDateTimeSchema } from "../money/schema";
import { Prisma, type Db } from "../db";
import { DomainError, notFound } from "../errors";
import { cursorCodec } from "../http/cursor";
import type { ListOrdersQuery } from "./schemas";

// The order desk's reads: the filtered list (newest first, keyset paging) and one order with its history.

export const orderEventViewSchema = z
  .object({
    type: z.string().describe("placed | paid | payment_failed | fulfilled | refunded | cancelled | webhook"),
    at: isoDateTimeSchema,
    actor: z.string().describe('an admin user id or e-mail, "system", "shopper" or "stripe"'),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "OrderEvent" });
export type OrderEventView = z.output<typeof orderEventViewSchema>;

/** An order as the order desk reads it: the shopper's view, its history and what the payment provider reported. */
export const adminOrderViewSchema = orderViewSchema
  .extend({ events: z.array(orderEventViewSchema), paymentEvents: z.array(paymentEventViewSchema) })
  .meta({ id: "AdminOrder" });
export type AdminOrderView = z.output<typeof adminOrderViewSchema>;

export const orderPageSchema = z.object({ orders: z.array(orderViewSchema), nextCursor: z.string().nullable().describe("null on the last page") });
export type OrderPage = z.output<typeof orderPageSchema>;

// the last row's creation time and id (newest first)
const cursor = cursorCodec(z.object({ at: z.iso.datetime(), id: z.uuid() }));
const encodeCursor = cursor.encode;
const decodeCursor = cursor.decode;

/**
 * GET /api/admin/orders: filters by status, fulfilment, payment status, creation time (from inclusive, to
 * exclusive) and q (an order id, an e-mail — exact or a part of it — or a SKU); newest first.
 */
export async function listOrders(db: Db, query: ListOrdersQuery): Promise<OrderPage> {
  const and: Prisma.OrderWhereInput[] = [];
  if (query.status) and.push({ status: query.status });
  if (query.fulfillment) and.push({ fulfillmentStatus: query.fulfillment });
  if (query.payment) and.push({ paymentStatus: query.payment });
  if (query.from) and.push({ createdAt: { gte: query.from } });
  if (query.to) and.push({ createdAt: { lt: query.to } });
  if (query.q) {
    const q = query.q;
    and.push(
      isUuid(q)
        ? { id: q.toLowerCase() }
        : { OR: [{ email: { contains: q, mode: "insensitive" } }, { items: { some: { sku: { equals: q, mode: "insensitive" } } } }] },
    );
  }
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    const at = new Date(c.at);
    and.push({ OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: c.id } }] });
  }
  const rows = await db.order.findMany({
    where: { AND: and },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
    include: orderInclude,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    orders: page.map(orderJson),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ at: last.createdAt.toISOString(), id: last.id }) : null,
  };
}

/** GET /api/admin/orders/{id}: the order with its history, oldest event first. */
export async function getOrderForAdmin(db: Db, orderId: string): Promise<AdminOrderView> {
  if (!isUuid(orderId)) throw notFound("Order");
  const row = await loadOrderRow(db, orderId);
  if (!row) throw notFound("Order");
  const events = await db.orderEvent.findMany({ where: { orderId }, orderBy: { id: "asc" } });
  return {
    ...orderJson(row),
    events: events.map((e) => ({ type: e.type, at: e.at.toISOString(), actor: e.actor, details: (e.details ?? {}) as Record<string, unknown> })),
    // what the payment provider reported, verbatim (payments, mismatches, refunds, disputes)
    paymentEvents: await paymentEventsOf(db, orderId),
  };
}
