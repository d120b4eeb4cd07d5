import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applicableSubtotal,
  combines,
  computeDiscount,
  discountClass,
  discountStatus,
  isApplicable,
  legacyCombinesWith,
  validateDiscount,
  type DiscountRule,
  type PricingLine,
} from "@/lib/discounts/rules";
import { line, rule } from "@/tests/support/pricing-fixtures";
import { usableCodes } from "@/lib/discounts/repository";

// Expected amounts are worked out by hand in the comments next to them.

const shares = (m: Map<string, number>) => Object.fromEntries(m);

const NOW = new Date("2025-06-15T12:00:00.000Z");
const cart = [line("a", 1, 2500, 1), line("b", 2, 1250, 1)]; // 37.50
const ctx = (o: Partial<Parameters<typeof validateDiscount>[1]> = {}) => ({
  currency: "USD",
  lines: cart,
  now: NOW,
  ...o,
});

describe("validateDiscount", () => {
  it("accepts a plain valid code", () => {
    expect(validateDiscount(rule(), ctx())).toEqual({ ok: true });
  });

  it.each<[string, DiscountRule | null, Partial<Parameters<typeof validateDiscount>[1]>, string]>([
    ["unknown code", null, {}, "unknown"],
    ["inactive", rule({ isActive: false }), {}, "inactive"],
    ["1 ms before validFrom", rule({ validFrom: new Date(NOW.getTime() + 1) }), {}, "not_yet_valid"],
    ["exactly at validUntil (exclusive)", rule({ validUntil: NOW }), {}, "expired"],
    ["after validUntil", rule({ validUntil: new Date("2025-01-01T00:00:00Z") }), {}, "expired"],
    ["uses exhausted", rule({ maxUses: 100, usesCount: 100 }), {}, "usage_limit_reached"],
    ["maxUses 0", rule({ maxUses: 0, usesCount: 0 }), {}, "usage_limit_reached"],
    ["customer used it once of once", rule({ maxUsesPerCustomer: 1 }), { customerUses: 1 }, "customer_limit_reached"],
    ["customer used it 3 of 2", rule({ maxUsesPerCustomer: 2 }), { customerUses: 3 }, "customer_limit_reached"],
    ["fixed amount in EUR on a USD cart", rule({ type: "FIXED_AMOUNT", value: 500, currency: "EUR" }), {}, "currency_mismatch"],
    ["fixed amount without currency", rule({ type: "FIXED_AMOUNT", value: 500, currency: null }), {}, "currency_mismatch"],
    ["min order in EUR on a USD cart", rule({ minOrderAmount: 1000, currency: "EUR" }), {}, "currency_mismatch"],
    ["min order without currency", rule({ minOrderAmount: 1000 }), {}, "currency_mismatch"],
    ["no applicable product", rule({ applicableProductIds: [99] }), {}, "not_applicable"],
    ["empty cart", rule(), { lines: [] }, "not_applicable"],
    ["BXGY with no applicable product", rule({ type: "BUY_X_GET_Y", value: 10_000, buyQuantity: 1, getQuantity: 1, applicableProductIds: [99] }), {}, "not_applicable"],
    ["min order not met", rule({ minOrderAmount: 5000, currency: "USD" }), {}, "min_order_not_met"],
  ])("%s -> %s", (_name, d, c, reason) => {
    const v = validateDiscount(d, ctx(c));
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.reason).toBe(reason);
      expect(v.message.length).toBeGreaterThan(5);
    }
  });

  it.each<[string, DiscountRule, Partial<Parameters<typeof validateDiscount>[1]>]>([
    ["exactly at validFrom", rule({ validFrom: NOW }), {}],
    ["1 ms before validUntil", rule({ validUntil: new Date(NOW.getTime() + 1) }), {}],
    ["inside the window", rule({ validFrom: new Date("2025-06-01T00:00:00Z"), validUntil: new Date("2025-07-01T00:00:00Z") }), {}],
    ["one use left", rule({ maxUses: 100, usesCount: 99 }), {}],
    ["customer below the limit", rule({ maxUsesPerCustomer: 2 }), { customerUses: 1 }],
    ["customer uses unknown (guest)", rule({ maxUsesPerCustomer: 1 }), { customerUses: null }],
    ["customer uses not given", rule({ maxUsesPerCustomer: 1 }), {}],
    ["percentage with an irrelevant currency", rule({ currency: "EUR" }), {}],
    ["fixed amount in the cart's currency", rule({ type: "FIXED_AMOUNT", value: 500, currency: "USD" }), {}],
    ["min order met exactly", rule({ minOrderAmount: 3750, currency: "USD" }), {}],
    ["some products applicable", rule({ applicableProductIds: [2, 7] }), {}],
    ["free shipping", rule({ type: "FREE_SHIPPING", value: 0 }), {}],
    // buy 2 get 1 with only 2 applicable units: no complete group yet, still accepted (amount 0)
    ["BXGY without a complete group", rule({ type: "BUY_X_GET_Y", value: 10_000, buyQuantity: 2, getQuantity: 1 }), {}],
  ])("%s is ok", (_name, d, c) => {
    expect(validateDiscount(d, ctx(c))).toEqual({ ok: true });
  });

  it("says the unknown code is not valid", () => {
    expect(validateDiscount(null, ctx())).toEqual({ ok: false, reason: "unknown", message: "This code is not valid." });
  });

  it("says how much more is needed, formatted in the cart's currency", () => {
    // 50.00 minimum - 37.50 in the cart = 12.50
    expect(validateDiscount(rule({ minOrderAmount: 5000, currency: "USD" }), ctx())).toEqual({
      ok: false,
      reason: "min_order_not_met",
      message: "Add $12.50 more to use this code.",
    });
    // JPY: 5000 - 4500 = 500 yen, no decimals
    const yen = [line("a", 1, 1500, 3)];
    expect(
      validateDiscount(rule({ minOrderAmount: 5000, currency: "JPY" }), ctx({ currency: "JPY", lines: yen })),
    ).toMatchObject({ reason: "min_order_not_met", message: "Add ¥500 more to use this code." });
  });

  it("counts only applicable products towards the minimum", () => {
    // applicable: product 1 = 25.00 of the 37.50; 30.00 minimum -> 5.00 short
    expect(
      validateDiscount(rule({ minOrderAmount: 3000, currency: "USD", applicableProductIds: [1] }), ctx()),
    ).toMatchObject({ reason: "min_order_not_met", message: "Add $5.00 more to use this code." });
  });

  it("names the code's currency on a mismatch", () => {
    const v = validateDiscount(rule({ type: "FIXED_AMOUNT", value: 500, currency: "EUR" }), ctx());
    expect(v).toMatchObject({ reason: "currency_mismatch" });
    if (!v.ok) expect(v.message).toContain("EUR");
  });

  it.each<[string, DiscountRule, Partial<Parameters<typeof validateDiscount>[1]>, string]>([
    ["inactive before expired", rule({ isActive: false, validUntil: NOW }), {}, "inactive"],
    ["not yet valid before exhausted", rule({ validFrom: new Date(NOW.getTime() + 1), maxUses: 1, usesCount: 1 }), {}, "not_yet_valid"],
    ["expired before exhausted", rule({ validUntil: NOW, maxUses: 1, usesCount: 1 }), {}, "expired"],
    ["exhausted before customer limit", rule({ maxUses: 1, usesCount: 1, maxUsesPerCustomer: 1 }), { customerUses: 1 }, "usage_limit_reached"],
    ["customer limit before currency", rule({ maxUsesPerCustomer: 1, type: "FIXED_AMOUNT", value: 1, currency: "EUR" }), { customerUses: 1 }, "customer_limit_reached"],
    ["currency before not applicable", rule({ type: "FIXED_AMOUNT", value: 1, currency: "EUR", applicableProductIds: [99] }), {}, "currency_mismatch"],
    ["not applicable before min order", rule({ applicableProductIds: [99], minOrderAmount: 1, currency: "USD" }), {}, "not_applicable"],
  ])("checks in order: %s", (_name, d, c, reason) => {
    expect(validateDiscount(d, ctx(c))).toMatchObject({ ok: false, reason });
  });
});

