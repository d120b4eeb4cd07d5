import { randomUUID } from "node:crypto";
import { effectivePrice } from "../catalog";
import type { CartRecord } from "../cart/model";
import { pricingLines } from "../cart/view";
import { Prisma, type Db } from "../db";
import { redeem, type RedeemFailureReason } from "../discounts/redeem";
import { countCustomerRedemptions, customerKeyOf, findDiscountsByIds } from "../discounts/repository";
import { validateDiscount, type DiscountRule } from "../discounts/rules";
import { DomainError, isDomainError, notFound, toErrorResponse, type ErrorBody, type ErrorCode } from "../errors";
import {
  beginIdempotent,
  completeIdempotent,
  fingerprintOf,
  recordOrderOnKey,
  releaseIdempotent,
  type IdempotencyLock,
} from "../idempotency";
import { findShippingRate, priceCart, type AppliedDiscount, type CartSummary, type RateTables, type ShippingAddress } from "../pricing";
import { loadRateTables } from "../rates";
import { afterCheckout, locateCart, mutateLocated, type LocatedCart } from "./carts";
import { hashOrderToken, loadOrderRow, newOrderToken, orderedUuids, orderJson, type OrderView } from "./order-view";
import { reserveStock, type ShortLine } from "./stock";
import { clock, isRetryableTxError, logger, observe, type CheckoutDeps } from "./types";

export const CHECKOUT_SCOPE = "checkout";

export type PlaceOrderInput = {
  cartId: string;
  /** required; stored lower-cased (it is the per-customer key of a guest) */
  email: string;
  /** overrides (and is saved onto) the cart's address; without either, 400 validation_failed on shippingAddress */
  shippingAddress?: ShippingAddress | null;
  /** the Idempotency-Key header (a UUID, checked by the route) */
  idempotencyKey: string;
  actor: { userId: string | null };
};

export type CheckoutResponseBody = {
  order: OrderView;
  /** lets a guest read the order (GET /api/orders/{id} with `Authorization: Bearer <orderToken>`) */
  orderToken: string;
  /** clientSecret is null only for an order with nothing to pay (total 0: it is PAID at once) */
  payment: { provider: string; clientSecret: string | null };
};

export type PlaceOrderResult = { status: 201; body: CheckoutResponseBody; replayed: boolean };

/** The transaction must be short; these only bound waiting for a pooled connection under load. */
const TX_OPTIONS = { maxWait: 10_000, timeout: 20_000 };
const CART_RETRIES = 3;

/** The cart changed between reading and reserving (another tab): the attempt starts over. */
class CartChanged extends Error {}

/** A 409 that is not a final answer: the key is released, the same key may be retried. */
class RetryableConflict extends DomainError {
  constructor(message: string) {
    super("conflict", message);
  }
}

