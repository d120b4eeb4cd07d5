import { randomUUID } from "node:crypto";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { missingAddressFields } from "@/lib/address";
import { addressOf, findSame, listAddresses } from "@/lib/address-book";
import { prisma } from "@/lib/db";
import { cartView, shopperCart } from "@/app/_shared/shopper";
import { CheckoutFlow, type CheckoutAddressBook } from "@/components/checkout-flow";
import { privatePageMetadata } from "../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Checkout", "/checkout", "Your shipping address and the order's total.");
export const dynamic = "force-dynamic";

export default async function CheckoutPage({ searchParams }: { searchParams: Promise<{ email?: string | string[] }> }) {
  const asked = (await searchParams).email;
  const emailParam = typeof asked === "string" && asked.length <= 254 ? asked : "";
  const { user, cart } = await shopperCart({ create: false });
  if (!cart || cart.items.length === 0) redirect("/cart");
  let view = await cartView(cart);
  // A signed-in shopper with saved addresses picks one (or a new one). Picked: the saved address the cart holds,
  // else the new address the cart holds (one typed here before), else the default. A saved address not on the cart
  // yet is priced here without a write; placing the order (or picking it with JavaScript) puts it on the cart.
  let addressBook: CheckoutAddressBook | undefined;
  if (user) {
    const addresses = await listAddresses(prisma(), user.id);
    if (addresses.length > 0) {
      const onCart = findSame(addresses, cart.shippingAddress);
      const typedOnCart = !onCart && cart.shippingAddress !== null && Object.keys(missingAddressFields(cart.shippingAddress)).length === 0;
      const picked = onCart ?? (typedOnCart ? null : addresses[0]!);
      if (picked && !onCart) view = await cartView({ ...cart, shippingAddress: addressOf(picked) });
      addressBook = { addresses, picked: picked?.id ?? "new", onCartId: onCart?.id ?? null, newAddress: onCart ? null : cart.shippingAddress };
    }
  }
  return (
    <div>
      <h1>Checkout</h1>
      {/* one idempotency key per rendering of the page: the key of this attempt, sent with the form (with or without JavaScript) */}
      <CheckoutFlow cart={view} initialEmail={user?.email ?? emailParam} attemptKey={randomUUID()} signedIn={user !== null} addressBook={addressBook} />
    </div>
  );
}