describe("combines (each discount must allow the other's class)", () => {
  // the combinations the migration gives existing discounts (legacyCombinesWith): one free shipping plus one other
  const pct = rule({ id: 1, code: "SAVE10", type: "PERCENTAGE" });
  const fixed = rule({ id: 2, code: "TENOFF", type: "FIXED_AMOUNT", value: 1000, currency: "USD" });
  const ship = rule({ id: 3, code: "SHIPFREE", type: "FREE_SHIPPING", value: 0 });
  const ship2 = rule({ id: 4, code: "POSTFREE", type: "FREE_SHIPPING", value: 0 });
  const bxgy = rule({ id: 5, code: "B2G1", type: "BUY_X_GET_Y", value: 10_000, buyQuantity: 2, getQuantity: 1, applicableProductIds: [7] });

  it("derives the class: product when it lists products, shipping for FREE_SHIPPING, else order", () => {
    expect(discountClass(pct)).toBe("order");
    expect(discountClass(fixed)).toBe("order");
    expect(discountClass(ship)).toBe("shipping");
    expect(discountClass(bxgy)).toBe("product");
    expect(discountClass(rule({ applicableProductIds: [3] }))).toBe("product");
  });

  it.each<[string, DiscountRule, DiscountRule, boolean]>([
    ["free shipping and a percentage", ship, pct, true],
    ["free shipping and a product BXGY", ship, bxgy, true],
    ["two order discounts", pct, fixed, false],
    ["a product and an order discount", bxgy, pct, false],
    ["two free-shipping discounts", ship, ship2, false],
    ["a discount with itself", pct, pct, false],
  ])("legacy combinations: %s -> %s", (_name, a, b, ok) => {
    expect(combines(a, b)).toBe(ok);
    expect(combines(b, a)).toBe(ok);
  });

  it("needs both sides: a one-sided allowance is not enough", () => {
    const greedy = rule({ id: 10, combinesWith: { productDiscounts: true, orderDiscounts: true, shippingDiscounts: true } });
    const loner = rule({ id: 11, combinesWith: { productDiscounts: false, orderDiscounts: false, shippingDiscounts: false } });
    expect(combines(greedy, loner)).toBe(false);
    expect(combines(loner, greedy)).toBe(false);
    const other = rule({ id: 12, combinesWith: { productDiscounts: false, orderDiscounts: true, shippingDiscounts: false } });
    expect(combines(greedy, other)).toBe(true);
  });

  it("legacyCombinesWith is today's rule", () => {
    expect(legacyCombinesWith("FREE_SHIPPING")).toEqual({ productDiscounts: true, orderDiscounts: true, shippingDiscounts: false });
    expect(legacyCombinesWith("PERCENTAGE")).toEqual({ productDiscounts: false, orderDiscounts: false, shippingDiscounts: true });
  });
});

