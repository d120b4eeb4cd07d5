import { randomUUID } from "node:crypto";
import { isUniqueViolation, Prisma, type Db, type PrismaClient } from "../db";
import { toAttributes } from "../catalog";
import { isKvUnavailable, type KvStore } from "../kv";
import { metrics } from "../observability/metrics";
import type { ShippingAddress } from "../pricing";
import { cartKey, parseCart } from "./guest-store";
import { optionsKey, shippingAddressSchema, type CartRecord, type CartStatus, type CustomOptions } from "./model";

export const USER_CART_CACHE_TTL_SECONDS = 24 * 60 * 60;

type CartRow = {
  id: string;
  user_id: string | null;
  session_id: string | null;
  status: CartStatus;
  currency: string;
  shipping_address: unknown;
  version: number;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
  items: {
    id: string;
    productId: number;
    variantId: number;
    sku: string;
    name: string;
    attributes: unknown;
    imageUrl: string | null;
    quantity: number;
    unitPrice: number;
    customOptions: unknown;
    optionsKey: string;
    addedAt: string;
  }[];
  discounts: { discountId: number; code: string; codeId: number | null }[];
};

const UTC_ISO = "YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"";

/** The cart with its lines (and their variants' names) and its codes in ONE statement (Prisma's include took seven). */
function loadRow(db: Db, cartId: string): Promise<CartRow[]> {
  return db.$queryRaw<CartRow[]>`
    SELECT c.id, c.user_id::text AS user_id, c.session_id, c.status::text AS status, c.currency, c.shipping_address,
           c.version, c.created_at, c.updated_at, c.expires_at,
           COALESCE((
             SELECT json_agg(json_build_object(
                      'id', i.id, 'productId', i.product_id, 'variantId', i.variant_id, 'sku', v.sku, 'name', p.name,
                      'attributes', v.attributes, 'imageUrl', p.image_url, 'quantity', i.quantity, 'unitPrice', i.unit_price,
                      'customOptions', i.custom_options, 'optionsKey', i.options_key,
                      'addedAt', to_char(i.created_at AT TIME ZONE 'UTC', ${UTC_ISO}))
                    ORDER BY i.created_at, i.id)
             FROM cart_items i JOIN product_variants v ON v.id = i.variant_id JOIN products p ON p.id = v.product_id
             WHERE i.cart_id = c.id), '[]'::json) AS items,
           COALESCE((
             SELECT json_agg(json_build_object(
                      'discountId', d.discount_id, 'code', COALESCE(dc.code, ds.code, ds.title, ''), 'codeId', d.discount_code_id)
                    ORDER BY d.created_at, d.discount_id)
             FROM cart_discounts d JOIN discounts ds ON ds.id = d.discount_id LEFT JOIN discount_codes dc ON dc.id = d.discount_code_id
             WHERE d.cart_id = c.id), '[]'::json) AS discounts
    FROM carts c WHERE c.id = ${cartId}`;
}

