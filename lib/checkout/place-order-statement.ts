import type { Db } from "../db";
import type { IdempotencyLock } from "../idempotency";
import type { LocatedCart } from "./carts";
import type { OrderRow } from "./order-view";
import type { ShortLine } from "./stock";
import { observe } from "./types";

// Checkout step 3 as ONE statement: the call of the database function cw_place_order
// (prisma/migrations/20261124020000_checkout_functions, latest body in 20261207000000_bulk_codes), which
// documents the request it reads. Everything it is
// given was decided by the caller; it writes it, and locks the hot rows (variants, then discounts) last.

/** What cw_place_order answers: the order's created_at, or why nothing was written. */
export type PlaceOrderAnswer =
  | { createdAt: string; failure?: undefined }
  | { failure: "cart_not_active"; status?: string }
  | { failure: "cart_changed" | "key_lost" }
  | { failure: "unpaid_limit"; scope: "email" | "client"; limit: number }
  | { failure: "insufficient_stock"; items: ShortLine[] }
  | { failure: "redeem_failed"; discountId: number; reason: string };

export type PlaceOrderStatement = {
  located: LocatedCart;
  /** the order and its items, as they are to be written */
  order: OrderRow;
  lock: IdempotencyLock;
  /** per-variant quantities, in variant id order (perVariant) */
  stock: { ids: number[]; quantities: number[] };
  /** the discount ids to redeem */
  redeem: number[];
  /** the single-use codes to take with the order, each of a discount in `redeem` */
  bulkCodes: { discountId: number; codeId: number }[];
  customerKey: string;
  /** the unpaid-order caps (cw_check_unpaid_orders), or null for none */
  unpaid: UnpaidCaps | null;
  now: Date;
};

/** How many PENDING_PAYMENT orders this e-mail key and this client key (null: not counted) may already hold. */
export type UnpaidCaps = { emailKey: string; clientKey: string | null; perEmail: number; perClient: number };

/** Runs cw_place_order; records the step's duration (cartwright_reservation_lock_wait_seconds). */
export async function runPlaceOrder(db: Db, s: PlaceOrderStatement): Promise<PlaceOrderAnswer> {
  const { located, order, lock } = s;
  const cart = located.cart;
  const request = {
    cart: {
      id: cart.id,
      source: located.source,
      // signed-in: the version that was priced (the row is closed only at it); guest: the version of the KV
      // document as checkout closed it (the row is written with it, and only over an older guest row)
      version: cart.version,
      sessionId: cart.sessionId ?? null,
      currency: cart.currency,
      createdAt: cart.createdAt,
      expiresAt: cart.expiresAt,
      // a guest cart is written into PostgreSQL with its lines; a signed-in cart's lines are already there
      items:
        located.source === "kv"
          ? cart.items.map((l) => ({
              id: l.id,
              productId: l.productId,
              variantId: l.variantId,
              quantity: l.quantity,
              unitPrice: l.unitPrice,
              customOptions: l.customOptions,
              optionsKey: l.optionsKey,
            }))
          : [],
      discountIds: located.source === "kv" ? cart.discounts.map((d) => d.discountId) : [],
      // the single-use codes those discounts were applied with
      discountCodes:
        located.source === "kv" ? cart.discounts.flatMap((d) => (d.codeId != null ? [{ discountId: d.discountId, codeId: d.codeId }] : [])) : [],
    },
    address: order.shippingAddress,
    order: {
      id: order.id,
      userId: order.userId,
      email: order.email,
      currency: order.currency,
      subtotal: order.subtotal,
      discountTotal: order.discountTotal,
      shippingTotal: order.shippingTotal,
      shippingTax: order.shippingTax,
      taxTotal: order.taxTotal,
      total: order.total,
      discounts: order.discounts,
      orderTokenHash: order.orderTokenHash,
      reservedUntil: order.reservedUntil.toISOString(),
      paymentProvider: order.paymentProvider,
      emailKey: order.emailKey,
      clientKey: order.clientKey,
    },
    items: order.items,
    key: { scope: lock.scope, key: lock.key, lockedAt: lock.lockedAt.toISOString() },
    stock: s.stock,
    redeem: s.redeem,
    bulkCodes: s.bulkCodes,
    customerKey: s.customerKey,
    unpaid: s.unpaid,
    now: s.now.toISOString(),
  };
  const started = performance.now();
  try {
    const rows = await db.$queryRaw<{ answer: PlaceOrderAnswer }[]>`SELECT cw_place_order(${JSON.stringify(request)}::jsonb) AS answer`;
    return rows[0]!.answer;
  } finally {
    observe((m) => m.reservationLockWait.observe((performance.now() - started) / 1000));
  }
}
