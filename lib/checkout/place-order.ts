import { randomUUID } from "node:crypto";
import { sellableUnits, toVariantInfo, variantInfoSql, type VariantInfo } from "../catalog";
import { forgetVariantInfo } from "../catalog/variant-cache";
import { forgetAutomaticDiscounts } from "../discounts/automatic-cache";
import {
  afterCheckout,
  CartChangedDuringCheckout,
  closeForCheckout,
  locateCart,
  mutateLocated,
  pricingLines,
  reopenAfterFailedCheckout,
  settleUnansweredClose,
  type CartRecord,
  type LocatedCart,
} from "../cart";
import { Prisma, type Db } from "../db";
import { requireFullAddress } from "../address";
import { asFailureReason } from "../discounts/redeem";
import {
  accountCustomerKey,
  automaticDiscountsSql,
  cartCodesColumns,
  cartCodesFromJson,
  discountsFromJson,
  countCustomerRedemptions,
  customerKeyOf,
  findAutomaticDiscounts,
  findCartCodes,
  isUsedCode,
  usableCodes,
  type CartCodes,
  type CartCodesJson,
  type DiscountJson,
} from "../discounts/repository";
import { chooseWithinBudgets } from "../discounts/choose";
import { BULK_CODE_USED_MESSAGE, discountInvalid, validateDiscount, type DiscountRule } from "../discounts/rules";
import { DomainError, isDomainError, notFound, toErrorResponse, type ErrorBody, type ErrorCode } from "../errors";
import {
  beginIdempotent,
  claimKeySql,
  type BeginOptions,
  type BeginResult,
  completeIdempotent,
  completeIdempotentSql,
  fingerprintOf,
  releaseIdempotent,
  type IdempotencyLock,
} from "../idempotency";
import { assertPayableAmount } from "../payments/limits";
import { findShippingRate, priceCart, type CartSummary, type RateTables, type ShippingAddress } from "../pricing";
import { loadRateTables } from "../rates";
import { clientKeyHash, openSecret, orderTokenFor, sealSecret } from "./derived-secrets";
import { paymentClientSecretFor } from "./payment-step";
import { hashOrderToken, loadOrderRow, orderedUuids, orderJson, type OrderRow, type OrderView } from "./order-view";
import { reserveOrder, type PlaceOrderAnswer, type UnpaidCaps } from "./reserve";
import { perVariant, type ShortLine } from "./stock";
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
  /** the client (its IP, as rate limits see it); counts against UNPAID_ORDERS_PER_CLIENT. Absent or "unknown": not counted */
  client?: string | null;
};

export type CheckoutResponseBody = {
  order: OrderView;
  /** lets a guest read the order (GET /api/orders/{id} with `Authorization: Bearer <orderToken>`) */
  orderToken: string;
  /** clientSecret is null only for an order with nothing to pay (total 0: it is PAID at once) */
  payment: { provider: string; clientSecret: string | null };
};

export type PlaceOrderResult = { status: 201; body: CheckoutResponseBody; replayed: boolean };

const CART_RETRIES = 3;

/** A 409 that is not a final answer: the key is released, the same key may be retried. */
class RetryableConflict extends DomainError {
  constructor(message: string) {
    super("conflict", message);
  }
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * Checkout (docs/ARCHITECTURE.md, steps 1-4): idempotency, re-pricing, the reserve step as ONE statement (so one short
 * transaction), then the payment.
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
  const keyOpts = { scope: CHECKOUT_SCOPE, key: input.idempotencyKey, fingerprint };
  const early = await claimWithCatalog(deps, keyOpts, input.cartId);
  const begun = early?.begun ?? (await beginIdempotent(deps.db, keyOpts));
  if (begun.kind === "replay") return replay(deps, begun.status, begun.body);
  const lock: IdempotencyLock = { scope: begun.scope, key: begun.key, lockedAt: begun.lockedAt };
  try {
    const placed = begun.kind === "resume" ? await resumeOrder(deps, begun.orderId) : await reserve(deps, { ...input, email }, lock, early?.read);
    return { status: 201, body: await pay(deps, lock, placed), replayed: false };
  } catch (e) {
    await settleFailure(deps, lock, e);
    throw e;
  }
}

