import type { PrismaClient } from "../db";
import type { IdempotencyLock } from "../idempotency";
import type { LocatedCart } from "../cart";
import type { OrderRow } from "./order-view";
import { reserveByFunction } from "./reserve-function";
import type { ShortLine } from "./stock";
import { observe } from "./types";

// Checkout step 3, the reserve step (docs/ARCHITECTURE.md section 5). Everything it is given was decided by the
// caller (place-order.ts); the database function cw_place_order closes the cart, writes the order and its items and
// the idempotency recovery point, then locks the hot rows (variants in id order, then discounts) LAST, checks and
// decrements stock and redeems the discounts, all in one statement; any failure writes nothing. (A Prisma
// interactive transaction doing the same was measured against it and removed: BENCHMARKS.md section 8 of the run
// that chose.) place-order.ts alone turns its answer into errors.

/** What the reserve step answers: the order's created_at, or why nothing was written. */
export type PlaceOrderAnswer =
  | { createdAt: string; failure?: undefined }
  | { failure: "cart_not_active"; status?: string }
  | { failure: "cart_changed" | "key_lost" }
  | { failure: "unpaid_limit"; scope: "email" | "client"; limit: number }
  | { failure: "insufficient_stock"; items: ShortLine[] }
  | { failure: "redeem_failed"; discountId: number; reason: string };

export type ReserveRequest = {
  located: LocatedCart;
  /** the order and its items, as they are to be written */
  order: OrderRow;
  lock: IdempotencyLock;
  /** per-variant quantities, in variant id order (perVariant) */
  stock: { ids: number[]; quantities: number[] };
  /** the discounts to redeem, in id order, each with the amount this order takes with it (counts against a budget) */
  redeem: { discountId: number; amount: number }[];
  /** the single-use codes to take with the order, each of a discount in `redeem` */
  bulkCodes: { discountId: number; codeId: number }[];
  customerKey: string;
  /** the unpaid-order caps (cw_check_unpaid_orders), or null for none */
  unpaid: UnpaidCaps | null;
  now: Date;
};

/** How many PENDING_PAYMENT orders this e-mail key and this client key (null: not counted) may already hold. */
export type UnpaidCaps = { emailKey: string; clientKey: string | null; perEmail: number; perClient: number };

/** Runs the reserve step; records its duration (cartwright_reservation_lock_wait_seconds). */
export async function reserveOrder(db: PrismaClient, r: ReserveRequest): Promise<PlaceOrderAnswer> {
  const started = performance.now();
  try {
    return await reserveByFunction(db, r);
  } finally {
    observe((m) => m.reservationLockWait.observe((performance.now() - started) / 1000));
  }
}
