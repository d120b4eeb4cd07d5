import { cartService } from "@/lib/cart";
import { hasCronSecret } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { handle, json } from "@/lib/http/handler";

/** Marks idle signed-in carts ABANDONED. Safe to call on every instance at once (SKIP LOCKED). */
export const POST = handle(async (req: Request) => {
  if (!hasCronSecret(req, env().CRON_SECRET)) throw new DomainError("unauthorized", "A valid cron secret is required.");
  return json({ processed: await cartService().sweepAbandoned(env().CART_ABANDON_AFTER_DAYS) });
});
