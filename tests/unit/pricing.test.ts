import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "@/lib/errors";
import {
  findTaxRate,
  priceCart,
  shippingZone,
  type DiscountRule,
  type PricingLine,
  type RateTables,
  type ShippingAddress,
} from "@/lib/pricing";
import { line, rule } from "@/tests/support/pricing-fixtures";

// Every expected number below is worked out by hand in the comment beside it.

const rates: RateTables = {
  zoneOf: { US: "DOMESTIC", CA: "NEIGHBOURING", MX: "NEIGHBOURING" },
  shippingRates: [
    { zone: "DOMESTIC", currency: "USD", amount: 500, freeOver: 5000 },
    { zone: "NEIGHBOURING", currency: "USD", amount: 1500, freeOver: null },
    { zone: "INTERNATIONAL", currency: "USD", amount: 2500, freeOver: 10_000 },
    { zone: "INTERNATIONAL", currency: "EUR", amount: 900, freeOver: null },
    { zone: "INTERNATIONAL", currency: "JPY", amount: 1500, freeOver: 10_000 },
  ],
  taxRates: [
    { country: "US", region: "CA", ratePpm: 72_500, taxesShipping: false }, // 7.25%
    { country: "US", region: "NY", ratePpm: 88_750, taxesShipping: true }, // 8.875%
    { country: "CA", region: "", ratePpm: 50_000, taxesShipping: true }, // 5% GST
    { country: "CA", region: "QC", ratePpm: 149_750, taxesShipping: true }, // 14.975%
    { country: "JP", region: "", ratePpm: 100_000, taxesShipping: true }, // 10%
    { country: "DE", region: "", ratePpm: 190_000, taxesShipping: true }, // 19%
  ],
};

const addr = (country: string, region: string | null = null): ShippingAddress => ({
  country,
  region,
  postalCode: "00000",
});
const SAVE10 = rule();
const SHIPFREE = rule({ id: 3, code: "SHIPFREE", type: "FREE_SHIPPING", value: 0 });

const price = (o: { currency?: string; lines: PricingLine[]; discounts?: DiscountRule[]; address?: ShippingAddress | null }) =>
  priceCart({ currency: o.currency ?? "USD", lines: o.lines, discounts: o.discounts ?? [], address: o.address ?? null, rates });

describe("priceCart without an address", () => {
  it("leaves shipping and tax null and totals subtotal - discount", () => {
    const { summary, appliedDiscounts } = price({ lines: [line("a", 1, 1999, 2), line("b", 2, 500, 1)] });
    expect(summary).toEqual({
      currency: "USD",
      subtotal: 4498,
      discount: 0,
      shipping: null,
      shippingTax: null,
      tax: null,
      total: 4498,
      lines: [
        { itemId: "a", subtotal: 3998, discount: 0, tax: null, total: 3998 },
        { itemId: "b", subtotal: 500, discount: 0, tax: null, total: 500 },
      ],
    });
    expect(appliedDiscounts).toEqual([]);
  });

  it("applies a percentage once and allocates it", () => {
    // 10% of 44.98 = 4.498 -> 4.50; 450 over 3998:500 -> 399.97 / 50.02 -> floors 399, 50; the cent to a
    const { summary, appliedDiscounts } = price({
      lines: [line("a", 1, 1999, 2), line("b", 2, 500, 1)],
      discounts: [SAVE10],
    });
    expect(summary).toMatchObject({ subtotal: 4498, discount: 450, shipping: null, tax: null, total: 4048 });
    expect(summary.lines).toEqual([
      { itemId: "a", subtotal: 3998, discount: 400, tax: null, total: 3598 },
      { itemId: "b", subtotal: 500, discount: 50, tax: null, total: 450 },
    ]);
    expect(appliedDiscounts).toEqual([{ discountId: 1, code: "SAVE10", type: "PERCENTAGE", amount: 450 }]);
  });

  it("prices an empty cart at zero", () => {
    expect(price({ lines: [] }).summary).toEqual({
      currency: "USD",
      subtotal: 0,
      discount: 0,
      shipping: null,
      shippingTax: null,
      tax: null,
      total: 0,
      lines: [],
    });
  });
});

