import { json } from "@/lib/http/handler";
import type { HealthAnswer } from "@/lib/observability/readiness";

export const dynamic = "force-dynamic";

/** Liveness: the process answers. Dependencies are /api/ready's business. */
export function GET() {
  return json({ status: "ok", uptimeSeconds: Math.round(process.uptime()) } satisfies HealthAnswer);
}
