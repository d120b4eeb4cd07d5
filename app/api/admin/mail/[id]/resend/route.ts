import { z } from "zod";
import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json, parseWith } from "@/lib/http/handler";
import { resendMail } from "@/lib/mail";
import { mailIdSchema } from "@/lib/mail/worker";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: mailIdSchema });

/** POST -> { message }: a failed (or skipped) message goes back in the queue; sent or pending: 409 conflict. */
export const POST = handle(async (req: Request, ctx: Ctx) => {
  await requireAdmin(req);
  const { id } = parseWith(params, await ctx.params);
  return json({ message: await resendMail(prisma(), id) });
});