class RedeemFailed extends Error {
  constructor(
    readonly discount: AppliedDiscount,
    readonly reason: RedeemFailureReason,
    readonly userMessage: string,
  ) {
    super(userMessage);
  }
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * Checkout (ARCHITECTURE.md, steps 1-4): idempotency, re-pricing, ONE short reserve transaction, then the payment.
 * Returns the 201 answer (fresh or replayed); every other answer is a thrown DomainError. Final 4xx answers are
 * stored on the idempotency key and replayed as the same error.
 */
export async function placeOrder(deps: CheckoutDeps, input: PlaceOrderInput): Promise<PlaceOrderResult> {
  let outcome = "error";
  try {
    const result = await placeOrderCounted(deps, input);
    outcome = result.replayed ? "replayed" : "placed";
    return result;
  } catch (e) {
    if (isDomainError(e)) outcome = e.code;
    throw e;
  } finally {
    observe((m) => m.checkouts.inc({ outcome }));
  }
}

async function placeOrderCounted(deps: CheckoutDeps, input: PlaceOrderInput): Promise<PlaceOrderResult> {
  const email = normalizeEmail(input.email);
  const fingerprint = fingerprintOf({
    cartId: input.cartId,
    email,
    shippingAddress: input.shippingAddress ?? null,
    userId: input.actor.userId,
  });
  const begun = await beginIdempotent(deps.db, { scope: CHECKOUT_SCOPE, key: input.idempotencyKey, fingerprint });
  if (begun.kind === "replay") return replay(begun.status, begun.body);
  const lock: IdempotencyLock = { scope: begun.scope, key: begun.key, lockedAt: begun.lockedAt };
  try {
    let orderId: string;
    let token: string;
    if (begun.kind === "resume") {
      orderId = begun.orderId;
      token = await resumeOrder(deps, orderId);
    } else {
      ({ orderId, token } = await reserve(deps, { ...input, email }, lock));
    }
    return { status: 201, body: await pay(deps, lock, orderId, token), replayed: false };
  } catch (e) {
    await settleFailure(deps, lock, e);
    throw e;
  }
}

function replay(status: number, body: unknown): PlaceOrderResult {
  if (status === 201) return { status: 201, body: body as CheckoutResponseBody, replayed: true };
  const err = (body as ErrorBody | null)?.error;
  throw new DomainError((err?.code ?? "internal_error") as ErrorCode, err?.message ?? "The original request failed.", err?.details);
}

/** A final 4xx is stored for replay; anything else (5xx, provider down, a transient conflict) releases the key. */
async function settleFailure(deps: CheckoutDeps, lock: IdempotencyLock, e: unknown): Promise<void> {
  try {
    const final =
      isDomainError(e) &&
      e.httpStatus >= 400 &&
      e.httpStatus < 500 &&
      !(e instanceof RetryableConflict) &&
      e.code !== "idempotency_key_in_use" &&
      e.code !== "rate_limited";
    if (final) {
      const { status, body } = toErrorResponse(e);
      await completeIdempotent(deps.db, lock, status, body);
    } else {
      await releaseIdempotent(deps.db, lock);
    }
  } catch (err) {
    logger(deps)("error", "checkout: could not settle the idempotency key", { key: lock.key, err: String(err) });
  }
}

// ---- steps 2-3: re-price and reserve ---------------------------------------------------------------------------

async function reserve(
  deps: CheckoutDeps,
  input: PlaceOrderInput,
  lock: IdempotencyLock,
): Promise<{ orderId: string; token: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await reserveOnce(deps, input, lock);
    } catch (e) {
      if ((e instanceof CartChanged || isRetryableTxError(e)) && attempt < CART_RETRIES) continue;
      if (e instanceof CartChanged) throw new RetryableConflict("Your cart changed while you were checking out. Please try again.");
      throw e;
    }
  }
}

type VariantRow = Awaited<ReturnType<typeof loadVariants>>[number];

function loadVariants(db: Db, ids: number[]) {
  return db.productVariant.findMany({ where: { id: { in: ids } }, include: { product: true } });
}

const sellable = (v: VariantRow | undefined, currency: string): v is VariantRow =>
  !!v && v.isActive && v.product.isActive && v.product.currency.trim() === currency;

function insufficientStock(items: ShortLine[]): DomainError {
  const message =
    items.length === 1
      ? items[0]!.available === 0
        ? "An item in your cart is out of stock."
        : `Only ${items[0]!.available} of an item in your cart ${items[0]!.available === 1 ? "is" : "are"} available.`
      : "Some items in your cart are not available in the quantities you want.";
  return new DomainError("insufficient_stock", message, { items });
}

