import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../db";
import { notFound } from "../errors";
import type { CartSummary } from "../pricing";
import type { CustomOptions } from "../cart";
import type { Address } from "../address";

export type OrderStatus = "PENDING_PAYMENT" | "PAID" | "CANCELLED";

/**
 * order.payment.status: pending (awaiting the shopper's payment) | succeeded | failed (declined: see declineCode)
 * | canceled (the provider cancelled the payment) | expired (the reservation ran out) | refund_pending | refunded
 * (a payment that succeeded after the order was cancelled is refunded).
 */
export type OrderPaymentStatus =
  | "pending"
  | "succeeded"
  | "failed"
  | "canceled"
  | "expired"
  | "refund_pending"
  | "partially_refunded"
  | "refunded";

export type FulfillmentStatus = "UNFULFILLED" | "PARTIALLY_FULFILLED" | "FULFILLED";

/** { itemId, quantity } pairs, as fulfilments and refunds list them. */
export type ItemQuantity = { itemId: string; quantity: number };

export type FulfillmentView = { id: string; carrier: string | null; trackingNumber: string | null; items: ItemQuantity[]; createdAt: string };

export type RefundView = {
  id: string;
  amount: number;
  currency: string;
  /** pending: recorded, the provider has not confirmed yet (retried); succeeded */
  status: string;
  items: ItemQuantity[];
  shipping: boolean;
  reason: string | null;
  createdAt: string;
};

export type OrderItemView = {
  id: string;
  productId: number;
  variantId: number;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  /** this line's share of the order's discounts */
  discount: number;
  tax: number;
  /** unitPrice * quantity - discount + tax */
  total: number;
  customOptions: CustomOptions;
};

/** The order as the API shows it (docs/ARCHITECTURE.md `order`). summary.lines[].itemId are the order item ids. */
export type OrderView = {
  id: string;
  status: OrderStatus;
  email: string;
  currency: string;
  items: OrderItemView[];
  summary: CartSummary;
  /** the full address the order ships to (name, line1, line2?, city, region?, postalCode, country, phone?) */
  shippingAddress: Address | null;
  fulfillmentStatus: FulfillmentStatus;
  fulfillments: FulfillmentView[];
  refunds: RefundView[];
  /** refundedAmount: the sum of the refunds, minor units */
  payment: { provider: string; status: string; declineCode?: string; refundedAmount: number };
  createdAt: string;
};

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

export function orderJson(o: OrderRow): OrderView {
  const currency = o.currency.trim();
  const items = o.items.map((i) => ({
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
  }));
  const payment: OrderView["payment"] = { provider: o.paymentProvider, status: o.paymentStatus, refundedAmount: o.refundedAmount };
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
      status: r.status,
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
export type PaymentEventView = {
  id: string;
  provider: string;
  type: string;
  paymentId: string | null;
  amount: number | null;
  currency: string | null;
  /** what applying it did: paid, mismatch, refunded, refund_pending, recorded (refund/dispute), cancelled, unchanged */
  outcome: string | null;
  detail: string | null;
  receivedAt: string;
};

/** The order's recorded payment events (payments, declines, refunds, disputes, mismatches), oldest first. */
export async function paymentEventsOf(db: Db, orderId: string): Promise<PaymentEventView[]> {
  if (!isUuid(orderId)) return [];
  const rows = await db.paymentEvent.findMany({ where: { orderId }, orderBy: [{ receivedAt: "asc" }, { id: "asc" }] });
  return rows.map((r) => ({
    id: r.id,
    provider: r.provider,
    type: r.type,
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
