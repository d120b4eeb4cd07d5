import { createHmac, hkdfSync } from "node:crypto";
import { env } from "../env";

// An order's token (a guest's bearer capability for GET /api/orders/{id}) is DERIVED, never stored: it is the
// HMAC of the order id under a key derived (HKDF) from NEXTAUTH_SECRET. The orders table keeps only its sha-256,
// and the stored idempotent 201 answer keeps no token at all: a replay recomputes it. So a copy of the database
// (a backup, a read replica, an SQL injection) gives no one access to an order.

const keys = new Map<string, Buffer>();

/** A key of its own per purpose, derived from the secret (HKDF-SHA256), so no two uses share one. */
function derivedKey(secret: string, purpose: "order-token v1" | "client-key v1"): Buffer {
  const id = `${purpose}\0${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, "cartwright", purpose, 32));
    keys.set(id, key);
  }
  return key;
}

/** The process's signing secret; there is no fallback (lib/auth/options.ts authSecret says the same). */
function secretFromEnv(): string {
  const secret = env().NEXTAUTH_SECRET;
  if (!secret) throw new Error("NEXTAUTH_SECRET is not set: order tokens are derived from it.");
  return secret;
}

/** The order's token: 256 bits, URL-safe, the same every time for the same order and secret. */
export function orderTokenFor(orderId: string, secret: string = secretFromEnv()): string {
  return createHmac("sha256", derivedKey(secret, "order-token v1")).update(`order:${orderId}`, "utf8").digest("base64url");
}

/**
 * What an order stores about its client (for the unpaid-orders-per-client cap): a keyed hash of the IP, so the
 * orders table holds no IP address (an unkeyed hash of an IPv4 address is reversed by trying all 2^32).
 */
export function clientKeyHash(client: string, secret: string = secretFromEnv()): string {
  return createHmac("sha256", derivedKey(secret, "client-key v1")).update(client, "utf8").digest("hex").slice(0, 32);
}
