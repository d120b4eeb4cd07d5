import type { CheckoutDeps } from "./types";

/**
 * The client secret the payment step hands to Stripe Elements for an order, read again from its PaymentIntent so a
 * reload of the page can still pay. null when the provider is not Stripe or the order has no PaymentIntent.
 */
export async function paymentClientSecretFor(deps: CheckoutDeps, orderId: string): Promise<string | null> {
  if (deps.provider.name !== "stripe") return null;
  const row = await deps.db.order.findUnique({ where: { id: orderId }, select: { paymentIntentId: true } });
  return row?.paymentIntentId ? deps.provider.clientSecretOf(row.paymentIntentId) : null;
}
