"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { readOrderTokens, writeOrderToken } from "@/lib/auth/cookies";
import { checkoutBodySchema, checkoutDeps, confirmTestPayment, confirmTestPaymentSchema, placeOrder } from "@/lib/checkout";
import { DomainError, isDomainError } from "@/lib/errors";
import { cancelOrderByShopper } from "@/lib/orders";
import { rememberAddress, shipToSavedAddress } from "@/lib/address-book";
import { cartService } from "@/lib/cart";
import { prisma } from "@/lib/db";
import { logger } from "@/lib/observability/logger";
import { addressFields, formText, hasAddressFields, runAction, toFormState, type ActionResult, type FormState } from "@/app/_shared/action";
import { parseWith } from "@/lib/http/handler";
import { setShippingAddressAction, setShippingAddressFormAction } from "@/app/cart/actions";
import { clientKey, shopperCart } from "@/app/_shared/shopper";

/**
 * The address-book choice of a signed-in shopper: a saved address's id, or "new" (the address typed in the form,
 * already on the cart). Absent for guests.
 */
const addressChoiceSchema = z.union([z.literal("new"), z.uuid("Not an address id")]);

const placeOrderInput = checkoutBodySchema.omit({ cartId: true }).extend({
  idempotencyKey: z.uuid(),
  addressChoice: addressChoiceSchema.optional(),
  /** with addressChoice "new": save the order's address to the address book once the order is placed */
  saveAddress: z.boolean().optional(),
});

/** The signed-in shopper's cart gets one of their saved addresses (401 for a guest, 409 cart_empty without a cart). */
async function applySavedAddress(addressId: string) {
  const { user, cart } = await shopperCart({ create: false });
  if (!user) throw new DomainError("unauthorized", "Please sign in to use your address book.");
  if (!cart) throw new DomainError("cart_empty", "Your cart is empty.");
  await shipToSavedAddress(prisma(), cartService(), user.id, cart, addressId);
}

/** Checkout's "Ship to" picker (JavaScript): the picked saved address goes on the cart and is priced at once. */
export async function pickSavedAddressAction(addressId: unknown): Promise<ActionResult> {
  return runAction(async () => {
    await applySavedAddress(parseWith(z.uuid("Not an address id"), addressId));
    return undefined;
  });
}

/**
 * The picker without JavaScript ("Update shipping & tax"): a saved address goes on the cart; "a new address"
 * saves the typed one, as the address form's own button does. Back to checkout, priced.
 */
export async function chooseAddressFormAction(state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  if (t.addressChoice === undefined || t.addressChoice === "new") return setShippingAddressFormAction(state, form);
  const r = await runAction(async () => applySavedAddress(parseWith(addressChoiceSchema, t.addressChoice)));
  if (r.ok) redirect(t.email ? `/checkout?${new URLSearchParams({ email: t.email.slice(0, 254) })}` : "/checkout");
  return toFormState(r, t);
}

export type PlacedOrder = { orderId: string; status: string; provider: string; clientSecret: string | null; total: number; currency: string };

/** Places the order for the shopper's cart. The page sends a fresh idempotency key per attempt, the same on retry. */
export async function placeOrderAction(input: unknown): Promise<ActionResult<PlacedOrder>> {
  return runAction(async () => {
    const { email, shippingAddress, idempotencyKey, addressChoice, saveAddress } = parseWith(placeOrderInput, input);
    // a saved address picked in the "Ship to" list goes on the cart first: the order is priced and placed with it
    if (addressChoice && addressChoice !== "new") await applySavedAddress(addressChoice);
    const { user, cart } = await shopperCart({ create: false });
    if (!cart) throw new DomainError("cart_empty", "Your cart is empty.");
    // no revalidation here: the page moves on to /checkout/pay/{orderId}, or refreshes itself to show new prices
    const result = await placeOrder(checkoutDeps(), { cartId: cart.id, email, shippingAddress, idempotencyKey, actor: { userId: user?.id ?? null }, client: await clientKey() });
    await writeOrderToken(result.body.order.id, result.body.orderToken);
    const o = result.body.order;
    // "Save this address to my address book" (a new address only), once the order is placed. The order stands
    // either way: a full book (409) or a failure here only means the address is not saved; a retry never saves twice.
    if (user && saveAddress && (addressChoice === undefined || addressChoice === "new") && o.shippingAddress)
      await rememberAddress(prisma(), user.id, o.shippingAddress).catch((e) => {
        if (!isDomainError(e)) logger().warn({ err: e instanceof Error ? e.message : String(e) }, "could not save the checkout address to the address book");
      });
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
  const choice = t.addressChoice;
  // a saved address picked in the list: the typed fields (hidden with it) are not the order's address
  if (hasAddressFields(t) && (choice === undefined || choice === "new")) {
    const saved = await setShippingAddressAction(addressFields(t));
    if (!saved.ok) return toFormState(saved, t);
  }
  const r = await placeOrderAction({
    email: t.email ?? "",
    idempotencyKey: t.idempotencyKey ?? "",
    ...(choice !== undefined ? { addressChoice: choice } : {}),
    ...(t.saveAddress === "on" ? { saveAddress: true } : {}),
  });
  if (r.ok) redirect(r.data.status === "PAID" ? `/orders/${r.data.orderId}` : `/checkout/pay/${r.data.orderId}`);
  return toFormState(r, t);
}

export type PaymentOutcome = { orderId: string; status: string; paymentStatus: string; declineCode: string | null };

/** The built-in test provider's card step. */
export async function payWithTestCardAction(input: unknown): Promise<ActionResult<PaymentOutcome>> {
  return runAction(async () => {
    const { orderId, cardNumber } = parseWith(confirmTestPaymentSchema, input);
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
    const { orderId } = parseWith(z.strictObject({ orderId: z.uuid() }), input);
    const { user } = await shopperCart({ create: false });
    const token = (await readOrderTokens())[orderId] ?? null;
    const order = await cancelOrderByShopper(checkoutDeps(), orderId, { userId: user?.id ?? null, token });
    return { orderId: order.id, status: order.status };
  });
}
