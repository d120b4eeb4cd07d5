import { clientKey } from "@/app/_shared/shopper";
import { currentUser } from "@/lib/auth/session";
import { writeOrderToken } from "@/lib/auth/cookies";
import { checkoutBodySchema, checkoutDeps, parseIdempotencyKey, placeOrder } from "@/lib/checkout";
import { handle, json, readJson } from "@/lib/http/handler";

/** Places the order for a cart: 201 { order, orderToken, payment: { provider, clientSecret } }. */
export const POST = handle(async (req: Request) => {
  const idempotencyKey = parseIdempotencyKey(req.headers.get("idempotency-key"));
  const body = await readJson(req, checkoutBodySchema);
  const user = await currentUser();
  const result = await placeOrder(checkoutDeps(), { ...body, idempotencyKey, actor: { userId: user?.id ?? null }, client: await clientKey() });
  await writeOrderToken(result.body.order.id, result.body.orderToken);
  return json(result.body, 201, result.replayed ? { "idempotent-replayed": "true" } : undefined);
});
