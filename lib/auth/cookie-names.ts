import type { CookiesOptions } from "next-auth";

// Cookie names and flags for the app's own cookies and next-auth's. Over https every cookie is `__Host-` prefixed:
// the browser then keeps it only if it is Secure, has Path=/ and no Domain, so neither a sibling subdomain nor a
// man in the middle on plain http can plant or overwrite one (a planted session or cart cookie is how fixation
// starts). Over http (localhost) browsers refuse those prefixes, so the plain names are used.

/** True when the site is served over https: NEXTAUTH_URL says so, or, without it, production is assumed to be. */
export function secureCookies(source: Record<string, string | undefined> = process.env): boolean {
  const url = source.NEXTAUTH_URL;
  if (url) return url.startsWith("https://");
  return source.NODE_ENV === "production";
}

/** `__Host-<name>` over https, `<name>` over http. */
export function cookieName(name: string, secure = secureCookies()): string {
  return secure ? `__Host-${name}` : name;
}

/**
 * next-auth's cookies: its own names and flags (httpOnly, SameSite=Lax, Path=/), with the `__Host-` prefix over
 * https for every one of them (next-auth's default gives only the CSRF cookie that prefix, the others `__Secure-`).
 */
export function nextAuthCookies(secure = secureCookies()): CookiesOptions {
  const options = { httpOnly: true, sameSite: "lax" as const, path: "/", secure };
  const short = { ...options, maxAge: 15 * 60 };
  return {
    sessionToken: { name: cookieName("next-auth.session-token", secure), options },
    callbackUrl: { name: cookieName("next-auth.callback-url", secure), options },
    csrfToken: { name: cookieName("next-auth.csrf-token", secure), options },
    pkceCodeVerifier: { name: cookieName("next-auth.pkce.code_verifier", secure), options: short },
    state: { name: cookieName("next-auth.state", secure), options: short },
    nonce: { name: cookieName("next-auth.nonce", secure), options },
  };
}