describe("priceCart with an address", () => {
  it("US / California: discount, per-line tax, untaxed shipping", () => {
    // discount 450 (a 400, b 50) as above; nets 3598 and 450
    // tax 7.25%: 3598 -> 260.855 -> 261; 450 -> 32.625 -> 33; shipping 5.00 (40.48 < 50.00), not taxed
    // total 4498 - 450 + 500 + 294 = 4842
    const { summary } = price({
      lines: [line("a", 1, 1999, 2), line("b", 2, 500, 1)],
      discounts: [SAVE10],
      address: addr("US", "CA"),
    });
    expect(summary).toEqual({
      currency: "USD",
      subtotal: 4498,
      discount: 450,
      shipping: 500,
      shippingTax: 0,
      tax: 294,
      total: 4842,
      lines: [
        { itemId: "a", subtotal: 3998, discount: 400, tax: 261, total: 3859 },
        { itemId: "b", subtotal: 500, discount: 50, tax: 33, total: 483 },
      ],
    });
  });

  it.each<[string, PricingLine[], DiscountRule[], number, number, number]>([
    // [name, lines, discounts, shipping, tax, total]
    ["exactly at the free-over threshold ships free", [line("a", 1, 2500, 2)], [], 0, 363, 5363], // 362.5 -> 363
    ["one cent below pays shipping", [line("a", 1, 4999, 1)], [], 500, 362, 5861], // 362.4275 -> 362
    // 60.00 - 15.00 = 45.00 < 50.00: the threshold looks at the discounted subtotal; tax 326.25 -> 326
    ["the threshold uses the discounted subtotal", [line("a", 1, 3000, 2)], [rule({ type: "FIXED_AMOUNT", value: 1500, currency: "USD" })], 500, 326, 5326],
    // fixed 100.00 on a 19.99 cart takes 19.99; nothing left to tax; shipping still due
    ["fixed amount larger than the subtotal", [line("a", 1, 1999, 1)], [rule({ type: "FIXED_AMOUNT", value: 10_000, currency: "USD" })], 500, 0, 500],
  ])("%s", (_name, lines, discounts, shipping, tax, total) => {
    const { summary } = price({ lines, discounts, address: addr("US", "CA") });
    expect(summary.shipping).toBe(shipping);
    expect(summary.tax).toBe(tax);
    expect(summary.total).toBe(total);
  });

  it.each<[string, ShippingAddress, number, number, number, number]>([
    // a single 100.00 line; [name, address, shipping, shippingTax, tax, total]
    // QC 14.975%: line 1497.5 -> 1498; shipping 15.00 -> 224.625 -> 225; tax 1723
    ["Canada / Quebec: region row, shipping taxed", addr("CA", "QC"), 1500, 225, 1723, 13_223],
    // ON has no row: the country row, 5%: 500 + 75
    ["Canada / Ontario: falls back to the country row", addr("CA", "ON"), 1500, 75, 575, 12_075],
    ["Canada without a region: the country row", addr("CA"), 1500, 75, 575, 12_075],
    ["lower-case codes are the same", addr("ca", "qc"), 1500, 225, 1723, 13_223],
    // 100.00 >= 50.00 ships free in the US; TX has no row and there is no US-wide row: no tax
    ["US / Texas: no rate, no tax", addr("US", "TX"), 0, 0, 0, 10_000],
    // FR is in no zone: INTERNATIONAL USD 25.00, free over 100.00 (reached); no tax row for FR
    ["an unlisted country is INTERNATIONAL", addr("FR"), 0, 0, 0, 10_000],
  ])("%s", (_name, address, shipping, shippingTax, tax, total) => {
    const { summary } = price({ lines: [line("a", 1, 10_000, 1)], address });
    expect(summary).toMatchObject({ subtotal: 10_000, discount: 0, shipping, shippingTax, tax, total });
  });

  it("US / New York taxes shipping: each rounded half-up on its own", () => {
    // line 10.00 at 8.875% = 88.75 -> 89; shipping 5.00 at 8.875% = 44.375 -> 44
    const { summary } = price({ lines: [line("a", 1, 1000, 1)], address: addr("US", "NY") });
    expect(summary).toMatchObject({ shipping: 500, shippingTax: 44, tax: 133, total: 1633 });
    expect(summary.lines[0]).toEqual({ itemId: "a", subtotal: 1000, discount: 0, tax: 89, total: 1089 });
  });

  it("JPY: zero-decimal amounts", () => {
    // subtotal 1999 + 999 = 2998 yen; 15% = 449.7 -> 450; over 1999:999 -> 300.05 / 149.95 -> 300, 149 + 1 = 150
    // tax 10%: 1699 -> 169.9 -> 170; 849 -> 84.9 -> 85; shipping 1500 (2548 < 10000), taxed 150
    const { summary } = price({
      currency: "JPY",
      lines: [line("a", 1, 1999, 1), line("b", 2, 333, 3)],
      discounts: [rule({ value: 1500 })],
      address: addr("JP"),
    });
    expect(summary).toEqual({
      currency: "JPY",
      subtotal: 2998,
      discount: 450,
      shipping: 1500,
      shippingTax: 150,
      tax: 405,
      total: 4453,
      lines: [
        { itemId: "a", subtotal: 1999, discount: 300, tax: 170, total: 1869 },
        { itemId: "b", subtotal: 999, discount: 150, tax: 85, total: 934 },
      ],
    });
  });

  it("EUR: fixed amount in euros, German VAT on lines and shipping", () => {
    // 19.99 - 5.00 = 14.99; 19% = 2.8481 -> 2.85; shipping 9.00 taxed 1.71
    const { summary, appliedDiscounts } = price({
      currency: "EUR",
      lines: [line("a", 1, 1999, 1)],
      discounts: [rule({ id: 7, code: "FIVE", type: "FIXED_AMOUNT", value: 500, currency: "EUR" })],
      address: addr("DE"),
    });
    expect(summary).toMatchObject({ subtotal: 1999, discount: 500, shipping: 900, shippingTax: 171, tax: 456, total: 2855 });
    expect(appliedDiscounts).toEqual([{ discountId: 7, code: "FIVE", type: "FIXED_AMOUNT", amount: 500 }]);
  });

  it("BUY_X_GET_Y: the cheapest unit is free, tax on what is left", () => {
    // buy 2 get 1 free over 3 units: b (5.00) free; a nets 20.00, tax 8.875% = 177.5 -> 178;
    // 20.00 < 50.00 -> shipping 5.00, taxed 44.375 -> 44
    const { summary, appliedDiscounts } = price({
      lines: [line("a", 1, 1000, 2), line("b", 2, 500, 1)],
      discounts: [rule({ id: 5, code: "B2G1", type: "BUY_X_GET_Y", value: 10_000, buyQuantity: 2, getQuantity: 1 })],
      address: addr("US", "NY"),
    });
    expect(summary).toEqual({
      currency: "USD",
      subtotal: 2500,
      discount: 500,
      shipping: 500,
      shippingTax: 44,
      tax: 222,
      total: 2722,
      lines: [
        { itemId: "a", subtotal: 2000, discount: 0, tax: 178, total: 2178 },
        { itemId: "b", subtotal: 500, discount: 500, tax: 0, total: 0 },
      ],
    });
    expect(appliedDiscounts).toEqual([{ discountId: 5, code: "B2G1", type: "BUY_X_GET_Y", amount: 500 }]);
  });

  it("refuses a destination without a rate in the cart's currency", () => {
    try {
      price({ currency: "JPY", lines: [line("a", 1, 1000, 1)], address: addr("CA") });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      const err = e as DomainError;
      expect(err.code).toBe("validation_failed");
      expect(err.message).toBe("We don't ship to Canada in JPY yet.");
      expect(err.details).toEqual({ fieldErrors: { "shippingAddress.country": ["We don't ship to Canada in JPY yet."] } });
    }
  });
});

