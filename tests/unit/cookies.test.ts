import { cookieName, nextAuthCookies, secureCookies } from "@/lib/auth/cookie-names";
import { describe, expect, it } from "vitest";
import { signValue, verifySignedValue } from "@/lib/auth/cookies";
import { hasCronSecret } from "@/lib/auth/session";

const SECRET = "unit-test-secret-0123456789abcdef";

describe("signValue / verifySignedValue", () => {
  it("round-trips a value, including one that contains dots", () => {
    for (const value of ["3f0c2a5e-1b7d-4c1e-9a7e-0d9b7f1c2e4a", "a.b.c", "x"]) {
      const signed = signValue(value, SECRET);
      expect(signed.startsWith(`${value}.`)).toBe(true);
      expect(verifySignedValue(signed, SECRET)).toBe(value);
    }
  });

  it("is deterministic for one secret and purpose", () => {
    expect(signValue("cart-1", SECRET, "cw_cart")).toBe(signValue("cart-1", SECRET, "cw_cart"));
  });

  it("rejects a changed value under the original signature", () => {
    const signed = signValue("cart-1", SECRET);
    const sig = signed.slice(signed.lastIndexOf(".") + 1);
    expect(verifySignedValue(`cart-2.${sig}`, SECRET)).toBeNull();
    expect(verifySignedValue(`cart-1x.${sig}`, SECRET)).toBeNull();
  });

  it("rejects a changed signature, including one flipped in its last character", () => {
    const signed = signValue("cart-1", SECRET);
    const last = signed.at(-1)!;
    const flipped = signed.slice(0, -1) + (last === "A" ? "B" : "A");
    expect(verifySignedValue(flipped, SECRET)).toBeNull();
    expect(verifySignedValue(`${signed}A`, SECRET)).toBeNull();
    expect(verifySignedValue(signed.slice(0, -1), SECRET)).toBeNull();
  });

  it("rejects a value signed with another secret or for another purpose", () => {
    expect(verifySignedValue(signValue("cart-1", "another-secret-0123456789"), SECRET)).toBeNull();
    expect(verifySignedValue(signValue("cart-1", SECRET, "cw_orders"), SECRET, "cw_cart")).toBeNull();
  });

  it("reads junk as null", () => {
    for (const junk of [undefined, null, "", ".", "cart-1", "cart-1.", ".abc", "cart-1.not base64!", "%%%.%%%"])
      expect(verifySignedValue(junk, SECRET)).toBeNull();
  });
});

describe("hasCronSecret", () => {
  const req = (authorization?: string) =>
    new Request("http://localhost/api/cron/expire-orders", {
      method: "POST",
      headers: authorization ? { authorization } : {},
    });
  const CRON = "cron-secret-0123456789";

  it("accepts exactly `Bearer <secret>`", () => {
    expect(hasCronSecret(req(`Bearer ${CRON}`), CRON)).toBe(true);
    expect(hasCronSecret(req(`bearer ${CRON}`), CRON)).toBe(true);
  });

  it("refuses a missing, wrong, prefixed or extended token, and any token when no secret is configured", () => {
    expect(hasCronSecret(req(), CRON)).toBe(false);
    expect(hasCronSecret(req(`Bearer ${CRON}x`), CRON)).toBe(false);
    expect(hasCronSecret(req(`Bearer ${CRON.slice(0, -1)}`), CRON)).toBe(false);
    expect(hasCronSecret(req(CRON), CRON)).toBe(false);
    expect(hasCronSecret(req("Bearer "), "")).toBe(false);
    expect(hasCronSecret(req(`Bearer ${CRON}`), undefined)).toBe(false);
  });
});

describe("cookie names", () => {
  it("are __Host- prefixed over https and plain over http, for the app's cookies and every next-auth cookie", () => {
    expect(secureCookies({ NEXTAUTH_URL: "https://shop.example" })).toBe(true);
    expect(secureCookies({ NEXTAUTH_URL: "http://localhost:3000", NODE_ENV: "production" })).toBe(false);
    expect(secureCookies({ NODE_ENV: "production" })).toBe(true);
    expect(secureCookies({ NODE_ENV: "development" })).toBe(false);
    expect(cookieName("cw_cart", true)).toBe("__Host-cw_cart");
    expect(cookieName("cw_orders", false)).toBe("cw_orders");
    const secure = nextAuthCookies(true);
    for (const [key, c] of Object.entries(secure)) {
      expect(c.name, key).toMatch(/^__Host-next-auth\./);
      // what the browser requires of a __Host- cookie: Secure, Path=/, no Domain
      expect(c.options, key).toMatchObject({ secure: true, path: "/", httpOnly: true, sameSite: "lax" });
      expect(c.options.domain, key).toBeUndefined();
    }
    expect(secure.sessionToken.name).toBe("__Host-next-auth.session-token");
    const plain = nextAuthCookies(false);
    for (const [key, c] of Object.entries(plain)) {
      expect(c.name, key).toMatch(/^next-auth\./);
      expect(c.options.secure, key).toBe(false);
    }
  });
});
