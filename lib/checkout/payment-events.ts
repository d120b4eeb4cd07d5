import type { Db } from "../db";
import { releaseRedemptions } from "../discounts/redeem";
import { DomainError, notFound } from "../errors";
import { enqueueOrderMail } from "../mail/outbox";
import { isTestProvider, normalizeCardNumber, type NormalizedPaymentEvent } from "../payments";
import { afterRestore, restoreCartTx, type CartRestore } from "../cart";
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
  /** a decline: the order still waits for payment (payment.status "failed"); the shopper may pay again */
  | "declined"
  /** recorded; the order's state made it a no-op (e.g. a decline after the order was paid) */
  | "unchanged"
  /** a success whose payment id, amount or currency is not the order's: recorded and logged, the order unchanged */
  | "mismatch"
  /** a refund or dispute: recorded on the order (payment events), no state change */
  | "recorded";

export type PaymentEventResult = { outcome: PaymentEventOutcome; orderId: string | null };

const TX_OPTIONS = { maxWait: 10_000, timeout: 20_000 };

type OrderState = {
  id: string;
  status: string;
  payment_intent_id: string | null;
  payment_status: string;
  cart_id: string;
  total: number;
  currency: string;
};

async function lockOrder(tx: Db, orderId: string): Promise<OrderState | null> {
  const rows = await tx.$queryRaw<OrderState[]>`
    SELECT id::text AS id, status::text AS status, payment_intent_id, payment_status, cart_id, total, btrim(currency) AS currency
    FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`;
  return rows[0] ?? null;
}

/** Records the event id (with what it said); false when it was recorded before (the event is then a no-op). */
async function recordEvent(tx: Db, event: NormalizedPaymentEvent, orderId: string | null, outcome: string | null = null): Promise<boolean> {
  // The order row is locked BEFORE the event row is inserted: the insert takes a KEY SHARE lock on the order (its
  // foreign key, and the order_events trigger), so two different events for one order that inserted first and then
  // asked for FOR UPDATE would each wait for the other's share lock (a deadlock).
  if (orderId) await tx.$queryRaw`SELECT 1 FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`;
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO payment_events (id, provider, type, payment_intent_id, order_id, received_at, amount, currency, outcome, detail)
    VALUES (${event.id}, ${event.provider}, ${event.type}, ${event.paymentId}, ${orderId}::uuid, now(),
            ${event.amount}::int, ${event.currency}, ${outcome}, ${event.detail})
    ON CONFLICT (id) DO NOTHING
    RETURNING id`;
  return rows.length === 1;
}

/** What applying a recorded event did (shown to admins with the order). */
async function noteOutcome(tx: Db, eventId: string, outcome: string, detail: string | null = null): Promise<void> {
  await tx.$executeRaw`UPDATE payment_events SET outcome = ${outcome}, detail = coalesce(${detail}, detail) WHERE id = ${eventId}`;
}

/**
 * Why a payment's success cannot be the order's payment, or null: another PaymentIntent than the order's, or an
 * amount or currency that is not the order's total (a payment for a stale or tampered amount never pays an order).
 */
function mismatchOf(order: Pick<OrderState, "payment_intent_id" | "total" | "currency">, paymentId: string, event: NormalizedPaymentEvent): string | null {
  const problems: string[] = [];
  if (order.payment_intent_id && order.payment_intent_id !== paymentId) problems.push(`payment ${paymentId} is not the order's ${order.payment_intent_id}`);
  if (event.amount !== null && event.amount !== order.total) problems.push(`amount ${event.amount} is not the order's total ${order.total}`);
  if (event.currency !== null && event.currency.toUpperCase() !== order.currency.trim().toUpperCase())
    problems.push(`currency ${event.currency.toUpperCase()} is not the order's ${order.currency.trim()}`);
  return problems.length ? problems.join("; ") : null;
}

async function findOrderFor(db: Db, event: NormalizedPaymentEvent) {
  const select = { id: true, status: true, paymentIntentId: true, total: true, currency: true } as const;
  if (isUuid(event.orderId)) {
    const byId = await db.order.findUnique({ where: { id: event.orderId }, select });
    if (byId) return byId;
  }
  return db.order.findUnique({ where: { paymentIntentId: event.paymentId }, select });
}

