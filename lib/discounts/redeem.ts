import type { Db } from "../db";
import { DISCOUNT_FAILURE_REASONS, type DiscountFailureReason } from "./rules";

const isDiscountFailureReason = (r: unknown): r is DiscountFailureReason => (DISCOUNT_FAILURE_REASONS as readonly unknown[]).includes(r);

// Redemptions of discount uses. A use is redeemed by checkout's reserve statement (cw_place_order calls
// cw_redeem_discount for each discount, in id order, under the discount's row lock: prisma/migrations, latest
// body in 20261207000000_bulk_codes); this module names its failure reasons and gives uses back.

/** The reasons only the cart can give (cw_redeem_discount judges the discount and the customer, not the cart). */
const CART_REASONS = ["min_order_not_met", "not_applicable", "not_combinable", "currency_mismatch", "too_many_codes"] as const;
/** The reasons cw_redeem_discount answers with: the rules' others (their messages: DISCOUNT_FAILURE_MESSAGES). */
export type RedeemFailureReason = Exclude<DiscountFailureReason, (typeof CART_REASONS)[number]>;

/** The reason cw_redeem_discount gave, as one of ours (an unexpected text is a bug: fail loudly). */
export function asFailureReason(reason: unknown): RedeemFailureReason {
  if (isDiscountFailureReason(reason) && !(CART_REASONS as readonly string[]).includes(reason)) return reason as RedeemFailureReason;
  throw new Error(`redeem: unexpected answer from cw_redeem_discount: ${String(reason)}`);
}

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
  // the single-use codes the order took are free again (after the discounts' row locks above, the order checkout
  // takes them in too)
  await tx.$executeRaw`UPDATE discount_codes SET order_id = NULL, used_at = NULL WHERE order_id = ${orderId}::uuid`;
  return rows[0]?.released ?? 0;
}
