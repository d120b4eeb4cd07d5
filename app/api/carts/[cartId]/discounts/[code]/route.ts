import { discountCodeParamSchema } from "@/lib/cart/schemas";
import { handle, parseWith } from "@/lib/http/handler";
import { cartJson, cartRoute } from "@/app/_shared/cart-routes";

export const DELETE = handle(async (_req: Request, ctx: { params: Promise<{ cartId: string; code: string }> }) => {
  const { cartId, actor, service } = await cartRoute(ctx);
  const code = parseWith(discountCodeParamSchema, decodeURIComponent((await ctx.params).code));
  return cartJson(await service.removeDiscount(cartId, actor, code));
});
