import { randomBytes, randomUUID } from "node:crypto";
import type { PrismaClient } from "../db";
import { effectivePrice, sellable, sellableUnits, toAttributes } from "../catalog";
import { VariantInfoCache } from "../catalog/variant-cache";
import { countCustomerRedemptions, customerKeyOf, findDiscountByCode } from "../discounts/repository";
import { BULK_CODE_USED_MESSAGE, discountInvalid, MAX_CODES_PER_CART, validateDiscount, type DiscountRule } from "../discounts/rules";
import { DomainError, isDomainError, notFound } from "../errors";
import { isKvUnavailable, type KvStore } from "../kv";
import { findShippingRate, type ShippingAddress } from "../pricing";
import { loadRateTables } from "../rates";
import { takeSlots } from "../rate-limit";
import { isStaleClose, settleGuestClose } from "./guest-close";
import { GuestCartStore, cartKey, parseCart, GUEST_CART_TTL_SECONDS } from "./guest-store";
import type { CartDiscountRef, CartRecord, CustomOptions, VariantInfo } from "./model";
import * as m from "./mutations";
import { UserCartStore } from "./user-store";
import { pricingLines } from "./view";

export type CartActor = { userId: string | null };

export type CartServiceOptions = {
  maxLineQuantity: number;
  defaultCurrency: string;
  /** wrong discount codes allowed per cart / per client within the window before 429 */
  discountFailuresPerCart?: number;
  discountFailuresPerClient?: number;
  discountFailureWindowSeconds?: number;
  now?: () => Date;
  /** false: signed-in cart reads bypass the KV cache (writes still refresh it) */
  cacheReads?: boolean;
  /** where the cart reads variants (price, stock cap) from; default: PostgreSQL every time */
  variants?: VariantInfoCache;
};

export type SavedForLaterView = { id: string; productId: number; variantId: number; quantity: number; customOptions: CustomOptions; savedAt: string; sku: string; name: string; attributes: Record<string, string>; imageUrl: string | null; price: number; currency: string; available: boolean };

/** An unguessable cart id: 128 random bits, URL-safe. The id is a capability for a guest cart. */
export const newCartId = () => randomBytes(16).toString("base64url");

type Located = { kind: "guest"; cart: CartRecord } | { kind: "user"; cart: CartRecord };

/**
 * The cart service: guest carts in the KV store with a sliding 30-day TTL, signed-in carts
 * in PostgreSQL with the KV store as a cache. Every change is a pure function from lib/cart/mutations applied
 * atomically by the cart's store.
 */
export class CartService {
  readonly guests: GuestCartStore;
  readonly users: UserCartStore;
  private readonly now: () => Date;
  private readonly limits: m.LineLimits;
  private readonly variants: VariantInfoCache;

  constructor(
    private readonly db: PrismaClient,
    private readonly kv: KvStore,
    private readonly opts: CartServiceOptions,
  ) {
    this.guests = new GuestCartStore(kv);
    this.users = new UserCartStore(db, kv, opts.cacheReads ?? true);
    this.now = opts.now ?? (() => new Date());
    this.limits = { maxLineQuantity: opts.maxLineQuantity };
    this.variants = opts.variants ?? new VariantInfoCache(0);
  }

  // ---- carts --------------------------------------------------------------------------------------------------

  async createGuestCart(currency = this.opts.defaultCurrency): Promise<CartRecord> {
    const now = this.now();
    const id = newCartId();
    const cart = m.newCartRecord({ id, userId: null, sessionId: id, currency, now, expiresAt: new Date(now.getTime() + GUEST_CART_TTL_SECONDS * 1000) });
    return this.guests.create(cart);
  }

  /** The signed-in shopper's ACTIVE cart (created on first use). */
  async cartForUser(userId: string, currency = this.opts.defaultCurrency): Promise<CartRecord> {
    return this.users.activeCartFor(userId, () =>
      m.newCartRecord({ id: newCartId(), userId, sessionId: null, currency, now: this.now(), expiresAt: null }),
    );
  }

