import { requireAdmin } from "@/lib/auth/session";
import { getOrderForAdmin } from "@/lib/checkout";
import { prisma } from "@/lib/db";
import { handle, json } from "@/lib/http/handler";

type Ctx = { params: Promise<{ orderId: string }> };

/** Any order with its recorded payment events (payments, mismatches, refunds, disputes): admins only. */
export const GET = handle(async (req: Request, ctx: Ctx) => {
  await requireAdmin(req);
  const { orderId } = await ctx.params;
  return json(await getOrderForAdmin(prisma(), orderId));
});
