"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { cartService } from "@/lib/cart";
import { addItemSchema, applyDiscountSchema, itemIdSchema, shippingAddressSchema, updateQuantitySchema } from "@/lib/cart/schemas";
import { requireUser } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { DomainError } from "@/lib/errors";
import { runAction, parseInput, type ActionResult } from "@/app/_shared/action";
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
    const body = parseInput(addItemSchema(env().CART_MAX_LINE_QUANTITY), input);
    const { actor, cart } = await currentCart(true);
    const updated = await cartService().addItem(cart.id, actor, body);
    refresh();
    return { itemCount: updated.items.reduce((n, l) => n + l.quantity, 0) };
  });
}

export async function updateQuantityAction(itemId: unknown, quantity: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const id = parseInput(itemIdSchema, itemId);
    const { quantity: q } = parseInput(updateQuantitySchema(env().CART_MAX_LINE_QUANTITY), { quantity });
    const { actor, cart } = await currentCart(false);
    await cartService().updateItemQuantity(cart.id, actor, id, q);
    refresh();
    return undefined;
  });
}

export async function removeItemAction(itemId: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const id = parseInput(itemIdSchema, itemId);
    const { actor, cart } = await currentCart(false);
    await cartService().removeItem(cart.id, actor, id);
    refresh();
    return undefined;
  });
}

export async function saveForLaterAction(itemId: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const id = parseInput(itemIdSchema, itemId);
    const { actor, cart } = await currentCart(false);
    await cartService().saveForLater(cart.id, actor, id);
    refresh();
    return undefined;
  });
}

export async function moveSavedToCartAction(savedId: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const id = parseInput(z.uuid(), savedId);
    const user = await requireUser();
    await shopperCart({ create: false }); // merges a guest cart first, if one is waiting
    await cartService().moveSavedToCart(user.id, id);
    refresh();
    return undefined;
  });
}

export async function removeSavedAction(savedId: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const id = parseInput(z.uuid(), savedId);
    const user = await requireUser();
    await cartService().removeSaved(user.id, id);
    refresh();
    return undefined;
  });
}

export async function applyDiscountAction(input: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const { code } = parseInput(applyDiscountSchema, input);
    const { actor, cart } = await currentCart(true);
    await cartService().applyDiscount(cart.id, actor, code, await clientKey());
    refresh();
    return undefined;
  });
}

export async function removeDiscountAction(code: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const c = parseInput(z.string().trim().min(1).max(64), code);
    const { actor, cart } = await currentCart(false);
    await cartService().removeDiscount(cart.id, actor, c);
    refresh();
    return undefined;
  });
}

export async function setShippingAddressAction(input: unknown): Promise<ActionResult> {
  return runAction(async () => {
    const address = parseInput(shippingAddressSchema, input);
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
