import type { KvStore } from "../kv";
import type { CartRecord } from "./model";

export const GUEST_CART_TTL_SECONDS = 30 * 24 * 60 * 60;

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

  /** Removes the cart and returns what it held; of two concurrent claims exactly one gets the cart. */
  async claim(cartId: string): Promise<CartRecord | null> {
    let claimed: CartRecord | null = null;
    await this.kv.update(cartKey(cartId), (current) => {
      const cart = parseCart(current);
      claimed = cart && cart.userId === null ? cart : null;
      return claimed ? null : current;
    });
    return claimed;
  }

  async put(cart: CartRecord): Promise<void> {
    await this.kv.set(cartKey(cart.id), JSON.stringify(cart), { ttlSeconds: GUEST_CART_TTL_SECONDS });
  }
}
