import { Prisma, type Db, type PrismaClient } from "../db";
import { toAttributes } from "../catalog";
import { isKvUnavailable, type KvStore } from "../kv";
import { metrics } from "../observability/metrics";
import type { ShippingAddress } from "../pricing";
import { cartKey, parseCart } from "./guest-store";
import { optionsKey, shippingAddressSchema, type CartRecord, type CartStatus, type CustomOptions } from "./model";

export const USER_CART_CACHE_TTL_SECONDS = 24 * 60 * 60;

const cartInclude = {
  items: { orderBy: { createdAt: "asc" as const }, include: { variant: { include: { product: true } } } },
  discounts: { orderBy: { createdAt: "asc" as const }, include: { discount: true, discountCode: true } },
};

type LoadedCart = NonNullable<Awaited<ReturnType<typeof loadRow>>>;

function loadRow(db: Db, cartId: string) {
  return db.cart.findUnique({ where: { id: cartId }, include: cartInclude });
}

/** The stored address if it is one (anything else, e.g. a JSON null, reads as no address). */
function storedAddress(value: unknown): ShippingAddress | null {
  const parsed = shippingAddressSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function toRecord(row: LoadedCart): CartRecord {
  return {
    id: row.id,
    userId: row.userId,
    sessionId: row.sessionId,
    status: row.status as CartStatus,
    currency: row.currency,
    shippingAddress: storedAddress(row.shippingAddress),
    items: row.items.map((i) => ({
      id: i.id,
      productId: i.productId,
      variantId: i.variantId,
      sku: i.variant.sku,
      name: i.variant.product.name,
      attributes: toAttributes(i.variant.attributes),
      imageUrl: i.variant.product.imageUrl,
      quantity: i.quantity,
      unitPrice: i.unitPrice,
      customOptions: (i.customOptions ?? {}) as CustomOptions,
      optionsKey: i.optionsKey,
      addedAt: i.createdAt.toISOString(),
    })),
    discounts: row.discounts.map((d) => ({
      discountId: d.discountId,
      code: d.discountCode?.code ?? d.discount.code ?? d.discount.title ?? "",
      ...(d.discountCodeId != null && { codeId: d.discountCodeId }),
    })),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}

/** Writes `next` over `prev` (same cart id) with as few statements as the change needs. */
export async function persistCart(tx: Db, prev: CartRecord | null, next: CartRecord): Promise<void> {
  const cartData = {
    userId: next.userId,
    sessionId: next.sessionId,
    status: next.status,
    currency: next.currency,
    shippingAddress: next.shippingAddress ?? undefined,
    version: next.version,
    expiresAt: next.expiresAt ? new Date(next.expiresAt) : null,
  };
  if (!prev) await tx.cart.create({ data: { id: next.id, ...cartData, shippingAddress: next.shippingAddress ?? undefined } });
  else
    await tx.cart.update({
      where: { id: next.id },
      data: { ...cartData, shippingAddress: next.shippingAddress === null ? Prisma.DbNull : next.shippingAddress },
    });

  const prevItems = new Map((prev?.items ?? []).map((i) => [i.id, i]));
  const nextIds = new Set(next.items.map((i) => i.id));
  const removed = [...prevItems.keys()].filter((id) => !nextIds.has(id));
  if (removed.length) await tx.cartItem.deleteMany({ where: { cartId: next.id, id: { in: removed } } });
  const added = next.items.filter((i) => !prevItems.has(i.id));
  for (const item of next.items) {
    const before = prevItems.get(item.id);
    if (before && (before.quantity !== item.quantity || before.unitPrice !== item.unitPrice))
      await tx.cartItem.update({ where: { id: item.id }, data: { quantity: item.quantity, unitPrice: item.unitPrice } });
  }
  if (added.length)
    await tx.cartItem.createMany({
      data: added.map((i) => ({
        id: i.id,
        cartId: next.id,
        productId: i.productId,
        variantId: i.variantId,
        quantity: i.quantity,
        unitPrice: i.unitPrice,
        customOptions: i.customOptions,
        optionsKey: optionsKey(i.customOptions),
      })),
    });

  const prevDiscounts = new Set((prev?.discounts ?? []).map((d) => d.discountId));
  const nextDiscounts = new Set(next.discounts.map((d) => d.discountId));
  const droppedDiscounts = [...prevDiscounts].filter((id) => !nextDiscounts.has(id));
  if (droppedDiscounts.length) await tx.cartDiscount.deleteMany({ where: { cartId: next.id, discountId: { in: droppedDiscounts } } });
  const newDiscounts = next.discounts.filter((d) => !prevDiscounts.has(d.discountId));
  if (newDiscounts.length)
    await tx.cartDiscount.createMany({
      data: newDiscounts.map((d) => ({ cartId: next.id, discountId: d.discountId, discountCodeId: d.codeId ?? null })),
      skipDuplicates: true,
    });
}

/**
 * Signed-in carts: PostgreSQL is the truth, the KV store a cache-aside copy (24 h). Every write bumps the cart's
 * version and then writes the new copy to the cache; the cache only accepts a copy newer than the one it holds, so
 * a slow reader can never put an old cart back. When the KV store cannot be reached, the cart is still read and
 * written through PostgreSQL, and the key is queued in pending_cache_invalidations: until that queue has been
 * applied, this process does not trust the cache.
 */
export class UserCartStore {
  /** Set at start and after any KV failure; cleared once the pending invalidations are applied. */
  private cacheSuspect = true;
  private seenEpoch: number | undefined;

  constructor(
    private readonly db: PrismaClient,
    private readonly kv: KvStore,
    /** off: every read goes to PostgreSQL (for measuring, or while a cache is known to be bad) */
    private readonly cacheReads = true,
  ) {}

  async loadFromDb(cartId: string, db: Db = this.db): Promise<CartRecord | null> {
    const row = await loadRow(db, cartId);
    return row ? toRecord(row) : null;
  }

  /** From the cache when it can be trusted, else from PostgreSQL (then refilling the cache). */
  async load(cartId: string): Promise<{ cart: CartRecord | null; fromCache: boolean }> {
    if (this.cacheReads && (await this.cacheUsable())) {
      try {
        const cached = parseCart(await this.kv.get(cartKey(cartId)));
        if (cached && cached.userId !== null) {
          metrics().kvCache.inc({ result: "hit" });
          return { cart: cached, fromCache: true };
        }
        metrics().kvCache.inc({ result: "miss" });
      } catch (e) {
        this.noteKvFailure(e);
        metrics().kvCache.inc({ result: "bypass" });
      }
    } else metrics().kvCache.inc({ result: "bypass" });
    const cart = await this.loadFromDb(cartId);
    if (cart && cart.userId !== null) await this.writeCache(cart);
    return { cart, fromCache: false };
  }

  async activeCartIdOf(userId: string): Promise<string | null> {
    const row = await this.db.cart.findFirst({ where: { userId, status: "ACTIVE" }, select: { id: true } });
    return row?.id ?? null;
  }

  /**
   * The user's ACTIVE cart, created when they have none. A cart the sweeper marked ABANDONED comes back to life
   * (the shopper returning is exactly what the reminder hoped for); two concurrent calls get the same cart.
   */
  async activeCartFor(userId: string, create: () => CartRecord): Promise<CartRecord> {
    const existing = await this.activeCartIdOf(userId);
    if (existing) {
      const { cart } = await this.load(existing);
      if (cart) return cart;
    }
    const abandoned = await this.db.cart.findFirst({ where: { userId, status: "ABANDONED" }, orderBy: { updatedAt: "desc" }, select: { id: true } });
    try {
      if (abandoned) {
        const revived = await this.db.cart.updateMany({ where: { id: abandoned.id, status: "ABANDONED" }, data: { status: "ACTIVE", version: { increment: 1 } } });
        if (revived.count === 1) {
          const cart = await this.loadFromDb(abandoned.id);
          if (cart) {
            await this.writeCache(cart);
            return cart;
          }
        }
      }
      const fresh = create();
      await this.db.$transaction(async (tx) => persistCart(tx, null, fresh));
      await this.writeCache(fresh);
      return fresh;
    } catch (e) {
      // the partial unique index allows one ACTIVE cart per user: a concurrent call made it first
      if ((e as { code?: string }).code === "P2002") {
        const id = await this.activeCartIdOf(userId);
        const cart = id ? await this.loadFromDb(id) : null;
        if (cart) return cart;
      }
      throw e;
    }
  }

  /** Locks the cart row, applies `change`, writes the difference, commits, then refreshes the cache. */
  async mutate(
    cartId: string,
    change: (cart: CartRecord) => CartRecord,
    alsoInTransaction?: (tx: Db, prev: CartRecord, next: CartRecord) => Promise<void>,
  ): Promise<CartRecord | null> {
    const next = await this.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM carts WHERE id = ${cartId} FOR UPDATE`;
      if (locked.length === 0) return null;
      const current = await this.loadFromDb(cartId, tx);
      if (!current) return null;
      const updated = change(current);
      if (updated !== current) await persistCart(tx, current, updated);
      if (alsoInTransaction) await alsoInTransaction(tx, current, updated);
      return updated;
    });
    if (next) await this.writeCache(next);
    return next;
  }

  /** Writes `cart` into the cache unless the cache already holds a newer version. Never throws. */
  async writeCache(cart: CartRecord): Promise<void> {
    try {
      await this.kv.update(
        cartKey(cart.id),
        (current) => {
          const cached = parseCart(current);
          return cached && cached.userId !== null && cached.version > cart.version ? current : JSON.stringify(cart);
        },
        { ttlSeconds: USER_CART_CACHE_TTL_SECONDS },
      );
    } catch (e) {
      this.noteKvFailure(e);
      await this.db.pendingCacheInvalidation
        .upsert({ where: { key: cartKey(cart.id) }, create: { key: cartKey(cart.id) }, update: {} })
        .catch(() => {});
    }
  }

  async evict(cartId: string): Promise<void> {
    try {
      await this.kv.delete(cartKey(cartId));
    } catch (e) {
      this.noteKvFailure(e);
      await this.db.pendingCacheInvalidation.upsert({ where: { key: cartKey(cartId) }, create: { key: cartKey(cartId) }, update: {} }).catch(() => {});
    }
  }

  private noteKvFailure(e: unknown): void {
    if (!isKvUnavailable(e)) throw e;
    this.cacheSuspect = true;
  }

  /** Applies queued invalidations before the cache is trusted again; false while the KV store is unreachable. */
  private async cacheUsable(): Promise<boolean> {
    if (this.kv.connectionEpoch !== this.seenEpoch) {
      // reconnected since we last looked: invalidations may have been queued by others meanwhile
      this.seenEpoch = this.kv.connectionEpoch;
      this.cacheSuspect = true;
    }
    if (!this.cacheSuspect) return true;
    try {
      const pending = await this.db.pendingCacheInvalidation.findMany({ take: 500 });
      for (const p of pending) {
        await this.kv.delete(p.key);
        await this.db.pendingCacheInvalidation.deleteMany({ where: { key: p.key, createdAt: p.createdAt } });
      }
      if (pending.length < 500) this.cacheSuspect = false;
      return !this.cacheSuspect;
    } catch (e) {
      if (!isKvUnavailable(e)) throw e;
      return false;
    }
  }
}
