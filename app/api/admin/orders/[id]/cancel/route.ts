import { z } from "zod";
import { adminActor } from "@/app/_shared/admin";
import { checkoutDeps } from "@/lib/checkout";
import { handle, json, parseWith, readJson } from "@/lib/http/handler";
import { cancelBodySchema, cancelOrderByAdmin, orderIdSchema } from "@/lib/orders";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: orderIdSchema });

/** { restock? = true } -> { order }: unpaid -> cancelled; paid and unshipped -> cancelled and refunded in full; else 409. */
export const POST = handle(async (req: Request, ctx: Ctx) => {
  const actor = await adminActor(req);
  const { id } = parseWith(params, await ctx.params);
  const body = await readJson(req, cancelBodySchema);
  return json({ order: await cancelOrderByAdmin(checkoutDeps(), id, body, actor) });
});
