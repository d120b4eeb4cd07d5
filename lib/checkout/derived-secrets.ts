import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { appSecret } from "../env";

// Everything checkout keys with NEXTAUTH_SECRET, each purpose under its own HKDF-derived key: the order token,
// the client key of an order, and the sealing of a secret kept in a stored answer.
//
// An order's token (a guest's bearer capability for GET /api/orders/{id}) is DERIVED, never stored: it is the
// HMAC of the order id under a key derived (HKDF) from NEXTAUTH_SECRET. The orders table keeps only its sha-256,
// and the stored idempotent 201 answer keeps no token at all: a replay recomputes it. So a copy of the database
// (a backup, a read replica, an SQL injection) gives no one access to an order.

const keys = new Map<string, Buffer>();

/** A key of its own per purpose, derived from the secret (HKDF-SHA256), so no two uses share one. */
function derivedKey(secret: string, purpose: "order-token v1" | "client-key v1" | "stored-secret v1"): Buffer {
  const id = `${purpose}\0${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, "cartwright", purpose, 32));
    keys.set(id, key);
  }
  return key;
}

const secretFromEnv = appSecret;

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

const SEALED_PREFIX = "v1.";

/**
 * Encrypts a secret that has to be kept for a while (the payment's client secret in a stored idempotent answer):
 * AES-256-GCM under a key derived from NEXTAUTH_SECRET, bound to `context` (the order id) so a sealed value cannot
 * be replayed into another order's answer. "v1." + base64url(iv | tag | ciphertext).
 */
export function sealSecret(plain: string, context: string, secret: string = secretFromEnv()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", derivedKey(secret, "stored-secret v1"), iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

/** The secret sealSecret sealed, or null when it cannot be opened (another NEXTAUTH_SECRET, another context, tampered). */
export function openSecret(sealed: string, context: string, secret: string = secretFromEnv()): string | null {
  if (!sealed.startsWith(SEALED_PREFIX)) return null;
  const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), "base64url");
  if (raw.length < 28) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", derivedKey(secret, "stored-secret v1"), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
