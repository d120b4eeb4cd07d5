// The Content-Security-Policy of the pages: scripts only with this response's nonce (Next puts it on its own
// scripts when it finds it in the request's policy) and what those scripts load ('strict-dynamic': Stripe.js,
// which the payment page injects); no inline script without the nonce, no eval in production.
// Stripe's documented sources: the script from js.stripe.com, its frames from js.stripe.com and hooks.stripe.com,
// its API calls to api.stripe.com.

/** A fresh nonce per response: 128 random bits, base64 (what CSP's nonce-source takes). */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

export function pageCsp(nonce: string, opts: { dev: boolean }): string {
  return [
    "default-src 'self'",
    // 'self' and the Stripe host are for browsers without 'strict-dynamic'; the others ignore them in its favour
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic' https://js.stripe.com${opts.dev ? " 'unsafe-eval'" : ""}`,
    // styles stay inline-able: React's style attributes and Stripe Elements set them; a style cannot run code
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https://*.stripe.com",
    "font-src 'self' data:",
    `connect-src 'self' https://api.stripe.com${opts.dev ? " ws: wss:" : ""}`,
    "frame-src https://js.stripe.com https://hooks.stripe.com",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join("; ");
}
