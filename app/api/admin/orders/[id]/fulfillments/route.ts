import { z } from "zod";
import { adminActor } from "@/app/_shared/admin";
import { prisma } from "@/lib/db";
import { handle, json, parseWith, readJson } from "@/lib/http/handler";
import { fulfillmentBodySchema, fulfillOrder, orderIdSchema } from "@/lib/orders";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: orderIdSchema });

/** { carrier?, trackingNumber?, items?: [{ itemId, quantity }] } -> 201 { order } (no items: everything not yet shipped). */
export const POST = handle(async (req: Request, ctx: Ctx) => {
  const actor = await adminActor(req);
  const { id } = parseWith(params, await ctx.params);
  const body = await readJson(req, fulfillmentBodySchema);
  return json({ order: await fulfillOrder({ db: prisma() }, id, body, actor) }, 201);
});
