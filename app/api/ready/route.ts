import { prisma } from "@/lib/db";
import { handle, json } from "@/lib/http/handler";
import { kv } from "@/lib/kv";
import { hasMetricsToken } from "@/lib/observability/metrics-token";
import { checkReadiness } from "@/lib/observability/readiness";

export const dynamic = "force-dynamic";

/**
 * Readiness: 200 when PostgreSQL, the migrations and the KV store are all good, else 503. Only `{ status }` for
 * everyone (a load balancer needs no more); which check failed, with its error and timings, only with
 * `Authorization: Bearer $METRICS_TOKEN`, since those errors name hosts, migrations and versions.
 */
export const GET = handle(async (req: Request) => {
  const r = await checkReadiness(prisma(), kv());
  const status = r.ready ? "ready" : "unavailable";
  if (!hasMetricsToken(req)) return json({ status }, r.ready ? 200 : 503);
  const failing = Object.entries(r.checks).filter(([, c]) => !c.ok).map(([name]) => name);
  return json({ status, failing, checks: r.checks }, r.ready ? 200 : 503);
});