  /** Finds a cart in either store. A KV outage only matters when the cart is not a signed-in one. */
  private async locate(cartId: string): Promise<Located | null> {
    let kvError: unknown;
    try {
      let doc = parseCart(await this.kv.get(cartKey(cartId)));
      if (doc && isStaleClose(doc, new Date())) {
        // a checkout closed this guest cart and never settled (its process died): PostgreSQL decides whether its
        // order exists; if not, the cart is reopened and this change can go ahead
        // (if PostgreSQL cannot answer now, the cart stays closed, changes get 409, and the next reader tries again)
        const settled = await settleGuestClose(this.db, this.guests, doc, this.now()).then(
          () => true,
          (e: unknown) => (isKvUnavailable(e) ? Promise.reject(e) : false),
        );
        if (settled) doc = parseCart(await this.kv.get(cartKey(cartId)));
      }
      if (doc && doc.userId === null) return { kind: "guest", cart: doc };
    } catch (e) {
      if (!isKvUnavailable(e)) throw e;
      kvError = e;
    }
    const { cart } = await this.users.load(cartId);
    if (cart) return { kind: "user", cart };
    if (kvError) throw kvError;
    return null;
  }

  private authorize(cart: CartRecord, actor: CartActor): void {
    if (cart.userId !== null && cart.userId !== actor.userId)
      throw new DomainError("forbidden", "This cart belongs to another account.");
  }

  async getCart(cartId: string, actor: CartActor): Promise<CartRecord> {
    const found = await this.locate(cartId);
    if (!found) throw notFound("Cart");
    this.authorize(found.cart, actor);
    return found.cart;
  }

  /**
   * Applies a change through the right store; the change may run more than once (it must be pure). A guest cart
   * takes ONE compare-and-set of its KV document (one read, one write, the change inside it; a guest cart has no
   * owner to check). Anything else (a signed-in cart, or a guest cart whose document is gone but whose row a
   * checkout wrote) is changed in PostgreSQL, the owner checked on the very version being changed.
   */
  private async mutate(cartId: string, actor: CartActor, change: (cart: CartRecord) => CartRecord): Promise<CartRecord> {
    let kvError: unknown;
    let settled = false;
    for (;;) {
      try {
        const r = await this.guests.tryMutate(cartId, change, (doc) => !settled && isStaleClose(doc, new Date()));
        if (r.kind === "written") return r.cart;
        if (r.kind === "stale_close") {
          // a checkout closed this guest cart and never settled (its process died): PostgreSQL decides whether its
          // order exists; if not, the cart is reopened and this change goes ahead (if PostgreSQL cannot answer now,
          // the cart stays closed and the change gets 409; the next reader tries again)
          await settleGuestClose(this.db, this.guests, r.cart, this.now()).catch((e: unknown) => {
            if (isKvUnavailable(e)) throw e;
          });
          settled = true;
          continue;
        }
      } catch (e) {
        if (!isKvUnavailable(e)) throw e;
        kvError = e;
      }
      break;
    }
    const updated = await this.users.mutate(cartId, (cart) => {
      this.authorize(cart, actor);
      return change(cart);
    });
    if (updated) return updated;
    if (kvError) throw kvError;
    throw notFound("Cart");
  }

  // ---- items --------------------------------------------------------------------------------------------------

  /** What add-to-cart needs of some variants (at most CATALOG_CACHE_MS old: checkout checks both again). */
  variantInfo(variantIds: number[]): Promise<Map<number, VariantInfo>> {
    return this.variants.get(this.db, variantIds);
  }

  private async requireVariant(variantId: number): Promise<VariantInfo> {
    const variant = (await this.variantInfo([variantId])).get(variantId);
    if (!variant) throw notFound("Product variant");
    return variant;
  }

  async addItem(cartId: string, actor: CartActor, input: { variantId: number; quantity: number; customOptions?: CustomOptions }): Promise<CartRecord> {
    const variant = await this.requireVariant(input.variantId);
    const lineId = randomUUID();
    return this.mutate(cartId, actor, (cart) =>
      m.addLine(cart, { variant, quantity: input.quantity, options: input.customOptions, newLineId: lineId, now: this.now(), limits: this.limits }),
    );
  }

