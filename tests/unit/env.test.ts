import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";

describe("parseEnv", () => {
  it("accepts a minimal production-like environment and fills defaults", () => {
    const e = parseEnv({ DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/test" });
    expect(e.DEFAULT_CURRENCY).toBe("USD");
    expect(e.CART_MAX_LINE_QUANTITY).toBe(99);
    expect(e.paymentProvider).toBe("test");
  });

  it("chooses Stripe when a secret key is configured", () => {
    const e = parseEnv({ DATABASE_URL: "postgres://h/db", STRIPE_SECRET_KEY: "sk_test_123" });
    expect(e.paymentProvider).toBe("stripe");
  });

  it("names every bad variable without echoing its value", () => {
    let err: unknown;
    try {
      parseEnv({ DATABASE_URL: "nonsense", REDIS_URL: "http://x", UPSTASH_REDIS_REST_URL: "https://u.example" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvError);
    const msg = (err as EnvError).message;
    expect(msg).toContain("DATABASE_URL");
    expect(msg).toContain("REDIS_URL");
    expect(msg).toContain("UPSTASH_REDIS_REST_TOKEN");
    expect(msg).not.toContain("nonsense");
  });

  it("refuses to take test payments in production unless told to", () => {
    expect(() => parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgres://h/db" })).toThrow(/STRIPE_SECRET_KEY/);
    expect(parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgres://h/db", PAYMENT_PROVIDER: "test" }).paymentProvider).toBe("test");
    expect(parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgres://h/db", STRIPE_SECRET_KEY: "sk_live_x" }).paymentProvider).toBe("stripe");
  });
});