/**
 * The 201 answer as stored on the idempotency key: no order token (it is derived again) and the payment's client
 * secret sealed (AES-256-GCM, lib/checkout/order-token.ts). Answers stored before this shape carried both in clear
 * (`orderToken`, `payment.clientSecret`): they are still replayed as they were.
 */
type StoredCheckoutBody = {
  order: OrderView;
  payment: { provider: string; sealedClientSecret?: string | null; clientSecret?: string | null };
  orderToken?: string;
};

function toStored(body: CheckoutResponseBody): StoredCheckoutBody {
  const { clientSecret } = body.payment;
  return { order: body.order, payment: { provider: body.payment.provider, sealedClientSecret: clientSecret === null ? null : sealSecret(clientSecret, body.order.id) } };
}

async function replay(deps: CheckoutDeps, status: number, body: unknown): Promise<PlaceOrderResult> {
  if (status === 201) {
    const stored = body as StoredCheckoutBody;
    const orderId = stored.order.id;
    let clientSecret = stored.payment.clientSecret ?? null;
    if (stored.payment.sealedClientSecret)
      // sealed under another NEXTAUTH_SECRET (rotated since): ask the provider again
      clientSecret = openSecret(stored.payment.sealedClientSecret, orderId) ?? (await paymentClientSecretFor(deps, orderId));
    // the same token as the first answer, and the same bytes (same key order)
    const answer: CheckoutResponseBody = {
      order: stored.order,
      orderToken: stored.orderToken ?? orderTokenFor(orderId),
      payment: { provider: stored.payment.provider, clientSecret },
    };
    return { status: 201, body: answer, replayed: true };
  }
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

/** What the first statement of a checkout read besides claiming its key: the cart, and its catalog. */
type EarlyRead = { located: LocatedCart; catalog: CheckoutCatalog };

/**
 * The common case with one statement fewer: the cart is read from its store first (reading changes nothing that
 * matters), so claiming the key and reading the cart's catalog are ONE statement. Null when anything is unusual (no
 * such cart, not ACTIVE, empty, unreadable, or the key exists): the ordinary path then claims the key first and meets
 * the same case again, answering it (and storing the answer) exactly as before.
 */
async function claimWithCatalog(deps: CheckoutDeps, opts: BeginOptions, cartId: string): Promise<{ begun: BeginResult; read: EarlyRead } | null> {
  const located = await locateCart(deps, cartId).catch(() => null);
  if (!located || located.cart.status !== "ACTIVE" || located.cart.items.length === 0) return null;
  const [row] = await deps.db.$queryRaw<(CatalogJson & { locked_at: Date | null })[]>`
    WITH claimed AS (${claimKeySql(opts)})
    SELECT (SELECT locked_at FROM claimed) AS locked_at, ${catalogColumns(located.cart, clock(deps))}`;
  if (!row?.locked_at) return null;
  return { begun: { kind: "new", scope: opts.scope, key: opts.key, lockedAt: row.locked_at }, read: { located, catalog: toCatalog(row, located.cart) } };
}

async function reserve(deps: CheckoutDeps, input: PlaceOrderInput, lock: IdempotencyLock, early?: EarlyRead): Promise<PlacedOrder> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await reserveOnce(deps, input, lock, attempt === 1 ? early : undefined);
    } catch (e) {
      if ((e instanceof CartChangedDuringCheckout || isRetryableTxError(e)) && attempt < CART_RETRIES) continue;
      if (e instanceof CartChangedDuringCheckout) throw new RetryableConflict("Your cart changed while you were checking out. Please try again.");
      throw e;
    }
  }
}

function insufficientStock(items: ShortLine[]): DomainError {
  const message =
    items.length === 1
      ? items[0]!.available === 0
        ? "An item in your cart is out of stock."
        : `Only ${items[0]!.available} of an item in your cart ${items[0]!.available === 1 ? "is" : "are"} available.`
      : "Some items in your cart are not available in the quantities you want.";
  return new DomainError("insufficient_stock", message, { items });
}

