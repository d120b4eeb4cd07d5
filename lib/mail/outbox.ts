import type { Db } from "../db";
import { mailDataSchemas, recipientSchema, type MailData, type MailEvent, type OrderSnapshot } from "./events";

export type EnqueueMailInput<E extends MailEvent> = {
  event: E;
  to: string;
  /** what the message is about (an order id, a refund id, a cart and its idle period, a token id) */
  dedupeKey: string;
  data: MailData<E>;
};

/**
 * Writes one message into the outbox, inside the caller's transaction, so the message exists exactly when the
 * change that causes it commits. (event, recipient, dedupeKey) is unique: a second call for the same cause (a
 * payment event delivered again, two workers racing) inserts nothing. Returns whether a row was written.
 */
export async function enqueueMail<E extends MailEvent>(tx: Db, input: EnqueueMailInput<E>): Promise<boolean> {
  const to = recipientSchema.parse(input.to);
  const data = mailDataSchemas[input.event].parse(input.data);
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO mail_outbox (event, recipient, dedupe_key, data)
    VALUES (${input.event}, ${to}, ${input.dedupeKey}, ${JSON.stringify(data)}::jsonb)
    ON CONFLICT (event, recipient, dedupe_key) DO NOTHING
    RETURNING id::text AS id`;
  return rows.length === 1;
}

/** The order's e-mail and a snapshot of its lines and totals, read inside the caller's transaction. */
export async function orderSnapshot(tx: Db, orderId: string): Promise<{ email: string; snapshot: OrderSnapshot } | null> {
  const o = await tx.order.findUnique({
    where: { id: orderId },
    select: {
      email: true,
      currency: true,
      subtotal: true,
      discountTotal: true,
      shippingTotal: true,
      shippingTax: true,
      taxTotal: true,
      total: true,
      items: { select: { name: true, sku: true, quantity: true, total: true }, orderBy: { id: "asc" } },
    },
  });
  if (!o) return null;
  return {
    email: o.email,
    snapshot: {
      orderId,
      currency: o.currency.trim(),
      items: o.items,
      subtotal: o.subtotal,
      discount: o.discountTotal,
      // the order's tax already includes the shipping tax (summary.tax = lines' tax + shippingTax)
      shipping: o.shippingTotal,
      tax: o.taxTotal,
      total: o.total,
    },
  };
}

type OrderEvent = "order_paid" | "payment_failed" | "order_cancelled";
type OrderExtra = { order_paid: object; payment_failed: { declineCode: string | null }; order_cancelled: { reason: "expired" | "canceled" | "admin" } };

/**
 * Enqueues an order's paid / payment failed / cancelled message inside the transaction that changed the order.
 * `cause` joins the order id in the dedupe key where one order may see the event more than once (each declined
 * payment is its own message; a redelivered event is not).
 */
export async function enqueueOrderMail<E extends OrderEvent>(
  tx: Db,
  event: E,
  orderId: string,
  extra: OrderExtra[E],
  cause?: string,
): Promise<boolean> {
  const found = await orderSnapshot(tx, orderId);
  if (!found) return false;
  return enqueueMail(tx, {
    event,
    to: found.email,
    dedupeKey: cause ? `${orderId}:${cause}` : orderId,
    data: { ...found.snapshot, ...extra } as MailData<E>,
  });
}

/**
 * For the order desk: call inside the transaction that records a fulfillment. One message per fulfillment.
 */
export async function enqueueOrderShipped(
  tx: Db,
  input: { orderId: string; fulfillmentId: string; carrier: string | null; trackingNumber: string | null; items: { name: string; sku: string; quantity: number }[] },
): Promise<boolean> {
  const order = await tx.order.findUnique({ where: { id: input.orderId }, select: { email: true } });
  if (!order) return false;
  return enqueueMail(tx, { event: "order_shipped", to: order.email, dedupeKey: input.fulfillmentId, data: input });
}

/**
 * For the order desk: call inside the transaction that records a refund. One message per refund; amounts in the
 * order's currency, minor units.
 */
export async function enqueueOrderRefunded(
  tx: Db,
  input: { orderId: string; refundId: string; amount: number; refundedTotal: number },
): Promise<boolean> {
  const order = await tx.order.findUnique({ where: { id: input.orderId }, select: { email: true, currency: true, total: true } });
  if (!order) return false;
  return enqueueMail(tx, {
    event: "order_refunded",
    to: order.email,
    dedupeKey: input.refundId,
    data: { ...input, currency: order.currency.trim(), orderTotal: order.total },
  });
}
