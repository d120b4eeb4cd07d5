import { Prisma, type Db, type PrismaClient } from "../db";
import { recordOrderOnKeySql } from "../idempotency";
import type { PlaceOrderAnswer, ReserveRequest } from "./reserve";
import { stockCtes, type ShortLine } from "./stock";

// The reserve step as a Prisma interactive transaction (READ COMMITTED, the database's default):
//   1. close the cart and check the unpaid-order caps   (one statement)
//   2. write the order, its items and the idempotency recovery point (and a guest cart's lines)   (one statement)
//   3. LAST: lock the hot rows, check, decrement, redeem   (one statement: variants in id order, then discounts)
//   COMMIT.
// Nothing that waits for a hot row comes before step 3, so the hot rows are held only from step 3 to the COMMIT
// (one round trip to the app). Any failure throws out of the callback, which rolls everything back.

/** Unlike the connection pool's own wait (connectionTimeoutMillis 5 s), Prisma's default waits are 2 s and 5 s:
 *  a checkout queued behind a sell-out would fail (5xx) where the single-statement design only waits. */
const TX_OPTIONS = { maxWait: 5_000, timeout: 10_000 };

/** A failure answer: thrown out of the transaction callback so that everything written is rolled back. */
class RolledBack extends Error {
  constructor(readonly answer: PlaceOrderAnswer) {
    super(answer.failure ?? "rolled back");
  }
}

export async function reserveByTransaction(db: PrismaClient, r: ReserveRequest): Promise<PlaceOrderAnswer> {
  try {
    return await db.$transaction(async (tx) => {
      await closeCart(tx, r);
      const createdAt = await writeOrder(tx, r);
      await lockLast(tx, r);
      return { createdAt };
    }, TX_OPTIONS);
  } catch (e) {
    if (e instanceof RolledBack) return e.answer;
    throw e;
  }
}

/**
 * 1. The cart's close, at the version that was priced: a signed-in cart's row (a change since gets cart_changed,
 * and checkout starts over); a guest cart's row is written from its KV document, only over an older guest row (of
 * two checkouts of one guest cart, the second finds it CHECKED_OUT). The unpaid-order caps are checked in the same
 * statement (cw_check_unpaid_orders: a per-shopper advisory lock, held to the commit, then a count that sees every
 * order committed by the holders before).
 */
