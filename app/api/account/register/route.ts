import { registerSchema } from "@/lib/accounts";
import { registerWithLimit } from "@/lib/accounts/registration-limit";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { clientKeyFrom } from "@/lib/http/client-key";
import { handle, json, readJson } from "@/lib/http/handler";
import { kv } from "@/lib/kv";
import { logger } from "@/lib/observability/logger";

/**
 * POST { email, password } -> 201 { user: { id, email } }; 400 validation_failed (a weak password on `password`);
 * 409 conflict (email taken); 429 rate_limited past REGISTRATIONS_PER_CLIENT_PER_HOUR.
 */
export const POST = handle(async (req) => {
  const input = await readJson(req, registerSchema);
  const user = await registerWithLimit(prisma(), kv(), input, clientKeyFrom(req.headers), {
    perHour: env().REGISTRATIONS_PER_CLIENT_PER_HOUR,
    onKvError: (e) => logger().warn({ err: String(e) }, "registration limit kept in memory: the KV store is unreachable"),
  });
  return json({ user: { id: user.id, email: user.email } }, 201);
});
