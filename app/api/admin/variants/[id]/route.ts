import { z } from "zod";
import { updateVariant, variantIdSchema } from "@/lib/admin/variants";
import { adminActor } from "@/app/_shared/admin";
import { prisma } from "@/lib/db";
import { handle, json, parseWith, readJson } from "@/lib/http/handler";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: variantIdSchema });

/** { stock?, stockDelta?, priceOverride?, sku?, attributes?, isActive? } — stock is set, stockDelta added (never below 0: 409); priceOverride null goes back to the base price; a SKU in use is 409. */
export const PATCH = handle(async (req: Request, ctx: Ctx) => {
  const actor = await adminActor(req);
  const { id } = parseWith(params, await ctx.params);
  const body = await readJson(req, z.unknown());
  return json({ variant: await updateVariant(prisma(), id, body, actor) });
});
