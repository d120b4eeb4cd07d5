import { z } from "zod";
import { discountIdSchema } from "@/lib/admin/discounts";
import { discountStats } from "@/lib/admin/discount-stats";
import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json, parseWith } from "@/lib/http/handler";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: discountIdSchema });

export const GET = handle(async (req: Request, ctx: Ctx) => {
  await requireAdmin(req);
  const { id } = parseWith(params, await ctx.params);
  return json(await discountStats(prisma(), id, new Date()));
});
