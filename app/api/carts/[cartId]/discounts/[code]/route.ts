import { discountCodeParamSchema } from "@/lib/cart/schemas";
import { handle, parseWith } from "@/lib/http/handler";
import { cartJson, cartRoute } from "@/app/_shared/cart-routes";

export const DELETE = handle(async (_req: Request, ctx: { params: Promise<{ cartId: string; code: string }> }) => {
  const { cartId, actor, service } = await cartRoute(ctx);
  // Next has already decoded the path segment: decoding again would turn "A%2541" into "A%41" (or throw)
  const code = parseWith(discountCodeParamSchema, (await ctx.params).code);
  return cartJson(await service.removeDiscount(cartId, actor, code));
});
