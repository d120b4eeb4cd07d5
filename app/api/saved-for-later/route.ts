import { cartService } from "@/lib/cart";
import { requireUser } from "@/lib/auth/session";
import { handle, json } from "@/lib/http/handler";
import { savedJson } from "@/app/_shared/cart-routes";

export const GET = handle(async () => {
  const user = await requireUser();
  const saved = await cartService().listSavedForLater(user.id);
  return json({ savedForLater: saved.map(savedJson) });
});