async function reserveOnce(deps: CheckoutDeps, input: PlaceOrderInput, lock: IdempotencyLock): Promise<{ orderId: string; token: string }> {
  const { db } = deps;
  const now = clock(deps);
  const located = await locateCart(deps, input.cartId);
  if (!located) throw notFound("Cart");
  const cart = located.cart;
  if (cart.userId !== null && cart.userId !== input.actor.userId) throw new DomainError("forbidden", "This cart belongs to another account.");
  if (cart.status !== "ACTIVE") throw new DomainError("cart_not_active", "This cart has already been checked out.", { status: cart.status });
  if (cart.items.length === 0) throw new DomainError("cart_empty", "Your cart is empty.");

  const address = input.shippingAddress ?? cart.shippingAddress;
  if (!address) {
    const message = "A shipping address is required to check out.";
    throw new DomainError("validation_failed", message, { fieldErrors: { shippingAddress: [message] } });
  }
  const rates = await loadRateTables(db);
  findShippingRate(address, cart.currency, rates); // 400 on shippingAddress.country when we do not ship there

  // Step 2: re-price against the catalog as it is now.
  const variants = new Map((await loadVariants(db, [...new Set(cart.items.map((l) => l.variantId))])).map((v) => [v.id, v]));
  const requested = new Map<number, number>();
  for (const l of cart.items) requested.set(l.variantId, (requested.get(l.variantId) ?? 0) + l.quantity);
  const short: ShortLine[] = [];
  for (const [variantId, qty] of [...requested].sort(([a], [b]) => a - b)) {
    const v = variants.get(variantId);
    const available = sellable(v, cart.currency) ? v.stockQuantity : 0;
    if (qty > available) short.push({ variantId, requested: qty, available: Math.max(0, available) });
  }
  if (short.length) throw insufficientStock(short); // fails early without a lock; the transaction checks again

  const price = (variantId: number) => {
    const v = variants.get(variantId)!;
    return effectivePrice(v.product.basePrice, v.priceOverride);
  };
  const changes = cart.items
    .filter((l) => price(l.variantId) !== l.unitPrice)
    .map((l) => ({ itemId: l.id, variantId: l.variantId, oldUnitPrice: l.unitPrice, newUnitPrice: price(l.variantId) }));
  if (changes.length) {
    const prices = new Map(cart.items.map((l) => [l.variantId, price(l.variantId)]));
    const updated = await mutateLocated(deps, located, (c) => withPrices(c, prices, now));
    if (!updated) throw notFound("Cart");
    const summary = await summaryOf(db, updated, address, rates, now);
    throw new DomainError(
      "prices_changed",
      "Some prices changed since you added the items. Your cart has the new prices: please review the total and confirm.",
      { changes, summary },
    );
  }

  // Discounts: valid again now, and for this customer.
  const orderUserId = input.actor.userId ?? cart.userId;
  const customerKey = customerKeyOf({ userId: orderUserId, email: input.email })!;
  const lines = pricingLines(cart);
  const rules = await findDiscountsByIds(db, cart.discounts.map((d) => d.discountId));
  const valid: DiscountRule[] = [];
  for (const ref of cart.discounts) {
    const rule = rules.find((r) => r.id === ref.discountId) ?? null;
    const customerUses = rule && rule.maxUsesPerCustomer != null ? await countCustomerRedemptions(db, rule.id, customerKey) : null;
    const check = validateDiscount(rule, { currency: cart.currency, lines, now, customerUses });
    if (!check.ok) {
      await dropDiscount(deps, located, ref.discountId, now);
      throw new DomainError("discount_invalid", check.message, { reason: check.reason, code: ref.code });
    }
    valid.push(rule!);
  }
  const { summary, appliedDiscounts } = priceCart({ currency: cart.currency, lines, discounts: valid, address, rates });
  // a code that took nothing off (a buy-X-get-Y without a complete group, free shipping already free) is not used
  const redeemed = appliedDiscounts.filter((a) => a.amount > 0).sort((a, b) => a.discountId - b.discountId);

  // Step 3: reserve, in ONE transaction. Everything that locks no shared row goes first; the hot rows (variants,
  // then discounts) are locked by the last statements, so they are held only until the COMMIT right after.
  const orderId = randomUUID();
  const token = newOrderToken();
  const itemIds = orderedUuids(cart.items.length, now.getTime());
  const summaryLine = new Map(summary.lines.map((l) => [l.itemId, l]));
  const reservedUntil = new Date(now.getTime() + (deps.reservationMinutes ?? 15) * 60_000);
  const addressJson = JSON.stringify(address);
  const started = performance.now();
  try {
    await db.$transaction(async (tx) => {
      if (located.source === "db") {
        const n = await tx.$executeRaw`
          UPDATE carts SET status = 'CHECKED_OUT', shipping_address = ${addressJson}::jsonb, version = version + 1, updated_at = now()
          WHERE id = ${cart.id} AND status = 'ACTIVE' AND version = ${cart.version}::int`;
        if (n !== 1) {
          const current = await tx.cart.findUnique({ where: { id: cart.id }, select: { status: true } });
          if (!current || current.status !== "ACTIVE") throw new DomainError("cart_not_active", "This cart has already been checked out.");
          throw new CartChanged();
        }
      } else {
        await writeGuestCart(tx, cart, addressJson);
      }
      await tx.order.create({
        data: {
          id: orderId,
          userId: orderUserId,
          cartId: cart.id,
          email: input.email,
          status: "PENDING_PAYMENT",
          currency: cart.currency,
          subtotal: summary.subtotal,
          discountTotal: summary.discount,
          shippingTotal: summary.shipping ?? 0,
          shippingTax: summary.shippingTax ?? 0,
          taxTotal: summary.tax ?? 0,
          total: summary.total,
          shippingAddress: address as Prisma.InputJsonObject,
          discounts: redeemed.map((a) => ({ code: a.code, type: a.type, amount: a.amount, discountId: a.discountId })),
          orderTokenHash: hashOrderToken(token),
          reservedUntil,
          paymentProvider: deps.provider.name,
          paymentStatus: "pending",
        },
        select: { id: true },
      });
      await tx.orderItem.createMany({
        data: cart.items.map((l, i) => {
          const v = variants.get(l.variantId)!;
          const s = summaryLine.get(l.id);
          return {
            id: itemIds[i]!,
            orderId,
            productId: v.productId,
            variantId: l.variantId,
            sku: v.sku,
            name: v.product.name,
            quantity: l.quantity,
            unitPrice: l.unitPrice,
            discount: s?.discount ?? 0,
            tax: s?.tax ?? 0,
            total: s?.total ?? l.unitPrice * l.quantity,
            customOptions: l.customOptions as Prisma.InputJsonObject,
          };
        }),
      });
      await recordOrderOnKey(tx, lock, orderId);

      const stockShort = await reserveStock(tx, cart.items);
      if (stockShort.length) throw insufficientStock(stockShort);
      for (const a of redeemed) {
        const r = await redeem(tx, a.discountId, { customerKey, userId: orderUserId, orderId, now });
        if (!r.ok) throw new RedeemFailed(a, r.reason, r.message);
      }
    }, TX_OPTIONS);
  } catch (e) {
    observe((m) => m.reservationLockWait.observe((performance.now() - started) / 1000));
    if (isDomainError(e) && e.code === "cart_not_active" && located.source === "kv")
      await afterCheckout(deps, cart.id, "kv"); // PostgreSQL says CHECKED_OUT: the KV copy missed it, repair it
    if (e instanceof RedeemFailed) {
      // rolled back; the code comes off the cart so the shopper sees the new total
      await dropDiscount(deps, located, e.discount.discountId, now);
      throw new DomainError("discount_invalid", e.userMessage, { reason: e.reason, code: e.discount.code });
    }
    throw e;
  }
  observe((m) => m.reservationLockWait.observe((performance.now() - started) / 1000));
  await afterCheckout(deps, cart.id, located.source);
  return { orderId, token };
}

