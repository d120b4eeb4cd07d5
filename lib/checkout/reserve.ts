import type { PrismaClient } from "../db";
import type { IdempotencyLock } from "../idempotency";
import type { LocatedCart } from "../cart";
import type { OrderRow } from "./order-view";
import { reserveByFunction } from "./reserve-function";
import { reserveByTransaction } from "./reserve-transaction";
import type { ShortLine } from "./stock";
import { observe } from "./types";

// Checkout step 3, the reserve step (docs/ARCHITECTURE.md section 5). Everything it is given was decided by the
// caller (place-order.ts); it closes the cart, writes the order and its items and the idempotency recovery point,
// then locks the hot rows (variants in id order, then discounts) LAST, checks and decrements stock and redeems the
// discounts; any failure writes nothing. Two designs exist until the benchmark has chosen one (BENCHMARKS.md):
//  - "transaction": a Prisma interactive transaction, the writes first, the hot-row locks in its last statement;
//  - "function": the database function cw_place_order, the same steps in one statement.
// Both answer the same PlaceOrderAnswer, which place-order.ts alone turns into errors.

export type ReserveDesign = "transaction" | "function";

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

/** Runs the reserve step in the chosen design; records its duration (cartwright_reservation_lock_wait_seconds). */
export async function reserveOrder(db: PrismaClient, design: ReserveDesign, r: ReserveRequest): Promise<PlaceOrderAnswer> {
  const started = performance.now();
  try {
    return design === "function" ? await reserveByFunction(db, r) : await reserveByTransaction(db, r);
  } finally {
    observe((m) => m.reservationLockWait.observe((performance.now() - started) / 1000));
  }
}
