import { cartService } from "@/lib/cart";
import { createCartSchema } from "@/lib/cart/schemas";
import { currentUser } from "@/lib/auth/session";
import { writeGuestCartId } from "@/lib/auth/cookies";
import { handle, readJson } from "@/lib/http/handler";
import { cartJson } from "@/app/_shared/cart-routes";

/** A new guest cart (and its cookie), or the signed-in user's active cart. */
export const POST = handle(async (req: Request) => {
  const { currency } = await readJson(req, createCartSchema);
  const user = await currentUser();
  if (user) return cartJson(await cartService().cartForUser(user.id, currency), 201);
  const cart = await cartService().createGuestCart(currency);
  await writeGuestCartId(cart.id);
  return cartJson(cart, 201);
});
