import { registerSchema, registerUser } from "@/lib/accounts";
import { prisma } from "@/lib/db";
import { handle, json, readJson } from "@/lib/http/handler";

/** POST { email, password } -> 201 { user: { id, email } }; 400 validation_failed; 409 conflict (email taken). */
export const POST = handle(async (req) => {
  const input = await readJson(req, registerSchema);
  const user = await registerUser(prisma(), input);
  return json({ user: { id: user.id, email: user.email } }, 201);
});