/** A placed order: the row as it was written (so the payment step need not read it back) and the guest's token. */
export type PlacedOrder = { order: OrderRow; token: string };

async function reserveOnce(deps: CheckoutDeps, input: PlaceOrderInput, lock: IdempotencyLock, early?: EarlyRead): Promise<PlacedOrder> {
  const { db } = deps;
  const now = clock(deps);
  const located = early?.located ?? (await locateCart(deps, input.cartId));
  if (!located) throw notFound("Cart");
  const cart = located.cart;
  if (cart.userId !== null && cart.userId !== input.actor.userId) throw new DomainError("forbidden", "This cart belongs to another account.");
  if (cart.status !== "ACTIVE") throw new DomainError("cart_not_active", "This cart has already been checked out.", { status: cart.status });
  if (cart.items.length === 0) throw new DomainError("cart_empty", "Your cart is empty.");

  // the full address (name, street, city, a region where tax depends on it), from the body or the cart
  const address = requireFullAddress(input.shippingAddress ?? cart.shippingAddress);
  const rates = await loadRateTables(db);
  findShippingRate(address, cart.currency, rates); // 400 on shippingAddress.country when we do not ship there

  // Step 2: re-price against the catalog as it is now (never a cache), in the same statement as the cart's codes
  // and the automatic discounts that may apply.
  const { variants, automatic, codes: rules, usedCodes: used } = early?.catalog ?? (await loadCatalogForCheckout(db, cart, now));
  const stock = perVariant(cart.items);
  const short: ShortLine[] = [];
  stock.ids.forEach((variantId, i) => {
    const v = variants.get(variantId);
    const requested = stock.quantities[i]!;
    const available = sellableUnits(v, { currency: cart.currency });
    if (requested > available) short.push({ variantId, requested, available });
  });
  if (short.length) throw insufficientStock(short); // fails early without a lock; the reserve step checks again

  const price = (variantId: number) => variants.get(variantId)!.price;
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
  // a signed-in shopper counts by their account's e-mail, a guest by the checkout e-mail (both normalised), so
  // neither a `+tag` nor signing out gets a once-per-customer code used twice
  const customerKey =
    orderUserId ? await accountCustomerKey(db, orderUserId) : customerKeyOf({ userId: null, email: input.email })!;
  const lines = pricingLines(cart);
  // `used`: a single-use code another order took meanwhile (the reserve statement checks again, atomically)
  const valid: DiscountRule[] = [];
  for (const ref of cart.discounts) {
    if (isUsedCode(ref, used)) {
      await dropDiscount(deps, located, ref.discountId, now);
      throw discountInvalid("usage_limit_reached", BULK_CODE_USED_MESSAGE, { code: ref.code });
    }
    const rule = rules.find((r) => r.id === ref.discountId) ?? null;
    const customerUses = rule && rule.maxUsesPerCustomer != null ? await countCustomerRedemptions(db, rule.id, customerKey) : null;
    const check = validateDiscount(rule, { currency: cart.currency, lines, now, customerUses });
    if (!check.ok) {
      await dropDiscount(deps, located, ref.discountId, now);
      throw discountInvalid(check.reason, check.message, { code: ref.code });
    }
    valid.push(rule!);
  }
  // Automatic discounts the cart qualifies for now (for this customer) are candidates too; one that does not
  // qualify is simply not a candidate (it was never asked for, so it is no error).
  for (const auto of automatic) {
    if (valid.some((v) => v.id === auto.id)) continue;
    const customerUses = auto.maxUsesPerCustomer != null ? await countCustomerRedemptions(db, auto.id, customerKey) : null;
    if (validateDiscount(auto, { currency: cart.currency, lines, now, customerUses }).ok) valid.push(auto);
  }
  // Exactly the set the cart shows as applied is priced and redeemed: the compatible set with the lowest total
  // (chooseDiscounts). A kept code that does not combine with it is not an error: it is simply not used.
  // beyond the money columns: 422 amount_out_of_range from pricing; beyond what the provider can charge: here.
  // Both before any stock is reserved.
  // an automatic discount whose budget is too short is left out (nobody asked for it; a kept code is refused below)
  const chosen = chooseWithinBudgets({ currency: cart.currency, lines, address, rates, now }, valid, (d) => d.automatic);
  const { summary } = chosen;
  const appliedDiscounts = chosen.applied;
  assertPayableAmount(summary.total, cart.currency);
  // a code that took nothing off (a buy-X-get-Y without a complete group, free shipping already free) is not used
  const redeemed = appliedDiscounts.filter((a) => a.amount > 0).sort((a, b) => a.discountId - b.discountId);
  // the single-use codes of the redeemed discounts: each is taken by this order in the reserve statement
  const refOf = (discountId: number) => cart.discounts.find((d) => d.discountId === discountId);
  const bulkCodes = redeemed.flatMap((a) => {
    const codeId = refOf(a.discountId)?.codeId;
    return codeId != null ? [{ discountId: a.discountId, codeId }] : [];
  });

  // Step 3: reserve (reserve.ts): close the cart, write the order and its items, record the order on the
  // idempotency key, then lock the hot rows (variants, then discounts) last and commit.
  const itemIds = orderedUuids(cart.items.length, now.getTime());
  const summaryLine = new Map(summary.lines.map((l) => [l.itemId, l]));
  const orderId = randomUUID();
  const token = orderTokenFor(orderId);
  const emailKey = customerKeyOf({ userId: null, email: input.email })!;
  const clientKey = input.client && input.client !== "unknown" ? clientKeyHash(input.client) : null;
  const order: OrderRow = {
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
    shippingAddress: address as Prisma.JsonObject,
    discounts: redeemed.map((a) => ({ code: refOf(a.discountId)?.code ?? a.code, type: a.type, amount: a.amount, discountId: a.discountId })),
    orderTokenHash: hashOrderToken(token),
    reservedUntil: new Date(now.getTime() + (deps.reservationMinutes ?? 15) * 60_000),
    paymentProvider: deps.provider.name,
    paymentIntentId: null,
    paymentStatus: "pending",
    declineCode: null,
    paidAt: null,
    cancelledAt: null,
    fulfillmentStatus: "UNFULFILLED",
    refundedAmount: 0,
    shippingRefunded: false,
    createdAt: now, // replaced by the database's own below
    updatedAt: now,
    emailKey,
    clientKey,
    items: [],
    fulfillments: [],
    refunds: [],
  };
  order.items = cart.items.map((l, i) => {
    const v = variants.get(l.variantId)!;
    const s = summaryLine.get(l.id);
    return {
      id: itemIds[i]!,
      orderId: order.id,
      productId: v.productId,
      variantId: l.variantId,
      sku: v.sku,
      name: v.name,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      discount: s?.discount ?? 0,
      tax: s?.tax ?? 0,
      total: s?.total ?? l.unitPrice * l.quantity,
      customOptions: l.customOptions as Prisma.JsonObject,
      fulfilledQuantity: 0,
      refundedQuantity: 0,
    };
  });
  // A guest cart lives in the KV store, which the reserve step cannot lock: it is closed first, at the version priced
  // here (like the signed-in branch, whose row the reserve step closes at that version), so a change from now on
  // gets 409 cart_not_active instead of a 2xx that neither the order nor a live cart would hold. If no order is
  // written, the cart is reopened; nothing can have changed in it meanwhile.
  const placing = await closeForCheckout(deps, located, order.id);
  if (!placing) throw notFound("Cart");
  const unpaid = unpaidCaps(deps, emailKey, clientKey);
  const redeem = redeemed.map((a) => ({ discountId: a.discountId, amount: a.amount }));
  let answer: PlaceOrderAnswer;
  try {
    answer = await reserveOrder(db, { located: placing, order, lock, stock, redeem, bulkCodes, customerKey, unpaid, now });
  } catch (e) {
    // no answer: the order may or may not be written (or be about to be); PostgreSQL settles a closed guest cart
    await settleUnansweredClose(deps, placing).catch((err: unknown) =>
      logger(deps)("error", "checkout: could not settle a closed guest cart", { cartId: cart.id, err: String(err) }),
    );
    throw e;
  }
  if (answer.failure !== undefined && placing.source === "kv") {
    if (answer.failure === "cart_not_active" && answer.status === "CHECKED_OUT") {
      await settledCheckout(deps, cart.id, "kv"); // PostgreSQL says CHECKED_OUT: the KV copy missed it, repair it
    } else {
      // nothing was written: the cart is the shopper's again, exactly as it was priced
      await reopenAfterFailedCheckout(deps, placing, order.id).catch((err: unknown) =>
        logger(deps)("warn", "checkout: could not reopen a guest cart; the next reader will", { cartId: cart.id, err: String(err) }),
      );
    }
  }
  switch (answer.failure) {
    case undefined:
      forgetVariantInfo(stock.ids); // the carts' catalog copy in this process: stock went down
      if (redeemed.some((a) => valid.find((d) => d.id === a.discountId)?.automatic)) forgetAutomaticDiscounts(); // a budget went down
      order.createdAt = new Date(answer.createdAt);
      order.updatedAt = order.createdAt;
      // A guest cart's KV document already says CHECKED_OUT (closed above): its close marker is left to the first
      // reader after GUEST_CLOSE_STALE_MS, which asks PostgreSQL (CHECKED_OUT) and clears it, so a placed checkout
      // spends no round trip on it. A signed-in cart's cache gets the committed row.
      if (located.source === "db") await settledCheckout(deps, cart.id, "db");
      return { order, token };
    case "cart_changed":
      throw new CartChangedDuringCheckout(); // the cart changed since it was read (another tab): start over
    case "cart_not_active":
      throw new DomainError("cart_not_active", "This cart has already been checked out.");
    case "unpaid_limit":
      throw new DomainError(
        "rate_limited",
        answer.scope === "email"
          ? "There are already too many unpaid orders for this e-mail address. Pay or cancel one of them first, or wait until they expire."
          : "There are already too many unpaid orders from your connection. Pay or cancel one of them first, or wait until they expire.",
        { scope: answer.scope, limit: answer.limit },
      );
    case "key_lost":
      throw new DomainError("idempotency_key_in_use", "A request with this Idempotency-Key is still being processed. Try again in a moment.");
    case "insufficient_stock":
      throw insufficientStock(answer.items);
    case "redeem_failed": {
      // nothing was written; the code comes off the cart so the shopper sees the new total
      const { discountId } = answer;
      const reason = asFailureReason(answer.reason);
      const ref = refOf(discountId);
      const code = ref?.code ?? redeemed.find((a) => a.discountId === discountId)?.code;
      await dropDiscount(deps, located, discountId, now);
      // a single-use code that another order took first
      throw discountInvalid(reason, ref?.codeId != null && reason === "usage_limit_reached" ? BULK_CODE_USED_MESSAGE : undefined, { code });
    }
  }
}

