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
    const prod = { NODE_ENV: "production", DATABASE_URL: "postgres://h/db", NEXTAUTH_SECRET: "q8Zr3vT1mK0pWx7LbN4c" };
    expect(() => parseEnv(prod)).toThrow(/STRIPE_SECRET_KEY/);
    expect(() => parseEnv(prod)).toThrow(/PAYMENT_PROVIDER=test/);
    expect(parseEnv({ ...prod, PAYMENT_PROVIDER: "test" }).paymentProvider).toBe("test");
    expect(parseEnv({ ...prod, STRIPE_SECRET_KEY: "sk_live_x" }).paymentProvider).toBe("stripe");
  });

  describe("NEXTAUTH_SECRET in production", () => {
    const prod = { NODE_ENV: "production", DATABASE_URL: "postgres://h/db", PAYMENT_PROVIDER: "test" };

    it("is required", () => {
      expect(() => parseEnv(prod)).toThrow(/NEXTAUTH_SECRET is required in production/);
    });

    it.each([
      ["too short", "s3cr3t-Key-9"],
      ["changeme", "changeme-changeme"],
      ["secret", "secretsecretsecret"],
      ["development", "development-secret-1234"],
      ["placeholder sentence", "your-nextauth-secret-here"],
      ["replace me", "REPLACE_ME_WITH_A_SECRET"],
      ["the old built-in fallback", "cartwright-development-secret-not-for-production"],
      ["one character", "aaaaaaaaaaaaaaaaaaaaaaaa"],
      ["two characters", "abababababababababababab"],
    ])("refuses a weak value (%s) and never echoes it", (_name, value) => {
      let err: unknown;
      try {
        parseEnv({ ...prod, NEXTAUTH_SECRET: value });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EnvError);
      expect((err as EnvError).message).toContain("NEXTAUTH_SECRET");
      expect((err as EnvError).message).not.toContain(value);
    });

    it("accepts a generated secret", () => {
      const e = parseEnv({ ...prod, NEXTAUTH_SECRET: "Xq3v9bKf0_wL2mZr8TcYp1NhA6sDuE4j" });
      expect(e.NEXTAUTH_SECRET).toBe("Xq3v9bKf0_wL2mZr8TcYp1NhA6sDuE4j");
    });

    it("is not required outside production, where the caller provides one anyway", () => {
      expect(parseEnv({ DATABASE_URL: "postgres://h/db" }).NEXTAUTH_SECRET).toBeUndefined();
    });
  });

  it("reads the unpaid-order caps with their defaults", () => {
    const e = parseEnv({ DATABASE_URL: "postgres://h/db" });
    expect([e.UNPAID_ORDERS_PER_CLIENT, e.UNPAID_ORDERS_PER_EMAIL, e.SEED_DEMO]).toEqual([20, 5, false]);
    const set = parseEnv({ DATABASE_URL: "postgres://h/db", UNPAID_ORDERS_PER_CLIENT: "3", UNPAID_ORDERS_PER_EMAIL: "2", SEED_DEMO: "1" });
    expect([set.UNPAID_ORDERS_PER_CLIENT, set.UNPAID_ORDERS_PER_EMAIL, set.SEED_DEMO]).toEqual([3, 2, true]);
  });
});
