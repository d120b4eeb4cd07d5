import { updateQuantitySchema } from "@/lib/cart/schemas";
import { env } from "@/lib/env";
import { handle, readJson } from "@/lib/http/handler";
import { cartJson, itemRoute, type ItemParams } from "@/app/_shared/cart-routes";

export const PATCH = handle(async (req: Request, ctx: ItemParams) => {
  const { cartId, itemId, actor, service } = await itemRoute(ctx);
  const { quantity } = await readJson(req, updateQuantitySchema(env().CART_MAX_LINE_QUANTITY));
  return cartJson(await service.updateItemQuantity(cartId, actor, itemId, quantity));
});

export const DELETE = handle(async (_req: Request, ctx: ItemParams) => {
  const { cartId, itemId, actor, service } = await itemRoute(ctx);
  return cartJson(await service.removeItem(cartId, actor, itemId));
});