  async updateItemQuantity(cartId: string, actor: CartActor, itemId: string, quantity: number): Promise<CartRecord> {
    const current = await this.getCart(cartId, actor);
    const line = m.findLine(current, itemId);
    const variant = quantity > line.quantity ? ((await this.variantInfo([line.variantId])).get(line.variantId) ?? null) : null;
    return this.mutate(cartId, actor, (cart) => m.setLineQuantity(cart, { itemId, quantity, variant, now: this.now(), limits: this.limits }));
  }

  async removeItem(cartId: string, actor: CartActor, itemId: string): Promise<CartRecord> {
    return this.mutate(cartId, actor, (cart) => m.removeLine(cart, itemId, this.now()));
  }

  async setShippingAddress(cartId: string, actor: CartActor, address: ShippingAddress | null): Promise<CartRecord> {
    const cart = await this.getCart(cartId, actor);
    if (address) {
      try {
        findShippingRate(address, cart.currency, await loadRateTables(this.db)); // refuses a destination we cannot ship to
      } catch (e) {
        // this endpoint's body is the address itself: report the error at `country`, not `shippingAddress.country`
        if (isDomainError(e) && e.code === "validation_failed") throw new DomainError("validation_failed", e.message, { fieldErrors: { country: [e.message] } });
        throw e;
      }
    }
    return this.mutate(cartId, actor, (c) => m.setShippingAddress(c, address, this.now()));
  }

  // ---- discounts ----------------------------------------------------------------------------------------------

  /**
   * Validates a code against the cart and attaches it (checkout redeems it). Wrong codes count against the cart
   * and the client in sliding windows; once either is full every attempt is refused with 429, so codes cannot be
   * found by guessing.
   */
  async applyDiscount(cartId: string, actor: CartActor, code: string, clientKey: string): Promise<CartRecord> {
    const cart = await this.getCart(cartId, actor);
    const window = this.opts.discountFailureWindowSeconds ?? 15 * 60;
    const perCart = { limit: this.opts.discountFailuresPerCart ?? 10, windowSeconds: window };
    const perClient = { limit: this.opts.discountFailuresPerClient ?? 30, windowSeconds: window };
    const cartWindow = `rl:discount:cart:${cartId}`;
    const clientWindow = `rl:discount:client:${clientKey}`;
    // slot first: taken before the code is evaluated (so a burst gets at most the limit evaluated), given back below
    // once the code turns out valid, so only wrong codes use up the windows
    const slots = await takeSlots(this.kv, [{ key: cartWindow, opts: perCart }, { key: clientWindow, opts: perClient }]);
    if (!slots.allowed) throw rateLimited(slots.retryAfterSeconds);

    const found = await findDiscountByCode(this.db, code);
    const rule = found?.rule ?? null;
    const customerKey = customerKeyOf({ userId: actor.userId });
    const customerUses = rule && customerKey && rule.maxUsesPerCustomer != null ? await countCustomerRedemptions(this.db, rule.id, customerKey) : null;
    const check = validateDiscount(rule, { currency: cart.currency, lines: pricingLines(cart), now: this.now(), customerUses });
    if (!check.ok || !rule) throw check.ok ? discountInvalid("unknown") : discountInvalid(check.reason, check.message);
    // a single-use code another order holds: refused like a code at its usage limit (and it keeps its failure slot,
    // so used codes cannot be probed faster than wrong ones)
    if (found?.bulk?.orderId) throw discountInvalid("usage_limit_reached", BULK_CODE_USED_MESSAGE);
    await slots.release();
    if (cart.discounts.some((d) => d.discountId === rule.id)) return cart;
    const ref = found?.bulk ? { discountId: rule.id, code: found.bulk.code, codeId: found.bulk.id } : { discountId: rule.id, code: rule.code };
    return this.attachDiscount(cartId, actor, rule, ref, customerUses);
  }

