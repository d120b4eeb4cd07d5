import { randomUUID } from "node:crypto";
import type { Db } from "../db";
import type { DiscountFailureReason } from "./rules";

// Redeeming a discount use: the one database function in lib/discounts (ARCHITECTURE.md). Runs inside the
// caller's transaction (checkout's reserve transaction); a failure is returned, and the caller rolls back.

export type RedeemFailureReason = Extract<
  DiscountFailureReason,
  "unknown" | "inactive" | "not_yet_valid" | "expired" | "usage_limit_reached" | "customer_limit_reached"
>;

export type RedeemResult = { ok: true; redemptionId: string } | { ok: false; reason: RedeemFailureReason; message: string };

export type RedeemInput = {
  /** the user id key or the lower-cased checkout email of a guest (customerKeyOf) */
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
};

const fail = (reason: RedeemFailureReason): RedeemResult => ({ ok: false, reason, message: MESSAGES[reason] });

/**
 * Uses one redemption of a discount, atomically:
 * 1. `UPDATE discounts SET uses_count = uses_count + 1 WHERE id = $1 AND is_active AND <in its window> AND
 *    (max_uses IS NULL OR uses_count < max_uses)`: the global limit can never be exceeded, and the row lock this
 *    takes (held to the end of the caller's transaction) serialises everything that follows for this discount;
 * 2. one INSERT of the redemption row that only happens while the customer's unreleased redemptions are below
 *    max_uses_per_customer. It is a new statement, so under READ COMMITTED it sees every redemption committed by
 *    the transactions that held the row lock before us: the per-customer limit can never be exceeded either.
 * On a failure the caller must roll back its transaction (the uses_count increment of step 1 included).
 */
export async function redeem(tx: Db, discountId: number, input: RedeemInput): Promise<RedeemResult> {
  const now = input.now ?? null;
  const taken = await tx.$queryRaw<{ max_uses_per_customer: number | null }[]>`
    UPDATE discounts SET uses_count = uses_count + 1, updated_at = now()
    WHERE id = ${discountId}::int AND is_active
      AND (valid_from IS NULL OR valid_from <= coalesce(${now}::timestamptz, now()))
      AND (valid_until IS NULL OR valid_until > coalesce(${now}::timestamptz, now()))
      AND (max_uses IS NULL OR uses_count < max_uses)
    RETURNING max_uses_per_customer`;
  const row = taken[0];
  if (!row) return fail(await whyNot(tx, discountId, now));

  const limit = row.max_uses_per_customer;
  const id = randomUUID();
  const inserted = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO discount_redemptions (id, discount_id, order_id, user_id, customer_key, created_at)
    SELECT ${id}::uuid, ${discountId}::int, ${input.orderId}::uuid, ${input.userId}::uuid, ${input.customerKey}, now()
    WHERE ${limit}::int IS NULL OR (
      SELECT count(*) FROM discount_redemptions
      WHERE discount_id = ${discountId}::int AND customer_key = ${input.customerKey} AND released_at IS NULL
    ) < ${limit}::int
    RETURNING id::text AS id`;
  if (!inserted[0]) return fail("customer_limit_reached");
  return { ok: true, redemptionId: id };
}

async function whyNot(tx: Db, discountId: number, now: Date | null): Promise<RedeemFailureReason> {
  const rows = await tx.$queryRaw<{ is_active: boolean; early: boolean; late: boolean; exhausted: boolean }[]>`
    SELECT is_active,
           coalesce(valid_from > coalesce(${now}::timestamptz, now()), false) AS early,
           coalesce(valid_until <= coalesce(${now}::timestamptz, now()), false) AS late,
           coalesce(uses_count >= max_uses, false) AS exhausted
    FROM discounts WHERE id = ${discountId}::int`;
  const d = rows[0];
  if (!d) return "unknown";
  if (!d.is_active) return "inactive";
  if (d.early) return "not_yet_valid";
  if (d.late) return "expired";
  return "usage_limit_reached";
}

/**
 * Gives back the uses an order took (a cancelled order): every unreleased redemption of the order gets
 * released_at, and each discount's uses_count goes down by that many. Exactly once: a redemption already
 * released is not counted again. The discount rows are locked in id order (no deadlock with checkouts, which
 * redeem in id order too). Returns how many redemptions were released.
 */
export async function releaseRedemptions(tx: Db, orderId: string): Promise<number> {
  const rows = await tx.$queryRaw<{ released: number }[]>`
    WITH rel AS (
      UPDATE discount_redemptions SET released_at = now()
      WHERE order_id = ${orderId}::uuid AND released_at IS NULL
      RETURNING discount_id),
    per AS (SELECT discount_id, count(*)::int AS n FROM rel GROUP BY discount_id),
    locked AS MATERIALIZED (
      SELECT d.id FROM discounts d WHERE d.id IN (SELECT discount_id FROM per) ORDER BY d.id FOR NO KEY UPDATE),
    upd AS (
      UPDATE discounts d SET uses_count = d.uses_count - per.n, updated_at = now()
      FROM per WHERE d.id = per.discount_id AND d.id IN (SELECT id FROM locked)
      RETURNING d.id)
    SELECT (SELECT count(*)::int FROM rel) AS released, (SELECT count(*)::int FROM upd) AS updated`;
  return rows[0]?.released ?? 0;
}