/**
 * A guest cart is written into PostgreSQL by its id, CHECKED_OUT, with its lines (so it can be restored after a
 * failed payment). The id is the primary key: of two checkouts of one cart, the second finds the row
 * CHECKED_OUT and gets cart_not_active. A cart restored after a failed payment has an ACTIVE row: it is checked
 * out again with its current lines.
 */
async function writeGuestCart(tx: Db, cart: CartRecord, addressJson: string): Promise<void> {
  const rows = await tx.$queryRaw<{ inserted: boolean }[]>`
    INSERT INTO carts (id, user_id, session_id, status, currency, shipping_address, created_at, updated_at, expires_at, version)
    VALUES (${cart.id}, NULL, ${cart.sessionId ?? cart.id}, 'CHECKED_OUT', ${cart.currency}, ${addressJson}::jsonb,
            ${new Date(cart.createdAt)}::timestamptz, now(), ${cart.expiresAt ? new Date(cart.expiresAt) : null}::timestamptz, ${cart.version + 1}::int)
    ON CONFLICT (id) DO UPDATE
      SET status = 'CHECKED_OUT', shipping_address = EXCLUDED.shipping_address, updated_at = now(),
          expires_at = EXCLUDED.expires_at, version = GREATEST(carts.version + 1, EXCLUDED.version)
      WHERE carts.status = 'ACTIVE' AND carts.user_id IS NULL
    RETURNING (xmax = 0) AS inserted`;
  const row = rows[0];
  if (!row) throw new DomainError("cart_not_active", "This cart has already been checked out.");
  if (!row.inserted) {
    await tx.cartItem.deleteMany({ where: { cartId: cart.id } });
    await tx.cartDiscount.deleteMany({ where: { cartId: cart.id } });
  }
  if (cart.items.length)
    await tx.cartItem.createMany({
      data: cart.items.map((l) => ({
        id: l.id,
        cartId: cart.id,
        productId: l.productId,
        variantId: l.variantId,
        quantity: l.quantity,
        unitPrice: l.unitPrice,
        customOptions: l.customOptions as Prisma.InputJsonObject,
        optionsKey: l.optionsKey,
      })),
    });
  if (cart.discounts.length)
    await tx.cartDiscount.createMany({ data: cart.discounts.map((d) => ({ cartId: cart.id, discountId: d.discountId })), skipDuplicates: true });
}

/** The cart with the catalog's current prices (a pure change for the cart's store). */
function withPrices(c: CartRecord, prices: Map<number, number>, now: Date): CartRecord {
  if (c.status !== "ACTIVE") throw new DomainError("cart_not_active", "This cart has already been checked out.", { status: c.status });
  let changed = false;
  const items = c.items.map((l) => {
    const p = prices.get(l.variantId);
    if (p === undefined || p === l.unitPrice) return l;
    changed = true;
    return { ...l, unitPrice: p };
  });
  return changed ? { ...c, items, version: c.version + 1, updatedAt: now.toISOString() } : c;
}

