import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json } from "@/lib/http/handler";
import { getOrderForAdmin } from "@/lib/orders";

type Ctx = { params: Promise<{ id: string }> };

/** { order } with order.events [{ type, at, actor, details }]. */
export const GET = handle(async (req: Request, ctx: Ctx) => {
  await requireAdmin(req);
  const { id } = await ctx.params;
  return json({ order: await getOrderForAdmin(prisma(), id) });
});
