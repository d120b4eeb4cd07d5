"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { readOrderTokens, writeOrderToken } from "@/lib/auth/cookies";
import { checkoutBodySchema, checkoutDeps, confirmTestPayment, confirmTestPaymentSchema, placeOrder } from "@/lib/checkout";
import { DomainError } from "@/lib/errors";
import { cancelOrderByShopper } from "@/lib/orders";
import { addressFields, formText, hasAddressFields, parseInput, runAction, toFormState, type ActionResult, type FormState } from "@/app/_shared/action";
import { setShippingAddressAction } from "@/app/cart/actions";
import { clientKey, shopperCart } from "@/app/_shared/shopper";

const placeOrderInput = checkoutBodySchema.omit({ cartId: true }).extend({ idempotencyKey: z.uuid() });

export type PlacedOrder = { orderId: string; status: string; provider: string; clientSecret: string | null; total: number; currency: string };

/** Places the order for the shopper's cart. The page sends a fresh idempotency key per attempt, the same on retry. */
export async function placeOrderAction(input: unknown): Promise<ActionResult<PlacedOrder>> {
  return runAction(async () => {
    const { email, shippingAddress, idempotencyKey } = parseInput(placeOrderInput, input);
    const { user, cart } = await shopperCart({ create: false });
    if (!cart) throw new DomainError("cart_empty", "Your cart is empty.");
    // no revalidation here: the page moves on to /checkout/pay/{orderId}, or refreshes itself to show new prices
    const result = await placeOrder(checkoutDeps(), { cartId: cart.id, email, shippingAddress, idempotencyKey, actor: { userId: user?.id ?? null }, client: await clientKey() });
    await writeOrderToken(result.body.order.id, result.body.orderToken);
    const o = result.body.order;
    return { orderId: o.id, status: o.status, provider: result.body.payment.provider, clientSecret: result.body.payment.clientSecret, total: o.summary.total, currency: o.currency };
  });
}

/**
 * Checkout as a `<form action>` (no JavaScript): the address typed with the order is saved to the cart first, so
 * the order is priced with it and the cart keeps it if the order is refused; then the order is placed with the
 * form's idempotency key (rendered by the page, one per attempt) and the shopper goes on to pay.
 */
export async function placeOrderFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  if (hasAddressFields(t)) {
    const saved = await setShippingAddressAction(addressFields(t));
    if (!saved.ok) return toFormState(saved, t);
  }
  const r = await placeOrderAction({ email: t.email ?? "", idempotencyKey: t.idempotencyKey ?? "" });
  if (r.ok) redirect(r.data.status === "PAID" ? `/orders/${r.data.orderId}` : `/checkout/pay/${r.data.orderId}`);
  return toFormState(r, t);
}

export type PaymentOutcome = { orderId: string; status: string; paymentStatus: string; declineCode: string | null };

/** The built-in test provider's card step. */
export async function payWithTestCardAction(input: unknown): Promise<ActionResult<PaymentOutcome>> {
  return runAction(async () => {
    const { orderId, cardNumber } = parseInput(confirmTestPaymentSchema, input);
    const { user } = await shopperCart({ create: false });
    const token = (await readOrderTokens())[orderId] ?? null;
    // no revalidation: the page navigates to the order (paid) or explains the decline in place
    const order = await confirmTestPayment(checkoutDeps(), { orderId, cardNumber }, { userId: user?.id ?? null, token });
    return { orderId: order.id, status: order.status, paymentStatus: order.payment.status, declineCode: order.payment.declineCode ?? null };
  });
}

/**
 * "Back to cart" on the payment page: cancels the order still waiting for payment (the owner, or the order-token
 * cookie) with checkout's compensation, so the items are back in the cart. 409 once it has been paid.
 */
export async function backToCartAction(input: unknown): Promise<ActionResult<{ orderId: string; status: string }>> {
  return runAction(async () => {
    const { orderId } = parseInput(z.strictObject({ orderId: z.uuid() }), input);
    const { user } = await shopperCart({ create: false });
    const token = (await readOrderTokens())[orderId] ?? null;
    const order = await cancelOrderByShopper(checkoutDeps(), orderId, { userId: user?.id ?? null, token });
    return { orderId: order.id, status: order.status };
  });
}
