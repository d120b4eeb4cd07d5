"use client";

import Link from "next/link";

// A page that failed while rendering, inside the shop's layout. The message stays generic: the error's text may
// hold internals, and the digest is what the server log is keyed by.
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section className="error-page" role="alert">
      <h1>Something went wrong on our side</h1>
      <p className="muted">Your cart is safe. Please try again in a moment.</p>
      <p>
        <button type="button" className="btn" onClick={reset}>
          Try again
        </button>{" "}
        <Link className="btn btn-secondary" href="/">
          Back to the shop
        </Link>
      </p>
      {error.digest && <p className="muted">Reference: {error.digest}</p>}
    </section>
  );
}
