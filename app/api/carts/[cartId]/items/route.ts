import { addItemSchema } from "@/lib/cart/schemas";
import { env } from "@/lib/env";
import { handle, readJson } from "@/lib/http/handler";
import { cartJson, cartRoute, type CartParams } from "@/app/_shared/cart-routes";

export const POST = handle(async (req: Request, ctx: CartParams) => {
  const { cartId, actor, service } = await cartRoute(ctx);
  const body = await readJson(req, addItemSchema(env().CART_MAX_LINE_QUANTITY));
  return cartJson(await service.addItem(cartId, actor, body), 201);
});
