"use client";

import { Elements, ExpressCheckoutElement, PaymentElement, useElements, useStripe } from "@stripe/react-stripe-js";
// the "pure" entry: importing it inserts no script; Stripe.js is fetched only when loadStripe runs (Stripe configured)
import { loadStripe } from "@stripe/stripe-js/pure";
import type { Stripe, StripeError } from "@stripe/stripe-js";
import { useMemo, useState } from "react";

let stripePromise: Promise<Stripe | null> | undefined;

/** What the shopper reads when Stripe.js refuses a confirmation (a decline keeps the order: another card may pay). */
function messageOf(err: StripeError): string {
  if (err.type === "card_error" || err.type === "validation_error") return err.message ?? "Your card was declined.";
  return "Your payment could not be completed. Please try again.";
}

function StripeForm({ orderId }: { orderId: string }) {
  const stripe = useStripe();
  const elements = useElements();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [express, setExpress] = useState(false);
  const returnUrl = () => `${window.location.origin}/orders/${orderId}`;

  // Stripe confirms the PaymentIntent (3-D Secure included: a `requires_action` answer is handled by Stripe.js,
  // in place or by a redirect) and sends the shopper to the order page; the order turns PAID when Stripe's webhook
  // arrives, which the order page shows live. A decline comes back here: the same PaymentIntent takes another card.
  const confirm = async () => {
    if (!stripe || !elements) return;
    setPending(true);
    setError(null);
    const { error: err } = await stripe.confirmPayment({ elements, confirmParams: { return_url: returnUrl() } });
    if (err) setError(messageOf(err));
    setPending(false);
  };

  return (
    <div className="stack">
      {/* wallets (Apple Pay, Google Pay, Link) on the same PaymentIntent; hidden when none is available */}
      <div data-testid="express-checkout" hidden={!express}>
        <ExpressCheckoutElement
          onReady={(e) => setExpress(!!e.availablePaymentMethods && Object.values(e.availablePaymentMethods).some(Boolean))}
          onConfirm={async () => {
            if (!stripe || !elements) return;
            const submitted = await elements.submit();
            if (submitted.error) return setError(messageOf(submitted.error));
            await confirm();
          }}
        />
      </div>
      <form
        data-testid="stripe-form"
        onSubmit={async (e) => {
          e.preventDefault();
          await confirm();
        }}
      >
        <PaymentElement />
        {error && (
          <p className="error" role="alert" data-testid="stripe-error">
            {error}
          </p>
        )}
        <button type="submit" className="btn btn-block" disabled={!stripe || pending} style={{ marginTop: "1rem" }} data-testid="stripe-pay-button">
          {pending ? "Paying…" : "Pay now"}
        </button>
      </form>
    </div>
  );
}

/**
 * Stripe Elements for the order's PaymentIntent: the Express Checkout Element and the PaymentElement. Stripe.js is
 * loaded only here, so a store on the test provider never loads it.
 */
export function StripePayment({ publishableKey, clientSecret, orderId }: { publishableKey: string; clientSecret: string; orderId: string }) {
  stripePromise ??= loadStripe(publishableKey);
  const options = useMemo(() => ({ clientSecret, appearance: { theme: "stripe" as const } }), [clientSecret]);
  return (
    <Elements stripe={stripePromise} options={options}>
      <StripeForm orderId={orderId} />
    </Elements>
  );
}
