"use client";

import "./globals.css";

// When the root layout itself fails, this replaces it, so it brings its own <html> and the shop's stylesheet.
export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <div className="container header-row">
            <a href="/" className="brand">
              Cartwright <span>Supply</span>
            </a>
          </div>
        </header>
        <main className="container main">
          <section className="error-page" role="alert">
            <h1>The shop is having trouble</h1>
            <p className="muted">Your cart is safe. Please try again in a moment.</p>
            <p>
              <button type="button" className="btn" onClick={reset}>
                Try again
              </button>{" "}
              {/* a full page load, not a client navigation: the app that failed is not trusted to route */}
              {/* eslint-disable-next-line @next/next/no-html-link-for-pages */}
              <a className="btn btn-secondary" href="/">
                Back to the shop
              </a>
            </p>
            {error.digest && <p className="muted">Reference: {error.digest}</p>}
          </section>
        </main>
      </body>
    </html>
  );
}
