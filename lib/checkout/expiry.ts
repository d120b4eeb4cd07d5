import { retryPendingOrderRefunds } from "../orders/desk";
import { cancelOrder, markPaid, retryPendingRefunds } from "./payment-events";
import { clock, logger, type CheckoutDeps } from "./types";

/** While a sweeper works on an expired order (a provider call), the order is leased to it for this long. */
const LEASE_MS = 2 * 60_000;

/**
 * Step 6: orders still PENDING_PAYMENT after reserved_until are released. Safe on any number of instances at
 * once: each batch is picked with FOR UPDATE SKIP LOCKED and leased in the same statement (reserved_until moves
 * LEASE_MS past `now`, so no other sweeper picks the order while this one calls the provider; if this one dies,
 * the order is picked again when the lease runs out). Then, per order and outside any transaction, the
 * PaymentIntent is cancelled at the provider; if it has succeeded meanwhile the order becomes PAID instead;
 * otherwise CANCELLED with the same compensation as a cancelled payment (exactly once, guarded by the status).
 * Also retries refunds left pending (late payments of cancelled orders, and the order desk's). Returns how many orders were cancelled or paid.
 */
export async function expireReservations(deps: CheckoutDeps, opts: { now?: Date; batch?: number } = {}): Promise<number> {
  const now = opts.now ?? clock(deps);
  const batch = Math.max(1, opts.batch ?? 100);
  const leaseUntil = new Date(now.getTime() + LEASE_MS);
  const log = logger(deps);
  let processed = 0;
  for (;;) {
    const leased = await deps.db.$queryRaw<{ id: string; payment_intent_id: string | null }[]>`
      UPDATE orders SET reserved_until = ${leaseUntil}, updated_at = now()
      WHERE id IN (
        SELECT id FROM orders
        WHERE status = 'PENDING_PAYMENT' AND reserved_until < ${now}
        ORDER BY reserved_until
        LIMIT ${batch}
        FOR UPDATE SKIP LOCKED)
      RETURNING id::text AS id, payment_intent_id`;
    for (const o of leased) {
      try {
        let succeeded = false;
        if (o.payment_intent_id) succeeded = (await deps.provider.cancelPayment(o.payment_intent_id, `cancel:${o.id}`)).status === "succeeded";
        const r = succeeded
          ? await markPaid(deps, o.id, o.payment_intent_id!, null)
          : await cancelOrder(deps, o.id, { paymentStatus: "expired" });
        if (r.outcome === "paid" || r.outcome === "cancelled") processed += 1;
      } catch (e) {
        // left PENDING_PAYMENT: picked again once the lease runs out
        log("error", "expiry: could not release an order", { orderId: o.id, err: String(e) });
      }
    }
    if (leased.length < batch) break;
  }
  await retryPendingRefunds(deps, batch).catch((e: unknown) => log("error", "expiry: refund retry failed", { err: String(e) }));
  // the order desk's refunds whose provider call failed are sent again (same idempotency key: never twice)
  await retryPendingOrderRefunds(deps, batch).catch((e: unknown) => log("error", "expiry: order desk refund retry failed", { err: String(e) }));
  return processed;
}
