import { z } from "zod";
import type { Db } from "../db";
import { orderItemFields } from "./order-view";
import type { PlaceOrderAnswer, ReserveRequest } from "./reserve";

// The reserve step as ONE statement: the call of the database function cw_place_order (its latest body is in
// prisma/migrations/20261207000000_bulk_codes). Everything it is given was decided by the caller; it
// writes it, and locks the hot rows (variants, then discounts) last, inside PostgreSQL, so they are released by the
// statement's own commit.

const int = z.number().int();
const uuid = z.string().uuid();
const json = z.record(z.string(), z.unknown());

/**
 * The one definition of cw_place_order's argument. The request is built as its type (object literals, field by
 * field: TypeScript refuses a missing or an unknown key, so only what the function reads is sent) and not parsed at
 * run time: everything in it was computed by checkout itself. tests/unit/place-order-request.test.ts holds the SQL
 * to it: every field the function reads is here, and every field here is read.
 */
export const placeOrderRequestSchema = z.object({
  cart: z.object({
    id: z.string().min(1),
    /** kv: a guest cart, written into PostgreSQL here with its lines; db: a signed-in cart's row, closed here */
    source: z.enum(["kv", "db"]),
    /** signed-in: the version that was priced (the row is closed only at it); guest: the version of the KV
     *  document as checkout closed it (the row is written with it, and only over an older guest row) */
    version: int,
    sessionId: z.string().nullable(),
    currency: z.string().length(3),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    /** a guest cart's lines (a signed-in cart's are already in PostgreSQL: empty) */
    items: z.array(
      z.object({ id: uuid, productId: int, variantId: int, quantity: int, unitPrice: int, customOptions: json, optionsKey: z.string() }),
    ),
    discountIds: z.array(int),
    /** the single-use codes those discounts were applied with */
    discountCodes: z.array(z.object({ discountId: int, codeId: int })),
  }),
  address: json,
  order: z.object({
    id: uuid,
    userId: uuid.nullable(),
    email: z.string(),
    currency: z.string().length(3),
    subtotal: int,
    discountTotal: int,
    shippingTotal: int,
    shippingTax: int,
    taxTotal: int,
    total: int,
    /** stored as the order's discounts column; each entry's amount counts against its discount's budget */
    discounts: z.array(z.object({ code: z.string().nullable(), type: z.string(), amount: int, discountId: int })),
    orderTokenHash: z.string(),
    reservedUntil: z.string(),
    paymentProvider: z.string(),
    emailKey: z.string(),
    clientKey: z.string().nullable(),
  }),
  items: z.array(
    z.object({
      id: uuid,
      productId: int,
      variantId: int,
      sku: z.string(),
      name: z.string(),
      quantity: int,
      unitPrice: int,
      discount: int,
      tax: int,
      total: int,
      customOptions: json,
    }),
  ),
  key: z.object({ scope: z.string(), key: z.string(), lockedAt: z.string() }),
  /** per-variant quantities, in variant id order */
  stock: z.object({ ids: z.array(int), quantities: z.array(int) }),
  /** the discount ids to redeem */
  redeem: z.array(int),
  /** the single-use codes to take with the order, each of a discount in `redeem` */
  bulkCodes: z.array(z.object({ discountId: int, codeId: int })),
  customerKey: z.string(),
  /** the unpaid-order caps (cw_check_unpaid_orders), or null for none */
  unpaid: z.object({ emailKey: z.string(), clientKey: z.string().nullable(), perEmail: int, perClient: int }).nullable(),
  now: z.string(),
});

export type PlaceOrderRequest = z.output<typeof placeOrderRequestSchema>;
type Request = PlaceOrderRequest;

/** A column checkout always sets on a new order (a bug otherwise, as the parse that was here would have said). */
function required<T>(value: T | null, name: string): T {
  if (value === null) throw new Error(`cw_place_order: the order has no ${name}`);
  return value;
}

export async function reserveByFunction(db: Db, s: ReserveRequest): Promise<PlaceOrderAnswer> {
  const { located, order, lock } = s;
  const cart = located.cart;
  const request: PlaceOrderRequest = {
    cart: {
      id: cart.id,
      source: located.source,
      version: cart.version,
      sessionId: cart.sessionId ?? null,
      currency: cart.currency,
      createdAt: cart.createdAt,
      expiresAt: cart.expiresAt,
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
      discountCodes:
        located.source === "kv" ? cart.discounts.flatMap((d) => (d.codeId != null ? [{ discountId: d.discountId, codeId: d.codeId }] : [])) : [],
    },
    // the order as checkout built it (reserveOnce): its JSON columns hold exactly these shapes
    address: order.shippingAddress as Request["address"],
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
      discounts: order.discounts as Request["order"]["discounts"],
      orderTokenHash: required(order.orderTokenHash, "orderTokenHash"),
      reservedUntil: order.reservedUntil.toISOString(),
      paymentProvider: order.paymentProvider,
      emailKey: required(order.emailKey, "emailKey"),
      clientKey: order.clientKey,
    },
    items: order.items.map(orderItemFields),
    key: { scope: lock.scope, key: lock.key, lockedAt: lock.lockedAt.toISOString() },
    stock: s.stock,
    redeem: s.redeem.map((d) => d.discountId),
    bulkCodes: s.bulkCodes,
    customerKey: s.customerKey,
    unpaid: s.unpaid,
    now: s.now.toISOString(),
  };
  const rows = await db.$queryRaw<{ answer: PlaceOrderAnswer }[]>`SELECT cw_place_order(${JSON.stringify(request)}::jsonb) AS answer`;
  return rows[0]!.answer;
}