/**
 * Applies one normalised provider event (the Stripe webhook, or the test provider's confirmation):
 * - succeeded -> PAID, only when the payment's id, amount and currency are the order's (else recorded as a
 *   mismatch and logged, nothing changes); for an order already CANCELLED (its stock was released), or already
 *   PAID by another payment, the payment is refunded instead;
 * - refunded / disputed -> recorded on the order (payment events, with amount and state), logged; a full refund
 *   of a PAID order's payment sets payment.status "refunded";
 * - failed (a decline) -> the order stays PENDING_PAYMENT and reserved, with payment.status "failed" and its
 *   declineCode, so the shopper pays again on the same order (the same PaymentIntent); one payment_failed mail per
 *   decline event. The MAX_DECLINES-th decline cancels it: the payment is cancelled at the provider first (if the
 *   provider says it has just succeeded, this is a success), then CANCELLED with the compensation;
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
    await db.$transaction(async (tx) => recordEvent(tx, event, null, "ignored"), TX_OPTIONS);
    logger(deps)("warn", "payments: event for no known order", { eventId: event.id, type: event.type, paymentId: event.paymentId });
    return { outcome: "ignored", orderId: null };
  }
  if (event.type === "payment.refunded" || event.type === "payment.disputed") return recordMoneyEvent(deps, order.id, event);
  if (event.type === "payment.succeeded") {
    if (order.status === "PAID" && order.paymentIntentId && order.paymentIntentId !== event.paymentId)
      return refundSecondPayment(deps, order.id, order.paymentIntentId, event);
    return markPaid(deps, order.id, event.paymentId, event);
  }

  if (order.status !== "PENDING_PAYMENT") {
    // e.g. a decline arriving after the order was paid, or a cancellation after an expiry: record, change nothing
    const fresh = await db.$transaction(async (tx) => recordEvent(tx, event, order.id, "unchanged"), TX_OPTIONS);
    return { outcome: fresh ? "unchanged" : "duplicate", orderId: order.id };
  }
  if (event.type === "payment.failed") return recordDecline(deps, order.id, event);
  return cancelOrder(deps, order.id, { event, paymentStatus: "canceled" });
}

/** Declines one order takes before it is cancelled (the contract: "after 5 declines"). */
export const MAX_DECLINES = 5;

/**
 * A decline: recorded with the order still PENDING_PAYMENT and reserved (payment.status "failed", its declineCode),
 * and one payment_failed mail for this event, in one transaction under the order row lock. The PaymentIntent is NOT
 * cancelled: the shopper confirms it again with another card. Declines are counted from the recorded events under
 * that lock, so concurrent declines count one after the other; the one that reaches MAX_DECLINES (and any later one,
 * e.g. after a crash between the commit and the cancellation) cancels the order like an expiry does: at the
 * provider first, outside any transaction, then the compensation, exactly once (cancelOrder's status guard).
 */