describe("FREE_SHIPPING", () => {
  it("waives the shipping; its amount is what it waived, not part of the discount", () => {
    // 10.00 in California: shipping 5.00 waived; tax 72.5 -> 73
    const { summary, appliedDiscounts } = price({ lines: [line("a", 1, 1000, 1)], discounts: [SHIPFREE], address: addr("US", "CA") });
    expect(summary).toMatchObject({ subtotal: 1000, discount: 0, shipping: 0, shippingTax: 0, tax: 73, total: 1073 });
    expect(appliedDiscounts).toEqual([{ discountId: 3, code: "SHIPFREE", type: "FREE_SHIPPING", amount: 500 }]);
  });

  it("waives nothing without an address", () => {
    const { summary, appliedDiscounts } = price({ lines: [line("a", 1, 1000, 1)], discounts: [SHIPFREE] });
    expect(summary).toMatchObject({ discount: 0, shipping: null, tax: null, total: 1000 });
    expect(appliedDiscounts).toEqual([{ discountId: 3, code: "SHIPFREE", type: "FREE_SHIPPING", amount: 0 }]);
  });

  it("waives nothing when the threshold already made shipping free", () => {
    // 60.00 >= 50.00; tax 435
    const { summary, appliedDiscounts } = price({ lines: [line("a", 1, 6000, 1)], discounts: [SHIPFREE], address: addr("US", "CA") });
    expect(summary).toMatchObject({ shipping: 0, total: 6435 });
    expect(appliedDiscounts[0]?.amount).toBe(0);
  });

  it("waives taxed shipping and its tax (Quebec)", () => {
    // 100.00: shipping 15.00 waived, so no shipping tax; line tax 1498
    const { summary, appliedDiscounts } = price({ lines: [line("a", 1, 10_000, 1)], discounts: [SHIPFREE], address: addr("CA", "QC") });
    expect(summary).toMatchObject({ shipping: 0, shippingTax: 0, tax: 1498, total: 11_498 });
    expect(appliedDiscounts[0]?.amount).toBe(1500);
  });

  it("stacks with one order discount, keeping the caller's order of codes", () => {
    // 10.00 in New York, 10% -> 1.00 off; 9.00 taxed 8.875% = 79.875 -> 80; shipping waived
    const { summary, appliedDiscounts } = price({
      lines: [line("a", 1, 1000, 1)],
      discounts: [SHIPFREE, SAVE10],
      address: addr("US", "NY"),
    });
    expect(summary).toMatchObject({ subtotal: 1000, discount: 100, shipping: 0, shippingTax: 0, tax: 80, total: 980 });
    expect(appliedDiscounts).toEqual([
      { discountId: 3, code: "SHIPFREE", type: "FREE_SHIPPING", amount: 500 },
      { discountId: 1, code: "SAVE10", type: "PERCENTAGE", amount: 100 },
    ]);
  });
});