async function dropDiscount(deps: CheckoutDeps, located: LocatedCart, discountId: number, now: Date): Promise<void> {
  await mutateLocated(deps, located, (c) => {
    if (c.status !== "ACTIVE" || !c.discounts.some((d) => d.discountId === discountId)) return c;
    return { ...c, discounts: c.discounts.filter((d) => d.discountId !== discountId), version: c.version + 1, updatedAt: now.toISOString() };
  });
}

/** The summary the shopper will confirm: the cart's (new) prices, its valid codes, the checkout address. */
async function summaryOf(db: Db, cart: CartRecord, address: ShippingAddress, rates: RateTables, now: Date): Promise<CartSummary> {
  const lines = pricingLines(cart);
  const rules = await findDiscountsByIds(db, cart.discounts.map((d) => d.discountId));
  const valid = rules.filter((r) => validateDiscount(r, { currency: cart.currency, lines, now }).ok);
  return priceCart({ currency: cart.currency, lines, discounts: valid, address, rates }).summary;
}

// ---- step 4: pay ---------------------------------------------------------------------------------------------

/**
 * A retry that took over a key recording an order resumes here. The first attempt's token never reached the
 * shopper (it failed), so a new one replaces it. A cancelled order (its reservation expired meanwhile) is a
 * final 409: the shopper's cart is ACTIVE again and a new checkout needs a new key.
 */
async function resumeOrder(deps: CheckoutDeps, orderId: string): Promise<string> {
  const order = await deps.db.order.findUnique({ where: { id: orderId }, select: { status: true, cartId: true, userId: true } });
  if (!order) throw new Error(`checkout: the order ${orderId} recorded on the idempotency key does not exist`);
  if (order.status === "CANCELLED")
    throw new DomainError("conflict", "This order was cancelled before it was paid. Your cart is ready: please check out again.", { orderId });
  const token = newOrderToken();
  await deps.db.order.update({ where: { id: orderId }, data: { orderTokenHash: hashOrderToken(token) } });
  if (order.status === "PENDING_PAYMENT") {
    // the first attempt may have stopped before the KV copy of the cart was updated
    const cart = await deps.db.cart.findUnique({ where: { id: order.cartId }, select: { userId: true, status: true } });
    if (cart?.status === "CHECKED_OUT") await afterCheckout(deps, order.cartId, cart.userId === null ? "kv" : "db");
  }
  return token;
}

async function pay(deps: CheckoutDeps, lock: IdempotencyLock, orderId: string, token: string): Promise<CheckoutResponseBody> {
  const { db, provider } = deps;
  const order = await loadOrderRow(db, orderId);
  if (!order) throw new Error(`checkout: order ${orderId} vanished`);
  let clientSecret: string | null = null;
  if (order.total === 0) {
    // nothing to pay (a 100% code and free shipping): paid at once
    await db.order.updateMany({
      where: { id: orderId, status: "PENDING_PAYMENT" },
      data: { status: "PAID", paidAt: clock(deps), paymentStatus: "succeeded" },
    });
  } else {
    // No transaction and no lock here. The provider's idempotency key is the order's, so a retry (or a resume
    // after a crash) gets the same PaymentIntent back instead of a second one.
    const created = await provider.createPayment({
      orderId,
      amount: order.total,
      currency: order.currency.trim(),
      email: order.email,
      idempotencyKey: `order:${orderId}`,
    });
    clientSecret = created.clientSecret;
    if (order.paymentIntentId !== created.paymentId) {
      // a webhook may have stored it first (it carries the order id in its metadata)
      const n = await db.order.updateMany({
        where: { id: orderId, OR: [{ paymentIntentId: null }, { paymentIntentId: created.paymentId }] },
        data: { paymentIntentId: created.paymentId },
      });
      if (n.count !== 1) logger(deps)("error", "checkout: order already has another payment id", { orderId, created: created.paymentId });
    }
  }
  const fresh = await loadOrderRow(db, orderId);
  const body: CheckoutResponseBody = {
    order: orderJson(fresh ?? order),
    orderToken: token,
    payment: { provider: provider.name, clientSecret },
  };
  if (!(await completeIdempotent(db, lock, 201, body)))
    logger(deps)("warn", "checkout: the idempotency key was taken over before this attempt completed", { key: lock.key, orderId });
  return body;
}
