"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { CartView } from "@/lib/cart/view";
import { placeOrderAction } from "@/app/checkout/actions";
import { AddressForm, isCompleteAddress } from "./address-form";
import { CartSummary } from "./cart-summary";
import { FieldError, fieldErrorProps } from "./field-error";
import { formatMinor } from "./money";

type Problem = { title: string; lines: string[] };

/**
 * Checkout in two steps: details (email, the full address, priced as soon as it is complete) then payment. Each attempt to place the order
 * carries its own idempotency key: a retry after a network error reuses it (never a second order), while a new
 * attempt after a final answer (prices changed, stock short, a declined card) gets a new one.
 */
export function CheckoutFlow({ cart, initialEmail }: { cart: CartView; initialEmail: string }) {
  const router = useRouter();
  const [email, setEmail] = useState(initialEmail);
  const [emailError, setEmailError] = useState<string | null>(null);
  const [attemptKey, setAttemptKey] = useState(() => crypto.randomUUID());
  const [problem, setProblem] = useState<Problem | null>(null);
  const [pending, startTransition] = useTransition();
  const nameOf = (itemId?: string, variantId?: number) =>
    cart.items.find((i) => i.id === itemId || i.variantId === variantId)?.name ?? "An item";
  const money = (n: number) => formatMinor(n, cart.currency);
  // the cart's saved address is what checkout uses: it is saved (and priced) as soon as the form is complete
  const addressReady = isCompleteAddress(cart.shippingAddress);

  function placeOrder() {
    setProblem(null);
    setEmailError(null);
    startTransition(async () => {
      const r = await placeOrderAction({ email, idempotencyKey: attemptKey });
      if (r.ok) {
        router.push(r.data.status === "PAID" ? `/orders/${r.data.orderId}` : `/checkout/pay/${r.data.orderId}`);
        return;
      }
      if (r.code === "internal_error" || r.code === "service_unavailable" || r.code === "payment_provider_error" || r.code === "idempotency_key_in_use") {
        // not a final answer: the same key may be sent again and can never make a second order
        setProblem({ title: r.message, lines: ["Please try again in a moment."] });
        return;
      }
      setAttemptKey(crypto.randomUUID());
      if (r.code === "prices_changed") {
        const changes = (r.details?.changes ?? []) as { itemId: string; oldUnitPrice: number; newUnitPrice: number }[];
        setProblem({
          title: "Some prices changed since you added these items. Please review the new total and place your order again.",
          lines: changes.map((c) => `${nameOf(c.itemId)}: ${money(c.oldUnitPrice)} → ${money(c.newUnitPrice)}`),
        });
      } else if (r.code === "insufficient_stock") {
        const items = (r.details?.items ?? []) as { variantId: number; requested: number; available: number }[];
        setProblem({
          title: "Some items are no longer available in the quantity you chose. Please update your cart.",
          lines: items.map((i) => `${nameOf(undefined, i.variantId)}: ${i.available === 0 ? "out of stock" : `only ${i.available} left (you asked for ${i.requested})`}`),
        });
      } else if (r.fieldErrors?.email) setEmailError(r.fieldErrors.email[0] ?? r.message);
      else {
        const addressErrors = Object.entries(r.fieldErrors ?? {}).filter(([k]) => k === "shippingAddress" || k.startsWith("shippingAddress."));
        setProblem(
          addressErrors.length
            ? { title: "Please complete your shipping address.", lines: addressErrors.map(([, msgs]) => msgs[0] ?? "").filter(Boolean) }
            : { title: r.message, lines: [] },
        );
      }
      router.refresh();
    });
  }

  return (
    <div className="cart-layout">
      <section className="panel stack" aria-label="Your details">
        {problem && (
          <div className="notice" role="alert" data-testid="checkout-problem">
            <strong>{problem.title}</strong>
            {problem.lines.length > 0 && (
              <ul>
                {problem.lines.map((l) => (
                  <li key={l}>{l}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={254} required {...fieldErrorProps("email", emailError, "email-hint")} />
          <FieldError inputId="email" error={emailError} />
          <span className="muted" id="email-hint">For your receipt and order updates. No account needed.</span>
        </div>
        <h2 style={{ margin: "0.5rem 0 0" }}>Shipping address</h2>
        <AddressForm mode="full" initial={cart.shippingAddress} onSaved={() => router.refresh()} />
        <ul className="cart-lines">
          {cart.items.map((i) => (
            <li key={i.id} className="line-meta">
              {i.quantity} × {i.name} ({Object.values(i.attributes).join(" · ")}) — {money(i.lineTotal)}
            </li>
          ))}
        </ul>
      </section>
      <aside className="panel stack" aria-label="Order summary">
        <CartSummary cart={cart} editable={false} />
        <button type="button" className="btn btn-block" onClick={placeOrder} disabled={pending || !addressReady || email.trim() === ""} data-testid="place-order">
          {pending ? "Placing order…" : problem?.title.startsWith("Some prices changed") ? "Confirm new prices and continue" : "Continue to payment"}
        </button>
        {!addressReady && <p className="muted">Enter your full shipping address to see shipping and tax.</p>}
      </aside>
    </div>
  );
}
