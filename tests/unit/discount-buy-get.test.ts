import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeDiscount, isGetProduct, isApplicable, validateDiscount, type DiscountRule, type PricingLine } from "@/lib/discounts/rules";
import { line, rule } from "@/tests/support/pricing-fixtures";

// BUY_X_GET_Y with getProductIds: X units bought from the buy side (applicableProductIds), Y units got from
// getProductIds, the cheapest get units discounted, a unit counted once. The first cases are mapped from Medusa's
// buy-get tests (packages/modules/promotion/integration-tests/__tests__/services/promotion-module/compute-actions.spec.ts,
// "buyget" section): product ids stand for their SKUs A = 1, B = 2, C = 3.

const shares = (m: Map<string, number>) => Object.fromEntries(m);
const buyGet = (o: Partial<DiscountRule>) => rule({ id: 7, code: "B2G1", type: "BUY_X_GET_Y", value: 10_000, buyQuantity: 2, getQuantity: 1, ...o });
const NOW = new Date("2026-06-15T12:00:00Z");

describe("buy X get Y from other products (Medusa's buy-get cases)", () => {
  const aGetsB = buyGet({ applicableProductIds: [1], getProductIds: [2] });

  it("buy 2 A get 1 B free: the B unit is free, the A units are not touched", () => {
    const r = computeDiscount(aGetsB, [line("a", 1, 1000, 2), line("b", 2, 700, 1)]);
    expect(r.amount).toBe(700);
    expect(shares(r.perLine)).toEqual({ a: 0, b: 700 });
  });

  it("B not in the cart: the code is valid and gives nothing yet (like an incomplete group)", () => {
    const lines = [line("a", 1, 1000, 2)];
    expect(validateDiscount(aGetsB, { currency: "USD", lines, now: NOW })).toEqual({ ok: true });
    expect(computeDiscount(aGetsB, lines).amount).toBe(0);
  });

  it("only B in the cart: nothing bought, so nothing got (and the code does not apply)", () => {
    const lines = [line("b", 2, 700, 3)];
    expect(computeDiscount(aGetsB, lines).amount).toBe(0);
    expect(validateDiscount(aGetsB, { currency: "USD", lines, now: NOW })).toMatchObject({ ok: false, reason: "not_applicable" });
  });

  it("too few A units: no group", () => {
    expect(computeDiscount(aGetsB, [line("a", 1, 1000, 1), line("b", 2, 700, 4)]).amount).toBe(0);
  });

  it("cheapest get units first: of B (10.00) and C (5.00), C is free", () => {
    const d = buyGet({ applicableProductIds: [1], getProductIds: [2, 3] });
    const r = computeDiscount(d, [line("a", 1, 2000, 2), line("b", 2, 1000, 1), line("c", 3, 500, 1)]);
    expect(shares(r.perLine)).toEqual({ a: 0, b: 0, c: 500 });
  });

  it("repeats per group and stops at maxApplications", () => {
    const lines = [line("a", 1, 1000, 6), line("b", 2, 400, 5)];
    expect(computeDiscount(aGetsB, lines).amount).toBe(3 * 400); // 6 A -> 3 groups
    expect(computeDiscount(buyGet({ applicableProductIds: [1], getProductIds: [2], maxApplications: 2 }), lines).amount).toBe(2 * 400);
  });

  it("a get product that is also bought counts once: buy {A,B} get {B,C}", () => {
    const d = buyGet({ applicableProductIds: [1, 2], getProductIds: [2, 3] });
    // A x1 + B x2: one group (A and one B bought, the other B got)
    expect(shares(computeDiscount(d, [line("a", 1, 1000, 1), line("b", 2, 300, 2)]).perLine)).toEqual({ a: 0, b: 300 });
    // B x2 only: buying both leaves nothing to get
    expect(computeDiscount(d, [line("b", 2, 300, 2)]).amount).toBe(0);
    // B x3: two bought, one got
    expect(computeDiscount(d, [line("b", 2, 300, 3)]).amount).toBe(300);
  });

  it("overlap: the cheap shared units are got only while enough are left to buy", () => {
    // buy 2 of {A,B}, get 2 of {B,C}: B x3 at 1.00, C x1 at 9.00 -> one group: 2 B bought, 1 B + 1 C got
    const d = buyGet({ buyQuantity: 2, getQuantity: 2, applicableProductIds: [1, 2], getProductIds: [2, 3] });
    expect(shares(computeDiscount(d, [line("b", 2, 100, 3), line("c", 3, 900, 1)]).perLine)).toEqual({ b: 100, c: 900 });
  });

  it("without getProductIds nothing changes: the cheapest of the same products", () => {
    const lines = [line("a", 1, 1000, 2), line("b", 2, 500, 1), line("c", 3, 300, 3)];
    expect(computeDiscount(buyGet({}), lines).amount).toBe(600);
    expect(computeDiscount(buyGet({ getProductIds: [] }), lines).amount).toBe(600);
  });
});

