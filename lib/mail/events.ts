import { z } from "zod";

// What each kind of message carries in the outbox. One schema per event: enqueueMail parses with it before the
// row is written, and the worker parses the stored JSON with it again before a template sees it (the outbox is a
// boundary: rows written by an older version of the app must not reach a template unchecked). Money is integer
// minor units next to the order's currency. No secret is ever stored here: links are signed at delivery.

export const MAIL_EVENTS = [
  "order_paid",
  "payment_failed",
  "order_shipped",
  "order_refunded",
  "order_cancelled",
  "cart_reminder",
  "password_reset",
  "order_lookup",
] as const;
export type MailEvent = (typeof MAIL_EVENTS)[number];
export const mailEventSchema = z.enum(MAIL_EVENTS);

const minor = z.number().int();
const currency = z.string().regex(/^[A-Z]{3}$/);

const orderLine = z.object({ name: z.string(), sku: z.string(), quantity: z.number().int().positive(), total: minor });

/** The order as it was when the message was caused (a snapshot taken inside that transaction). */
export const orderSnapshotSchema = z.object({
  orderId: z.uuid(),
  currency,
  items: z.array(orderLine),
  subtotal: minor,
  discount: minor,
  shipping: minor,
  tax: minor,
  total: minor,
});
export type OrderSnapshot = z.output<typeof orderSnapshotSchema>;

export const mailDataSchemas = {
  order_paid: orderSnapshotSchema,
  payment_failed: orderSnapshotSchema.extend({ declineCode: z.string().nullable() }),
  order_cancelled: orderSnapshotSchema.extend({ reason: z.enum(["expired", "canceled", "admin"]) }),
  order_shipped: z.object({
    orderId: z.uuid(),
    fulfillmentId: z.string().min(1),
    carrier: z.string().nullable(),
    trackingNumber: z.string().nullable(),
    items: z.array(z.object({ name: z.string(), sku: z.string(), quantity: z.number().int().positive() })),
  }),
  order_refunded: z.object({
    orderId: z.uuid(),
    refundId: z.string().min(1),
    currency,
    amount: minor.nonnegative(),
    orderTotal: minor,
    refundedTotal: minor.nonnegative(),
  }),
  cart_reminder: z.object({
    cartId: z.string().min(1).max(128),
    currency,
    items: z.array(z.object({ name: z.string(), sku: z.string(), quantity: z.number().int().positive(), unitPrice: minor })),
    subtotal: minor,
    signedIn: z.boolean(),
  }),
  password_reset: z.object({ resetTokenId: z.uuid(), expiresAt: z.iso.datetime() }),
  order_lookup: z.object({
    orders: z
      .array(z.object({ orderId: z.uuid(), createdAt: z.iso.datetime(), status: z.string(), currency, total: minor }))
      .min(1),
  }),
} satisfies Record<MailEvent, z.ZodType>;

export type MailData<E extends MailEvent> = z.input<(typeof mailDataSchemas)[E]>;
export type ParsedMailData<E extends MailEvent> = z.output<(typeof mailDataSchemas)[E]>;

/** A stored message's data, checked against its event's schema; throws a ZodError when it does not fit. */
export function parseMailData<E extends MailEvent>(event: E, data: unknown): ParsedMailData<E> {
  return mailDataSchemas[event].parse(data) as ParsedMailData<E>;
}

/** Recipients are compared and stored trimmed and lower-cased (the unique key includes them). */
export const recipientSchema = z.string().trim().toLowerCase().max(254).pipe(z.email());
