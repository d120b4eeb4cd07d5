import { describe, expect, it } from "vitest";
import { computeDiscount, tierValue } from "@/lib/discounts/rules";
import { line, rule } from "@/tests/support/pricing-fixtures";

// Tiers: the highest reached tier applies (reached = applicable subtotal, or quantity, at least its minimum); below
// the first tier the discount takes nothing. Amounts worked out by hand beside each case.

describe("tiers by subtotal (PERCENTAGE: 5% from $50, 10% from $100)", () => {
  const d = rule({ type: "PERCENTAGE", value: 0, tiers: [{ minSubtotal: 5000, value: 500 }, { minSubtotal: 10_000, value: 1000 }] });
  it.each([
    [4999, 0], // below the first tier: nothing
    [5000, 250], // at the first: 5% of 5000
    [5001, 250], // 250.05 -> 250
    [9999, 500], // 499.95 -> 500 (half-up)
    [10_000, 1000], // at the second: 10%
    [10_001, 1000], // 1000.1 -> 1000
  ])("subtotal %i takes %i", (subtotal, amount) => {
    expect(computeDiscount(d, [line("a", 1, subtotal, 1)]).amount).toBe(amount);
  });
});

describe("tiers by quantity (FIXED_AMOUNT: $5 from 3 units, $15 from 6)", () => {
  const d = rule({ type: "FIXED_AMOUNT", value: 0, currency: "USD", tiers: [{ minQuantity: 3, value: 500 }, { minQuantity: 6, value: 1500 }] });
  it.each([
    [2, 0],
    [3, 500],
    [5, 500],
    [6, 1500],
    [7, 1500],
  ])("%i units take %i", (qty, amount) => {
    expect(computeDiscount(d, [line("a", 1, 1000, qty)]).amount).toBe(amount);
  });

  it("counts only applicable products, and never takes more than the applicable subtotal", () => {
    const only2 = { ...d, applicableProductIds: [2] };
    // 5 units of product 1 do not count: 2 units of product 2 are below 3
    expect(computeDiscount(only2, [line("a", 1, 1000, 5), line("b", 2, 100, 2)]).amount).toBe(0);
    // 6 units of product 2 at 1.00: the $15 tier, held to the 600 they cost
    expect(computeDiscount(only2, [line("a", 1, 1000, 5), line("b", 2, 100, 6)]).amount).toBe(600);
  });
});

describe("tierValue", () => {
  it("picks the reached tier with the highest minimum, whatever the list order; null below every tier", () => {
    const tiers = [{ minSubtotal: 10_000, value: 30 }, { minSubtotal: 0, value: 10 }, { minSubtotal: 5000, value: 20 }];
    expect(tierValue(tiers, 4999n, 0n)).toBe(10);
    expect(tierValue(tiers, 5000n, 0n)).toBe(20);
    expect(tierValue(tiers, 10_000n, 0n)).toBe(30);
    expect(tierValue([{ minSubtotal: 1, value: 5 }], 0n, 0n)).toBeNull();
  });
});
