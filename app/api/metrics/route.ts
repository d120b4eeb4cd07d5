import { safeEqual } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { handle } from "@/lib/http/handler";
import { metrics } from "@/lib/observability/metrics";

export const dynamic = "force-dynamic";

/** Prometheus metrics; needs `Authorization: Bearer $METRICS_TOKEN` (or ADMIN_API_TOKEN when that is unset). */
export const GET = handle(async (req: Request) => {
  const token = env().METRICS_TOKEN ?? env().ADMIN_API_TOKEN;
  const presented = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "")?.[1];
  if (!token || !presented || !safeEqual(presented, token)) throw new DomainError("unauthorized", "A valid metrics token is required.");
  const registry = metrics().registry;
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType, "cache-control": "no-store" } });
});
