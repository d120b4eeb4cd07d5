import { cartService } from "@/lib/cart";
import { hasCronSecret } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { handle, json } from "@/lib/http/handler";
import { sendCartReminders } from "@/lib/mail/cart-reminders";

/** Queues abandoned-cart reminders. Safe on every instance at once (one reminder per cart and idle period). */
export const POST = handle(async (req: Request) => {
  if (!hasCronSecret(req, env().CRON_SECRET)) throw new DomainError("unauthorized", "A valid cron secret is required.");
  const processed = await sendCartReminders({ db: prisma(), carts: cartService(), afterMinutes: env().CART_REMINDER_AFTER_MINUTES });
  return json({ processed });
});