describe("priceCart guards", () => {
  it("never lets discounts exceed a line, even if codes were stacked against the policy", () => {
    // 60% twice on 10.00: the first takes 6.00, the second only the 4.00 left
    const { summary, appliedDiscounts } = price({
      lines: [line("a", 1, 1000, 1)],
      discounts: [rule({ id: 1, code: "A", value: 6000 }), rule({ id: 2, code: "B", value: 6000 })],
    });
    expect(summary).toMatchObject({ subtotal: 1000, discount: 1000, total: 0 });
    expect(appliedDiscounts.map((d) => d.amount)).toEqual([600, 400]);
  });

  it("caps per line across codes", () => {
    // A: 60% of product 1 only -> a 600; B: fixed 20.00 over both -> a 1000, b 1000, but a has only 400 left
    const { summary, appliedDiscounts } = price({
      lines: [line("a", 1, 1000, 1), line("b", 2, 1000, 1)],
      discounts: [
        rule({ id: 1, code: "A", value: 6000, applicableProductIds: [1] }),
        rule({ id: 2, code: "B", type: "FIXED_AMOUNT", value: 2000, currency: "USD" }),
      ],
    });
    expect(summary.discount).toBe(2000);
    expect(summary.lines.map((l) => l.discount)).toEqual([1000, 1000]);
    expect(appliedDiscounts.map((d) => d.amount)).toEqual([600, 1400]);
  });

  it("refuses a fixed amount in another currency", () => {
    expect(() =>
      price({ lines: [line("a", 1, 1000, 1)], discounts: [rule({ type: "FIXED_AMOUNT", value: 500, currency: "EUR" })] }),
    ).toThrowError(expect.objectContaining({ code: "currency_mismatch" }));
  });

  it("refuses duplicate lines, fractional prices and unknown currencies", () => {
    expect(() => price({ lines: [line("a", 1, 100, 1), line("a", 2, 100, 1)] })).toThrow(RangeError);
    expect(() => price({ lines: [line("a", 1, 19.99, 1)] })).toThrow(RangeError);
    expect(() => price({ currency: "usd", lines: [] })).toThrow(DomainError);
  });

  it("totals beyond 2^53 are refused rather than rounded", () => {
    expect(() => price({ lines: [line("a", 1, 2 ** 52, 1), line("b", 2, 2 ** 52, 1)] })).toThrow(RangeError);
  });
});

