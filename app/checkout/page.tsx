import { randomUUID } from "node:crypto";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { cartView, shopperCart } from "@/app/_shared/shopper";
import { CheckoutFlow } from "@/components/checkout-flow";
import { privatePageMetadata } from "../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Checkout", "/checkout", "Your shipping address and the order's total.");
export const dynamic = "force-dynamic";

export default async function CheckoutPage({ searchParams }: { searchParams: Promise<{ email?: string | string[] }> }) {
  const asked = (await searchParams).email;
  const emailParam = typeof asked === "string" && asked.length <= 254 ? asked : "";
  const { user, cart } = await shopperCart({ create: false });
  if (!cart || cart.items.length === 0) redirect("/cart");
  const view = await cartView(cart);
  return (
    <div>
      <h1>Checkout</h1>
      {/* one idempotency key per rendering of the page: the key of this attempt, sent with the form (with or without JavaScript) */}
      <CheckoutFlow cart={view} initialEmail={user?.email ?? emailParam} attemptKey={randomUUID()} />
    </div>
  );
}