/** What a checkout prices with, read in one statement: the cart's variants, its codes (their rules in the cart's
 *  order, and which of its single-use codes an order already holds), and the automatic discounts in force. */
type CheckoutCatalog = CartCodes & { variants: Map<number, VariantInfo>; automatic: DiscountRule[] };
type CatalogJson = CartCodesJson & { variants: Parameters<typeof toVariantInfo>[0][]; automatic: DiscountJson };

/** The cart's catalog (see CheckoutCatalog) as four JSON columns. */
function catalogColumns(cart: CartRecord, now: Date): Prisma.Sql {
  return Prisma.sql`COALESCE((SELECT json_agg(v) FROM (${variantInfoSql(cart.items.map((l) => l.variantId))}) v), '[]'::json) AS variants,
    ${cartCodesColumns(cart.discounts)},
    COALESCE((SELECT json_agg(d ORDER BY d.id) FROM (${automaticDiscountsSql(now)}) d), '[]'::json) AS automatic`;
}

function toCatalog(row: CatalogJson | undefined, cart: CartRecord): CheckoutCatalog {
  return {
    ...cartCodesFromJson(cart.discounts, row),
    variants: new Map((row?.variants ?? []).map((v) => [v.id, toVariantInfo(v)])),
    automatic: discountsFromJson(row?.automatic ?? []),
  };
}

