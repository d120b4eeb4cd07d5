/**
 * The client a rate limit counts against, read the same way by every limiter (sign-in, registration, discount
 * codes): the first X-Forwarded-For hop. scripts/serve.ts makes that the truth: without TRUST_PROXY it overwrites
 * X-Forwarded-For with the socket address (so a client cannot pick its own key); with TRUST_PROXY it keeps the
 * proxy's header, whose first hop is the client the proxy saw.
 */
export function clientKeyFrom(headers: HeaderReader | Record<string, string | string[] | undefined> | undefined): string {
  // Fetch-style headers (route handlers, next/headers) or Node's plain object (next-auth's authorize `req`)
  const raw = isHeaderReader(headers) ? headers.get("x-forwarded-for") : headers?.["x-forwarded-for"];
  const value = Array.isArray(raw) ? raw[0] : raw;
  // bounded: the key ends up in a KV key name
  return (typeof value === "string" ? value.split(",")[0]?.trim().slice(0, 64) : "") || "unknown";
}

type HeaderReader = { get(name: string): string | null };

function isHeaderReader(h: unknown): h is HeaderReader {
  return typeof h === "object" && h !== null && typeof (h as { get?: unknown }).get === "function";
}
