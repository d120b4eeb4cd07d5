import { passwordResetRequestSchema, requestPasswordReset } from "@/lib/accounts/password-reset";
import { prisma } from "@/lib/db";
import { handle, json, readJson } from "@/lib/http/handler";

/** POST { email } -> 202, whether or not an account has this address (it is never revealed). */
export const POST = handle(async (req) => {
  const input = await readJson(req, passwordResetRequestSchema);
  await requestPasswordReset(prisma(), input);
  return json({ accepted: true }, 202);
});
