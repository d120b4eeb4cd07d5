import type { Db } from "../db";
import type { PlaceOrderAnswer, ReserveRequest } from "./reserve";

// The reserve step as ONE statement: the call of the database function cw_place_order
// (prisma/migrations/20261206120000_discount_combinations has its latest body), which documents the request it
// reads. Everything it is given was decided by the caller; it writes it, and locks the hot rows (variants, then
// discounts) last, inside PostgreSQL, so they are released by the statement's own commit.

export async function reserveByFunction(db: Db, s: ReserveRequest): Promise<PlaceOrderAnswer> {
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
    redeem: s.redeem.map((d) => d.discountId),
    customerKey: s.customerKey,
    unpaid: s.unpaid,
    now: s.now.toISOString(),
  };
  const rows = await db.$queryRaw<{ answer: PlaceOrderAnswer }[]>`SELECT cw_place_order(${JSON.stringify(request)}::jsonb) AS answer`;
  return rows[0]!.answer;
}