describe("isApplicable and applicableSubtotal", () => {
  it("empty product list means all products", () => {
    expect(isApplicable(rule(), 12345)).toBe(true);
    expect(isApplicable(rule({ applicableProductIds: [1, 3] }), 3)).toBe(true);
    expect(isApplicable(rule({ applicableProductIds: [1, 3] }), 2)).toBe(false);
  });

  it("sums the applicable lines only", () => {
    const lines = [line("a", 1, 1999, 2), line("b", 2, 500, 3), line("c", 3, 1, 1)];
    expect(applicableSubtotal(rule(), lines)).toBe(3998 + 1500 + 1);
    expect(applicableSubtotal(rule({ applicableProductIds: [2, 3] }), lines)).toBe(1501);
    expect(applicableSubtotal(rule({ applicableProductIds: [9] }), lines)).toBe(0);
  });

  it("refuses bad lines", () => {
    expect(() => applicableSubtotal(rule(), [line("a", 1, 19.99, 1)])).toThrow(RangeError);
    expect(() => applicableSubtotal(rule(), [line("a", 1, 100, -1)])).toThrow(RangeError);
    expect(() => applicableSubtotal(rule(), [line("a", 1, -100, 1)])).toThrow(RangeError);
  });
});

describe("computeDiscount", () => {
  it.each<[string, DiscountRule, PricingLine[], number, Record<string, number>]>([
    // 15% of 3.33 = 0.4995 -> 49.95 cents -> 50
    ["15% of 333 rounds half-up once", rule({ value: 1500 }), [line("a", 1, 333, 1)], 50, { a: 50 }],
    // 15% of ¥333 = 49.95 -> ¥50 (the same integers: JPY amounts are already in yen)
    ["JPY 15%", rule({ value: 1500 }), [line("a", 1, 333, 1)], 50, { a: 50 }],
    // 12.5% of 19.99 = 2.49875 -> 2.50
    ["12.5%", rule({ value: 1250 }), [line("a", 1, 1999, 1)], 250, { a: 250 }],
    // three lines of 5 cents at 10%: once 15 * 10% = 1.5 -> 2 (per line it would be 3 x 1 = 3); ties -> earlier lines
    ["computed once, not per line", rule({ value: 1000 }), [line("a", 1, 5, 1), line("b", 2, 5, 1), line("c", 3, 5, 1)], 2, { a: 1, b: 1, c: 0 }],
    // 10% of 29.98 = 2.998 -> 3.00; 300 over 1999:999 -> 200.03 / 99.97 -> floors 200, 99, the cent to b
    ["allocated by largest remainder", rule({ value: 1000 }), [line("a", 1, 1999, 1), line("b", 2, 999, 1)], 300, { a: 200, b: 100 }],
    // only product 1 (2 x 10.00) is applicable: 25% of 20.00 = 5.00, all on a
    ["only applicable lines", rule({ value: 2500, applicableProductIds: [1] }), [line("a", 1, 1000, 2), line("b", 2, 500, 1)], 500, { a: 500, b: 0 }],
    ["100% takes every line whole", rule({ value: 10_000 }), [line("a", 1, 1999, 3), line("b", 2, 1, 1)], 5998, { a: 5997, b: 1 }],
    // fixed 10.00 over 10.00 : 20.00 -> 333.33 / 666.67 -> floors 333, 666; remainders 1000 vs 2000 -> b
    ["fixed amount allocated", rule({ type: "FIXED_AMOUNT", value: 1000, currency: "USD" }), [line("a", 1, 1000, 1), line("b", 2, 2000, 1)], 1000, { a: 333, b: 667 }],
    ["fixed amount larger than the subtotal", rule({ type: "FIXED_AMOUNT", value: 5000, currency: "USD" }), [line("a", 1, 1000, 1), line("b", 2, 2000, 1)], 3000, { a: 1000, b: 2000 }],
    ["fixed amount on applicable lines only", rule({ type: "FIXED_AMOUNT", value: 5000, currency: "USD", applicableProductIds: [2] }), [line("a", 1, 1000, 1), line("b", 2, 2000, 1)], 2000, { a: 0, b: 2000 }],
    ["free shipping takes nothing off lines", rule({ type: "FREE_SHIPPING", value: 0 }), [line("a", 1, 1000, 1)], 0, { a: 0 }],
    ["nothing applicable", rule({ value: 5000, applicableProductIds: [7] }), [line("a", 1, 1000, 1)], 0, { a: 0 }],
    ["empty cart", rule({ value: 5000 }), [], 0, {}],
  ])("%s", (_name, d, lines, amount, perLine) => {
    const r = computeDiscount(d, lines);
    expect(r.amount).toBe(amount);
    expect(shares(r.perLine)).toEqual(perLine);
  });

  const bxgy = (o: Partial<DiscountRule>) => rule({ type: "BUY_X_GET_Y", value: 10_000, ...o });
  it.each<[string, DiscountRule, PricingLine[], number, Record<string, number>]>([
    // buy 2 get 1 free; 6 units -> 2 groups -> the 2 cheapest units (c: 3.00, 3.00) are free
    ["buy 2 get 1 free, mixed prices, two groups", bxgy({ buyQuantity: 2, getQuantity: 1 }), [line("a", 1, 1000, 2), line("b", 2, 500, 1), line("c", 3, 300, 3)], 600, { a: 0, b: 0, c: 600 }],
    // buy 1 get 1 half off; 6 units -> 3 groups -> cheapest 3: c 2.50, b 7.00, b 7.00 = 16.50 -> 8.25;
    // split 1400 : 250 -> 700 / 125 exactly
    ["buy 1 get 1 at 50%, three groups across lines", bxgy({ value: 5000, buyQuantity: 1, getQuantity: 1 }), [line("a", 1, 1000, 3), line("b", 2, 700, 2), line("c", 3, 250, 1)], 825, { a: 0, b: 700, c: 125 }],
    // 10 units, buy 1 get 1 -> 5 groups, capped at 2 -> 2 free units of 5.00
    ["maxApplications caps the groups", bxgy({ buyQuantity: 1, getQuantity: 1, maxApplications: 2 }), [line("a", 1, 500, 10)], 1000, { a: 1000 }],
    ["maxApplications 0", bxgy({ buyQuantity: 1, getQuantity: 1, maxApplications: 0 }), [line("a", 1, 500, 10)], 0, { a: 0 }],
    ["no complete group yet", bxgy({ buyQuantity: 2, getQuantity: 1 }), [line("a", 1, 500, 2)], 0, { a: 0 }],
    // equal prices: the earlier line's unit is the discounted one; 33.33% of 9.99 = 3.329667 -> 3.33
    ["ties go to the earlier line", bxgy({ value: 3333, buyQuantity: 1, getQuantity: 1 }), [line("a", 1, 999, 1), line("b", 2, 999, 1)], 333, { a: 333, b: 0 }],
    // buy 2 get 2 at 50%: cheapest two units a 3.33 + b 3.33 = 6.66 -> 3.33, split 166.5 / 166.5 -> the cent to a
    ["rounded once, split by largest remainder", bxgy({ value: 5000, buyQuantity: 2, getQuantity: 2 }), [line("a", 1, 333, 1), line("b", 2, 333, 1), line("c", 3, 1000, 2)], 333, { a: 167, b: 166, c: 0 }],
    // every unit discounted (buy 0 get 4): 3.33 + 3 x 1.11 = 6.66 -> 50% = 3.33, split 333 : 333 -> 166.5 each;
    // the tie goes to the earlier line in the CART (a), not to the cheaper units (b)
    ["split ties follow cart order", bxgy({ value: 5000, buyQuantity: 0, getQuantity: 4 }), [line("a", 1, 333, 1), line("b", 2, 111, 3)], 333, { a: 167, b: 166 }],
    // only product 2 counts: 3 units of 8.00 -> 1 group -> one 8.00 unit free (a's cheap units do not count)
    ["applicable products only", bxgy({ buyQuantity: 2, getQuantity: 1, applicableProductIds: [2] }), [line("a", 1, 100, 5), line("b", 2, 800, 3)], 800, { a: 0, b: 800 }],
    // Y = 2 per group, groups = floor(7 / 3) = 2 -> 4 cheapest units: 2 x 1.00 (b) + 2 x 2.00 (a) = 6.00
    ["several Y units per group across lines", bxgy({ buyQuantity: 1, getQuantity: 2 }), [line("a", 1, 200, 4), line("b", 2, 100, 2), line("c", 3, 900, 1)], 600, { a: 400, b: 200, c: 0 }],
    ["JPY, 30% off the free unit", bxgy({ value: 3000, buyQuantity: 1, getQuantity: 1 }), [line("a", 1, 1999, 1), line("b", 2, 1555, 1)], 467, { a: 0, b: 467 }], // 466.5 -> 467
  ])("%s", (_name, d, lines, amount, perLine) => {
    const r = computeDiscount(d, lines);
    expect(r.amount).toBe(amount);
    expect(shares(r.perLine)).toEqual(perLine);
  });

  it("refuses duplicate line ids", () => {
    expect(() => computeDiscount(rule(), [line("a", 1, 100, 1), line("a", 2, 100, 1)])).toThrow(RangeError);
  });

  it("never takes more than 100% or less than 0, even from a bad row", () => {
    expect(computeDiscount(rule({ value: 20_000 }), [line("a", 1, 999, 1)]).amount).toBe(999);
    expect(computeDiscount(rule({ value: -500 }), [line("a", 1, 999, 1)]).amount).toBe(0);
    expect(computeDiscount(rule({ type: "FIXED_AMOUNT", value: -500, currency: "USD" }), [line("a", 1, 999, 1)]).amount).toBe(0);
    expect(computeDiscount(bxgy({ buyQuantity: null, getQuantity: null }), [line("a", 1, 999, 9)]).amount).toBe(0);
  });
});

