import { describe, expect, it } from "vitest";
import { clientKeyFrom } from "@/lib/http/client-key";

// Every limiter (sign-in, registration, discount codes) reads the client through this one helper; scripts/serve.ts
// guarantees the first X-Forwarded-For hop is the socket address unless TRUST_PROXY is set.
describe("clientKeyFrom", () => {
  it("takes the first X-Forwarded-For hop from fetch Headers and from Node's header object alike", () => {
    expect(clientKeyFrom(new Headers({ "x-forwarded-for": "203.0.113.7, 10.0.0.1" }))).toBe("203.0.113.7");
    expect(clientKeyFrom({ "x-forwarded-for": " 203.0.113.7 ,10.0.0.1" })).toBe("203.0.113.7");
    expect(clientKeyFrom({ "x-forwarded-for": ["198.51.100.2, 10.0.0.1", "192.0.2.1"] })).toBe("198.51.100.2");
  });

  it("falls back to one shared key when there is none, and bounds the key's length", () => {
    expect(clientKeyFrom(undefined)).toBe("unknown");
    expect(clientKeyFrom(new Headers())).toBe("unknown");
    expect(clientKeyFrom({ "x-forwarded-for": "" })).toBe("unknown");
    expect(clientKeyFrom({ "x-forwarded-for": "x".repeat(500) })).toHaveLength(64);
  });
});
