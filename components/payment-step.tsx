"use client";

import { useEffect, useState, useTransition } from "react";
import type { OrderView } from "@/lib/checkout/order-view";
import { backToCartAction, payWithTestCardAction } from "@/app/checkout/actions";
import { FieldError, fieldErrorProps } from "./field-error";
import { formatMinor } from "./money";
import { lineRowsOfOrder, OrderLines, SummaryRows } from "./order-lines";
import { StripePayment } from "./stripe-payment";

const DECLINES: Record<string, string> = {
  generic_decline: "Your card was declined.",
  card_declined: "Your card was declined.",
  insufficient_funds: "Your card has insufficient funds.",
  expired_card: "Your card has expired.",
  incorrect_cvc: "The card's security code is incorrect.",
};

const reasonOf = (code: string | null | undefined) => (code ? (DECLINES[code] ?? "Your payment was not accepted.") : "Your payment was not accepted.");

export function PaymentStep({ order, provider, clientSecret, publishableKey }: { order: OrderView; provider: string; clientSecret: string | null; publishableKey: string | null }) {
  const [card, setCard] = useState("4242 4242 4242 4242");
  const [error, setError] = useState<string | null>(null);
  // a decline leaves the order waiting for payment: the reason is shown above the form, which takes another card
  const [declined, setDeclined] = useState<string | null>(order.payment.status === "failed" ? (order.payment.declineCode ?? "generic_decline") : null);
  const [cancelled, setCancelled] = useState(false);
  const [pending, startTransition] = useTransition();
  const money = (n: number) => formatMinor(n, order.currency);

  useEffect(() => {
    // Back after paying may restore this page from the browser's memory with its Pay button: load it again, the
    // server sends a paid (or cancelled) order to its order page
    const onShow = (e: PageTransitionEvent) => {
      if (e.persisted) window.location.reload();
    };
    window.addEventListener("pageshow", onShow);
    return () => window.removeEventListener("pageshow", onShow);
  }, []);

  if (cancelled)
    return (
      <div className="panel stack" role="alert" data-testid="payment-error">
        <p>
          <strong>{reasonOf(declined)}</strong> After too many declined cards the order was cancelled. Nothing was charged and your items are back in your
          cart.
        </p>
        {/* a full load, so the header's cart count is read again too */}
        <a href="/cart" className="btn" data-testid="retry-checkout">
          Back to cart
        </a>
      </div>
    );

  return (
    <div className="cart-layout">
      <section className="panel stack" aria-label="Payment">
        {declined && (
          <div className="notice" role="alert" data-testid="payment-declined">
            <strong>{reasonOf(declined)}</strong> Nothing was charged. Your items are still reserved: try another card.
          </div>
        )}
        <p className="muted">Your items are reserved. Pay {money(order.summary.total)} to complete the order.</p>
        {provider === "stripe" && clientSecret && publishableKey ? (
          <StripePayment publishableKey={publishableKey} clientSecret={clientSecret} orderId={order.id} />
        ) : (
          <form
            data-testid="test-card-form"
            onSubmit={(e) => {
              e.preventDefault();
              setError(null);
              startTransition(async () => {
                setDeclined(null);
                const r = await payWithTestCardAction({ orderId: order.id, cardNumber: card });
                if (!r.ok) return setError(r.fieldErrors?.cardNumber?.[0] ?? r.message);
                // a full load that leaves this page in the history: Back loads it again and is sent to the paid order
                if (r.data.status === "PAID") return window.location.assign(`/orders/${order.id}`);
                if (r.data.status === "CANCELLED") {
                  // no refresh: this page would now redirect to the cancelled order; the shopper reads why here first
                  setDeclined(r.data.declineCode ?? "generic_decline");
                  setCancelled(true);
                  return;
                }
                if (r.data.paymentStatus === "failed") return setDeclined(r.data.declineCode ?? "generic_decline");
                setError("Your payment is still being processed. Please wait a moment.");
              });
            }}
          >
            <div className="field">
              <label htmlFor="card-number">Card number</label>
              <input id="card-number" inputMode="numeric" autoComplete="cc-number" value={card} onChange={(e) => setCard(e.target.value)} maxLength={40} {...fieldErrorProps("card-number", error, "card-number-hint")} />
              <FieldError inputId="card-number" error={error} alert />
              <span className="muted" id="card-number-hint">Test payments: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined; 4000 0000 0000 9995 has insufficient funds.</span>
            </div>
            <button type="submit" className="btn btn-block" disabled={pending} data-testid="pay-button">
              {pending ? "Paying…" : `Pay ${money(order.summary.total)}`}
            </button>
          </form>
        )}
      </section>
      <aside className="panel">
        <button
          type="button"
          className="btn btn-secondary"
          disabled={pending}
          data-testid="back-to-cart"
          onClick={() =>
            startTransition(async () => {
              const r = await backToCartAction({ orderId: order.id });
              // a full load, so the header's cart count is read again too
              if (r.ok) window.location.assign("/cart");
              else setError(r.code === "conflict" ? "This order has already been paid." : r.message);
            })
          }
        >
          ← Back to cart
        </button>
        {/* the same lines and rows as the cart and the order page (components/order-lines.tsx) */}
        <OrderLines lines={lineRowsOfOrder(order)} currency={order.currency} />
        <SummaryRows summary={order.summary} />
      </aside>
    </div>
  );
}