/** The catalog of a checkout whose first statement did not read it (a retry, or the ordinary path). */
async function loadCatalogForCheckout(db: Db, cart: CartRecord, now: Date): Promise<CheckoutCatalog> {
  const [row] = await db.$queryRaw<CatalogJson[]>`SELECT ${catalogColumns(cart, now)}`;
  return toCatalog(row, cart);
}

/** After the reserve step committed: the cart's KV copy says CHECKED_OUT too. Never throws (PostgreSQL already
 *  says CHECKED_OUT, and a second checkout of the cart is refused there). */
async function settledCheckout(deps: CheckoutDeps, cartId: string, source: "kv" | "db"): Promise<void> {
  await afterCheckout(deps, cartId, source).catch((e: unknown) =>
    logger(deps)("warn", "checkout: could not update the cart's KV copy", { cartId, err: String(e) }),
  );
}

/** The unpaid-order caps for the reserve step, or null when this checkout has none configured. */
function unpaidCaps(deps: CheckoutDeps, emailKey: string, clientKey: string | null): UnpaidCaps | null {
  const perEmail = deps.unpaidOrdersPerEmail;
  const perClient = deps.unpaidOrdersPerClient;
  if (perEmail === undefined && perClient === undefined) return null;
  return {
    emailKey,
    clientKey: perClient === undefined ? null : clientKey,
    perEmail: perEmail ?? Number.MAX_SAFE_INTEGER,
    perClient: perClient ?? Number.MAX_SAFE_INTEGER,
  };
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
  const rules = [...usableCodes(cart.discounts, await findCartCodes(db, cart.discounts)), ...(await findAutomaticDiscounts(db, now))];
  return chooseWithinBudgets({ currency: cart.currency, lines, address, rates, now }, rules, (d) => d.automatic).summary;
}