  /**
   * Attaches a validated code. The checks and the write are ONE atomic step: they run inside the store's update
   * (compare-and-set of a guest cart, row lock of a signed-in one) against the very version being written, so codes
   * applied at the same moment cannot each pass against the set they read and then all land (no sixth code). Whether
   * the code combines with the others is not a reason to refuse it: it is kept, and the cart view (chooseDiscounts)
   * shows it as not applied, with the code it clashes with. The change is pure (it may run again on a retry).
   */
  private async attachDiscount(cartId: string, actor: CartActor, rule: DiscountRule, ref: CartDiscountRef, customerUses: number | null): Promise<CartRecord> {
    const now = this.now();
    return this.mutate(cartId, actor, (c) => {
      if (c.discounts.some((d) => d.discountId === rule.id)) return c;
      // the version being written may have other lines than the one validated before (min order, applicability)
      const check = validateDiscount(rule, { currency: c.currency, lines: pricingLines(c), now, customerUses });
      if (!check.ok) throw discountInvalid(check.reason, check.message);
      if (c.discounts.length >= MAX_CODES_PER_CART)
        throw discountInvalid("too_many_codes", `A cart can hold at most ${MAX_CODES_PER_CART} discount codes. Remove one to use ${ref.code}.`);
      return m.addDiscount(c, ref, now);
    });
  }

  async removeDiscount(cartId: string, actor: CartActor, code: string): Promise<CartRecord> {
    return this.mutate(cartId, actor, (c) => m.removeDiscount(c, code, this.now()));
  }

  // ---- saved for later (signed-in shoppers) -------------------------------------------------------------------

  async saveForLater(cartId: string, actor: CartActor, itemId: string): Promise<{ cart: CartRecord; savedForLater: SavedForLaterView[] }> {
    const userId = actor.userId;
    if (!userId) throw new DomainError("unauthorized", "Sign in to save items for later.");
    const found = await this.locate(cartId);
    if (!found) throw notFound("Cart");
    this.authorize(found.cart, actor);
    if (found.kind !== "user") throw new DomainError("forbidden", "Only your account cart can save items for later.");
    const now = this.now();
    const cart = await this.users.mutate(cartId, (c) => m.removeLine(c, itemId, now), async (tx, prev) => {
      const line = m.findLine(prev, itemId);
      await tx.savedForLater.create({
        data: { userId, productId: line.productId, variantId: line.variantId, quantity: line.quantity, customOptions: line.customOptions },
      });
    });
    if (!cart) throw notFound("Cart");
    return { cart, savedForLater: await this.listSavedForLater(userId) };
  }

  async listSavedForLater(userId: string): Promise<SavedForLaterView[]> {
    const rows = await this.db.savedForLater.findMany({ where: { userId }, orderBy: { savedAt: "desc" }, include: { variant: { include: { product: true } } } });
    return rows.map((r) => ({
      id: r.id,
      productId: r.productId,
      variantId: r.variantId,
      quantity: r.quantity,
      customOptions: (r.customOptions ?? {}) as CustomOptions,
      savedAt: r.savedAt.toISOString(),
      sku: r.variant.sku,
      name: r.variant.product.name,
      attributes: toAttributes(r.variant.attributes),
      imageUrl: r.variant.product.imageUrl,
      price: effectivePrice(r.variant.product.basePrice, r.variant.priceOverride),
      currency: r.variant.product.currency.trim(),
      available: sellable({ variantActive: r.variant.isActive, productActive: r.variant.product.isActive, stock: r.variant.stockQuantity, currency: r.variant.product.currency }, { quantity: 1 }),
    }));
  }

