import { applyPaymentEvent, checkoutDeps } from "@/lib/checkout";
import { BODY_LIMITS } from "@/lib/http/boundary";
import { handle, json, readLimitedText } from "@/lib/http/handler";

/**
 * Stripe webhooks: the signature is checked over the RAW body (400 invalid_signature), the event normalised by
 * lib/payments and applied by lib/checkout (recorded by event id, guarded by the order's state). Event types we
 * do not handle are acknowledged. A failure before the event is recorded answers 5xx, so Stripe delivers again.
 */
export const POST = handle(async (req: Request) => {
  // the server already refused a larger body while reading it; this is the second line
  const raw = await readLimitedText(req, BODY_LIMITS.stripeWebhook);
  const deps = checkoutDeps();
  const event = deps.provider.parseWebhook(raw, req.headers.get("stripe-signature"));
  if (event) await applyPaymentEvent(deps, event);
  return json({ received: true });
});
