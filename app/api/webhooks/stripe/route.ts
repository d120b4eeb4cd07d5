import { applyPaymentEvent, checkoutDeps } from "@/lib/checkout";
import { handle, json } from "@/lib/http/handler";

/**
 * Stripe webhooks: the signature is checked over the RAW body (400 invalid_signature), the event normalised by
 * lib/payments and applied by lib/checkout (recorded by event id, guarded by the order's state). Event types we
 * do not handle are acknowledged. A failure before the event is recorded answers 5xx, so Stripe delivers again.
 */
export const POST = handle(async (req: Request) => {
  const raw = await req.text();
  const deps = checkoutDeps();
  const event = deps.provider.parseWebhook(raw, req.headers.get("stripe-signature"));
  if (event) await applyPaymentEvent(deps, event);
  return json({ received: true });
});
