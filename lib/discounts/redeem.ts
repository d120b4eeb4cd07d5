import type { Db } from "../db";
import type { DiscountFailureReason } from "./rules";

// Redeeming a discount use: the one database function in lib/discounts (docs/ARCHITECTURE.md). Runs inside the
// caller's transaction (checkout's reserve transaction); a failure is returned, and the caller rolls back.

export type RedeemFailureReason = Extract<
  DiscountFailureReason,
  "unknown" | "inactive" | "not_yet_valid" | "expired" | "usage_limit_reached" | "customer_limit_reached" | "budget_exhausted"
>;

export type RedeemResult = { ok: true; redemptionId: string } | { ok: false; reason: RedeemFailureReason; message: string };

export type RedeemInput = {
  /** the normalised e-mail key of the customer: the account's for a signed-in shopper, else the checkout e-mail (customerKeyOf) */
  customerKey: string;
  userId: string | null;
  orderId: string | null;
  /**
   * Informational only: the limit enforced is the row's own max_uses_per_customer, read under the row lock (an
   * admin may have changed it since the caller looked).
   */
  maxUsesPerCustomer?: number | null;
  /** the clock the validity window is checked against (default: the database's) */
  now?: Date;
};

const MESSAGES: Record<RedeemFailureReason, string> = {
  unknown: "This code is not valid.",
  inactive: "This code is no longer active.",
  not_yet_valid: "This code can't be used yet.",
  expired: "This code has expired.",
  usage_limit_reached: "This code has reached its usage limit.",
  customer_limit_reached: "You have already used this code as many times as allowed.",
  budget_exhausted: "This discount has run out: its budget is used up.",
};

const fail = (reason: RedeemFailureReason): RedeemResult => ({ ok: false, reason, message: MESSAGES[reason] });

/**
 * Uses one redemption of a discount, atomically, in one statement (cw_redeem_discount, in
 * prisma/migrations/20261124020000_checkout_functions):
 * 1. `UPDATE discounts SET uses_count = uses_count + 1 WHERE id = $1 AND is_active AND <in its window> AND
 *    (max_uses IS NULL OR uses_count < max_uses)`: the global limit can never be exceeded, and the row lock this
 *    takes (held to the end of the caller's transaction) serialises everything that follows for this discount;
 * 2. the customer's unreleased redemptions are counted by a new statement, which under READ COMMITTED sees every
 *    redemption committed by the transactions that held the row lock before us: the per-customer limit can never
 *    be exceeded either; below it, the redemption row is inserted.
 * On a failure the caller must roll back its transaction (the uses_count increment of step 1 included).
 * Checkout redeems inside cw_place_order, which calls the same function.
 */
export async function redeem(tx: Db, discountId: number, input: RedeemInput): Promise<RedeemResult> {
  const rows = await tx.$queryRaw<{ redemption_id: string | null; failure: string | null }[]>`
    SELECT redemption_id::text AS redemption_id, failure
    FROM cw_redeem_discount(${discountId}::int, ${input.customerKey}, ${input.userId}::uuid, ${input.orderId}::uuid, ${input.now ?? null}::timestamptz)`;
  const row = rows[0];
  if (row?.redemption_id) return { ok: true, redemptionId: row.redemption_id };
  return fail(asFailureReason(row?.failure));
}

/** The reason cw_redeem_discount gave, as one of ours (an unexpected text is a bug: fail loudly). */
export function asFailureReason(reason: unknown): RedeemFailureReason {
  if (typeof reason === "string" && Object.hasOwn(MESSAGES, reason)) return reason as RedeemFailureReason;
  throw new Error(`redeem: unexpected answer from cw_redeem_discount: ${String(reason)}`);
}

/** The shopper's message for a failure reason. */
export const redeemFailureMessage = (reason: RedeemFailureReason): string => MESSAGES[reason];

/**
 * Gives back the uses an order took, and the amounts they gave (the budget) (a cancelled order): every unreleased redemption of the order gets
 * released_at, and each discount's uses_count goes down by that many. Exactly once: a redemption already
 * released is not counted again. The discount rows are locked in id order (no deadlock with checkouts, which
 * redeem in id order too). Returns how many redemptions were released.
 */
export async function releaseRedemptions(tx: Db, orderId: string): Promise<number> {
  const rows = await tx.$queryRaw<{ released: number }[]>`
    WITH rel AS (
      UPDATE discount_redemptions SET released_at = now()
      WHERE order_id = ${orderId}::uuid AND released_at IS NULL
      RETURNING discount_id, amount),
    per AS (SELECT discount_id, count(*)::int AS n, sum(amount)::bigint AS given FROM rel GROUP BY discount_id),
    locked AS MATERIALIZED (
      SELECT d.id FROM discounts d WHERE d.id IN (SELECT discount_id FROM per) ORDER BY d.id FOR NO KEY UPDATE),
    upd AS (
      UPDATE discounts d SET uses_count = d.uses_count - per.n, discount_given = d.discount_given - per.given, updated_at = now()
      FROM per WHERE d.id = per.discount_id AND d.id IN (SELECT id FROM locked)
      RETURNING d.id)
    SELECT (SELECT count(*)::int FROM rel) AS released, (SELECT count(*)::int FROM upd) AS updated`;
  return rows[0]?.released ?? 0;
}