// ---- step 4: pay ---------------------------------------------------------------------------------------------

/**
 * A retry that took over a key recording an order resumes here, with the order's (derived) token. A cancelled
 * order (its reservation expired meanwhile) is a final 409: the shopper's cart is ACTIVE again and a new checkout
 * needs a new key.
 */
async function resumeOrder(deps: CheckoutDeps, orderId: string): Promise<PlacedOrder> {
  const order = await loadOrderRow(deps.db, orderId);
  if (!order) throw new Error(`checkout: the order ${orderId} recorded on the idempotency key does not exist`);
  if (order.status === "CANCELLED")
    throw new DomainError("conflict", "This order was cancelled before it was paid. Your cart is ready: please check out again.", { orderId });
  const token = orderTokenFor(orderId);
  if (order.orderTokenHash !== hashOrderToken(token)) {
    // written under another NEXTAUTH_SECRET (rotated since): the shopper gets a token that works now
    order.orderTokenHash = hashOrderToken(token);
    await deps.db.$executeRaw`UPDATE orders SET order_token_hash = ${order.orderTokenHash}, updated_at = now() WHERE id = ${orderId}::uuid`;
  }
  if (order.status === "PENDING_PAYMENT") {
    // the first attempt may have stopped before the KV copy of the cart was updated
    const cart = await deps.db.cart.findUnique({ where: { id: order.cartId }, select: { userId: true, status: true } });
    if (cart?.status === "CHECKED_OUT") await settledCheckout(deps, order.cartId, cart.userId === null ? "kv" : "db");
  }
  return { order, token };
}

