import { bearerTokenOf } from "@/lib/http/bearer";
import { currentUser } from "@/lib/auth/session";
import { readOrderTokens } from "@/lib/auth/cookies";
import { checkoutDeps } from "@/lib/checkout";
import { emptyBodySchema } from "@/lib/checkout/schemas";
import { handle, json, readJson } from "@/lib/http/handler";
import { cancelOrderByShopper } from "@/lib/orders";

type Params = { params: Promise<{ orderId: string }> };

/** "Back to cart": the owner or the order's token; PENDING_PAYMENT only (else 409) -> { order }. */
export const POST = handle(async (req: Request, ctx: Params) => {
  const { orderId } = await ctx.params;
  await readJson(req, emptyBodySchema);
  const user = await currentUser();
  const token = bearerTokenOf(req) ?? (await readOrderTokens())[orderId] ?? null;
  return json({ order: await cancelOrderByShopper(checkoutDeps(), orderId, { userId: user?.id ?? null, token }) });
});
