import { passwordResetRequestSchema, requestPasswordReset } from "@/lib/accounts/password-reset";
import { prisma } from "@/lib/db";
import { handle, json, readJson } from "@/lib/http/handler";
import { kv } from "@/lib/kv";
import { allowMailRequest } from "@/lib/mail/request-limit";

/** POST { email } -> 202, whether or not an account has this address (it is never revealed). */
export const POST = handle(async (req) => {
  const input = await readJson(req, passwordResetRequestSchema);
  const client = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || "unknown";
  if (await allowMailRequest(kv(), "password-reset", client)) await requestPasswordReset(prisma(), input);
  return json({ accepted: true }, 202);
});
