import { applyDiscountSchema } from "@/lib/cart/schemas";
import { handle, readJson } from "@/lib/http/handler";
import { cartJson, cartRoute, type CartParams } from "@/app/_shared/cart-routes";
import { clientKey } from "@/app/_shared/shopper";

export const POST = handle(async (req: Request, ctx: CartParams) => {
  const { cartId, actor, service } = await cartRoute(ctx);
  const { code } = await readJson(req, applyDiscountSchema);
  return cartJson(await service.applyDiscount(cartId, actor, code, await clientKey()));
});
