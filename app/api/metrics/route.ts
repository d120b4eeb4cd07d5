import { DomainError } from "@/lib/errors";
import { handle } from "@/lib/http/handler";
import { metrics, metricsText } from "@/lib/observability/metrics";
import { hasMetricsToken } from "@/lib/observability/metrics-token";

export const dynamic = "force-dynamic";

/** Prometheus metrics; needs `Authorization: Bearer $METRICS_TOKEN` (or ADMIN_API_TOKEN when that is unset). */
export const GET = handle(async (req: Request) => {
  if (!hasMetricsToken(req)) throw new DomainError("unauthorized", "A valid metrics token is required.");
  return new Response(await metricsText(), { headers: { "content-type": metrics().registry.contentType, "cache-control": "no-store" } });
});
