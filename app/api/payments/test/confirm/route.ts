import { bearerTokenOf } from "@/lib/http/bearer";
import { currentUser } from "@/lib/auth/session";
import { readOrderTokens } from "@/lib/auth/cookies";
import { checkoutDeps, confirmTestPayment, confirmTestPaymentSchema } from "@/lib/checkout";
import { notFound } from "@/lib/errors";
import { handle, json, readJson } from "@/lib/http/handler";
import { isTestProvider } from "@/lib/payments";

/** The built-in test provider's card step (Stripe's test card numbers decide). 404 unless the test provider is active. */
export const POST = handle(async (req: Request) => {
  const deps = checkoutDeps();
  if (!isTestProvider(deps.provider)) throw notFound("Test payments");
  const { orderId, cardNumber } = await readJson(req, confirmTestPaymentSchema);
  const user = await currentUser();
  const token = bearerTokenOf(req) ?? (await readOrderTokens())[orderId] ?? null;
  return json({ order: await confirmTestPayment(deps, { orderId, cardNumber }, { userId: user?.id ?? null, token }) });
});
