import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../db";
import { notFound } from "../errors";
import { z } from "zod";
import { addressSchema, type Address } from "../address";
import { variantLineFields } from "../catalog";
import { customOptionsSchema, type CustomOptions } from "../cart";
import { currencyCodeSchema, isoDateTimeSchema, moneyAmountSchema } from "../money/schema";
import { FULFILLMENT_STATUSES, ORDER_STATUSES, PAYMENT_STATUSES } from "../orders/schemas";
import { cartSummarySchema } from "../pricing";

// The order as the API answers it. The zod schemas are the one statement of that shape: the types are inferred from
// them and the OpenAPI document is generated from them (lib/http/openapi.ts). Nothing parses an order at run time.

export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * order.payment.status: pending (awaiting the shopper's payment) | succeeded | failed (declined: see declineCode)
 * | canceled (the provider cancelled the payment) | expired (the reservation ran out) | refund_pending | refunded
 * (a payment that succeeded after the order was cancelled is refunded).
 */
export type OrderPaymentStatus = (typeof PAYMENT_STATUSES)[number];
export type FulfillmentStatus = (typeof FULFILLMENT_STATUSES)[number];

/** { itemId, quantity } pairs, as fulfilments and refunds list them. */
export const itemQuantitySchema = z.object({ itemId: z.uuid(), quantity: z.number().int().min(1) }).meta({ id: "ItemQuantity" });
export type ItemQuantity = z.output<typeof itemQuantitySchema>;

export const fulfillmentViewSchema = z
  .object({ id: z.uuid(), carrier: z.string().nullable(), trackingNumber: z.string().nullable(), items: z.array(itemQuantitySchema), createdAt: isoDateTimeSchema })
  .meta({ id: "Fulfillment" });
export type FulfillmentView = z.output<typeof fulfillmentViewSchema>;

export const REFUND_STATUSES = ["pending", "succeeded"] as const;
export const refundViewSchema = z
  .object({
    id: z.uuid(),
    amount: moneyAmountSchema,
    currency: currencyCodeSchema,
    status: z.enum(REFUND_STATUSES).describe("pending: recorded, not yet confirmed by the payment provider (retried)"),
    items: z.array(itemQuantitySchema),
    shipping: z.boolean(),
    reason: z.string().nullable(),
    createdAt: isoDateTimeSchema,
  })
  .meta({ id: "Refund" });
export type RefundView = z.output<typeof refundViewSchema>;

export const orderItemViewSchema = z
  .object({
    ...variantLineFields,
    quantity: z.number().int().min(1),
    unitPrice: moneyAmountSchema,
    discount: moneyAmountSchema.describe("This line's share of the order's discounts"),
    tax: moneyAmountSchema,
    total: moneyAmountSchema.describe("unitPrice * quantity - discount + tax"),
    customOptions: customOptionsSchema,
  })
  .meta({ id: "OrderItem" });
export type OrderItemView = z.output<typeof orderItemViewSchema>;

export const PAYMENT_PROVIDERS = ["stripe", "test"] as const;

/** The order as the API shows it (docs/ARCHITECTURE.md `order`). summary.lines[].itemId are the order item ids. */
export const orderViewSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(ORDER_STATUSES),
    email: z.string(),
    currency: currencyCodeSchema,
    items: z.array(orderItemViewSchema),
    summary: cartSummarySchema,
    shippingAddress: addressSchema.nullable().describe("The full address the order ships to"),
    fulfillmentStatus: z.enum(FULFILLMENT_STATUSES),
    fulfillments: z.array(fulfillmentViewSchema),
    refunds: z.array(refundViewSchema),
    payment: z.object({
      provider: z.enum(PAYMENT_PROVIDERS),
      status: z.enum(PAYMENT_STATUSES),
      declineCode: z
        .string()
        .optional()
        .describe("Why the last payment attempt failed (e.g. card_declined); with status failed on a PENDING_PAYMENT order the shopper may pay again"),
      refundedAmount: moneyAmountSchema.describe("The sum of the refunds"),
    }),
    createdAt: isoDateTimeSchema,
  })
  .meta({ id: "Order" });
export type OrderView = z.output<typeof orderViewSchema>;

export const orderInclude = {
  items: { orderBy: { id: "asc" as const } },
  fulfillments: { orderBy: { createdAt: "asc" as const } },
  refunds: { orderBy: { createdAt: "asc" as const } },
};

const itemQuantities = (v: unknown): ItemQuantity[] =>
  Array.isArray(v) ? v.filter((x): x is ItemQuantity => !!x && typeof x.itemId === "string" && Number.isInteger(x.quantity)) : [];

export type OrderRow = NonNullable<Awaited<ReturnType<typeof loadOrderRow>>>;

export function loadOrderRow(db: Db, orderId: string) {
  return db.order.findUnique({ where: { id: orderId }, include: orderInclude });
}

/** An order line as the API shows it, which is also what the reserve step writes (cw_place_order's items). */
export function orderItemFields(i: OrderRow["items"][number]) {
  return {
    id: i.id,
    productId: i.productId,
    variantId: i.variantId,
    sku: i.sku,
    name: i.name,
    quantity: i.quantity,
    unitPrice: i.unitPrice,
    discount: i.discount,
    tax: i.tax,
    total: i.total,
    customOptions: (i.customOptions ?? {}) as CustomOptions,
  };
}

