import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm } from "@/components/action-form";
import { orderLookupAction } from "./actions";
import { privatePageMetadata } from "../../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Find your orders", "/orders/find", "Get links to your orders by e-mail.");

/** Guests get links to their orders by e-mail (each opens the order on any device). */
export default function FindOrdersPage() {
  return (
    <section className="auth-card panel">
      <h1>Find your orders</h1>
      <p className="muted">Checked out without an account? Enter the e-mail address you used and we will send you links to your orders.</p>
      <ActionForm
        action={orderLookupAction}
        fields={[{ name: "email", label: "Email", type: "email", autoComplete: "email" }]}
        submitLabel="Send me my orders"
        pendingLabel="Sending…"
        testId="order-lookup"
      />
      <p className="muted">
        Have an account? <Link href="/signin?callbackUrl=%2Forders">Sign in</Link> to see all your orders.
      </p>
    </section>
  );
}
