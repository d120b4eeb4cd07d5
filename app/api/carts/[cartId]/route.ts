import { handle } from "@/lib/http/handler";
import { cartJson, cartRoute, type CartParams } from "@/app/_shared/cart-routes";

export const GET = handle(async (_req: Request, ctx: CartParams) => {
  const { cartId, actor, service } = await cartRoute(ctx);
  return cartJson(await service.getCart(cartId, actor));
});
