import { loadOrderForViewer, orderJson, type OrderView, type OrderViewer } from "./order-view";
import type { CheckoutDeps } from "./types";

/**
 * What the payment page needs, with ONE read of the order: the order (for whoever may see it, else 404
 * not_found) and, while it waits for payment, the client secret Stripe Elements takes (see paymentClientSecretFor).
 */
export async function paymentStepFor(deps: CheckoutDeps, orderId: string, viewer: OrderViewer): Promise<{ order: OrderView; clientSecret: string | null }> {
  const row = await loadOrderForViewer(deps.db, orderId, viewer);
  const waiting = row.status === "PENDING_PAYMENT";
  return { order: orderJson(row), clientSecret: waiting ? await secretOf(deps, row.paymentIntentId) : null };
}

/**
 * The client secret the payment step hands to Stripe Elements for an order, read again from its PaymentIntent so a
 * reload of the page can still pay. null when the provider is not Stripe or the order has no PaymentIntent.
 */
export async function paymentClientSecretFor(deps: CheckoutDeps, orderId: string): Promise<string | null> {
  if (deps.provider.name !== "stripe") return null;
  const row = await deps.db.order.findUnique({ where: { id: orderId }, select: { paymentIntentId: true } });
  return secretOf(deps, row?.paymentIntentId ?? null);
}

async function secretOf(deps: CheckoutDeps, paymentIntentId: string | null): Promise<string | null> {
  return deps.provider.name === "stripe" && paymentIntentId ? deps.provider.clientSecretOf(paymentIntentId) : null;
}
