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
