import { cartService } from "@/lib/cart";
import { savedItemIdSchema } from "@/lib/cart/schemas";
import { requireUser } from "@/lib/auth/session";
import { handle, parseWith } from "@/lib/http/handler";
import { cartJson, savedJson } from "@/app/_shared/cart-routes";

export const POST = handle(async (_req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const user = await requireUser();
  const id = parseWith(savedItemIdSchema, (await ctx.params).id);
  const { cart, savedForLater } = await cartService().moveSavedToCart(user.id, id);
  return cartJson(cart, 200, { savedForLater: savedForLater.map(savedJson) });
});
