import type { Db } from "../db";
import { releaseRedemptions } from "../discounts/redeem";
import { DomainError, notFound } from "../errors";
import { isTestProvider, normalizeCardNumber, type NormalizedPaymentEvent } from "../payments";
import { afterRestore, restoreCartTx, type CartRestore } from "./carts";
import { getOrderForViewer, isUuid, type OrderView, type OrderViewer } from "./order-view";
import { restock } from "./stock";
import { clock, isUniqueViolation, logger, observe, type CheckoutDeps } from "./types";

// Step 5 (payment events) and the compensation shared with step 6 (expiry). Every change to an order happens in
// a transaction holding the order row (SELECT ... FOR UPDATE) and is guarded by the order's status, so events
// may arrive in any order and any number of times: PAID and CANCELLED are final, and the compensation (restock,
// discount release, cart back) runs exactly once, with the status change that makes it so.

export type PaymentEventOutcome =
  /** this event id was applied before */
  | "duplicate"
  /** no order of ours */
  | "ignored"
  | "paid"
  | "cancelled"
  /** succeeded for an order already cancelled: the payment was refunded */
  | "refunded"
  /** as "refunded", but the refund call failed; it is retried (duplicate delivery, expiry sweep) */
  | "refund_pending"
  /** recorded; the order's state made it a no-op (e.g. a decline after the order was paid) */
  | "unchanged";

export type PaymentEventResult = { outcome: PaymentEventOutcome; orderId: string | null };

const TX_OPTIONS = { maxWait: 10_000, timeout: 20_000 };

type OrderState = { id: string; status: string; payment_intent_id: string | null; payment_status: string; cart_id: string };

async function lockOrder(tx: Db, orderId: string): Promise<OrderState | null> {
  const rows = await tx.$queryRaw<OrderState[]>`
    SELECT id::text AS id, status::text AS status, payment_intent_id, payment_status, cart_id
    FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`;
  return rows[0] ?? null;
}

