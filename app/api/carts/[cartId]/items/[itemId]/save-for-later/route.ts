import { handle } from "@/lib/http/handler";
import { cartJson, itemRoute, savedJson, type ItemParams } from "@/app/_shared/cart-routes";

export const POST = handle(async (_req: Request, ctx: ItemParams) => {
  const { cartId, itemId, actor, service } = await itemRoute(ctx);
  const { cart, savedForLater } = await service.saveForLater(cartId, actor, itemId);
  return cartJson(cart, 200, { savedForLater: savedForLater.map(savedJson) });
});

