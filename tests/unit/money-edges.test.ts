import { describe, expect, it } from "vitest";
import { DomainError } from "@/lib/errors";
import { assertPayableAmount, paymentAmountLimits } from "@/lib/payments";
import { MAX_STORED_AMOUNT, priceCart, type RateTables } from "@/lib/pricing";
import { line, rule } from "@/tests/support/pricing-fixtures";

const rates: RateTables = {
  zoneOf: { US: "DOMESTIC" },
  shippingRates: [{ zone: "DOMESTIC", currency: "USD", amount: 500, freeOver: null }],
  taxRates: [{ country: "US", region: "", ratePpm: 100_000, taxesShipping: true }],
};
const address = { country: "US", postalCode: "10001" };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof DomainError ? e.code : `not a DomainError: ${String(e)}`;
  }
  return undefined;
}

describe("amounts beyond the money columns (int4)", () => {
  it("a cart whose subtotal passes 2^31-1 is 422 amount_out_of_range, not a 500", () => {
    const lines = [line("a", 1, 30_000_000, 99)]; // 2,970,000,000 > 2^31-1
    expect(codeOf(() => priceCart({ currency: "USD", lines, discounts: [], address: null, rates }))).toBe("amount_out_of_range");
  });

  it("also when only shipping and tax push the total over", () => {
    const lines = [line("a", 1, MAX_STORED_AMOUNT - 100, 1)];
    expect(codeOf(() => priceCart({ currency: "USD", lines, discounts: [], address: null, rates }))).toBeUndefined();
    expect(codeOf(() => priceCart({ currency: "USD", lines, discounts: [], address, rates }))).toBe("amount_out_of_range");
  });

  it("says which amount and the limit, and accepts exactly the limit", () => {
    try {
      priceCart({ currency: "USD", lines: [line("a", 1, 2 ** 30, 2)], discounts: [], address: null, rates });
      expect.unreachable();
    } catch (e) {
      expect((e as DomainError).details).toMatchObject({ field: "subtotal", max: 2 ** 31 - 1, currency: "USD" });
    }
    const ok = priceCart({ currency: "USD", lines: [line("a", 1, MAX_STORED_AMOUNT, 1)], discounts: [], address: null, rates });
    expect(ok.summary.total).toBe(2 ** 31 - 1);
  });

  it("a discount does not hide an out-of-range subtotal (the order stores the subtotal too)", () => {
    const lines = [line("a", 1, 25_000_000, 99)];
    const half = rule({ value: 5000 });
    expect(codeOf(() => priceCart({ currency: "USD", lines, discounts: [half], address: null, rates }))).toBe("amount_out_of_range");
  });
});

describe("the payment provider's minimum and maximum", () => {
  it("Stripe's table: 50 minor units for USD-like currencies, 30 pence, 99,999,999 at most", () => {
    expect(paymentAmountLimits("USD")).toEqual({ min: 50, max: 99_999_999 });
    expect(paymentAmountLimits("eur")).toEqual({ min: 50, max: 99_999_999 });
    expect(paymentAmountLimits("GBP").min).toBe(30);
    expect(paymentAmountLimits("JPY").min).toBe(50);
  });

  it.each([
    [49, "USD", "amount_out_of_range"],
    [50, "USD", undefined],
    [99_999_999, "USD", undefined],
    [100_000_000, "USD", "amount_out_of_range"],
    [0, "USD", undefined], // nothing to pay: the order is paid at once
    [29, "GBP", "amount_out_of_range"],
    [30, "GBP", undefined],
  ])("%i %s -> %s", (amount, currency, code) => {
    expect(codeOf(() => assertPayableAmount(amount, currency))).toBe(code);
  });
});

describe("per-customer keys", () => {
  it("normalise the e-mail: trimmed, lower-cased, +tag removed from the local part only", async () => {
    const { customerKeyOf, normalizeCustomerEmail } = await import("@/lib/discounts/repository");
    expect(normalizeCustomerEmail("  Ann+Promo@Example.COM ")).toBe("ann@example.com");
    expect(normalizeCustomerEmail("ann@ex+ample.com")).toBe("ann@ex+ample.com");
    expect(normalizeCustomerEmail("+only@example.com")).toBe("+only@example.com");
    expect(customerKeyOf({ userId: "u1", email: "Ann+x@example.com" })).toBe("email:ann@example.com");
    expect(customerKeyOf({ userId: null, email: "ann@example.com" })).toBe("email:ann@example.com");
    expect(customerKeyOf({ userId: "u1" })).toBe("user:u1");
    expect(customerKeyOf({ userId: null })).toBeNull();
  });
});

describe("secrets derived from NEXTAUTH_SECRET", () => {
  const secret = "unit-tests-secret-5d0c1b8e7f3a2946";

  it("an order token is the same for the same order and secret, and differs otherwise", async () => {
    const { orderTokenFor } = await import("@/lib/checkout/derived-secrets");
    const id = "0193a0b4-0000-7000-8000-000000000001";
    expect(orderTokenFor(id, secret)).toBe(orderTokenFor(id, secret));
    expect(orderTokenFor(id, secret)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(orderTokenFor(id, `${secret}x`)).not.toBe(orderTokenFor(id, secret));
    expect(orderTokenFor(id.replace(/1$/, "2"), secret)).not.toBe(orderTokenFor(id, secret));
  });

  it("a sealed secret opens only with the same secret and context, and never shows the plain text", async () => {
    const { openSecret, sealSecret } = await import("@/lib/checkout/derived-secrets");
    const sealed = sealSecret("pi_123_secret_abc", "order-1", secret);
    expect(sealed).not.toContain("pi_123_secret_abc");
    expect(sealSecret("pi_123_secret_abc", "order-1", secret)).not.toBe(sealed); // a fresh IV each time
    expect(openSecret(sealed, "order-1", secret)).toBe("pi_123_secret_abc");
    expect(openSecret(sealed, "order-2", secret)).toBeNull();
    expect(openSecret(sealed, "order-1", `${secret}x`)).toBeNull();
    const tampered = sealed.slice(0, -2) + (sealed.endsWith("A") ? "BB" : "AA");
    expect(openSecret(tampered, "order-1", secret)).toBeNull();
    expect(openSecret("not sealed", "order-1", secret)).toBeNull();
  });
});

describe("assertLinesInRange (for the cart's mutations, before they save)", () => {
  it("refuses lines adding up past 2^31-1 and accepts the limit", async () => {
    const { assertLinesInRange } = await import("@/lib/pricing");
    expect(codeOf(() => assertLinesInRange("USD", [line("a", 1, 30_000_000, 50), line("b", 2, 30_000_000, 50)]))).toBe("amount_out_of_range");
    expect(codeOf(() => assertLinesInRange("USD", [line("a", 1, MAX_STORED_AMOUNT, 1)]))).toBeUndefined();
  });
});
