import { randomUUID } from "node:crypto";
import { recordAudit } from "../audit";
import { z } from "zod";
import { loadOrderForViewer, loadOrderRow, orderJson, orderViewSchema, refundViewSchema, type ItemQuantity, type RefundView, type OrderView, type OrderViewer } from "../checkout/order-view";
import { cancelOrder, markPaid } from "../checkout/payment-events";
import { restock } from "../checkout/stock";
import { logger, type CheckoutDeps } from "../checkout/types";
import type { Db, PrismaClient } from "../db";
import { releaseRedemptions } from "../discounts/redeem";
import { DomainError, isDomainError, notFound, toErrorResponse, type ErrorBody, type ErrorCode } from "../errors";
import { beginIdempotent, completeIdempotent, fingerprintOf, releaseIdempotent, type IdempotencyLock } from "../idempotency";
import { enqueueOrderMail, enqueueOrderRefunded, enqueueOrderShipped } from "../mail/outbox";
import { nextUnitsAmount, shippingAmount } from "./refund-math";
import type { CancelBody, FulfillmentBody, RefundBody } from "./schemas";

// The order desk (the HTTP contract in docs, "Shop operations: Order"): fulfilments, refunds and cancellations.
// Every change runs in one transaction that first locks the order row (SELECT ... FOR UPDATE), so concurrent desk
// actions, payment events and the expiry sweeper see each other's results and nothing is shipped, refunded or
// restocked twice; the amounts left are re-read under that lock. Calls to the payment provider happen after the
// commit (never while the row is locked): a refund is recorded as `pending` first and marked `succeeded` when the
// provider confirms, with the refund's own id as the provider's idempotency key, so retries never pay out twice.
// Order events are written by database triggers (status changes) and here (fulfilled, refunded); the actor of the
// transaction is handed to the triggers through the transaction-local setting cartwright.actor.

export type DeskDeps = Pick<CheckoutDeps, "db" | "provider" | "carts" | "log" | "now" | "maxLineQuantity">;

const TX = { maxWait: 10_000, timeout: 20_000 };
export const REFUND_SCOPE = "admin_refund";

type LockedOrder = {
  id: string;
  status: string;
  currency: string;
  total: number;
  shipping_total: number;
  shipping_tax: number;
  refunded_amount: number;
  shipping_refunded: boolean;
  payment_intent_id: string | null;
  payment_status: string;
  fulfillment_status: string;
};

type LockedItem = { id: string; variant_id: number; sku: string; quantity: number; total: number; fulfilled_quantity: number; refunded_quantity: number };

/** Tells the order triggers who is acting, for this transaction only. */
export async function setActor(tx: Db, actor: string): Promise<void> {
  await tx.$queryRaw`SELECT set_config('cartwright.actor', ${actor}, true)`;
}

async function lockOrder(tx: Db, orderId: string): Promise<{ order: LockedOrder; items: LockedItem[] }> {
  const rows = await tx.$queryRaw<LockedOrder[]>`
    SELECT id::text AS id, status::text AS status, currency, total, shipping_total, shipping_tax, refunded_amount,
           shipping_refunded, payment_intent_id, payment_status, fulfillment_status
    FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`;
  const order = rows[0];
  if (!order) throw notFound("Order");
  const items = await tx.$queryRaw<LockedItem[]>`
    SELECT id::text AS id, variant_id, sku, quantity, total, fulfilled_quantity, refunded_quantity
    FROM order_items WHERE order_id = ${orderId}::uuid ORDER BY id`;
  return { order, items };
}

