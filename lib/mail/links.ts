import { createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { appSecret, env } from "../env";

// Links in e-mails carry signed tokens: `<payload, base64url JSON>.<HMAC-SHA256, base64url>`, with a key derived
// from NEXTAUTH_SECRET per purpose (a cart-restore signature is worthless as an unsubscribe or order link). They are
// made when the worker renders a message, never stored: the outbox holds ids, not credentials.

// Both ends of a link (the worker that signs it, the route that checks it) use the app's one secret (lib/env.ts).
export const linkSecret = appSecret;

export type LinkPurpose = "cart-restore" | "unsubscribe" | "order-access" | "password-reset";

function key(purpose: LinkPurpose, secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "cartwright-mail-links", `v1:${purpose}`, 32));
}

function mac(purpose: LinkPurpose, value: string, secret: string): string {
  return createHmac("sha256", key(purpose, secret)).update(value, "utf8").digest("base64url");
}

function macMatches(purpose: LinkPurpose, value: string, given: string, secret: string): boolean {
  const a = Buffer.from(mac(purpose, value, secret), "base64url");
  const b = Buffer.from(given, "base64url");
  // base64url decoding is lenient: only the canonical encoding counts
  return a.length === b.length && timingSafeEqual(a, b) && b.toString("base64url") === given;
}

export function signPayload(purpose: LinkPurpose, payload: object, secret = linkSecret()): string {
  const body = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  return `${body}.${mac(purpose, body, secret)}`;
}

/** The payload when the signature holds and it fits `schema`, else null. */
export function verifyPayload<S extends z.ZodType>(purpose: LinkPurpose, token: unknown, schema: S, secret = linkSecret()): z.output<S> | null {
  if (typeof token !== "string" || token.length > 2048) return null;
  const dot = token.indexOf(".");
  if (dot <= 0) return null;
  const body = token.slice(0, dot);
  if (!macMatches(purpose, body, token.slice(dot + 1), secret)) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const expiring = { x: z.number().int() };

/** Restores a cart on any device; valid 30 days. */
export const CART_RESTORE_TTL_SECONDS = 30 * 24 * 60 * 60;
const cartRestoreSchema = z.object({ c: z.string().min(1).max(128), ...expiring });
export function cartRestoreToken(cartId: string, now: Date, secret?: string): string {
  return signPayload("cart-restore", { c: cartId, x: Math.floor(now.getTime() / 1000) + CART_RESTORE_TTL_SECONDS }, secret);
}
export function verifyCartRestoreToken(token: unknown, now: Date, secret?: string): { cartId: string } | null {
  const p = verifyPayload("cart-restore", token, cartRestoreSchema, secret);
  return p && p.x * 1000 > now.getTime() ? { cartId: p.c } : null;
}

/** Stops cart reminders to an address; does not expire (an old reminder's link must still work). */
const unsubscribeSchema = z.object({ e: z.string().min(3).max(254) });
export function unsubscribeToken(email: string, secret?: string): string {
  return signPayload("unsubscribe", { e: email.trim().toLowerCase() }, secret);
}
export function verifyUnsubscribeToken(token: unknown, secret?: string): { email: string } | null {
  const p = verifyPayload("unsubscribe", token, unsubscribeSchema, secret);
  return p ? { email: p.e } : null;
}

/** Opens one order on any device (the order page accepts it as `?access=`); valid 7 days. */
export const ORDER_ACCESS_TTL_SECONDS = 7 * 24 * 60 * 60;
const orderAccessSchema = z.object({ o: z.uuid(), ...expiring });
export function orderAccessToken(orderId: string, now: Date, secret?: string): string {
  return signPayload("order-access", { o: orderId, x: Math.floor(now.getTime() / 1000) + ORDER_ACCESS_TTL_SECONDS }, secret);
}
export function verifyOrderAccessToken(token: unknown, orderId: string, now: Date, secret?: string): boolean {
  const p = verifyPayload("order-access", token, orderAccessSchema, secret);
  return p !== null && p.o === orderId && p.x * 1000 > now.getTime();
}

/**
 * A password reset token: the reset row's id and an HMAC of it. Derived, so the outbox (and the database) never
 * holds a usable token; the row keeps only its sha-256 (lookup, single use and expiry are the row's).
 */
export function passwordResetToken(resetTokenId: string, secret = linkSecret()): string {
  return `${resetTokenId}.${mac("password-reset", resetTokenId, secret)}`;
}
export const hashResetToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** The shop's public URL for links in e-mails (NEXTAUTH_URL, else localhost on PORT). */
export function publicBaseUrl(): string {
  const url = env().NEXTAUTH_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  return url.replace(/\/+$/, "");
}

/** The links a template may need, made at delivery time. */
export const mailLinks = {
  order: (base: string, orderId: string, now: Date) => `${base}/orders/${orderId}?access=${encodeURIComponent(orderAccessToken(orderId, now))}`,
  cartRestore: (base: string, cartId: string, now: Date) => `${base}/cart/restore?token=${encodeURIComponent(cartRestoreToken(cartId, now))}`,
  unsubscribe: (base: string, email: string) => `${base}/unsubscribe?token=${encodeURIComponent(unsubscribeToken(email))}`,
  passwordReset: (base: string, resetTokenId: string) => `${base}/reset-password?token=${encodeURIComponent(passwordResetToken(resetTokenId))}`,
};