describe("computeDiscount properties", () => {
  const lineArb = fc.record({
    productId: fc.integer({ min: 1, max: 5 }),
    unitPrice: fc.integer({ min: 0, max: 500_000 }),
    quantity: fc.integer({ min: 1, max: 99 }),
  });
  const linesArb = fc
    .array(lineArb, { maxLength: 8 })
    .map((ls) => ls.map((l, i) => ({ ...l, itemId: `item-${i}`, variantId: i + 1 })));
  const ruleArb = fc.record({
    type: fc.constantFrom<DiscountRule["type"]>("PERCENTAGE", "FIXED_AMOUNT", "BUY_X_GET_Y", "FREE_SHIPPING"),
    bps: fc.integer({ min: 1, max: 10_000 }),
    fixed: fc.integer({ min: 1, max: 5_000_000 }),
    applicableProductIds: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { maxLength: 3 }),
    buyQuantity: fc.integer({ min: 0, max: 4 }),
    getQuantity: fc.integer({ min: 1, max: 3 }),
    maxApplications: fc.option(fc.integer({ min: 0, max: 5 })),
  }).map((r) =>
    rule({
      type: r.type,
      value: r.type === "FIXED_AMOUNT" ? r.fixed : r.type === "FREE_SHIPPING" ? 0 : r.bps,
      currency: "USD",
      applicableProductIds: r.applicableProductIds,
      buyQuantity: r.buyQuantity,
      getQuantity: r.getQuantity,
      maxApplications: r.maxApplications,
    }),
  );

  it("shares sum to the amount, lie within each line, and only touch applicable lines", () => {
    fc.assert(
      fc.property(ruleArb, linesArb, (d, lines) => {
        const { amount, perLine } = computeDiscount(d, lines);
        let total = 0;
        for (const l of lines) {
          const share = perLine.get(l.itemId);
          expect(share).toBeDefined();
          expect(share).toBeGreaterThanOrEqual(0);
          expect(share).toBeLessThanOrEqual(l.unitPrice * l.quantity);
          if (!isApplicable(d, l.productId)) expect(share).toBe(0);
          total += share ?? 0;
        }
        expect(total).toBe(amount);
        expect(amount).toBeLessThanOrEqual(applicableSubtotal(d, lines));
      }),
    );
  });

  it("PERCENTAGE is the applicable subtotal times bps, rounded half-up once", () => {
    fc.assert(
      fc.property(ruleArb, linesArb, (r, lines) => {
        const d = { ...r, type: "PERCENTAGE" as const, value: r.value % 10_000 || 1 };
        let sub = 0n;
        for (const l of lines) if (isApplicable(d, l.productId)) sub += BigInt(l.unitPrice) * BigInt(l.quantity);
        // half-up for non-negatives: floor((2 * x + d) / (2 * d)) with d = 10000
        const expected = (2n * sub * BigInt(d.value) + 10_000n) / 20_000n;
        expect(computeDiscount(d, lines).amount).toBe(Number(expected));
      }),
    );
  });

  it("BUY_X_GET_Y matches a unit-by-unit reference", () => {
    fc.assert(
      fc.property(ruleArb, linesArb, (r, lines) => {
        const d = { ...r, type: "BUY_X_GET_Y" as const, value: r.value % 10_000 || 10_000 };
        // expand every applicable unit, stable-sort by price, take groups * Y of them
        const units = lines.flatMap((l, i) =>
          isApplicable(d, l.productId) ? Array.from({ length: l.quantity }, () => ({ i, price: l.unitPrice })) : [],
        );
        units.sort((a, b) => a.price - b.price || a.i - b.i);
        const x = d.buyQuantity ?? 0;
        const y = d.getQuantity ?? 0;
        let groups = Math.floor(units.length / (x + y));
        if (d.maxApplications != null) groups = Math.min(groups, d.maxApplications);
        const free = units.slice(0, groups * y);
        const freeTotal = free.reduce((a, u) => a + BigInt(u.price), 0n);
        const expected = (2n * freeTotal * BigInt(d.value) + 10_000n) / 20_000n;
        const { amount, perLine } = computeDiscount(d, lines);
        expect(amount).toBe(Number(expected));
        // a line's share never exceeds the value of its discounted units
        lines.forEach((l, i) => {
          const discountedValue = free.filter((u) => u.i === i).reduce((a, u) => a + u.price, 0);
          expect(perLine.get(l.itemId) ?? 0).toBeLessThanOrEqual(discountedValue);
        });
      }),
    );
  });
});

