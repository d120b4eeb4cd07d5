import { z } from "zod";
import { DomainError } from "../errors";

// Request schemas of the order desk (the HTTP contract in docs, "Shop operations: Order"). One set for the API and
// the admin pages.

export const orderIdSchema = z.uuid("Not an order id");

const itemQuantity = z.strictObject({
  itemId: z.uuid("Not an order item id"),
  quantity: z.number({ error: "Quantity must be a number" }).int("Quantity must be a whole number").min(1, "Quantity must be at least 1").max(100_000),
});

/** Each item at most once, so "what is left" is checked against one number per line. */
const itemList = z
  .array(itemQuantity)
  .min(1, "List at least one item, or leave items out for everything")
  .max(500)
  .refine((items) => new Set(items.map((i) => i.itemId)).size === items.length, "List each item once");

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters`)
    .transform((v) => (v ? v : undefined))
    .optional();

export const fulfillmentBodySchema = z.strictObject({
  carrier: optionalText(100),
  trackingNumber: optionalText(100),
  items: itemList.optional(),
});
export type FulfillmentBody = z.output<typeof fulfillmentBodySchema>;

export const refundBodySchema = z.strictObject({
  items: itemList.optional(),
  shipping: z.boolean({ error: "Must be true or false" }).optional(),
  restock: z.boolean({ error: "Must be true or false" }).optional(),
  reason: optionalText(500),
});
export type RefundBody = z.output<typeof refundBodySchema>;

export const cancelBodySchema = z.strictObject({
  restock: z.boolean({ error: "Must be true or false" }).optional(),
});
export type CancelBody = z.output<typeof cancelBodySchema>;

const isoDate = (what: string) =>
  z
    .string()
    .trim()
    .refine((s) => !Number.isNaN(Date.parse(s)), `${what} must be an ISO 8601 date or date-time`)
    .transform((s) => new Date(s));

export const ORDER_STATUSES = ["PENDING_PAYMENT", "PAID", "CANCELLED"] as const;
export const FULFILLMENT_STATUSES = ["UNFULFILLED", "PARTIALLY_FULFILLED", "FULFILLED"] as const;
export const PAYMENT_STATUSES = ["pending", "succeeded", "failed", "canceled", "expired", "refund_pending", "partially_refunded", "refunded"] as const;

/** GET /api/admin/orders query parameters. */
export const listOrdersQuerySchema = z.strictObject({
  status: z.enum(ORDER_STATUSES).optional(),
  fulfillment: z.enum(FULFILLMENT_STATUSES).optional(),
  payment: z.enum(PAYMENT_STATUSES).optional(),
  q: z.string().trim().max(254).optional().transform((v) => (v ? v : undefined)),
  from: isoDate("from").optional(),
  to: isoDate("to").optional(),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, "Not a cursor").optional(),
  limit: z.coerce.number({ error: "limit must be a number" }).int().min(1).max(100).default(20),
});
export type ListOrdersQuery = z.output<typeof listOrdersQuerySchema>;

const keySchema = z.uuid();

/** The Idempotency-Key header of a refund: required, a UUID (checkout's rule); else 400 validation_failed. */
export function parseRefundIdempotencyKey(value: string | null): string {
  const trimmed = value?.trim() ?? "";
  if (keySchema.safeParse(trimmed).success) return trimmed.toLowerCase();
  const message = trimmed ? "The Idempotency-Key header must be a UUID." : "Send an Idempotency-Key header (a UUID) with every refund.";
  throw new DomainError("validation_failed", message, { fieldErrors: { "Idempotency-Key": [message] } });
}