/** Records the event id; false when it was recorded before (the event is then a no-op). */
async function recordEvent(tx: Db, event: NormalizedPaymentEvent, orderId: string | null): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO payment_events (id, provider, type, payment_intent_id, order_id, received_at)
    VALUES (${event.id}, ${event.provider}, ${event.type}, ${event.paymentId}, ${orderId}::uuid, now())
    ON CONFLICT (id) DO NOTHING
    RETURNING id`;
  return rows.length === 1;
}

async function findOrderFor(db: Db, event: NormalizedPaymentEvent) {
  const select = { id: true, status: true, paymentIntentId: true } as const;
  if (isUuid(event.orderId)) {
    const byId = await db.order.findUnique({ where: { id: event.orderId }, select });
    if (byId) return byId;
  }
  return db.order.findUnique({ where: { paymentIntentId: event.paymentId }, select });
}

/**
 * Applies one normalised provider event (the Stripe webhook, or the test provider's confirmation):
 * - succeeded -> PAID; for an order already CANCELLED (its stock was released) the payment is refunded instead;
 * - failed -> the payment is cancelled at the provider first (if the provider says it has just succeeded, this is
 *   a success), then CANCELLED with order.payment.declineCode and the compensation;
 * - canceled -> CANCELLED with the compensation.
 * The event id is recorded in the same transaction as the change it makes, so a failure before the commit (the
 * provider unreachable...) leaves the event unrecorded and the provider's retry applies it.
 */
export async function applyPaymentEvent(deps: CheckoutDeps, event: NormalizedPaymentEvent): Promise<PaymentEventResult> {
  let result = "error";
  try {
    const r = await applyEvent(deps, event);
    result = r.outcome;
    return r;
  } finally {
    observe((m) => m.webhookEvents.inc({ type: event.type, result }));
  }
}

async function applyEvent(deps: CheckoutDeps, event: NormalizedPaymentEvent): Promise<PaymentEventResult> {
  const { db } = deps;
  const seen = await db.paymentEvent.findUnique({ where: { id: event.id }, select: { orderId: true } });
  if (seen) {
    if (seen.orderId) await retryRefundIfPending(deps, seen.orderId);
    return { outcome: "duplicate", orderId: seen.orderId };
  }
  const order = await findOrderFor(db, event);
  if (!order) {
    await db.$transaction(async (tx) => recordEvent(tx, event, null), TX_OPTIONS);
    logger(deps)("warn", "payments: event for no known order", { eventId: event.id, type: event.type, paymentId: event.paymentId });
    return { outcome: "ignored", orderId: null };
  }
  if (event.type === "payment.succeeded") return markPaid(deps, order.id, event.paymentId, event);

  if (order.status !== "PENDING_PAYMENT") {
    // e.g. a decline arriving after the order was paid, or a cancellation after an expiry: record, change nothing
    const fresh = await db.$transaction(async (tx) => recordEvent(tx, event, order.id), TX_OPTIONS);
    return { outcome: fresh ? "unchanged" : "duplicate", orderId: order.id };
  }
  if (event.type === "payment.failed") {
    // Network call, outside any transaction. Idempotent at the provider (the key is the order's).
    const res = await deps.provider.cancelPayment(event.paymentId, `cancel:${order.id}`);
    if (res.status === "succeeded") return markPaid(deps, order.id, event.paymentId, event);
  }
  return cancelOrder(deps, order.id, {
    event,
    paymentStatus: event.type === "payment.failed" ? "failed" : "canceled",
    declineCode: event.type === "payment.failed" ? event.declineCode : null,
  });
}

/** PENDING_PAYMENT -> PAID. For a CANCELLED order the money goes back (refund, idempotency key "refund:<order>"). */
export async function markPaid(
  deps: CheckoutDeps,
  orderId: string,
  paymentId: string,
  event: NormalizedPaymentEvent | null,
): Promise<PaymentEventResult> {
  const now = clock(deps);
  const outcome = await deps.db.$transaction(async (tx): Promise<PaymentEventOutcome> => {
    if (event && !(await recordEvent(tx, event, orderId))) return "duplicate";
    const order = await lockOrder(tx, orderId);
    if (!order) return "ignored";
    if (order.status === "PENDING_PAYMENT") {
      await tx.$executeRaw`
        UPDATE orders SET status = 'PAID', paid_at = ${now}, payment_status = 'succeeded',
               payment_intent_id = coalesce(payment_intent_id, ${paymentId}), updated_at = now()
        WHERE id = ${orderId}::uuid`;
      return "paid";
    }
    if (order.status === "CANCELLED" && order.payment_status !== "refunded") {
      await tx.$executeRaw`UPDATE orders SET payment_status = 'refund_pending', updated_at = now() WHERE id = ${orderId}::uuid`;
      return "refund_pending";
    }
    return "unchanged";
  }, TX_OPTIONS);
  if (outcome === "refund_pending") {
    logger(deps)("warn", "payments: a payment succeeded for a cancelled order; refunding it", { orderId, paymentId });
    const refunded = await refund(deps, orderId, paymentId);
    return { outcome: refunded ? "refunded" : "refund_pending", orderId };
  }
  return { outcome, orderId };
}

async function refund(deps: CheckoutDeps, orderId: string, paymentId: string): Promise<boolean> {
  try {
    await deps.provider.refundPayment(paymentId, `refund:${orderId}`);
  } catch (e) {
    logger(deps)("error", "payments: refund failed; it will be retried", { orderId, paymentId, err: String(e) });
    return false;
  }
  await deps.db.order.updateMany({ where: { id: orderId, paymentStatus: "refund_pending" }, data: { paymentStatus: "refunded" } });
  logger(deps)("warn", "payments: refunded a payment for a cancelled order", { orderId, paymentId });
  return true;
}

async function retryRefundIfPending(deps: CheckoutDeps, orderId: string): Promise<void> {
  const o = await deps.db.order.findUnique({ where: { id: orderId }, select: { paymentStatus: true, paymentIntentId: true } });
  if (o?.paymentStatus === "refund_pending" && o.paymentIntentId) await refund(deps, orderId, o.paymentIntentId);
}

/** Refunds still pending (a refund call that failed earlier), for the sweeper. Returns how many went through. */
export async function retryPendingRefunds(deps: CheckoutDeps, batch = 100): Promise<number> {
  const rows = await deps.db.order.findMany({
    where: { status: "CANCELLED", paymentStatus: "refund_pending", paymentIntentId: { not: null } },
    select: { id: true, paymentIntentId: true },
    take: batch,
  });
  let n = 0;
  for (const r of rows) if (await refund(deps, r.id, r.paymentIntentId!)) n += 1;
  return n;
}

export type CancelReason = {
  event?: NormalizedPaymentEvent | null;
  paymentStatus: "failed" | "canceled" | "expired";
  declineCode?: string | null;
  /** who cancels, for the order's history ("shopper", an admin); default: the system */
  actor?: string;
};

/**
 * PENDING_PAYMENT -> CANCELLED with the compensation, in one transaction: the cart comes back (carts first),
 * every line is restocked (variants, in id order), the discount uses are released (discounts, in id order).
 * Exactly once: the status guard under the order row lock. No network call inside; the KV copy of the cart is
 * written after the commit.
 */
export async function cancelOrder(deps: CheckoutDeps, orderId: string, reason: CancelReason): Promise<PaymentEventResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await deps.db.$transaction(async (tx): Promise<{ outcome: PaymentEventOutcome; restore: CartRestore }> => {
        const none: CartRestore = { kind: "none" };
        if (reason.event && !(await recordEvent(tx, reason.event, orderId))) return { outcome: "duplicate", restore: none };
        // the order_events trigger reads the actor of this transaction
        if (reason.actor) await tx.$queryRaw`SELECT set_config('cartwright.actor', ${reason.actor}, true)`;
        const order = await lockOrder(tx, orderId);
        if (!order) return { outcome: "ignored", restore: none };
        if (order.status !== "PENDING_PAYMENT") return { outcome: "unchanged", restore: none };
        await tx.$executeRaw`
          UPDATE orders SET status = 'CANCELLED', cancelled_at = now(), payment_status = ${reason.paymentStatus},
                 decline_code = ${reason.declineCode ?? null}, updated_at = now()
          WHERE id = ${orderId}::uuid`;
        const items = await tx.orderItem.findMany({ where: { orderId }, select: { variantId: true, quantity: true } });
        const quantities = new Map<number, number>();
        for (const i of items) quantities.set(i.variantId, (quantities.get(i.variantId) ?? 0) + i.quantity);
        const restore = await restoreCartTx(tx, deps, order.cart_id, quantities);
        await restock(tx, items);
        await releaseRedemptions(tx, orderId);
        return { outcome: "cancelled", restore };
      }, TX_OPTIONS);
      await afterRestore(deps, result.restore);
      return { outcome: result.outcome, orderId };
    } catch (e) {
      // the user's new ACTIVE cart appeared while this cart was coming back: run again, it will be merged
      if (isUniqueViolation(e) && attempt < 3) continue;
      throw e;
    }
  }
}

/**
 * The test provider's stand-in for the card form and the webhook: decides the outcome from Stripe's public test
 * card numbers, applies the event, returns the order. Same access rule as reading the order. Only when the test
 * provider is the active one (else 404). An order no longer awaiting payment is returned as it is.
 */
export async function confirmTestPayment(
  deps: CheckoutDeps,
  input: { orderId: string; cardNumber: string },
  viewer: OrderViewer,
): Promise<OrderView> {
  const provider = deps.provider;
  if (!isTestProvider(provider)) throw notFound("Test payments");
  const card = normalizeCardNumber(input.cardNumber);
  const order = await getOrderForViewer(deps.db, input.orderId, viewer);
  if (order.status !== "PENDING_PAYMENT") return order;
  const row = await deps.db.order.findUnique({ where: { id: order.id }, select: { paymentIntentId: true } });
  if (!row?.paymentIntentId) throw new DomainError("conflict", "The payment for this order has not been started yet. Try checking out again.");
  await applyPaymentEvent(deps, provider.confirmTestCard(row.paymentIntentId, order.id, card));
  return getOrderForViewer(deps.db, order.id, viewer);
}