async function closeCart(tx: Db, r: ReserveRequest): Promise<void> {
  const { cart, source } = r.located;
  const address = JSON.stringify(r.order.shippingAddress);
  const unpaid = r.unpaid ? JSON.stringify(r.unpaid) : null;
  const closing =
    source === "db"
      ? Prisma.sql`
          UPDATE carts SET status = 'CHECKED_OUT', shipping_address = ${address}::jsonb, version = version + 1, updated_at = now()
          WHERE id = ${cart.id} AND status = 'ACTIVE' AND version = ${cart.version}
          RETURNING true AS inserted`
      : Prisma.sql`
          INSERT INTO carts (id, user_id, session_id, status, currency, shipping_address, created_at, updated_at, expires_at, version)
          VALUES (${cart.id}, NULL, ${cart.sessionId ?? cart.id}, 'CHECKED_OUT', ${cart.currency}, ${address}::jsonb,
                  ${cart.createdAt}::timestamptz, now(), ${cart.expiresAt}::timestamptz, ${cart.version})
          ON CONFLICT (id) DO UPDATE
            SET status = 'CHECKED_OUT', currency = EXCLUDED.currency, shipping_address = EXCLUDED.shipping_address,
                updated_at = now(), expires_at = EXCLUDED.expires_at, version = EXCLUDED.version
            WHERE carts.status IN ('ACTIVE', 'ABANDONED') AND carts.user_id IS NULL AND carts.version < EXCLUDED.version
          RETURNING (xmax = 0) AS inserted`;
  const [row] = await tx.$queryRaw<{ closed: boolean; inserted: boolean | null; unpaid: PlaceOrderAnswer | null }[]>`
    WITH closed AS (${closing})
    SELECT EXISTS (SELECT 1 FROM closed) AS closed, (SELECT inserted FROM closed) AS inserted,
           cw_check_unpaid_orders(${unpaid}::jsonb) AS unpaid`;
  if (!row!.closed) {
    // a new statement: it sees the row as the transaction that changed it committed it
    const [now] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text AS status FROM carts WHERE id = ${cart.id}`;
    const status = now?.status;
    throw new RolledBack(source === "db" && status === "ACTIVE" ? { failure: "cart_changed" } : { failure: "cart_not_active", status });
  }
  if (row!.unpaid) throw new RolledBack(row!.unpaid);
  if (source === "kv" && !row!.inserted) {
    // a guest cart checked out again after a cancelled payment: its row gets the lines it has now
    await tx.$executeRaw`
      WITH gone AS (DELETE FROM cart_items WHERE cart_id = ${cart.id})
      DELETE FROM cart_discounts WHERE cart_id = ${cart.id}`;
  }
}

/**
 * 2. The order and its items, a guest cart's lines and codes (its row was written in step 1), and the recovery
 * point on the idempotency key; key_lost when this attempt no longer holds the key.
 */
async function writeOrder(tx: Db, r: ReserveRequest): Promise<string> {
  const { order, located } = r;
  const cart = located.cart;
  const guestLines =
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
      : [];
  const guestCodes = located.source === "kv" ? cart.discounts.map((d) => d.discountId) : [];
  const guestCodeIds = located.source === "kv" ? cart.discounts.map((d) => d.codeId ?? null) : [];
  const items = order.items.map((i) => ({
    id: i.id,
    productId: i.productId,
    variantId: i.variantId,
    sku: i.sku,
    name: i.name,
    quantity: i.quantity,
    unitPrice: i.unitPrice,
    discount: i.discount,
    tax: i.tax,
    total: i.total,
    customOptions: i.customOptions,
  }));
  const [row] = await tx.$queryRaw<{ created_at: Date | null; recorded: boolean }[]>`
    WITH cart_lines AS (
      INSERT INTO cart_items (id, cart_id, product_id, variant_id, quantity, unit_price, custom_options, options_key, created_at, updated_at)
      SELECT i.id, ${cart.id}, i."productId", i."variantId", i.quantity, i."unitPrice", coalesce(i."customOptions", '{}'),
             coalesce(i."optionsKey", ''), now(), now()
      FROM jsonb_to_recordset(${JSON.stringify(guestLines)}::jsonb)
        AS i(id uuid, "productId" int, "variantId" int, quantity int, "unitPrice" int, "customOptions" jsonb, "optionsKey" text)
    ),
    cart_codes AS (
      INSERT INTO cart_discounts (cart_id, discount_id, discount_code_id)
      SELECT ${cart.id}, d.discount_id, d.code_id FROM unnest(${guestCodes}::int[], ${guestCodeIds}::int[]) AS d(discount_id, code_id)
      ON CONFLICT DO NOTHING
    ),
    placed AS (
      INSERT INTO orders (id, user_id, cart_id, email, status, currency, subtotal, discount_total, shipping_total,
                          shipping_tax, tax_total, total, shipping_address, discounts, order_token_hash, reserved_until,
                          payment_provider, payment_status, updated_at, email_key, client_key)
      VALUES (${order.id}::uuid, ${order.userId}::uuid, ${cart.id}, ${order.email}, 'PENDING_PAYMENT', ${order.currency},
              ${order.subtotal}, ${order.discountTotal}, ${order.shippingTotal}, ${order.shippingTax}, ${order.taxTotal},
              ${order.total}, ${JSON.stringify(order.shippingAddress)}::jsonb, ${JSON.stringify(order.discounts)}::jsonb,
              ${order.orderTokenHash}, ${order.reservedUntil}::timestamptz, ${order.paymentProvider}, 'pending', now(),
              ${order.emailKey}, ${order.clientKey})
      RETURNING created_at
    ),
    lines AS (
      INSERT INTO order_items (id, order_id, product_id, variant_id, sku, name, quantity, unit_price, discount, tax, total, custom_options)
      SELECT i.id, ${order.id}::uuid, i."productId", i."variantId", i.sku, i.name, i.quantity, i."unitPrice", i.discount, i.tax,
             i.total, coalesce(i."customOptions", '{}')
      FROM jsonb_to_recordset(${JSON.stringify(items)}::jsonb)
        AS i(id uuid, "productId" int, "variantId" int, sku text, name text, quantity int, "unitPrice" int, discount int,
             tax int, total int, "customOptions" jsonb)
    ),
    recovery AS (${recordOrderOnKeySql(r.lock, order.id)} RETURNING 1)
    SELECT (SELECT created_at FROM placed) AS created_at, EXISTS (SELECT 1 FROM recovery) AS recorded`;
  if (!row!.recorded) throw new RolledBack({ failure: "key_lost" });
  return row!.created_at!.toISOString();
}

/**
 * 3. The hot rows, last: the variants in id order (stockCtes: lock, check every line, decrement only if all are
 * covered), then, only when the stock is there, each discount in id order. A redemption is its own part of the
 * statement (another redemption rule is one more part like it); it runs cw_redeem_discount, whose conditional
 * UPDATE holds max_uses and the budget under the discount row's lock, and whose per-customer count, a new
 * statement inside a volatile function, sees every redemption committed by the lock's earlier holders.
 */
async function lockLast(tx: Db, r: ReserveRequest): Promise<void> {
  const { ids, quantities } = r.stock;
  const discountIds = r.redeem.map((d) => d.discountId);
  const amounts = r.redeem.map((d) => d.amount);
  const codeDiscountIds = r.bulkCodes.map((c) => c.discountId);
  const codeIds = r.bulkCodes.map((c) => c.codeId);
  const [row] = await tx.$queryRaw<
    { short: ShortLine[] | null; redeem_failure: { discountId: number; reason: string } | null; code_missed: number | null }[]
  >`
    WITH ${stockCtes(ids, quantities)},
    redemptions AS MATERIALIZED (
      SELECT q.discount_id, x.failure
      FROM (SELECT t.discount_id, t.amount FROM unnest(${discountIds}::int[], ${amounts}::int[]) AS t(discount_id, amount)
            ORDER BY t.discount_id) AS q
      CROSS JOIN LATERAL cw_redeem_discount(q.discount_id, ${r.customerKey}, ${r.order.userId}::uuid, ${r.order.id}::uuid,
                                            ${r.now}::timestamptz, q.amount) AS x
      WHERE (SELECT ok FROM stock_ok)
    ),
    -- a single-use (bulk) code is taken by this order only while no order holds it, after its discount is redeemed
    -- (whose row lock, taken by cw_redeem_discount, serialises the checkouts of its codes); a code already taken is
    -- left out, and the order fails with usage_limit_reached
    codes_taken AS (
      UPDATE discount_codes dc SET order_id = ${r.order.id}::uuid, used_at = now()
      FROM unnest(${codeDiscountIds}::int[], ${codeIds}::int[]) AS b(discount_id, code_id)
      WHERE dc.id = b.code_id AND dc.discount_id = b.discount_id AND dc.order_id IS NULL
        AND (SELECT ok FROM stock_ok) AND NOT EXISTS (SELECT 1 FROM redemptions WHERE failure IS NOT NULL)
      RETURNING dc.discount_id
    )
    SELECT
      (SELECT json_agg(json_build_object('variantId', c.variant_id, 'requested', c.requested, 'available', greatest(c.available, 0))
                       ORDER BY c.variant_id)
       FROM stock_checked c WHERE c.requested > c.available) AS short,
      (SELECT json_build_object('discountId', d.discount_id, 'reason', d.failure)
       FROM redemptions d WHERE d.failure IS NOT NULL ORDER BY d.discount_id LIMIT 1) AS redeem_failure,
      (SELECT min(b.discount_id) FROM unnest(${codeDiscountIds}::int[]) AS b(discount_id)
       WHERE b.discount_id NOT IN (SELECT discount_id FROM codes_taken)) AS code_missed`;
  if (row!.short) throw new RolledBack({ failure: "insufficient_stock", items: row!.short });
  if (row!.redeem_failure) throw new RolledBack({ failure: "redeem_failed", ...row!.redeem_failure });
  if (row!.code_missed !== null) throw new RolledBack({ failure: "redeem_failed", discountId: row!.code_missed, reason: "usage_limit_reached" });
}
