import { confirmPasswordReset, passwordResetConfirmSchema } from "@/lib/accounts/password-reset";
import { prisma } from "@/lib/db";
import { handle, json, readJson } from "@/lib/http/handler";

/** POST { token, password } -> 200; a bad, used or expired token, or a weak password: 400 validation_failed. */
export const POST = handle(async (req) => {
  const input = await readJson(req, passwordResetConfirmSchema);
  await confirmPasswordReset(prisma(), input);
  return json({ reset: true });
});
