import { renderMail } from "@/emails/render";
import { hasCronSecret } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { handle, json } from "@/lib/http/handler";
import { deliverMail, mailDeps } from "@/lib/mail";

/** Delivers due mail from the outbox. Safe on every instance at once (claims with SKIP LOCKED and a lease). */
export const POST = handle(async (req: Request) => {
  if (!hasCronSecret(req, env().CRON_SECRET)) throw new DomainError("unauthorized", "A valid cron secret is required.");
  return json({ processed: await deliverMail(mailDeps(renderMail)) });
});
