import { bearerTokenOf } from "@/lib/http/bearer";
import { currentUser } from "@/lib/auth/session";
import { readOrderTokens } from "@/lib/auth/cookies";
import { getOrderForViewer } from "@/lib/checkout";
import { prisma } from "@/lib/db";
import { handle, json } from "@/lib/http/handler";

type Params = { params: Promise<{ orderId: string }> };

/** The signed-in owner, or the order's token (Authorization: Bearer, else the order-token cookie). Others: 404. */
export const GET = handle(async (req: Request, ctx: Params) => {
  const { orderId } = await ctx.params;
  const user = await currentUser();
  const token = bearerTokenOf(req) ?? (await readOrderTokens())[orderId] ?? null;
  return json({ order: await getOrderForViewer(prisma(), orderId, { userId: user?.id ?? null, token }) });
});
