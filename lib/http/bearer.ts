import { createHash, timingSafeEqual } from "node:crypto";

// `Authorization: Bearer <token>`: read in one place for every caller (guest order tokens, the admin API token, the
// cron secret, the metrics token).

/** The request's bearer token, or null. */
export function bearerTokenOf(req: Request): string | null {
  const header = req.headers.get("authorization");
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] ?? null;
}

/** True when the request carries `Bearer <secret>`; an unset or empty secret never matches. Constant time. */
export function bearerMatches(req: Request, secret: string | undefined): boolean {
  if (typeof secret !== "string" || secret.length === 0) return false;
  const presented = bearerTokenOf(req);
  return presented !== null && safeEqual(presented, secret);
}

/** Constant-time string comparison; hashing first makes the lengths equal, so the length does not leak either. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(ha, hb);
}
