// The rules the HTTP server (scripts/serve.ts) applies to every request before Next sees it: which body limit a
// path has, which content type a JSON route takes, what counts as a cross-site request, and how log lines name a
// path without the capabilities in it. Pure functions, so each rule has a unit test of its own.

/** Bytes a body may have, by kind of route. A body over its limit is refused while it is read (413). */
export const BODY_LIMITS = {
  /** the JSON API: no documented body comes close (a cart line, an address, a discount) */
  jsonApi: 64 * 1024,
  /** Stripe's events are well under this; the signature is checked over the raw bytes, so nothing is parsed first */
  stripeWebhook: 256 * 1024,
  /** next-auth's form posts: a CSRF token, an e-mail, a password and a callback URL */
  auth: 16 * 1024,
  /** pages: server actions (Next's own default limit for them is 1 MiB) and anything else posted to a page */
  page: 1024 * 1024,
} as const;

export type RouteKind = keyof typeof BODY_LIMITS;

export const STRIPE_WEBHOOK_PATH = "/api/webhooks/stripe";

/**
 * The path as Next will route it: percent-decoded segment by segment, repeated and trailing slashes dropped, so
 * that `/%61pi/carts` or `/api//carts/` cannot slip past a rule written for `/api/carts`. Null when it cannot be
 * decoded (the server answers 400 then).
 */
export function normalisePath(rawUrl: string): string | null {
  const pathname = rawUrl.split("?")[0]!.split("#")[0]!;
  const segments: string[] = [];
  for (const seg of pathname.split("/")) {
    if (seg === "") continue;
    try {
      segments.push(decodeURIComponent(seg));
    } catch {
      return null;
    }
  }
  return `/${segments.join("/")}`;
}

export function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/");
}

export function routeKindOf(pathname: string): RouteKind {
  if (pathname === STRIPE_WEBHOOK_PATH) return "stripeWebhook";
  if (pathname === "/api/auth" || pathname.startsWith("/api/auth/")) return "auth";
  if (isApiPath(pathname)) return "jsonApi";
  return "page";
}

export function bodyLimitFor(pathname: string): number {
  return BODY_LIMITS[routeKindOf(pathname)];
}

/** Routes whose bodies must be JSON: the API, except next-auth's form posts and Stripe's webhook (raw bytes). */
export function requiresJsonBody(pathname: string): boolean {
  return routeKindOf(pathname) === "jsonApi";
}

/**
 * `application/json`, optionally with `charset=utf-8` (any case, quoted or not). Other charsets are refused: the
 * body is decoded as UTF-8, so a client announcing UTF-16 would be misread rather than refused.
 */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const [type, ...params] = value.split(";").map((p) => p.trim().toLowerCase());
  if (type !== "application/json") return false;
  return params.every((p) => p === "" || /^charset\s*=\s*"?utf-8"?$/.test(p));
}

/** Content-Length as a number: undefined when absent, NaN when not a plain non-negative integer. */
export function declaredLength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
}

/** Methods whose requests never change anything, so a cross-site one is harmless. */
const SAFE_METHODS = new Set(["GET", "HEAD"]);

/** The one route that must accept cross-site POSTs: Stripe calls it (and proves itself with a signature). */
export function crossSiteExempt(method: string, pathname: string): boolean {
  return SAFE_METHODS.has(method) || (method === "POST" && pathname === STRIPE_WEBHOOK_PATH);
}

export type OriginHeaders = {
  origin?: string | undefined;
  secFetchSite?: string | undefined;
  host?: string | undefined;
};

function sameHost(origin: URL, host: string): boolean {
  try {
    // the Host header may carry the scheme's default port or not: compare as URLs of the origin's scheme
    return new URL(`${origin.protocol}//${host}`).host === origin.host;
  } catch {
    return false;
  }
}

/**
 * True when the browser says the request comes from another site: `Sec-Fetch-Site: cross-site`, or an `Origin`
 * that is neither the request's Host nor the site's public origin (NEXTAUTH_URL). An opaque `Origin: null`
 * (sandboxed frames, some redirects) is cross-site too. A request with neither header is not a browser's
 * cross-site request (curl, a server, a mobile app) and is left to the route's own authentication.
 */
export function isCrossSite(h: OriginHeaders, siteOrigins: readonly string[] = []): boolean {
  if (h.secFetchSite !== undefined && h.secFetchSite.trim().toLowerCase() === "cross-site") return true;
  if (h.origin === undefined) return false;
  let origin: URL;
  try {
    origin = new URL(h.origin.trim());
  } catch {
    return true;
  }
  if (origin.protocol !== "http:" && origin.protocol !== "https:") return true;
  if (origin.origin !== h.origin.trim().replace(/\/$/, "")) return true; // a path, credentials or the like: not an origin
  if (siteOrigins.some((s) => s === origin.origin)) return false;
  return !(h.host !== undefined && sameHost(origin, h.host));
}

/** `https://shop.example` from NEXTAUTH_URL, or undefined when it is not set or not a URL. */
export function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * A path fit for a log line: a cart id is a capability (whoever has it can read and change the cart), so a
 * segment after `carts/` is cut to its first 6 characters. Other long ids are left to the metrics label.
 */
export function redactPath(pathname: string): string {
  return pathname.replace(/(\/carts\/)([^/?#]+)/g, (_m, prefix: string, id: string) => `${prefix}${redactId(id)}`);
}

/** The first 6 characters of an id and an ellipsis: enough to correlate log lines, useless as a capability. */
export function redactId(id: string): string {
  return id.length <= 6 ? id : `${id.slice(0, 6)}…`;
}