async function recordDecline(deps: CheckoutDeps, orderId: string, event: NormalizedPaymentEvent): Promise<PaymentEventResult> {
  const decided = await deps.db.$transaction(async (tx): Promise<{ outcome: PaymentEventOutcome; paymentId: string | null; limit: boolean }> => {
    if (!(await recordEvent(tx, event, orderId))) return { outcome: "duplicate", paymentId: null, limit: false };
    const order = await lockOrder(tx, orderId);
    if (!order || order.status !== "PENDING_PAYMENT") {
      await noteOutcome(tx, event.id, "unchanged");
      return { outcome: "unchanged", paymentId: null, limit: false };
    }
    const counted = await tx.$queryRaw<{ declines: number }[]>`
      SELECT count(*)::int AS declines FROM payment_events WHERE order_id = ${orderId}::uuid AND type = 'payment.failed'`;
    const declines = counted[0]?.declines ?? 1;
    await tx.$executeRaw`
      UPDATE orders SET payment_status = 'failed', decline_code = ${event.declineCode}, updated_at = now() WHERE id = ${orderId}::uuid`;
    await enqueueOrderMail(tx, "payment_failed", orderId, { declineCode: event.declineCode }, event.id);
    await noteOutcome(tx, event.id, "declined", `decline ${declines} of ${MAX_DECLINES}`);
    return { outcome: "declined", paymentId: order.payment_intent_id ?? event.paymentId, limit: declines >= MAX_DECLINES };
  }, TX_OPTIONS);
  if (!decided.limit || !decided.paymentId) return { outcome: decided.outcome, orderId };
  logger(deps)("warn", "payments: too many declines; cancelling the order", { orderId, paymentId: decided.paymentId });
  // Network call, outside any transaction. Idempotent at the provider (the key is the order's).
  const res = await deps.provider.cancelPayment(decided.paymentId, `cancel:${orderId}`);
  if (res.status === "succeeded") return markPaid(deps, orderId, decided.paymentId, null);
  const cancelled = await cancelOrder(deps, orderId, { paymentStatus: "failed", declineCode: event.declineCode });
  return { outcome: cancelled.outcome === "cancelled" ? "cancelled" : "declined", orderId };
}

/**
 * PENDING_PAYMENT -> PAID, when the event's payment id, amount and currency are the order's (a mismatch is
 * recorded and logged, and changes nothing). For a CANCELLED order the money goes back (refund, idempotency key
 * "refund:<order>"). `event` null: the sweeper found the payment succeeded at the provider for this very order.
 */