describe("discountStatus", () => {
  it.each<[string, DiscountRule, string]>([
    ["plain", rule(), "active"],
    ["inside the window", rule({ validFrom: new Date("2025-01-01T00:00:00Z"), validUntil: new Date("2026-01-01T00:00:00Z") }), "active"],
    ["starts later", rule({ validFrom: new Date(NOW.getTime() + 1) }), "scheduled"],
    ["starts now", rule({ validFrom: NOW }), "active"],
    ["ends now", rule({ validUntil: NOW }), "expired"],
    ["used up", rule({ maxUses: 5, usesCount: 5 }), "exhausted"],
    ["turned off", rule({ isActive: false }), "inactive"],
    ["turned off and expired", rule({ isActive: false, validUntil: NOW }), "inactive"],
    ["expired and used up", rule({ validUntil: NOW, maxUses: 1, usesCount: 1 }), "expired"],
    ["used up before it starts", rule({ validFrom: new Date(NOW.getTime() + 1), maxUses: 0 }), "exhausted"],
  ])("%s -> %s", (_name, d, status) => {
    expect(discountStatus(d, NOW)).toBe(status);
  });
});

describe("the failure reasons, in one place", () => {
  it("every reason has its message; validateDiscount and redemptions use those words; the cart and OpenAPI list the rules' own reasons", async () => {
    const { DISCOUNT_FAILURE_MESSAGES, DISCOUNT_FAILURE_REASONS, discountInvalid } = await import("@/lib/discounts/rules");
    const view = await import("@/lib/cart/view");
    const { asFailureReason } = await import("@/lib/discounts/redeem");
    expect(Object.keys(DISCOUNT_FAILURE_MESSAGES).sort()).toEqual([...DISCOUNT_FAILURE_REASONS].sort());
    expect(view.DISCOUNT_FAILURE_REASONS).toBe(DISCOUNT_FAILURE_REASONS);
    const failed = (d: DiscountRule | null) => {
      const v = validateDiscount(d, ctx());
      return v.ok ? null : [v.reason, v.message];
    };
    expect(failed(null)).toEqual(["unknown", DISCOUNT_FAILURE_MESSAGES.unknown]);
    expect(failed(rule({ isActive: false }))).toEqual(["inactive", DISCOUNT_FAILURE_MESSAGES.inactive]);
    expect(failed(rule({ validUntil: NOW }))).toEqual(["expired", DISCOUNT_FAILURE_MESSAGES.expired]);
    expect(failed(rule({ maxUses: 1, usesCount: 1 }))).toEqual(["usage_limit_reached", DISCOUNT_FAILURE_MESSAGES.usage_limit_reached]);
    // what the reserve statement answers is one of the reasons, and its 422 carries the reason's words
    expect(asFailureReason("budget_exhausted")).toBe("budget_exhausted");
    expect(() => asFailureReason("min_order_not_met")).toThrow();
    const e = discountInvalid(asFailureReason("customer_limit_reached"), undefined, { code: "SAVE5" });
    expect([e.code, e.httpStatus, e.message, e.details]).toEqual([
      "discount_invalid",
      422,
      DISCOUNT_FAILURE_MESSAGES.customer_limit_reached,
      { reason: "customer_limit_reached", code: "SAVE5" },
    ]);
  });
});

describe("usableCodes", () => {
  it("keeps a cart's codes in its order and leaves out a single-use code another order holds", () => {
    const a = rule({ id: 1, code: "A" });
    const b = rule({ id: 2, code: "B" });
    const c = rule({ id: 3, code: "C" });
    const refs = [{ discountId: 3 }, { discountId: 2, codeId: 20 }, { discountId: 1, codeId: 10 }];
    expect(usableCodes(refs, { codes: [c, b, a], usedCodes: new Set() }).map((r) => r.id)).toEqual([3, 2, 1]);
    // code 20 (of discount 2) is held by another order; code 99 is not one of this cart's
    expect(usableCodes(refs, { codes: [c, b, a], usedCodes: new Set([20, 99]) }).map((r) => r.id)).toEqual([3, 1]);
  });
});
