import { NextResponse } from "next/server";
import { writeGuestCartId } from "@/lib/auth/cookies";
import { currentUser } from "@/lib/auth/session";
import { cartService } from "@/lib/cart";
import { prisma } from "@/lib/db";
import { restoreFromReminder } from "@/lib/mail/cart-reminders";

/**
 * The link in a cart reminder: a guest cart is put back in this browser (the signed cart cookie) and the shopper
 * lands on /cart, on any device; a signed-in shopper's cart just needs them to sign in. A bad or expired link, or a
 * cart checked out since, lands on /cart with a note.
 */
export async function GET(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const result = await restoreFromReminder({ db: prisma(), carts: cartService() }, url.searchParams.get("token"));
  const to = (path: string) => {
    const res = NextResponse.redirect(new URL(path, url), 303);
    res.headers.set("cache-control", "no-store");
    res.headers.set("referrer-policy", "no-referrer");
    return res;
  };
  switch (result.kind) {
    case "guest":
      await writeGuestCartId(result.cartId);
      return to("/cart");
    case "user":
      if ((await currentUser())?.id === result.userId) return to("/cart");
      return to(`/signin?${new URLSearchParams({ callbackUrl: "/cart" })}`);
    default:
      return to("/cart?restore=expired");
  }
}
