import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { cookies } from "next/headers";
import { env } from "../env";
import { cookieName, secureCookies } from "./cookie-names";
import { authSecret } from "./options";

// The one module that reads and writes the app's own cookies (the session cookie is next-auth's). Values are
// `<value>.<HMAC-SHA256, base64url>` so a client can neither forge nor edit them; a bad signature reads as absent.
// Writes work only where Next allows them: route handlers and server actions.

/** Bare names: over https the cookies are `__Host-cw_cart` and `__Host-cw_orders` (cookie-names.ts). */
export const GUEST_CART_COOKIE = "cw_cart";
export const ORDER_TOKENS_COOKIE = "cw_orders";
export const MAX_REMEMBERED_ORDERS = 10;
const MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

const macKeys = new Map<string, Buffer>();

function macKey(secret: string, purpose: string): Buffer {
  // A key of its own per purpose, derived from the app secret: a signature made for one cookie is worthless for
  // another, and nothing here can be used to attack the session JWT that the same secret protects. Derived once per
  // (secret, purpose) and kept: cookies are signed and checked on most requests.
  const id = `${purpose}\0${secret}`;
  let key = macKeys.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, "cartwright-cookie-signing", `v1:${purpose}`, 32));
    macKeys.set(id, key);
  }
  return key;
}

function mac(value: string, secret: string, purpose: string): string {
  return createHmac("sha256", macKey(secret, purpose)).update(value, "utf8").digest("base64url");
}

/** `<value>.<signature>`. `purpose` separates keys between uses (each cookie passes its name). */
export function signValue(value: string, secret: string, purpose = "cookie"): string {
  return `${value}.${mac(value, secret, purpose)}`;
}

/** The value when the signature is valid for this secret and purpose, else null. */
export function verifySignedValue(signed: string | null | undefined, secret: string, purpose = "cookie"): string | null {
  if (typeof signed !== "string") return null;
  const dot = signed.lastIndexOf(".");
  if (dot <= 0) return null;
  const value = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1), "base64url");
  const expected = Buffer.from(mac(value, secret, purpose), "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  // base64url decoding is lenient (it skips stray characters): accept only the canonical encoding
  if (given.toString("base64url") !== signed.slice(dot + 1)) return null;
  return value;
}

function cookieOptions() {
  // Path=/ and no Domain: what the __Host- prefix needs over https (cookie-names.ts)
  return { httpOnly: true, sameSite: "lax" as const, path: "/", secure: secureCookies({ NEXTAUTH_URL: process.env.NEXTAUTH_URL, NODE_ENV: env().NODE_ENV }), maxAge: MAX_AGE_SECONDS };
}

/** The name a cookie has on this site: `__Host-cw_cart` over https. Its signature's purpose stays the bare name. */
const nameOf = (name: string) => cookieName(name, cookieOptions().secure);

async function readSigned(name: string): Promise<string | null> {
  const jar = await cookies();
  return verifySignedValue(jar.get(nameOf(name))?.value, authSecret(), name);
}

async function writeSigned(name: string, value: string): Promise<void> {
  const jar = await cookies();
  jar.set(nameOf(name), signValue(value, authSecret(), name), cookieOptions());
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** The guest's cart id from the signed cookie, or null (absent, tampered, or signed with another secret). */
export async function readGuestCartId(): Promise<string | null> {
  const id = await readSigned(GUEST_CART_COOKIE);
  return id !== null && ID_PATTERN.test(id) ? id : null;
}

export async function writeGuestCartId(cartId: string): Promise<void> {
  if (!ID_PATTERN.test(cartId)) throw new Error("writeGuestCartId: not a cart id");
  await writeSigned(GUEST_CART_COOKIE, cartId);
}

export async function clearGuestCartId(): Promise<void> {
  const jar = await cookies();
  jar.set(nameOf(GUEST_CART_COOKIE), "", { ...cookieOptions(), maxAge: 0 });
}

function decodeOrderTokens(value: string | null): Array<[string, string]> {
  if (value === null) return [];
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter(
        (e): e is [string, string] =>
          Array.isArray(e) && e.length === 2 && typeof e[0] === "string" && typeof e[1] === "string",
      )
      .slice(-MAX_REMEMBERED_ORDERS);
  } catch {
    return [];
  }
}

/** Order id -> order token for the guest's last orders (the token lets them view the order without an account). */
export async function readOrderTokens(): Promise<Record<string, string>> {
  return Object.fromEntries(decodeOrderTokens(await readSigned(ORDER_TOKENS_COOKIE)));
}

/** Remembers an order's token, keeping the most recent MAX_REMEMBERED_ORDERS orders (cookies are size-limited). */
export async function writeOrderToken(orderId: string, token: string): Promise<void> {
  if (!ID_PATTERN.test(orderId)) throw new Error("writeOrderToken: not an order id");
  const entries = decodeOrderTokens(await readSigned(ORDER_TOKENS_COOKIE)).filter(([id]) => id !== orderId);
  entries.push([orderId, token]);
  const kept = entries.slice(-MAX_REMEMBERED_ORDERS);
  await writeSigned(ORDER_TOKENS_COOKIE, Buffer.from(JSON.stringify(kept), "utf8").toString("base64url"));
}
