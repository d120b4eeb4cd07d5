"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { cartService } from "@/lib/cart";
import { addItemSchema, applyDiscountSchema, itemIdSchema, shippingAddressSchema, updateQuantitySchema } from "@/lib/cart/schemas";
import { requireUser } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { addressFields, formText, runAction, toFormState, wholeNumberField, type ActionResult, type FormState } from "@/app/_shared/action";
import { parseWith } from "@/lib/http/handler";
import { clientKey, shopperCart } from "@/app/_shared/shopper";

async function currentCart(create: boolean) {
  const { user, cart } = await shopperCart({ create });
  if (!cart) throw new DomainError("not_found", "Your cart is empty or has expired.");
  return { actor: { userId: user?.id ?? null }, cart };
}

function refresh() {
  revalidatePath("/", "layout");
}

export async function addToCartAction(input: unknown): Promise<ActionResult<{ itemCount: number }>> {
  return runAction(async () => {
    const body = parseWith(addItemSchema(env().CART_MAX_LINE_QUANTITY), input);
    const { actor, cart } = await currentCart(true);
    const updated = await cartService().addItem(cart.id, actor, body);
    refresh();
    return { itemCount: updated.items.reduce((n, l) => n + l.quantity, 0) };
  });
}

export async function updateQuantityAction(itemId: unknown, quantity: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const id = parseWith(itemIdSchema, itemId);
    const { quantity: q } = parseWith(updateQuantitySchema(env().CART_MAX_LINE_QUANTITY), { quantity });
    const { actor, cart } = await currentCart(false);
    await cartService().updateItemQuantity(cart.id, actor, id, q);
    refresh();
    return undefined;
  });
}

export async function removeItemAction(itemId: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const id = parseWith(itemIdSchema, itemId);
    const { actor, cart } = await currentCart(false);
    await cartService().removeItem(cart.id, actor, id);
    refresh();
    return undefined;
  });
}

export async function saveForLaterAction(itemId: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const id = parseWith(itemIdSchema, itemId);
    const { actor, cart } = await currentCart(false);
    await cartService().saveForLater(cart.id, actor, id);
    refresh();
    return undefined;
  });
}

export async function moveSavedToCartAction(savedId: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const id = parseWith(z.uuid(), savedId);
    const user = await requireUser();
    await shopperCart({ create: false }); // merges a guest cart first, if one is waiting
    await cartService().moveSavedToCart(user.id, id);
    refresh();
    return undefined;
  });
}

export async function removeSavedAction(savedId: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const id = parseWith(z.uuid(), savedId);
    const user = await requireUser();
    await cartService().removeSaved(user.id, id);
    refresh();
    return undefined;
  });
}

export async function applyDiscountAction(input: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const { code } = parseWith(applyDiscountSchema, input);
    const { actor, cart } = await currentCart(true);
    await cartService().applyDiscount(cart.id, actor, code, await clientKey());
    refresh();
    return undefined;
  });
}

export async function removeDiscountAction(code: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const c = parseWith(z.string().trim().min(1).max(64), code);
    const { actor, cart } = await currentCart(false);
    await cartService().removeDiscount(cart.id, actor, c);
    refresh();
    return undefined;
  });
}

export async function setShippingAddressAction(input: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const address = parseWith(shippingAddressSchema, input);
    const { actor, cart } = await currentCart(true);
    await cartService().setShippingAddress(cart.id, actor, address);
    refresh();
    return undefined;
  });
}

/** Right after sign-in: merges the guest cart from the cookie into the account's cart and clears the cookie. */
export async function mergeGuestCartAction(): Promise<ActionResult> {
  return runAction(async () => {
    await shopperCart({ create: false });
    refresh();
    return undefined;
  });
}

// The same actions as `<form action>`s, for a browser without JavaScript (the pages' components use them as their
// forms' actions and, when JavaScript runs, call the actions above instead). Each reads the posted text fields,
// parses them with the same schemas, and on success redirects (303), so a reload never posts twice; on failure it
// answers the state the page renders the error from.

/** Only these pages may be the place a form returns to: a posted field never becomes an open redirect. */
const returnPath = (v: string | undefined) => (v === "/checkout" ? "/checkout" : "/cart");

function customOptionsFrom(t: Record<string, string>) {
  const options: Record<string, unknown> = {};
  if (t.giftWrap === "on" || t.giftWrap === "true") options.giftWrap = true;
  if (t.giftMessage?.trim()) options.giftMessage = t.giftMessage;
  if (t.personalization?.trim()) options.personalization = t.personalization;
  return Object.keys(options).length ? options : undefined;
}

export async function addToCartFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  const customOptions = customOptionsFrom(t);
  const r = await addToCartAction({ variantId: wholeNumberField(t.variantId), quantity: wholeNumberField(t.quantity ?? "1"), ...(customOptions ? { customOptions } : {}) });
  // back to the product page, which says "Added" (the same as with JavaScript); the slug pattern keeps it on this site
  if (r.ok) redirect(/^\/products\/[A-Za-z0-9-]{1,200}$/.test(t.returnTo ?? "") ? `${t.returnTo}?added=1` : "/cart");
  return toFormState(r, t);
}

/** The typed quantity, or a step (the − and + buttons send `step`) applied to the quantity shown. */
export async function updateQuantityFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  const typed = wholeNumberField(t.quantity);
  const step = wholeNumberField(t.step);
  const quantity = typeof typed === "number" && (step === 1 || step === -1) ? typed + step : typed;
  const r = await updateQuantityAction(t.itemId, quantity);
  if (r.ok) redirect("/cart");
  return toFormState(r, t);
}

export async function removeItemFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  const r = await removeItemAction(t.itemId);
  if (r.ok) redirect("/cart");
  return toFormState(r, t);
}

export async function saveForLaterFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  const r = await saveForLaterAction(t.itemId);
  if (r.ok) redirect("/cart");
  return toFormState(r, t);
}

export async function applyDiscountFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  const r = await applyDiscountAction({ code: t.code ?? "" });
  if (r.ok) redirect("/cart");
  return toFormState(r, t);
}

export async function removeDiscountFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  const r = await removeDiscountAction(t.code);
  if (r.ok) redirect("/cart");
  return toFormState(r, t);
}

/** The cart's estimate form and the checkout's address: saved, then back to the page it came from. */
export async function setShippingAddressFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  const r = await setShippingAddressAction(addressFields(t));
  if (r.ok) {
    const back = returnPath(t.returnTo);
    // checkout keeps the e-mail typed next to the address (the page reads it from ?email=)
    redirect(back === "/checkout" && t.email ? `/checkout?${new URLSearchParams({ email: t.email.slice(0, 254) })}` : back);
  }
  return toFormState(r, t);
}
