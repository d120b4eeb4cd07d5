import { hasCronSecret } from "@/lib/auth/session";
import { checkoutDeps, expireReservations } from "@/lib/checkout";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { handle, json } from "@/lib/http/handler";
import { purgeExpiredIdempotencyKeys } from "@/lib/idempotency";

/** Releases expired reservations (and purges expired idempotency keys). Safe on every instance at once (SKIP LOCKED). */
export const POST = handle(async (req: Request) => {
  if (!hasCronSecret(req, env().CRON_SECRET)) throw new DomainError("unauthorized", "A valid cron secret is required.");
  const deps = checkoutDeps();
  const processed = await expireReservations(deps, { now: new Date(), batch: 100 });
  await purgeExpiredIdempotencyKeys(deps.db);
  return json({ processed });
});
