import { createHash, timingSafeEqual } from "node:crypto";
import { env } from "../env";

/**
 * True when the request carries `Authorization: Bearer <METRICS_TOKEN>` (ADMIN_API_TOKEN when that is unset). What
 * the operators' endpoints show (metrics, readiness details: which dependency failed and why) maps the inside of
 * the shop, so only a holder of the token sees it. No token configured: nobody does.
 */
export function hasMetricsToken(req: Request): boolean {
  const token = env().METRICS_TOKEN ?? env().ADMIN_API_TOKEN;
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "")?.[1];
  if (!token || !presented) return false;
  // hashed first, so the comparison takes the same time whatever the lengths
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(token, "utf8").digest();
  return timingSafeEqual(a, b);
}