// ---- property: the engine equals a brute force over every way to split the units into bought / got / neither ----

/** The most groups any split allows, and for that many the cheapest possible got units (their total). */
function reference(d: DiscountRule, lines: PricingLine[]): bigint {
  const units = lines.flatMap((l) => Array.from({ length: l.quantity }, () => ({ price: l.unitPrice, buy: isApplicable(d, l.productId), get: isGetProduct(d, l.productId) })));
  const X = d.buyQuantity!;
  const Y = d.getQuantity!;
  let bestGroups = 0;
  let bestTotal = 0n;
  const roles = new Array<number>(units.length).fill(0);
  const visit = (i: number): void => {
    if (i === units.length) {
      const bought = roles.filter((r) => r === 1).length;
      const got = units.filter((_, j) => roles[j] === 2).map((u) => u.price).sort((a, b) => a - b);
      let groups = Math.min(X === 0 ? Infinity : Math.floor(bought / X), Math.floor(got.length / Y));
      if (d.maxApplications != null) groups = Math.min(groups, d.maxApplications);
      const total = got.slice(0, groups * Y).reduce((a, p) => a + BigInt(p), 0n);
      if (groups > bestGroups || (groups === bestGroups && total < bestTotal)) [bestGroups, bestTotal] = [groups, total];
      return;
    }
    for (const role of [0, 1, 2]) {
      if ((role === 1 && !units[i]!.buy) || (role === 2 && !units[i]!.get)) continue;
      roles[i] = role;
      visit(i + 1);
    }
    roles[i] = 0;
  };
  visit(0);
  return bestTotal;
}

describe("buy X get Y equals brute force (property)", () => {
  it("on random carts of up to 7 units and random buy / get product sets", () => {
    const products = fc.subarray([1, 2, 3, 4], { minLength: 0 });
    fc.assert(
      fc.property(
        fc.array(fc.record({ product: fc.integer({ min: 1, max: 4 }), price: fc.integer({ min: 1, max: 2000 }), qty: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 3 }),
        products,
        products,
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
        fc.integer({ min: 1, max: 10_000 }),
        (ls, buySet, getSet, X, Y, cap, bps) => {
          const lines = ls.map((l, i) => line(`l${i}`, l.product, l.price, l.qty));
          const d = buyGet({ value: bps, buyQuantity: X, getQuantity: Y, maxApplications: cap, applicableProductIds: buySet, getProductIds: getSet });
          const total = reference(d, lines);
          const { amount, perLine } = computeDiscount(d, lines);
          expect(amount).toBe(Number((2n * total * BigInt(bps) + 10_000n) / 20_000n));
          expect([...perLine.values()].reduce((a, b) => a + b, 0)).toBe(amount);
          // only get-side lines are discounted
          for (const l of lines) if (!isGetProduct(d, l.productId)) expect(perLine.get(l.itemId)).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