/** The order's columns a payment step may change (a webhook can get there first), as written by this step. */
type PaymentColumns = Pick<OrderRow, "status" | "paymentIntentId" | "paymentStatus" | "declineCode" | "paidAt" | "cancelledAt" | "updatedAt">;

const PAYMENT_COLUMNS = Prisma.sql`status::text AS status, payment_intent_id AS "paymentIntentId", payment_status AS "paymentStatus",
  decline_code AS "declineCode", paid_at AS "paidAt", cancelled_at AS "cancelledAt", updated_at AS "updatedAt"`;

/**
 * Step 4, without a transaction and without a lock: an order with nothing to pay is PAID at once; otherwise the
 * provider creates the payment and its id is stored on the order, each with ONE statement that answers the
 * order's payment columns as they are now (the rest of the order was written by this request and never changes),
 * so the answer is built without reading the order back.
 */
async function pay(deps: CheckoutDeps, lock: IdempotencyLock, placed: PlacedOrder): Promise<CheckoutResponseBody> {
  const { db, provider } = deps;
  const { order, token } = placed;
  let clientSecret: string | null = null;
  let now: PaymentColumns | undefined;
  if (order.total === 0) {
    // nothing to pay (a 100% code and free shipping): paid at once
    [now] = await db.$queryRaw<PaymentColumns[]>`
      UPDATE orders SET status = 'PAID', paid_at = ${clock(deps)}::timestamptz, payment_status = 'succeeded', updated_at = now()
      WHERE id = ${order.id}::uuid AND status = 'PENDING_PAYMENT'
      RETURNING ${PAYMENT_COLUMNS}`;
  } else {
    // The provider's idempotency key is the order's, so a retry (or a resume after a crash) gets the same
    // PaymentIntent back instead of a second one.
    const created = await provider.createPayment({
      orderId: order.id,
      amount: order.total,
      currency: order.currency.trim(),
      email: order.email,
      idempotencyKey: `order:${order.id}`,
    });
    clientSecret = created.clientSecret;
    // The common case in ONE statement: the payment's id is stored and the key completed with the answer, which
    // holds the order as this request wrote it (the view shows no payment id), valid only while no payment event
    // has changed the order yet; the key is completed only then. A webhook may have stored the id first (it carries
    // the order id in its metadata) or moved the order on: then the answer is built from the columns as they are.
    const answer = answerOf(deps, order, token, clientSecret);
    const [row] = await db.$queryRaw<(PaymentColumns & { completed: boolean })[]>`
      WITH paid AS (
        UPDATE orders SET payment_intent_id = ${created.paymentId},
          updated_at = CASE WHEN payment_intent_id IS NULL THEN now() ELSE updated_at END
        WHERE id = ${order.id}::uuid AND (payment_intent_id IS NULL OR payment_intent_id = ${created.paymentId})
        RETURNING ${PAYMENT_COLUMNS}
      ),
      completed AS (
        ${completeIdempotentSql(lock, 201, toStored(answer))}
          AND EXISTS (SELECT 1 FROM paid WHERE status = ${order.status} AND "paymentStatus" = ${order.paymentStatus} AND "declineCode" IS NULL)
        RETURNING 1
      )
      SELECT paid.*, EXISTS (SELECT 1 FROM completed) AS completed FROM paid`;
    if (row?.completed) return answer;
    now = row;
    if (!now) logger(deps)("error", "checkout: order already has another payment id", { orderId: order.id, created: created.paymentId });
  }
  const current = now ? { ...order, ...now } : await loadOrderRow(db, order.id);
  const body = answerOf(deps, current ?? order, token, clientSecret);
  if (!(await completeIdempotent(db, lock, 201, toStored(body))))
    logger(deps)("warn", "checkout: the idempotency key was taken over before this attempt completed", { key: lock.key, orderId: order.id });
  return body;
}

function answerOf(deps: CheckoutDeps, order: OrderRow, token: string, clientSecret: string | null): CheckoutResponseBody {
  return { order: orderJson(order), orderToken: token, payment: { provider: deps.provider.name, clientSecret } };
}
