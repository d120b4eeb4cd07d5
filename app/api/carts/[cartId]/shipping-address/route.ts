import { shippingAddressSchema } from "@/lib/cart/schemas";
import { handle, readJson } from "@/lib/http/handler";
import { cartJson, cartRoute, type CartParams } from "@/app/_shared/cart-routes";

export const PUT = handle(async (req: Request, ctx: CartParams) => {
  const { cartId, actor, service } = await cartRoute(ctx);
  const address = await readJson(req, shippingAddressSchema);
  return cartJson(await service.setShippingAddress(cartId, actor, address));
});
