import { env } from "../env";
import { bearerMatches } from "../http/bearer";

/**
 * True when the request carries `Authorization: Bearer <METRICS_TOKEN>` (ADMIN_API_TOKEN when that is unset). What
 * the operators' endpoints show (metrics, readiness details: which dependency failed and why) maps the inside of
 * the shop, so only a holder of the token sees it. No token configured: nobody does.
 */
export function hasMetricsToken(req: Request): boolean {
  return bearerMatches(req, env().METRICS_TOKEN ?? env().ADMIN_API_TOKEN);
}
