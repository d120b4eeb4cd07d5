import { json } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

/** Liveness: the process answers. Dependencies are /api/ready's business. */
export function GET() {
  return json({ status: "ok", uptimeSeconds: Math.round(process.uptime()) });
}