export async function markPaid(
  deps: CheckoutDeps,
  orderId: string,
  paymentId: string,
  event: NormalizedPaymentEvent | null,
): Promise<PaymentEventResult> {
  const now = clock(deps);
  const { outcome, mismatch } = await deps.db.$transaction(async (tx): Promise<{ outcome: PaymentEventOutcome; mismatch: string | null }> => {
    if (event && !(await recordEvent(tx, event, orderId))) return { outcome: "duplicate", mismatch: null };
    const order = await lockOrder(tx, orderId);
    if (!order) return { outcome: "ignored", mismatch: null };
    const mismatch = event ? mismatchOf(order, paymentId, event) : null;
    let outcome: PaymentEventOutcome = "unchanged";
    if (order.status === "PENDING_PAYMENT") {
      if (mismatch) outcome = "mismatch";
      else {
        await tx.$executeRaw`
          UPDATE orders SET status = 'PAID', paid_at = ${now}, payment_status = 'succeeded', decline_code = NULL,
                 payment_intent_id = coalesce(payment_intent_id, ${paymentId}), updated_at = now()
          WHERE id = ${orderId}::uuid`;
        // the confirmation is written with the status change: it exists exactly when the order is PAID
        await enqueueOrderMail(tx, "order_paid", orderId, {});
        outcome = "paid";
      }
    } else if (order.status === "CANCELLED" && order.payment_status !== "refunded") {
      // whatever it was for, money arrived for an order that no longer holds its stock: it goes back
      await tx.$executeRaw`UPDATE orders SET payment_status = 'refund_pending', updated_at = now() WHERE id = ${orderId}::uuid`;
      outcome = "refund_pending";
    }
    if (event) await noteOutcome(tx, event.id, outcome, mismatch);
    return { outcome, mismatch };
  }, TX_OPTIONS);
  if (outcome === "mismatch")
    logger(deps)("error", "payments: a payment succeeded that does not match its order; the order is unchanged", {
      orderId,
      paymentId,
      eventId: event?.id,
      mismatch,
    });
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

/**
 * A success for an order already PAID by another payment (two PaymentIntents for one order, e.g. one created by
 * hand): the second one is refunded BEFORE the event is recorded, so a failed refund answers 5xx and the
 * provider's retry of the webhook tries again; the refund's idempotency key is the payment's, so retries and
 * concurrent deliveries refund it once.
 */
async function refundSecondPayment(deps: CheckoutDeps, orderId: string, paidWith: string, event: NormalizedPaymentEvent): Promise<PaymentEventResult> {
  logger(deps)("warn", "payments: a second payment succeeded for an order already paid; refunding it", { orderId, paymentId: event.paymentId, paidWith });
  await deps.provider.refundPayment(event.paymentId, `refund:${event.paymentId}`);
  const fresh = await deps.db.$transaction(async (tx) => {
    if (!(await recordEvent(tx, event, orderId, "refunded"))) return false;
    await noteOutcome(tx, event.id, "refunded", `order already paid by ${paidWith}`);
    return true;
  }, TX_OPTIONS);
  logger(deps)("warn", "payments: refunded a second payment for an order already paid", { orderId, paymentId: event.paymentId });
  return { outcome: fresh ? "refunded" : "duplicate", orderId };
}

/**
 * A refund or a dispute reported by the provider: recorded on the order with its amount and state, and logged
 * (a dispute needs someone to answer it). A full refund of the payment that paid the order also shows as
 * payment.status "refunded"; nothing else changes (the goods may have shipped: that is for people to decide).
 */
async function recordMoneyEvent(deps: CheckoutDeps, orderId: string, event: NormalizedPaymentEvent): Promise<PaymentEventResult> {
  const fresh = await deps.db.$transaction(async (tx) => {
    if (!(await recordEvent(tx, event, orderId, "recorded"))) return false;
    if (event.type === "payment.refunded" && event.amount !== null) {
      await tx.$executeRaw`
        UPDATE orders SET payment_status = 'refunded', updated_at = now()
        WHERE id = ${orderId}::uuid AND status = 'PAID' AND payment_intent_id = ${event.paymentId} AND total <= ${event.amount}::int`;
    }
    return true;
  }, TX_OPTIONS);
  if (fresh)
    logger(deps)("warn", `payments: ${event.type === "payment.disputed" ? "a dispute" : "a refund"} was reported for an order`, {
      orderId,
      paymentId: event.paymentId,
      eventId: event.id,
      amount: event.amount,
      currency: event.currency,
      detail: event.detail,
    });
  return { outcome: fresh ? "recorded" : "duplicate", orderId };
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
  /** what the cancellation mail says; default from paymentStatus ("expired", else "canceled") */
  mailReason?: "expired" | "canceled" | "admin";
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
        if (order.status !== "PENDING_PAYMENT") {
          if (reason.event) await noteOutcome(tx, reason.event.id, "unchanged");
          return { outcome: "unchanged", restore: none };
        }
        if (reason.event) await noteOutcome(tx, reason.event.id, "cancelled");
        await tx.$executeRaw`
          UPDATE orders SET status = 'CANCELLED', cancelled_at = now(), payment_status = ${reason.paymentStatus},
                 decline_code = ${reason.declineCode ?? null}, updated_at = now()
          WHERE id = ${orderId}::uuid`;
        // a cancellation after too many declines: each decline had its payment_failed mail; this one says the order is gone
        await enqueueOrderMail(tx, "order_cancelled", orderId, { reason: reason.mailReason ?? (reason.paymentStatus === "expired" ? "expired" : "canceled") });
        const items = await tx.orderItem.findMany({ where: { orderId }, select: { variantId: true, quantity: true } });
        const quantities = new Map<number, number>();
        for (const i of items) quantities.set(i.variantId, (quantities.get(i.variantId) ?? 0) + i.quantity);
        const restore = await restoreCartTx(tx, deps, order.cart_id, quantities);
        await restock(tx, items);
        await releaseRedemptions(tx, orderId);
        return { outcome: "cancelled", restore };
      }, TX_OPTIONS);
      await afterRestore(deps, result.restore).catch((e: unknown) =>
        logger(deps)("warn", "checkout: could not restore the cart's KV copy", { ...result.restore, err: String(e) }),
      );
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
  // the declines so far number this attempt: another card after a decline is a new event, a double submit is not
  const attempt = await deps.db.paymentEvent.count({ where: { orderId: order.id, type: "payment.failed" } });
  // the card form charges the order's total, as Stripe's PaymentIntent carries it
  await applyPaymentEvent(deps, provider.confirmTestCard(row.paymentIntentId, order.id, card, { amount: order.summary.total, currency: order.currency }, attempt));
  return getOrderForViewer(deps.db, order.id, viewer);
}