describe("zones and tax rows", () => {
  it("maps countries to zones, unlisted ones to INTERNATIONAL", () => {
    expect(shippingZone("US", rates)).toBe("DOMESTIC");
    expect(shippingZone("mx", rates)).toBe("NEIGHBOURING");
    expect(shippingZone("NZ", rates)).toBe("INTERNATIONAL");
  });

  it("prefers the region row, then the country row", () => {
    expect(findTaxRate(addr("CA", "QC"), rates)?.ratePpm).toBe(149_750);
    expect(findTaxRate(addr("CA", "BC"), rates)?.ratePpm).toBe(50_000);
    expect(findTaxRate(addr("US", "TX"), rates)).toBeNull();
    expect(findTaxRate(addr("NZ"), rates)).toBeNull();
  });
});

describe("priceCart properties (random carts)", () => {
  const currencies = ["USD", "EUR", "JPY"] as const;
  const zones = ["DOMESTIC", "NEIGHBOURING", "INTERNATIONAL"];
  const ratesArb: fc.Arbitrary<RateTables> = fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 9, maxLength: 9 }),
      fc.array(fc.option(fc.integer({ min: 0, max: 50_000 })), { minLength: 9, maxLength: 9 }),
      fc.array(fc.integer({ min: 0, max: 300_000 }), { minLength: 4, maxLength: 4 }),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    )
    .map(([amounts, freeOvers, ppms, taxesShipping]) => ({
      zoneOf: { US: "DOMESTIC", CA: "NEIGHBOURING" },
      shippingRates: zones.flatMap((zone, z) =>
        currencies.map((currency, c) => ({
          zone,
          currency,
          amount: amounts[z * 3 + c] ?? 0,
          freeOver: freeOvers[z * 3 + c] ?? null,
        })),
      ),
      taxRates: [
        { country: "US", region: "CA", ratePpm: ppms[0] ?? 0, taxesShipping: taxesShipping[0] ?? false },
        { country: "CA", region: "", ratePpm: ppms[1] ?? 0, taxesShipping: taxesShipping[1] ?? false },
        { country: "CA", region: "QC", ratePpm: ppms[2] ?? 0, taxesShipping: taxesShipping[2] ?? false },
        { country: "DE", region: "", ratePpm: ppms[3] ?? 0, taxesShipping: taxesShipping[3] ?? false },
      ],
    }));
  const addressArb = fc.option(
    fc.constantFrom<[string, string | null]>(["US", "CA"], ["US", "NY"], ["CA", "QC"], ["CA", "ON"], ["CA", null], ["DE", null], ["JP", null]),
  ).map((a) => (a ? addr(a[0], a[1]) : null));
  const linesArb = fc
    .array(
      fc.record({
        productId: fc.integer({ min: 1, max: 4 }),
        unitPrice: fc.integer({ min: 0, max: 1_000_000 }),
        quantity: fc.integer({ min: 1, max: 99 }),
      }),
      { maxLength: 8 },
    )
    .map((ls) => ls.map((l, i) => ({ ...l, itemId: `i${i}`, variantId: i + 1 })));
  const discountArb = (currency: string) =>
    fc
      .record({
        type: fc.constantFrom<DiscountRule["type"]>("PERCENTAGE", "FIXED_AMOUNT", "FREE_SHIPPING", "BUY_X_GET_Y"),
        bps: fc.integer({ min: 1, max: 10_000 }),
        fixed: fc.integer({ min: 1, max: 20_000_000 }),
        applicableProductIds: fc.uniqueArray(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
        buyQuantity: fc.integer({ min: 0, max: 3 }),
        getQuantity: fc.integer({ min: 1, max: 3 }),
        maxApplications: fc.option(fc.integer({ min: 0, max: 4 })),
      })
      .map((r) =>
        rule({
          type: r.type,
          value: r.type === "FIXED_AMOUNT" ? r.fixed : r.type === "FREE_SHIPPING" ? 0 : r.bps,
          currency,
          applicableProductIds: r.applicableProductIds,
          buyQuantity: r.buyQuantity,
          getQuantity: r.getQuantity,
          maxApplications: r.maxApplications,
        }),
      );
  const cartArb = fc.constantFrom(...currencies).chain((currency) =>
    fc.record({
      currency: fc.constant(currency),
      lines: linesArb,
      // up to 3 codes of any kind, so stacking beyond the policy is exercised too
      discounts: fc.array(discountArb(currency), { maxLength: 3 }).map((ds) => ds.map((d, i) => ({ ...d, id: i + 1, code: `C${i}` }))),
      address: addressArb,
      rates: ratesArb,
    }),
  );

  it("the summary always adds up, and no line is discounted below zero", () => {
    fc.assert(
      fc.property(cartArb, (input) => {
        const { summary: s, appliedDiscounts } = priceCart(input);
        const expectedSubtotal = input.lines.reduce((a, l) => a + l.unitPrice * l.quantity, 0);
        expect(s.subtotal).toBe(expectedSubtotal);
        expect(s.total).toBe(s.subtotal - s.discount + (s.shipping ?? 0) + (s.tax ?? 0));
        expect(s.lines.reduce((a, l) => a + l.discount, 0)).toBe(s.discount);
        expect(s.lines.reduce((a, l) => a + l.subtotal, 0)).toBe(s.subtotal);
        expect(s.discount).toBeGreaterThanOrEqual(0);
        expect(s.discount).toBeLessThanOrEqual(s.subtotal);
        s.lines.forEach((l, i) => {
          const src = input.lines[i];
          expect(l.itemId).toBe(src?.itemId);
          expect(l.subtotal).toBe((src?.unitPrice ?? 0) * (src?.quantity ?? 0));
          expect(l.discount).toBeGreaterThanOrEqual(0);
          expect(l.discount).toBeLessThanOrEqual(l.subtotal);
          expect(l.total).toBe(l.subtotal - l.discount + (l.tax ?? 0));
        });
        const orderLevel = appliedDiscounts.filter((d) => d.type !== "FREE_SHIPPING");
        expect(orderLevel.reduce((a, d) => a + d.amount, 0)).toBe(s.discount);
        expect(appliedDiscounts.map((d) => d.discountId)).toEqual(input.discounts.map((d) => d.id));
        if (input.address === null) {
          expect(s.shipping).toBeNull();
          expect(s.shippingTax).toBeNull();
          expect(s.tax).toBeNull();
          expect(s.lines.every((l) => l.tax === null)).toBe(true);
          expect(s.total).toBe(s.subtotal - s.discount);
          for (const d of appliedDiscounts) if (d.type === "FREE_SHIPPING") expect(d.amount).toBe(0);
        } else {
          expect(s.shipping).toBeGreaterThanOrEqual(0);
          expect(s.tax).toBe(s.lines.reduce((a, l) => a + (l.tax ?? 0), 0) + (s.shippingTax ?? 0));
          expect(s.lines.every((l) => l.tax !== null && l.tax >= 0)).toBe(true);
          if (input.discounts.some((d) => d.type === "FREE_SHIPPING")) {
            expect(s.shipping).toBe(0);
            expect(s.shippingTax).toBe(0);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
