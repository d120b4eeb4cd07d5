"use client";

import { useRouter } from "next/navigation";
import { useActionState, useState, useTransition } from "react";
import type { CartView } from "@/lib/cart/view";
import type { FormState } from "@/app/_shared/action";
import { placeOrderAction, placeOrderFormAction } from "@/app/checkout/actions";
import { AddressForm, isCompleteAddress } from "./address-form";
import { CartSummary } from "./cart-summary";
import { FieldError, fieldErrorProps } from "./field-error";
import { lineRowsOfCart, OrderLines } from "./order-lines";
import { formatMinor } from "./money";
import { useHydrated } from "./use-hydrated";

type Problem = { title: string; lines: string[] };

type Refusal = { code: string; message: string; fieldErrors?: Record<string, string[]>; details?: Record<string, unknown> };

/** Answers that are not final: the same key may be sent again and can never make a second order. */
const RETRYABLE = new Set(["internal_error", "service_unavailable", "payment_provider_error", "idempotency_key_in_use"]);

/** What the shopper is told about a refused order, the same with JavaScript (in place) or without (the action's state). */
function explain(r: Refusal, cart: CartView): { problem: Problem | null; emailError: string | null } {
  const money = (n: number) => formatMinor(n, cart.currency);
  const nameOf = (itemId?: string, variantId?: number) => cart.items.find((i) => i.id === itemId || i.variantId === variantId)?.name ?? "An item";
  if (RETRYABLE.has(r.code)) return { problem: { title: r.message, lines: ["Please try again in a moment."] }, emailError: null };
  if (r.code === "prices_changed") {
    const changes = (r.details?.changes ?? []) as { itemId: string; oldUnitPrice: number; newUnitPrice: number }[];
    return {
      problem: {
        title: "Some prices changed since you added these items. Please review the new total and place your order again.",
        lines: changes.map((c) => `${nameOf(c.itemId)}: ${money(c.oldUnitPrice)} → ${money(c.newUnitPrice)}`),
      },
      emailError: null,
    };
  }
  if (r.code === "insufficient_stock") {
    const items = (r.details?.items ?? []) as { variantId: number; requested: number; available: number }[];
    return {
      problem: {
        title: "Some items are no longer available in the quantity you chose. Please update your cart.",
        lines: items.map((i) => `${nameOf(undefined, i.variantId)}: ${i.available === 0 ? "out of stock" : `only ${i.available} left (you asked for ${i.requested})`}`),
      },
      emailError: null,
    };
  }
  if (r.fieldErrors?.email) return { problem: null, emailError: r.fieldErrors.email[0] ?? r.message };
  const addressKeys = new Set(["shippingAddress", "name", "line1", "line2", "city", "region", "postalCode", "country", "phone"]);
  const addressErrors = Object.entries(r.fieldErrors ?? {}).filter(([k]) => addressKeys.has(k) || k.startsWith("shippingAddress."));
  return {
    problem: addressErrors.length
      ? { title: "Please complete your shipping address.", lines: addressErrors.map(([, msgs]) => msgs[0] ?? "").filter(Boolean) }
      : { title: r.message, lines: [] },
    emailError: null,
  };
}

/**
 * Checkout in two steps: details (email, the full address, priced as soon as it is complete) then payment. Each attempt to place the order
 * carries its own idempotency key: a retry after a network error reuses it (never a second order), while a new
 * attempt after a final answer (prices changed, stock short, a declined card) gets a new one.
 */
export function CheckoutFlow({ cart, initialEmail, attemptKey: renderedKey }: { cart: CartView; initialEmail: string; attemptKey: string }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const [state, formAction] = useActionState(placeOrderFormAction, null as FormState);
  const posted = state ? explain(state, cart) : null;
  const [email, setEmail] = useState(state?.values?.email ?? initialEmail);
  const [emailError, setEmailError] = useState<string | null>(posted?.emailError ?? null);
  // a refusal that was not final keeps its key (a retry can never make a second order); any other attempt gets a new one
  const [attemptKey, setAttemptKey] = useState(() => (state && RETRYABLE.has(state.code) && state.values?.idempotencyKey) || renderedKey);
  const [problem, setProblem] = useState<Problem | null>(posted?.problem ?? null);
  const [pending, startTransition] = useTransition();
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
      const told = explain(r, cart);
      setProblem(told.problem);
      setEmailError(told.emailError);
      if (RETRYABLE.has(r.code)) return;
      setAttemptKey(crypto.randomUUID());
      router.refresh();
    });
  }

  return (
    <form
      className="cart-layout"
      action={formAction}
      data-testid="checkout-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (addressReady && email.trim() !== "") placeOrder();
      }}
    >
      <input type="hidden" name="idempotencyKey" value={attemptKey} />
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
          <input id="email" name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={254} required {...fieldErrorProps("email", emailError, "email-hint")} />
          <FieldError inputId="email" error={emailError} />
          <span className="muted" id="email-hint">For your receipt and order updates. No account needed.</span>
        </div>
        <h2 style={{ margin: "0.5rem 0 0" }}>Shipping address</h2>
        <AddressForm mode="full" initial={cart.shippingAddress} serverState={state} onSaved={() => router.refresh()} />
      </section>
      <aside className="panel stack" aria-label="Order summary">
        <OrderLines lines={lineRowsOfCart(cart)} currency={cart.currency} />
        <CartSummary cart={cart} editable={false} />
        <button type="submit" className="btn btn-block" disabled={hydrated && (pending || !addressReady || email.trim() === "")} data-testid="place-order">
          {pending ? "Placing order…" : problem?.title.startsWith("Some prices changed") ? "Confirm new prices and continue" : "Continue to payment"}
        </button>
        {!addressReady && <p className="muted">Enter your full shipping address to see shipping and tax.</p>}
      </aside>
    </form>
  );
}
