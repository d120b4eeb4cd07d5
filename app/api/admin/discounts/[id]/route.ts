import { z } from "zod";
import { adminActor } from "@/app/_shared/admin";
import { updateDiscountAudited } from "@/lib/admin/audited";
import { discountIdSchema, getDiscount } from "@/lib/admin/discounts";
import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json, parseWith, readJson } from "@/lib/http/handler";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: discountIdSchema });

export const GET = handle(async (req: Request, ctx: Ctx) => {
  await requireAdmin(req);
  const { id } = parseWith(params, await ctx.params);
  return json({ discount: await getDiscount(prisma(), id, new Date()) });
});

/** Any subset of the fields; `{ "isActive": false }` deactivates. The type cannot change (see lib/admin/discounts). */
export const PATCH = handle(async (req: Request, ctx: Ctx) => {
  const actor = await adminActor(req);
  const { id } = parseWith(params, await ctx.params);
  const body = await readJson(req, z.unknown());
  return json({ discount: await updateDiscountAudited(prisma(), id, body, new Date(), actor) });
});