/** The stored address if it is one (anything else, e.g. a JSON null, reads as no address). */
function storedAddress(value: unknown): ShippingAddress | null {
  const parsed = shippingAddressSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function toRecord(row: CartRow): CartRecord {
  return {
    id: row.id,
    userId: row.user_id,
    sessionId: row.session_id,
    status: row.status,
    currency: row.currency,
    shippingAddress: storedAddress(row.shipping_address),
    items: row.items.map((i) => ({
      id: i.id,
      productId: i.productId,
      variantId: i.variantId,
      sku: i.sku,
      name: i.name,
      attributes: toAttributes(i.attributes),
      imageUrl: i.imageUrl,
      quantity: i.quantity,
      unitPrice: i.unitPrice,
      customOptions: (i.customOptions ?? {}) as CustomOptions,
      optionsKey: i.optionsKey,
      addedAt: i.addedAt,
    })),
    discounts: row.discounts.map((d) => ({ discountId: d.discountId, code: d.code, ...(d.codeId != null && { codeId: d.codeId }) })),
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
  };
}

/**
 * Writes `next` over `prev` (same cart id) in ONE statement: the cart row, the lines removed, changed and added, and
 * the codes dropped and added. Over an existing cart it writes only while the row still has `prev`'s version, and
 * answers whether it did (false: another writer got there first, nothing was written); every writer of a cart's
 * lines and codes bumps that version in the same statement or transaction, so a write based on a stale read can
 * never land. Without `prev` the cart is inserted.
 */
export async function persistCart(tx: Db, prev: CartRecord | null, next: CartRecord): Promise<boolean> {
  const address = next.shippingAddress === null ? null : JSON.stringify(next.shippingAddress);
  const expiresAt = next.expiresAt ? new Date(next.expiresAt) : null;
  const cart = prev
    ? Prisma.sql`
        UPDATE carts SET user_id = ${next.userId}::uuid, session_id = ${next.sessionId}, status = ${next.status}::"CartStatus",
          currency = ${next.currency}, shipping_address = ${address}::jsonb, version = ${next.version},
          expires_at = ${expiresAt}::timestamptz, updated_at = now()
        WHERE id = ${next.id} AND version = ${prev.version}
        RETURNING id`
    : Prisma.sql`
        INSERT INTO carts (id, user_id, session_id, status, currency, shipping_address, version, expires_at, updated_at)
        VALUES (${next.id}, ${next.userId}::uuid, ${next.sessionId}, ${next.status}::"CartStatus", ${next.currency},
                ${address}::jsonb, ${next.version}, ${expiresAt}::timestamptz, now())
        RETURNING id`;

  const prevItems = new Map((prev?.items ?? []).map((i) => [i.id, i]));
  const nextIds = new Set(next.items.map((i) => i.id));
  const removed = [...prevItems.keys()].filter((id) => !nextIds.has(id));
  const changed = next.items.flatMap((i) => {
    const before = prevItems.get(i.id);
    return before && (before.quantity !== i.quantity || before.unitPrice !== i.unitPrice) ? [{ id: i.id, quantity: i.quantity, unit_price: i.unitPrice }] : [];
  });
  // the lines keep their order: created_at (what they are read back by) one millisecond apart in the order given
  const added = next.items
    .filter((i) => !prevItems.has(i.id))
    .map((i, ord) => ({
      id: i.id,
      product_id: i.productId,
      variant_id: i.variantId,
      quantity: i.quantity,
      unit_price: i.unitPrice,
      custom_options: i.customOptions,
      options_key: optionsKey(i.customOptions),
      ord,
    }));
  const prevDiscounts = new Set((prev?.discounts ?? []).map((d) => d.discountId));
  const nextDiscounts = new Set(next.discounts.map((d) => d.discountId));
  const dropped = [...prevDiscounts].filter((id) => !nextDiscounts.has(id));
  const attached = next.discounts.filter((d) => !prevDiscounts.has(d.discountId)).map((d) => ({ discount_id: d.discountId, code_id: d.codeId ?? null }));

  const rows = await tx.$queryRaw<{ written: number }[]>`
    WITH c AS (${cart}),
    removed AS (
      DELETE FROM cart_items WHERE cart_id = (SELECT id FROM c) AND id = ANY(${removed}::uuid[])),
    changed AS (
      UPDATE cart_items i SET quantity = x.quantity, unit_price = x.unit_price, updated_at = now()
      FROM jsonb_to_recordset(${JSON.stringify(changed)}::jsonb) AS x(id uuid, quantity int, unit_price int)
      WHERE i.id = x.id AND i.cart_id = (SELECT id FROM c)),
    added AS (
      INSERT INTO cart_items (id, cart_id, product_id, variant_id, quantity, unit_price, custom_options, options_key, created_at, updated_at)
      SELECT x.id, c.id, x.product_id, x.variant_id, x.quantity, x.unit_price, x.custom_options, x.options_key,
             now() + x.ord * interval '1 millisecond', now()
      FROM c, jsonb_to_recordset(${JSON.stringify(added)}::jsonb)
        AS x(id uuid, product_id int, variant_id int, quantity int, unit_price int, custom_options jsonb, options_key text, ord int)),
    dropped AS (
      DELETE FROM cart_discounts WHERE cart_id = (SELECT id FROM c) AND discount_id = ANY(${dropped}::int[])),
    attached AS (
      INSERT INTO cart_discounts (cart_id, discount_id, discount_code_id)
      SELECT c.id, x.discount_id, x.code_id FROM c, jsonb_to_recordset(${JSON.stringify(attached)}::jsonb) AS x(discount_id int, code_id int)
      ON CONFLICT DO NOTHING)
    SELECT count(*)::int AS written FROM c`;
  return rows[0]?.written === 1;
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
    const [row] = await loadRow(db, cartId);
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
      await persistCart(this.db, null, fresh);
      await this.writeCache(fresh);
      return fresh;
    } catch (e) {
      // the partial unique index allows one ACTIVE cart per user: a concurrent call made it first
      if (isUniqueViolation(e)) {
        const id = await this.activeCartIdOf(userId);
        const cart = id ? await this.loadFromDb(id) : null;
        if (cart) return cart;
      }
      throw e;
    }
  }

  /**
   * Applies `change` and writes the difference, then refreshes the cache. The common case is two statements and no
   * interactive transaction: the cart is read, and the change written on condition that the row still has the
   * version read (persistCart). Only when another writer got there first (or the caller has writes of its own to
   * make in the same transaction) is the row locked: read again under the lock, changed, written, committed.
   * `change` may run twice (it must be pure).
   */
  async mutate(
    cartId: string,
    change: (cart: CartRecord) => CartRecord,
    alsoInTransaction?: (tx: Db, prev: CartRecord, next: CartRecord) => Promise<void>,
  ): Promise<CartRecord | null> {
    let next: CartRecord | null | undefined;
    if (!alsoInTransaction) {
      const current = await this.loadFromDb(cartId);
      if (!current) return null;
      const updated = change(current);
      if (updated === current || (await persistCart(this.db, current, updated))) next = updated;
    }
    next ??= await this.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM carts WHERE id = ${cartId} FOR UPDATE`;
      if (locked.length === 0) return null;
      const current = await this.loadFromDb(cartId, tx);
      if (!current) return null;
      const updated = change(current);
      if (updated !== current && !(await persistCart(tx, current, updated))) throw new Error(`cart ${cartId} changed under its row lock`);
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
