"use client";

import { Elements, PaymentElement, useElements, useStripe } from "@stripe/react-stripe-js";
import { loadStripe, type Stripe } from "@stripe/stripe-js";
import { useMemo, useState } from "react";

let stripePromise: Promise<Stripe | null> | undefined;

function StripeForm({ orderId }: { orderId: string }) {
  const stripe = useStripe();
  const elements = useElements();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        if (!stripe || !elements) return;
        setPending(true);
        setError(null);
        // Stripe confirms the card (3-D Secure included) and sends the shopper to the order page; the order turns
        // PAID when Stripe's webhook arrives, which the order page shows live.
        const { error: err } = await stripe.confirmPayment({ elements, confirmParams: { return_url: `${window.location.origin}/orders/${orderId}` } });
        if (err) setError(err.message ?? "Your payment could not be completed.");
        setPending(false);
      }}
    >
      <PaymentElement />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="btn btn-block" disabled={!stripe || pending} style={{ marginTop: "1rem" }}>
        {pending ? "Paying…" : "Pay now"}
      </button>
    </form>
  );
}

/** Stripe Elements' PaymentElement for the order's PaymentIntent. */
export function StripePayment({ publishableKey, clientSecret, orderId }: { publishableKey: string; clientSecret: string; orderId: string }) {
  stripePromise ??= loadStripe(publishableKey);
  const options = useMemo(() => ({ clientSecret, appearance: { theme: "stripe" as const } }), [clientSecret]);
  return (
    <Elements stripe={stripePromise} options={options}>
      <StripeForm orderId={orderId} />
    </Elements>
  );
}
