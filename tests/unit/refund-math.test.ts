import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { shippingAmount, unitsAmount } from "@/lib/orders/refund-math";

describe("refund amounts", () => {
  it("a line's units add up to its total, whatever the split into refunds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 0, max: 10_000_000 }), fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 20 }), (quantity, total, chunks) => {
        const line = { quantity, total };
        let from = 0;
        let sum = 0;
        for (const c of chunks) {
          const n = Math.min(c, quantity - from);
          sum += unitsAmount(line, from, n);
          from += n;
        }
        sum += unitsAmount(line, from, quantity - from);
        expect(sum).toBe(total);
      }),
    );
  });

  it("splits by largest remainder, the extra cents to the earlier units", () => {
    const line = { quantity: 3, total: 1000 };
    expect([0, 1, 2].map((u) => unitsAmount(line, u, 1))).toEqual([334, 333, 333]);
    expect(unitsAmount(line, 1, 2)).toBe(666);
    expect(shippingAmount({ shippingTotal: 599, shippingTax: 24 })).toBe(623);
    expect(() => unitsAmount(line, 2, 2)).toThrow(RangeError);
  });
});