  /** Back into the active cart: stock is checked again and the price captured again (it may have changed). */
  async moveSavedToCart(userId: string, savedId: string): Promise<{ cart: CartRecord; savedForLater: SavedForLaterView[] }> {
    const saved = await this.db.savedForLater.findUnique({ where: { id: savedId } });
    if (!saved || saved.userId !== userId) throw notFound("Saved item");
    const variant = await this.requireVariant(saved.variantId);
    const target = await this.cartForUser(userId, variant.currency);
    const lineId = randomUUID();
    const cart = await this.users.mutate(
      target.id,
      (c) => m.addLine(c, { variant, quantity: saved.quantity, options: saved.customOptions as CustomOptions, newLineId: lineId, now: this.now(), limits: this.limits }),
      async (tx) => {
        const gone = await tx.savedForLater.deleteMany({ where: { id: savedId, userId } });
        if (gone.count !== 1) throw notFound("Saved item");
      },
    );
    if (!cart) throw notFound("Cart");
    return { cart, savedForLater: await this.listSavedForLater(userId) };
  }

  async removeSaved(userId: string, savedId: string): Promise<SavedForLaterView[]> {
    const gone = await this.db.savedForLater.deleteMany({ where: { id: savedId, userId } });
    if (gone.count !== 1) throw notFound("Saved item");
    return this.listSavedForLater(userId);
  }

  // ---- sign-in ------------------------------------------------------------------------------------------------

  /**
   * Merges a guest cart into the user's active cart at sign-in. The guest cart is claimed atomically first, so a
   * double submit merges once; if the merge fails the guest cart is put back.
   */
  async mergeGuestCart(guestCartId: string, userId: string): Promise<{ cart: CartRecord; capped: m.CappedLine[]; merged: boolean }> {
    const guest = await this.guests.claim(guestCartId);
    if (!guest || guest.status !== "ACTIVE") {
      // claim() left a cart that is not ACTIVE where it was (checked out, or held closed by a checkout): writing
      // our copy back could put a stale one over a cart that checkout has reopened and the shopper changed since
      return { cart: await this.cartForUser(userId), capped: [], merged: false };
    }
    try {
      const target = await this.cartForUser(userId, guest.currency);
      if (target.currency !== guest.currency) {
        // carts in different currencies cannot be one cart: keep the guest cart as it was
        await this.guests.put(guest);
        return { cart: target, capped: [], merged: false };
      }
      const stock = await this.variantInfo(guest.items.map((l) => l.variantId));
      let capped: m.CappedLine[] = [];
      const cart = await this.users.mutate(target.id, (c) => {
        const merged = m.mergeLines(c, guest.items, (id) => sellableUnits(stock.get(id), { currency: guest.currency }), { now: this.now(), limits: this.limits, newLineId: randomUUID });
        capped = merged.capped;
        return {
          ...merged.cart,
          shippingAddress: merged.cart.shippingAddress ?? guest.shippingAddress,
          discounts: merged.cart.discounts.length ? merged.cart.discounts : guest.discounts,
        };
      });
      if (!cart) throw notFound("Cart");
      return { cart, capped, merged: true };
    } catch (e) {
      await this.guests.put(guest).catch(() => {});
      throw e;
    }
  }

  // ---- expiry -------------------------------------------------------------------------------------------------

  /**
   * Marks signed-in carts with no activity for `days` ABANDONED, in batches, skipping rows another sweeper holds
   * (safe on several instances at once). Guest carts need no sweep: the KV store expires them.
   */
  async sweepAbandoned(days: number, batch = 500): Promise<number> {
    const cutoff = new Date(this.now().getTime() - days * 24 * 60 * 60 * 1000);
    let total = 0;
    for (;;) {
      const rows = await this.db.$queryRaw<{ id: string }[]>`
        UPDATE carts SET status = 'ABANDONED', version = version + 1, updated_at = now()
        WHERE id IN (
          SELECT id FROM carts
          WHERE status = 'ACTIVE' AND user_id IS NOT NULL AND updated_at < ${cutoff}
          ORDER BY updated_at LIMIT ${batch} FOR UPDATE SKIP LOCKED)
        RETURNING id`;
      for (const r of rows) await this.users.evict(r.id);
      total += rows.length;
      if (rows.length < batch) return total;
    }
  }
}

function rateLimited(retryAfterSeconds: number): DomainError {
  return new DomainError("rate_limited", "Too many wrong discount codes. Please wait a few minutes and try again.", { retryAfterSeconds });
}
