import { requireUser } from "@/lib/auth/session";
import { revokeAllSessions } from "@/lib/auth/sessions";
import { prisma } from "@/lib/db";
import { handle, json } from "@/lib/http/handler";

/** "Sign out everywhere": POST -> { revoked } (how many sessions were live, this one included); 401 signed out. */
export const POST = handle(async () => {
  const user = await requireUser();
  return json({ revoked: await revokeAllSessions(prisma(), user.id) });
});