export function orderJson(o: OrderRow): OrderView {
  const currency = o.currency.trim();
  const items = o.items.map(orderItemFields);
  // the columns are text written only by this app: their values are the schema's
  const payment: OrderView["payment"] = {
    provider: o.paymentProvider as OrderView["payment"]["provider"],
    status: o.paymentStatus as OrderPaymentStatus,
    refundedAmount: o.refundedAmount,
  };
  if (o.declineCode) payment.declineCode = o.declineCode;
  return {
    id: o.id,
    status: o.status as OrderStatus,
    email: o.email,
    currency,
    items,
    summary: {
      currency,
      subtotal: o.subtotal,
      discount: o.discountTotal,
      shipping: o.shippingTotal,
      shippingTax: o.shippingTax,
      tax: o.taxTotal,
      total: o.total,
      lines: items.map((i) => ({ itemId: i.id, subtotal: i.unitPrice * i.quantity, discount: i.discount, tax: i.tax, total: i.total })),
    },
    shippingAddress: (o.shippingAddress ?? null) as Address | null,
    fulfillmentStatus: o.fulfillmentStatus as FulfillmentStatus,
    fulfillments: o.fulfillments.map((f) => ({
      id: f.id,
      carrier: f.carrier,
      trackingNumber: f.trackingNumber,
      items: itemQuantities(f.items),
      createdAt: f.createdAt.toISOString(),
    })),
    refunds: o.refunds.map((r) => ({
      id: r.id,
      amount: r.amount,
      currency: r.currency.trim(),
      status: r.status as RefundView["status"],
      items: itemQuantities(r.items),
      shipping: r.shipping,
      reason: r.reason,
      createdAt: r.createdAt.toISOString(),
    })),
    payment,
    createdAt: o.createdAt.toISOString(),
  };
}

/** The sha-256 of an order token (lib/checkout/order-token.ts derives the token): all the orders table keeps. */
export const hashOrderToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashOrderToken(token), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: unknown): s is string => typeof s === "string" && UUID.test(s);

export type OrderViewer = { userId: string | null; token?: string | null };

/**
 * The order, for whoever may see it: the signed-in owner, or anyone presenting the order's token (Bearer header or
 * the order-token cookie). Everyone else gets 404 not_found, another signed-in user included: answering 403 would
 * confirm that the id exists.
 */
export async function getOrderForViewer(db: Db, orderId: string, viewer: OrderViewer): Promise<OrderView> {
  return orderJson(await loadOrderForViewer(db, orderId, viewer));
}

/** The order's row (with its items) for whoever may see it, as getOrderForViewer decides; else 404 not_found. */
export async function loadOrderForViewer(db: Db, orderId: string, viewer: OrderViewer): Promise<OrderRow> {
  if (!isUuid(orderId)) throw notFound("Order");
  const row = await loadOrderRow(db, orderId);
  if (!row) throw notFound("Order");
  const owner = row.userId !== null && viewer.userId !== null && row.userId === viewer.userId;
  if (!owner && !(viewer.token && tokenMatches(viewer.token, row.orderTokenHash))) throw notFound("Order");
  return row;
}

/** One provider event as recorded for an order (docs/ARCHITECTURE.md Checkout step 5), for admins. */
export const paymentEventViewSchema = z
  .object({
    id: z.string().describe("The provider's event id (Stripe evt_...)"),
    provider: z.enum(PAYMENT_PROVIDERS),
    type: z.enum(["payment.succeeded", "payment.failed", "payment.canceled", "payment.refunded", "payment.disputed"]),
    paymentId: z.string().nullable(),
    amount: z.number().int().nullable().describe("Minor units as the provider reported them (refunded: refunded so far; disputed: the disputed amount)"),
    currency: z.string().nullable(),
    outcome: z
      .string()
      .nullable()
      .describe("What applying it did: paid, mismatch (id, amount or currency not the order's: nothing changed), refunded, refund_pending, recorded (refunds, disputes), cancelled, unchanged, ignored"),
    detail: z.string().nullable().describe("Why (a mismatch), or the provider's state (a dispute)"),
    receivedAt: isoDateTimeSchema,
  })
  .meta({ id: "PaymentEvent" });
export type PaymentEventView = z.output<typeof paymentEventViewSchema>;

/** The order's recorded payment events (payments, declines, refunds, disputes, mismatches), oldest first. */
export async function paymentEventsOf(db: Db, orderId: string): Promise<PaymentEventView[]> {
  if (!isUuid(orderId)) return [];
  const rows = await db.paymentEvent.findMany({ where: { orderId }, orderBy: [{ receivedAt: "asc" }, { id: "asc" }] });
  return rows.map((r) => ({
    id: r.id,
    provider: r.provider as PaymentEventView["provider"],
    type: r.type as PaymentEventView["type"],
    paymentId: r.paymentIntentId,
    amount: r.amount,
    currency: r.currency,
    outcome: r.outcome,
    detail: r.detail,
    receivedAt: r.receivedAt.toISOString(),
  }));
}

/**
 * n UUIDs (version 7 layout: millisecond time, then a 12-bit sequence number, then random bits) that sort in the
 * order they were made: order items keep the cart's line order when read back ordered by id.
 */
export function orderedUuids(n: number, nowMs = Date.now()): string[] {
  if (n > 4096) throw new RangeError("orderedUuids: at most 4096 ids at once");
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const b = randomBytes(16);
    b.writeUIntBE(nowMs, 0, 6);
    b[6] = 0x70 | ((i >> 8) & 0x0f);
    b[7] = i & 0xff;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const h = b.toString("hex");
    out.push(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
  }
  return out;
}