async function addEvent(tx: Db, orderId: string, type: string, actor: string, details: Record<string, unknown>): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO order_events (order_id, type, actor, details) VALUES (${orderId}::uuid, ${type}, ${actor}, ${JSON.stringify(details)}::jsonb)`;
}

const conflict = (message: string, details?: Record<string, unknown>) => new DomainError("conflict", message, details);

function tooMany(index: number, left: number): DomainError {
  const message = left === 0 ? "Nothing is left of this item." : `Only ${left} left of this item.`;
  // the contract's 422 (not the usual 400): the request is well-formed, what is left of the line is too small
  return new DomainError("validation_failed", "A quantity is more than what is left.", { fieldErrors: { [`items.${index}.quantity`]: [message] } }, 422);
}

function unknownItem(index: number): DomainError {
  return new DomainError("validation_failed", "An item is not part of this order.", { fieldErrors: { [`items.${index}.itemId`]: ["Not an item of this order"] } });
}

/** Units not yet shipped and not refunded before shipping (a refunded unit is never shipped). */
const fulfillable = (i: LockedItem) => Math.max(0, i.quantity - i.fulfilled_quantity - i.refunded_quantity);

function fulfillmentStatusOf(items: LockedItem[]): "UNFULFILLED" | "PARTIALLY_FULFILLED" | "FULFILLED" {
  const shipped = items.reduce((a, i) => a + i.fulfilled_quantity, 0);
  if (shipped === 0) return "UNFULFILLED";
  return items.every((i) => fulfillable(i) === 0) ? "FULFILLED" : "PARTIALLY_FULFILLED";
}

async function viewOf(db: Db, orderId: string): Promise<OrderView> {
  const row = await loadOrderRow(db, orderId);
  if (!row) throw notFound("Order");
  return orderJson(row);
}

// ---- fulfilment -------------------------------------------------------------------------------------------------

/**
 * Ships items of a PAID order (no items: everything not yet shipped). 409 conflict for an order in another state
 * or with nothing left to ship; 422 validation_failed for a quantity beyond what is left on its line.
 */
export async function fulfillOrder(deps: Pick<DeskDeps, "db">, orderId: string, body: FulfillmentBody, actor: string): Promise<OrderView> {
  await deps.db.$transaction(async (tx) => {
    await setActor(tx, actor);
    const { order, items } = await lockOrder(tx, orderId);
    if (order.status !== "PAID") throw conflict(`Only a paid order can be fulfilled; this one is ${order.status}.`, { status: order.status });
    let lines: ItemQuantity[];
    if (!body.items) {
      lines = items.filter((i) => fulfillable(i) > 0).map((i) => ({ itemId: i.id, quantity: fulfillable(i) }));
      if (lines.length === 0) throw conflict("Everything in this order has been fulfilled (or refunded) already.");
    } else {
      lines = body.items.map((l, index) => {
        const item = items.find((i) => i.id === l.itemId);
        if (!item) throw unknownItem(index);
        if (l.quantity > fulfillable(item)) throw tooMany(index, fulfillable(item));
        return l;
      });
    }
    const before = { fulfillmentStatus: order.fulfillment_status, items: items.map((i) => ({ itemId: i.id, fulfilled: i.fulfilled_quantity })) };
    for (const l of lines) {
      const item = items.find((i) => i.id === l.itemId)!;
      item.fulfilled_quantity += l.quantity;
      await tx.$executeRaw`UPDATE order_items SET fulfilled_quantity = ${item.fulfilled_quantity} WHERE id = ${item.id}::uuid`;
    }
    const status = fulfillmentStatusOf(items);
    await tx.$executeRaw`UPDATE orders SET fulfillment_status = ${status}, updated_at = now() WHERE id = ${orderId}::uuid`;
    const id = randomUUID();
    await tx.fulfillment.create({
      data: { id, orderId, carrier: body.carrier ?? null, trackingNumber: body.trackingNumber ?? null, items: lines, actor },
    });
    await addEvent(tx, orderId, "fulfilled", actor, { fulfillmentId: id, carrier: body.carrier ?? null, trackingNumber: body.trackingNumber ?? null, items: lines });
    // written with the fulfilment (one per fulfilment id): the shopper hears of exactly the shipments that exist
    const names = new Map((await tx.orderItem.findMany({ where: { orderId }, select: { id: true, name: true } })).map((i) => [i.id, i.name]));
    await enqueueOrderShipped(tx, {
      orderId,
      fulfillmentId: id,
      carrier: body.carrier ?? null,
      trackingNumber: body.trackingNumber ?? null,
      items: lines.map((l) => {
        const sku = items.find((i) => i.id === l.itemId)!.sku;
        return { name: names.get(l.itemId) ?? sku, sku, quantity: l.quantity };
      }),
    });
    await recordAudit(tx, {
      actor,
      action: "order.fulfill",
      target: `order:${orderId}`,
      before,
      after: { fulfillmentStatus: status, fulfillmentId: id, items: items.map((i) => ({ itemId: i.id, fulfilled: i.fulfilled_quantity })) },
    });
  }, TX);
  return viewOf(deps.db, orderId);
}

// ---- refunds ----------------------------------------------------------------------------------------------------

export const refundAnswerSchema = z.object({
  order: orderViewSchema,
  refund: refundViewSchema.pick({ id: true, amount: true, currency: true, status: true }),
});
export type RefundAnswer = z.output<typeof refundAnswerSchema>;
export type RefundResult = { status: 201; body: RefundAnswer; replayed: boolean };

type PlannedRefund = { id: string; amount: number; currency: string; paymentId: string | null };

/**
 * Refunds items and/or shipping of a PAID order (no items and no shipping: everything left), idempotently per
 * Idempotency-Key (checkout's rules: 409 while in use, 422 when reused with another body, the final answer replayed).
 */
export async function refundOrder(
  deps: DeskDeps,
  input: { orderId: string; idempotencyKey: string; body: RefundBody; actor: string },
): Promise<RefundResult> {
  const { db } = deps;
  const fingerprint = fingerprintOf({ orderId: input.orderId, body: input.body });
  const begun = await beginIdempotent(db, { scope: REFUND_SCOPE, key: input.idempotencyKey, fingerprint });
  if (begun.kind === "replay") {
    if (begun.status === 201) return { status: 201, body: begun.body as RefundAnswer, replayed: true };
    const err = (begun.body as ErrorBody | null)?.error;
    throw new DomainError((err?.code ?? "internal_error") as ErrorCode, err?.message ?? "The original request failed.", err?.details, begun.status);
  }
  const lock: IdempotencyLock = { scope: begun.scope, key: begun.key, lockedAt: begun.lockedAt };
  const keyRef = `${REFUND_SCOPE}:${input.idempotencyKey}`;
  try {
    // a retry of an attempt that crashed after its commit finishes that refund instead of making another
    const existing = await db.refund.findUnique({ where: { idempotencyKey: keyRef } });
    const planned: PlannedRefund = existing
      ? {
          id: existing.id,
          amount: existing.amount,
          currency: existing.currency.trim(),
          paymentId: (await db.order.findUnique({ where: { id: existing.orderId }, select: { paymentIntentId: true } }))?.paymentIntentId ?? null,
        }
      : await recordRefund(db, input.orderId, input.body, input.actor, keyRef);
    const status = await payOut(deps, planned);
    const body: RefundAnswer = {
      order: await viewOf(db, input.orderId),
      refund: { id: planned.id, amount: planned.amount, currency: planned.currency, status },
    };
    await completeIdempotent(db, lock, 201, body);
    return { status: 201, body, replayed: false };
  } catch (e) {
    try {
      if (isDomainError(e) && e.httpStatus >= 400 && e.httpStatus < 500 && e.code !== "idempotency_key_in_use") {
        const { status, body } = toErrorResponse(e);
        await completeIdempotent(db, lock, status, body);
      } else await releaseIdempotent(db, lock);
    } catch (err) {
      logger(deps)("error", "refund: could not settle the idempotency key", { key: input.idempotencyKey, err: String(err) });
    }
    throw e;
  }
}

/** The refund's bookkeeping, under the order row lock: what is left is re-read there, so it can never go negative. */
async function recordRefund(db: PrismaClient, orderId: string, body: RefundBody, actor: string, keyRef: string): Promise<PlannedRefund> {
  return db.$transaction(async (tx) => {
    await setActor(tx, actor);
    const { order, items } = await lockOrder(tx, orderId);
    if (order.status !== "PAID") throw conflict(`Only a paid order can be refunded; this one is ${order.status}.`, { status: order.status });
    const everything = !body.items && !body.shipping;
    let lines: ItemQuantity[];
    let shipping: boolean;
    if (everything) {
      lines = items.filter((i) => i.quantity > i.refunded_quantity).map((i) => ({ itemId: i.id, quantity: i.quantity - i.refunded_quantity }));
      shipping = !order.shipping_refunded && shippingAmount({ shippingTotal: order.shipping_total, shippingTax: order.shipping_tax }) > 0;
      if (lines.length === 0 && !shipping) throw conflict("Everything in this order has been refunded already.");
    } else {
      shipping = body.shipping === true;
      if (shipping && order.shipping_refunded) throw conflict("The shipping of this order has been refunded already.");
      lines = (body.items ?? []).map((l, index) => {
        const item = items.find((i) => i.id === l.itemId);
        if (!item) throw unknownItem(index);
        const left = item.quantity - item.refunded_quantity;
        // nothing left at all is a state conflict (e.g. a concurrent refund took the last unit); more than what is
        // left of a line that still has some is a bad request
        if (left === 0) throw conflict("This item has been refunded already.", { itemId: item.id });
        if (l.quantity > left) throw tooMany(index, left);
        return l;
      });
    }
    let amount = shipping ? shippingAmount({ shippingTotal: order.shipping_total, shippingTax: order.shipping_tax }) : 0;
    const restockLines: { variantId: number; quantity: number }[] = [];
    for (const l of lines) {
      const item = items.find((i) => i.id === l.itemId)!;
      amount += nextUnitsAmount({ id: item.id, quantity: item.quantity, total: item.total, refundedQuantity: item.refunded_quantity }, l.quantity);
      item.refunded_quantity += l.quantity;
      await tx.$executeRaw`UPDATE order_items SET refunded_quantity = ${item.refunded_quantity} WHERE id = ${item.id}::uuid`;
      restockLines.push({ variantId: item.variant_id, quantity: l.quantity });
    }
    const refundedAmount = order.refunded_amount + amount;
    if (refundedAmount > order.total) throw conflict("This refund is more than what is left of the order's total.");
    if (amount > 0 && !order.payment_intent_id) throw conflict("This order has no payment to refund.");
    const whole = refundedAmount === order.total && items.every((i) => i.refunded_quantity === i.quantity);
    const paymentStatus = whole ? "refunded" : "partially_refunded";
    await tx.$executeRaw`
      UPDATE orders SET refunded_amount = ${refundedAmount}, shipping_refunded = shipping_refunded OR ${shipping},
             payment_status = ${paymentStatus}, updated_at = now()
      WHERE id = ${orderId}::uuid`;
    if (body.restock) await restock(tx, restockLines);
    // a discount use comes back only when the whole order has been refunded (the customer kept nothing)
    if (whole) await releaseRedemptions(tx, orderId);
    const id = randomUUID();
    await tx.refund.create({
      data: { id, orderId, amount, currency: order.currency.trim(), items: lines, shipping, restock: body.restock === true, reason: body.reason ?? null, actor, idempotencyKey: keyRef },
    });
    const details = { refundId: id, amount, items: lines, shipping, restock: body.restock === true, reason: body.reason ?? null };
    await addEvent(tx, orderId, "refunded", actor, details);
    // written with the refund row (one per refund id); a retried request replays the key and writes no second refund
    await enqueueOrderRefunded(tx, { orderId, refundId: id, amount, refundedTotal: refundedAmount });
    await recordAudit(tx, {
      actor,
      action: "order.refund",
      target: `order:${orderId}`,
      before: { refundedAmount: order.refunded_amount, paymentStatus: order.payment_status },
      after: { refundedAmount, paymentStatus, ...details },
    });
    return { id, amount, currency: order.currency.trim(), paymentId: order.payment_intent_id };
  }, TX);
}

/**
 * Sends a recorded refund to the provider (outside any transaction) and marks it succeeded. A provider failure
 * leaves it pending: the answer says so, and retryPendingOrderRefunds (the expiry sweeper) sends it again with the
 * same idempotency key.
 */
async function payOut(deps: DeskDeps, r: PlannedRefund): Promise<RefundView["status"]> {
  if (r.amount === 0 || !r.paymentId) {
    await deps.db.refund.updateMany({ where: { id: r.id, status: "pending" }, data: { status: "succeeded", updatedAt: new Date() } });
    return "succeeded";
  }
  try {
    const done = await deps.provider.refund(r.paymentId, r.amount, `refund:${r.id}`);
    if (done.status !== "succeeded") return "pending";
    await deps.db.refund.updateMany({ where: { id: r.id }, data: { status: "succeeded", providerRefundId: done.refundId, updatedAt: new Date() } });
    return "succeeded";
  } catch (e) {
    logger(deps)("error", "refund: the payment provider did not take the refund; it stays pending and is retried", { refundId: r.id, err: String(e) });
    return "pending";
  }
}

/** Refunds still pending at the provider (a call that failed), sent again. Returns how many went through. */
export async function retryPendingOrderRefunds(deps: DeskDeps, batch = 50): Promise<number> {
  const pending = await deps.db.refund.findMany({
    where: { status: "pending", createdAt: { lt: new Date(Date.now() - 30_000) } },
    include: { order: { select: { paymentIntentId: true } } },
    take: batch,
    orderBy: { createdAt: "asc" },
  });
  let n = 0;
  for (const r of pending)
    if ((await payOut(deps, { id: r.id, amount: r.amount, currency: r.currency.trim(), paymentId: r.order.paymentIntentId })) === "succeeded") n += 1;
  return n;
}

// ---- cancellation -----------------------------------------------------------------------------------------------

/**
 * The desk's cancel: an unpaid order is cancelled with checkout's compensation (the payment cancelled at the
 * provider first, stock and code use back, the cart ACTIVE again); a paid order with nothing shipped is cancelled and
 * refunded in full (stock back unless restock is false, code use released); anything else is 409 conflict.
 * Exactly once, also racing the payment webhook: every branch decides under the order row lock.
 */
export async function cancelOrderByAdmin(deps: DeskDeps, orderId: string, body: CancelBody, actor: string): Promise<OrderView> {
  const row = await deps.db.order.findUnique({ where: { id: orderId }, select: { status: true, paymentIntentId: true } });
  if (!row) throw notFound("Order");
  if (row.status === "PENDING_PAYMENT") {
    const settled = await cancelUnpaid(deps, orderId, row.paymentIntentId, actor);
    if (settled === "cancelled") return viewOf(deps.db, orderId);
    // it was paid meanwhile: cancel it as a paid order
  } else if (row.status === "CANCELLED") throw conflict("This order is cancelled already.", { status: "CANCELLED" });

  const planned = await deps.db.$transaction(async (tx) => {
    await setActor(tx, actor);
    const { order, items } = await lockOrder(tx, orderId);
    if (order.status !== "PAID") throw conflict(`This order cannot be cancelled; it is ${order.status}.`, { status: order.status });
    if (items.some((i) => i.fulfilled_quantity > 0))
      throw conflict("Items of this order have been shipped: refund them instead of cancelling.", { fulfillmentStatus: order.fulfillment_status });
    const left = order.total - order.refunded_amount;
    const lines = items.filter((i) => i.quantity > i.refunded_quantity).map((i) => ({ itemId: i.id, quantity: i.quantity - i.refunded_quantity }));
    const shipping = !order.shipping_refunded && shippingAmount({ shippingTotal: order.shipping_total, shippingTax: order.shipping_tax }) > 0;
    await tx.$executeRaw`UPDATE order_items SET refunded_quantity = quantity WHERE order_id = ${orderId}::uuid`;
    await tx.$executeRaw`
      UPDATE orders SET status = 'CANCELLED', cancelled_at = now(), refunded_amount = total, shipping_refunded = true,
             payment_status = 'refunded', updated_at = now()
      WHERE id = ${orderId}::uuid`;
    if (body.restock !== false)
      await restock(
        tx,
        lines.map((l) => ({ variantId: items.find((i) => i.id === l.itemId)!.variant_id, quantity: l.quantity })),
      );
    await releaseRedemptions(tx, orderId);
    let refund: PlannedRefund | null = null;
    if (left > 0 || lines.length > 0 || shipping) {
      const id = randomUUID();
      await tx.refund.create({
        data: { id, orderId, amount: left, currency: order.currency.trim(), items: lines, shipping, restock: body.restock !== false, reason: "cancelled", actor },
      });
      await addEvent(tx, orderId, "refunded", actor, { refundId: id, amount: left, items: lines, shipping, restock: body.restock !== false, reason: "cancelled" });
      refund = { id, amount: left, currency: order.currency.trim(), paymentId: order.payment_intent_id };
      await enqueueOrderRefunded(tx, { orderId, refundId: id, amount: left, refundedTotal: order.total });
    }
    // one per order (the outbox key is the order id), written with the status change
    await enqueueOrderMail(tx, "order_cancelled", orderId, { reason: "admin" });
    await recordAudit(tx, {
      actor,
      action: "order.cancel",
      target: `order:${orderId}`,
      before: { status: order.status, refundedAmount: order.refunded_amount, paymentStatus: order.payment_status },
      after: { status: "CANCELLED", refundedAmount: order.total, paymentStatus: "refunded", restock: body.restock !== false, refundId: refund?.id ?? null },
    });
    return refund;
  }, TX);
  if (planned) await payOut(deps, planned);
  return viewOf(deps.db, orderId);
}

/**
 * An unpaid order: its payment is cancelled at the provider first (outside any lock), then the compensation runs
 * under the row lock. "paid" when the payment turned out to have succeeded (the caller treats it as a paid order).
 */
async function cancelUnpaid(deps: DeskDeps, orderId: string, paymentId: string | null, actor: string): Promise<"cancelled" | "paid"> {
  if (paymentId) {
    const res = await deps.provider.cancelPayment(paymentId, `cancel:${orderId}`);
    if (res.status === "succeeded") {
      await markPaid(deps, orderId, paymentId, null);
      return "paid";
    }
  }
  const r = await cancelOrder(deps, orderId, { paymentStatus: "canceled", actor, mailReason: "admin" });
  if (r.outcome === "cancelled") return "cancelled";
  const now = await deps.db.order.findUnique({ where: { id: orderId }, select: { status: true } });
  if (now?.status === "PAID") return "paid";
  throw conflict("This order is cancelled already.", { status: now?.status ?? null });
}

/**
 * The shopper's "Back to cart" (POST /api/orders/{id}/cancel): the owner or the order token; only while the order
 * waits for payment (else 409). Cancels at once with checkout's compensation (stock, code use, cart ACTIVE again).
 * Exactly once, also racing the payment webhook: if the payment has succeeded meanwhile, 409 and the order stays paid.
 */
export async function cancelOrderByShopper(deps: DeskDeps, orderId: string, viewer: OrderViewer): Promise<OrderView> {
  const row = await loadOrderForViewer(deps.db, orderId, viewer);
  if (row.status !== "PENDING_PAYMENT") throw conflict("Only an order waiting for payment can be cancelled here.", { status: row.status });
  if (row.paymentIntentId) {
    const res = await deps.provider.cancelPayment(row.paymentIntentId, `cancel:${orderId}`);
    if (res.status === "succeeded") {
      await markPaid(deps, orderId, row.paymentIntentId, null);
      throw conflict("This order has just been paid.", { status: "PAID" });
    }
  }
  const r = await cancelOrder(deps, orderId, { paymentStatus: "canceled", actor: "shopper" });
  if (r.outcome !== "cancelled") {
    const now = await deps.db.order.findUnique({ where: { id: orderId }, select: { status: true } });
    throw conflict("Only an order waiting for payment can be cancelled here.", { status: now?.status ?? null });
  }
  return viewOf(deps.db, orderId);
}
