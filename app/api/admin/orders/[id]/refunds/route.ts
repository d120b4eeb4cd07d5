import { z } from "zod";
import { adminActor } from "@/app/_shared/admin";
import { checkoutDeps } from "@/lib/checkout";
import { handle, json, parseWith, readJson } from "@/lib/http/handler";
import { orderIdSchema, parseRefundIdempotencyKey, refundBodySchema, refundOrder } from "@/lib/orders";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: orderIdSchema });

/** Idempotency-Key (a UUID) + { items?, shipping?, restock?, reason? } -> 201 { order, refund }. */
export const POST = handle(async (req: Request, ctx: Ctx) => {
  const actor = await adminActor(req);
  const { id } = parseWith(params, await ctx.params);
  const idempotencyKey = parseRefundIdempotencyKey(req.headers.get("idempotency-key"));
  const body = await readJson(req, refundBodySchema);
  const result = await refundOrder(checkoutDeps(), { orderId: id, idempotencyKey, body, actor });
  return json(result.body, 201, result.replayed ? { "idempotent-replayed": "true" } : undefined);
});
