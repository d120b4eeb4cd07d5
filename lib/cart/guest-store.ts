import { DomainError } from "../errors";
import type { KvStore } from "../kv";
import type { CartRecord } from "./model";

export const GUEST_CART_TTL_SECONDS = 30 * 24 * 60 * 60;

/** A checkout's close found the guest cart changed since it was priced: the checkout starts over. */
export class GuestCartMoved extends Error {
  constructor() {
    super("the guest cart changed since it was priced");
  }
}

/** Thrown inside an update to leave the key as it is (a throwing update function writes nothing). */
class NotAGuestCart extends Error {
  constructor(readonly stale: CartRecord | null) {
    super("not a guest cart");
  }
}

export const cartKey = (cartId: string) => `cart:${cartId}`;

export function parseCart(json: string | null): CartRecord | null {
  if (json === null) return null;
  try {
    const v = JSON.parse(json) as CartRecord;
    return v && typeof v === "object" && typeof v.id === "string" && Array.isArray(v.items) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Guest carts: one JSON document per cart in the KV store (`cart:{id}`), whose 30-day TTL slides on every write.
 * Writes go through the store's atomic update, so two tabs adding at once both count.
 */
export class GuestCartStore {
  constructor(private readonly kv: KvStore) {}

  async load(cartId: string): Promise<CartRecord | null> {
    const cart = parseCart(await this.kv.get(cartKey(cartId)));
    return cart && cart.userId === null ? cart : null;
  }

  async create(cart: CartRecord): Promise<CartRecord> {
    await this.kv.set(cartKey(cart.id), JSON.stringify(cart), { ttlSeconds: GUEST_CART_TTL_SECONDS });
    return cart;
  }

  /** Applies `change` atomically; null when the cart does not exist (or expired). `change` may run more than once. */
  async mutate(cartId: string, change: (cart: CartRecord) => CartRecord): Promise<CartRecord | null> {
    let result: CartRecord | null = null;
    const now = new Date();
    await this.kv.update(
      cartKey(cartId),
      (current) => {
        const cart = parseCart(current);
        if (!cart || cart.userId !== null) {
          result = null;
          return current;
        }
        const next = change(cart);
        result = { ...next, expiresAt: new Date(now.getTime() + GUEST_CART_TTL_SECONDS * 1000).toISOString() };
        return JSON.stringify(result);
      },
      { ttlSeconds: GUEST_CART_TTL_SECONDS },
    );
    return result;
  }

  /**
   * One compare-and-set when the key holds a guest cart: `change` runs inside the store's update (one read, one
   * write; the change may run more than once). Nothing is written when the key holds something else: "absent" (no
   * such key), "not_guest" (a signed-in cart's cache copy, which the caller must change through PostgreSQL) or
   * "stale_close" (a checkout closed it and never settled: the caller settles it, then tries again).
   */
  async tryMutate(
    cartId: string,
    change: (cart: CartRecord) => CartRecord,
    isStale: (cart: CartRecord) => boolean,
  ): Promise<{ kind: "written"; cart: CartRecord } | { kind: "absent" } | { kind: "not_guest" } | { kind: "stale_close"; cart: CartRecord }> {
    let result: CartRecord | null = null;
    const now = new Date();
    try {
      await this.kv.update(
        cartKey(cartId),
        (current) => {
          result = null;
          if (current === null) return null; // nothing there, nothing written
          const cart = parseCart(current);
          if (!cart || cart.userId !== null) throw new NotAGuestCart(null);
          if (isStale(cart)) throw new NotAGuestCart(cart);
          result = { ...change(cart), expiresAt: new Date(now.getTime() + GUEST_CART_TTL_SECONDS * 1000).toISOString() };
          return JSON.stringify(result);
        },
        { ttlSeconds: GUEST_CART_TTL_SECONDS },
      );
    } catch (e) {
      if (!(e instanceof NotAGuestCart)) throw e;
      return e.stale ? { kind: "stale_close", cart: e.stale } : { kind: "not_guest" };
    }
    return result ? { kind: "written", cart: result } : { kind: "absent" };
  }

  /**
   * Removes an ACTIVE cart and returns what it held; of two concurrent claims exactly one gets the cart. A cart that
   * is not ACTIVE (checked out, or held closed by a checkout) is left where it is and returned as it is.
   */
  async claim(cartId: string): Promise<CartRecord | null> {
    let claimed: CartRecord | null = null;
    await this.kv.update(cartKey(cartId), (current) => {
      const cart = parseCart(current);
      claimed = cart && cart.userId === null ? cart : null;
      return claimed?.status === "ACTIVE" ? null : current;
    });
    return claimed;
  }

  /**
   * Closes the cart for a checkout, only at the version that was priced: CHECKED_OUT with a closing marker, so any
   * change from now on is refused (409 cart_not_active). Throws cart_not_active when it is not ACTIVE and
   * GuestCartMoved when it changed since it was read (the checkout prices it again); null when it is gone.
   */
  async close(cartId: string, pricedVersion: number, orderId: string, now: Date): Promise<CartRecord | null> {
    return this.mutate(cartId, (c) => {
      if (c.status !== "ACTIVE") throw new DomainError("cart_not_active", "This cart has already been checked out.", { status: c.status });
      if (c.version !== pricedVersion) throw new GuestCartMoved();
      return { ...c, status: "CHECKED_OUT", closing: { orderId, at: now.toISOString() }, version: c.version + 1, updatedAt: now.toISOString() };
    });
  }

  /** Undoes close() when that checkout wrote no order; a no-op once anyone else settled that close. */
  async reopen(cartId: string, orderId: string, now: Date): Promise<CartRecord | null> {
    return this.mutate(cartId, (c) =>
      c.status === "CHECKED_OUT" && c.closing?.orderId === orderId
        ? { ...c, status: "ACTIVE", closing: null, version: c.version + 1, updatedAt: now.toISOString() }
        : c,
    );
  }

  /**
   * The order was written: the cart stays CHECKED_OUT for good (also repairs a copy that still says ACTIVE). Clearing
   * the close keeps the version: the row written by the order has this version, and a restored row must read as
   * newer than this document (locateCart's repair compares them).
   */
  async markCheckedOut(cartId: string, now: Date): Promise<CartRecord | null> {
    return this.mutate(cartId, (c) => {
      if (c.status === "CHECKED_OUT") return c.closing ? { ...c, closing: null } : c;
      return { ...c, status: "CHECKED_OUT", closing: null, version: c.version + 1, updatedAt: now.toISOString() };
    });
  }

  /**
   * The cart comes back ACTIVE after its order was cancelled (`restored` is its PostgreSQL row). The KV document is
   * never simply overwritten: if it is ACTIVE already (repaired by a reader, then changed), the lines it holds stay
   * and only lines it lacks are added back, so nothing answered 2xx meanwhile is lost. The version only moves up.
   */
  async restore(restored: CartRecord, now: Date): Promise<void> {
    const expiresAt = new Date(now.getTime() + GUEST_CART_TTL_SECONDS * 1000).toISOString();
    await this.kv.update(
      cartKey(restored.id),
      (current) => {
        const doc = parseCart(current);
        if (doc && doc.userId === null && doc.status === "ACTIVE") {
          const have = new Set(doc.items.map((l) => l.id));
          const missing = restored.items.filter((l) => !have.has(l.id));
          if (missing.length === 0) return current;
          let items = [...doc.items];
          for (const line of missing) {
            // one line per variant and options: a restored line the document also holds adds its units to it
            const same = items.find((l) => l.variantId === line.variantId && l.optionsKey === line.optionsKey);
            items = same ? items.map((l) => (l === same ? { ...l, quantity: l.quantity + line.quantity } : l)) : [...items, line];
          }
          return JSON.stringify({ ...doc, items, version: doc.version + 1, updatedAt: now.toISOString(), expiresAt });
        }
        const version = Math.max(restored.version, (doc?.version ?? 0) + 1);
        return JSON.stringify({ ...restored, status: "ACTIVE", closing: null, version, updatedAt: now.toISOString(), expiresAt });
      },
      { ttlSeconds: GUEST_CART_TTL_SECONDS },
    );
  }

  async put(cart: CartRecord): Promise<void> {
    await this.kv.set(cartKey(cart.id), JSON.stringify(cart), { ttlSeconds: GUEST_CART_TTL_SECONDS });
  }
}
