import { createHmac, hkdfSync } from "node:crypto";
import { env } from "../env";

// An order's token (a guest's bearer capability for GET /api/orders/{id}) is DERIVED, never stored: it is the
// HMAC of the order id under a key derived (HKDF) from NEXTAUTH_SECRET. The orders table keeps only its sha-256,
// and the stored idempotent 201 answer keeps no token at all: a replay recomputes it. So a copy of the database
// (a backup, a read replica, an SQL injection) gives no one access to an order.

const keys = new Map<string, Buffer>();

function orderTokenKey(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, "cartwright", "order-token v1", 32));
    keys.set(secret, key);
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
  return createHmac("sha256", orderTokenKey(secret)).update(`order:${orderId}`, "utf8").digest("base64url");
}
