import { z } from "zod";
import { updateVariant, variantIdSchema } from "@/lib/admin/variants";
import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json, parseWith, readJson } from "@/lib/http/handler";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: variantIdSchema });

/** { stock?, priceOverride? } — stock is set, not added to; priceOverride null goes back to the base price. */
export const PATCH = handle(async (req: Request, ctx: Ctx) => {
  await requireAdmin(req);
  const { id } = parseWith(params, await ctx.params);
  const body = await readJson(req, z.unknown());
  return json({ variant: await updateVariant(prisma(), id, body) });
});
