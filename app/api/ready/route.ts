import { prisma } from "@/lib/db";
import { json } from "@/lib/http/handler";
import { kv } from "@/lib/kv";
import { checkReadiness } from "@/lib/observability/readiness";

export const dynamic = "force-dynamic";

/** Readiness: 200 when PostgreSQL, the migrations and the KV store are all good, else 503 naming what failed. */
export async function GET() {
  const r = await checkReadiness(prisma(), kv());
  const failing = Object.entries(r.checks).filter(([, c]) => !c.ok).map(([name]) => name);
  return json({ status: r.ready ? "ready" : "unavailable", failing, checks: r.checks }, r.ready ? 200 : 503);
}
