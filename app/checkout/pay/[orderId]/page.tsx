import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { readOrderTokens } from "@/lib/auth/cookies";
import { checkoutDeps, paymentStepFor } from "@/lib/checkout";
import { env } from "@/lib/env";
import { isDomainError } from "@/lib/errors";
import { PaymentStep } from "@/components/payment-step";
import { privatePageMetadata } from "../../../_shared/metadata";

export async function generateMetadata({ params }: { params: Promise<{ orderId: string }> }): Promise<Metadata> {
  const { orderId } = await params;
  return privatePageMetadata("Payment", `/checkout/pay/${encodeURIComponent(orderId)}`, "Pay for your order.");
}
export const dynamic = "force-dynamic";

/** The payment step of an order waiting for payment (a page of its own, so a reload does not lose it). */
export default async function PayPage({ params }: { params: Promise<{ orderId: string }> }) {
  const { orderId } = await params;
  const user = await currentUser();
  const token = (await readOrderTokens())[orderId] ?? null;
  const deps = checkoutDeps();
  let step;
  try {
    step = await paymentStepFor(deps, orderId, { userId: user?.id ?? null, token });
  } catch (e) {
    if (isDomainError(e) && e.code === "not_found") notFound();
    throw e;
  }
  const { order, clientSecret } = step;
  if (order.status !== "PENDING_PAYMENT") redirect(`/orders/${order.id}`);
  return (
    <div>
      <h1>Payment</h1>
      <PaymentStep order={order} provider={deps.provider.name} clientSecret={clientSecret} publishableKey={env().NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY ?? null} />
    </div>
  );
}
