import { z } from "zod";
import { adminActor } from "@/app/_shared/admin";
import { createVariant, productIdSchema } from "@/lib/admin/products";
import { prisma } from "@/lib/db";
import { handle, json, parseWith, readJson } from "@/lib/http/handler";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: productIdSchema });

/** { sku, attributes?, priceOverride?, stock?, isActive? } -> 201 { variant }; a SKU already in use is 409 conflict. */
export const POST = handle(async (req: Request, ctx: Ctx) => {
  const actor = await adminActor(req);
  const { id } = parseWith(params, await ctx.params);
  const body = await readJson(req, z.unknown());
  return json({ variant: await createVariant(prisma(), id, body, actor) }, 201);
});
