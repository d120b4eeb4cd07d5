import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json } from "@/lib/http/handler";
import { listMail } from "@/lib/mail";

/** GET -> { messages: [{ id, to, subject, status, attempts, createdAt, sentAt }] }, newest first. */
export const GET = handle(async (req: Request) => {
  await requireAdmin(req);
  const messages = await listMail(prisma(), { limit: 200 });
  return json({
    messages: messages.map((m) => ({ id: m.id, event: m.event, to: m.to, subject: m.subject, status: m.status, attempts: m.attempts, lastError: m.lastError, createdAt: m.createdAt, sentAt: m.sentAt })),
  });
});
