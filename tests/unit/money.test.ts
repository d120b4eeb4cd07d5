import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "@/lib/errors";
import {
  add,
  allocate,
  applyRatePpm,
  basisPointsToPercent,
  currencyExponent,
  divideRoundDown,
  divideRoundDownBig,
  divideRoundHalfEven,
  divideRoundHalfEvenBig,
  divideRoundHalfUp,
  divideRoundHalfUpBig,
  formatMoney,
  isCurrencyCode,
  money,
  multiply,
  parseMajorUnits,
  percentOf,
  percentToBasisPoints,
  subtract,
  sum,
  toMajorUnitsString,
} from "@/lib/money";

// Expected values below are worked out by hand (see the comments), never with the code under test.
const nbsp = (s: string) => s.replace(/\s/g, " ");

describe("currencyExponent", () => {
  it.each([
    ["USD", 2],
    ["EUR", 2],
    ["GBP", 2],
    ["CAD", 2],
    ["JPY", 0],
    ["KRW", 0],
    ["CLP", 0],
    ["KWD", 3],
    ["BHD", 3],
    ["JOD", 3],
    // the table wins over Intl's display digits (CLDR shows 0 decimals for these; ISO 4217 stores 2 / 3)
    ["HUF", 2],
    ["IDR", 2],
    ["IQD", 3],
    // not in the table: Intl answers
    ["THB", 2],
    ["AED", 2],
  ])("%s has %i decimals", (code, exponent) => {
    expect(currencyExponent(code)).toBe(exponent);
  });

  it.each(["usd", "US", "USDD", "", "ABC", "12$", "XYZ"])("rejects %j", (code) => {
    expect(() => currencyExponent(code)).toThrowError(DomainError);
    expect(isCurrencyCode(code)).toBe(false);
  });

  it("says which code is wrong", () => {
    try {
      currencyExponent("ABC");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe("validation_failed");
      expect((e as DomainError).message).toContain("ABC");
    }
  });
});

describe("money, add, subtract, multiply, sum", () => {
  it("builds a value from a safe integer and a valid code", () => {
    expect(money(1999, "USD")).toEqual({ amount: 1999, currency: "USD" });
    expect(money(-5, "JPY")).toEqual({ amount: -5, currency: "JPY" });
  });

  it.each([1.5, 0.1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])("refuses amount %s", (amount) => {
    expect(() => money(amount, "USD")).toThrow(RangeError);
  });

  it("refuses a bad currency", () => {
    expect(() => money(100, "usd")).toThrow(DomainError);
  });

  it("adds and subtracts in one currency", () => {
    expect(add(money(1999, "USD"), money(1, "USD"))).toEqual({ amount: 2000, currency: "USD" });
    expect(subtract(money(500, "JPY"), money(700, "JPY"))).toEqual({ amount: -200, currency: "JPY" });
  });

  it("throws currency_mismatch across currencies", () => {
    for (const op of [add, subtract]) {
      try {
        op(money(100, "USD"), money(100, "EUR"));
        expect.unreachable();
      } catch (e) {
        expect((e as DomainError).code).toBe("currency_mismatch");
        expect((e as DomainError).message).toContain("USD");
        expect((e as DomainError).message).toContain("EUR");
      }
    }
  });

  it("refuses results beyond the safe integer range", () => {
    expect(() => add(money(Number.MAX_SAFE_INTEGER, "USD"), money(1, "USD"))).toThrow(RangeError);
    expect(() => multiply(money(2 ** 52, "USD"), 2)).toThrow(RangeError);
  });

  it("multiplies by an integer factor only", () => {
    expect(multiply(money(1999, "USD"), 3)).toEqual({ amount: 5997, currency: "USD" });
    expect(multiply(money(1999, "USD"), 0)).toEqual({ amount: 0, currency: "USD" });
    expect(() => multiply(money(1999, "USD"), 1.5)).toThrow(RangeError);
  });

  it("sums a list in one currency", () => {
    expect(sum([], "EUR")).toEqual({ amount: 0, currency: "EUR" });
    expect(sum([money(1, "EUR"), money(2, "EUR"), money(-3, "EUR")], "EUR")).toEqual({ amount: 0, currency: "EUR" });
    expect(() => sum([money(1, "EUR"), money(2, "USD")], "EUR")).toThrow(DomainError);
    expect(() => sum([money(1, "USD")], "EUR")).toThrow(DomainError);
  });
});

describe("named rounding", () => {
  // [numerator, denominator, half-up (away from zero), half-even, down (floor)]
  it.each([
    [5, 2, 3, 2, 2], // 2.5
    [-5, 2, -3, -2, -3], // -2.5
    [7, 2, 4, 4, 3], // 3.5
    [-7, 2, -4, -4, -4], // -3.5
    [1, 3, 0, 0, 0], // 0.333
    [2, 3, 1, 1, 0], // 0.667
    [-1, 3, 0, 0, -1], // -0.333
    [-2, 3, -1, -1, -1], // -0.667
    [5, -2, -3, -2, -3], // a negative denominator is the same as a negative numerator
    [-5, -2, 3, 2, 2],
    [0, 7, 0, 0, 0],
    [10, 5, 2, 2, 2],
    [499_950, 10_000, 50, 50, 49], // 49.995
    [499_500, 10_000, 50, 50, 49], // 49.95 (15% of 333 cents)
    [2_500, 10_000, 0, 0, 0], // 0.25
    [5_000, 10_000, 1, 0, 0], // 0.5
    [15_000, 10_000, 2, 2, 1], // 1.5
  ])("%i / %i", (n, d, up, even, down) => {
    expect(divideRoundHalfUp(n, d)).toBe(up);
    expect(divideRoundHalfEven(n, d)).toBe(even);
    expect(divideRoundDown(n, d)).toBe(down);
    // bigint numerators give the same answers
    expect(divideRoundHalfUp(BigInt(n), BigInt(d))).toBe(up);
    expect(divideRoundHalfEven(BigInt(n), d)).toBe(even);
    expect(divideRoundDown(BigInt(n), d)).toBe(down);
  });

  it("handles products beyond 2^53 exactly", () => {
    // (2^53 - 1) * 5000 / 10000 = 4503599627370495.5
    const n = BigInt(Number.MAX_SAFE_INTEGER) * 5000n;
    expect(divideRoundHalfUp(n, 10_000)).toBe(4_503_599_627_370_496);
    expect(divideRoundHalfEven(n, 10_000)).toBe(4_503_599_627_370_496);
    expect(divideRoundDown(n, 10_000)).toBe(4_503_599_627_370_495);
  });

  it("refuses division by zero, unsafe inputs and unsafe results", () => {
    expect(() => divideRoundHalfUp(1, 0)).toThrow(RangeError);
    expect(() => divideRoundHalfUp(2 ** 53, 1)).toThrow(RangeError);
    expect(() => divideRoundHalfUp(1.5, 1)).toThrow(RangeError);
    expect(() => divideRoundHalfUp(2n ** 60n, 1)).toThrow(RangeError);
  });

  it("the Big variants agree with the number variants and are not range-limited", () => {
    expect(divideRoundHalfUpBig(2n ** 60n + 1n, 2n)).toBe(2n ** 59n + 1n); // .5 rounds away from zero
    expect(divideRoundHalfEvenBig(2n ** 60n + 1n, 2n)).toBe(2n ** 59n); // .5 rounds to even
    expect(divideRoundDownBig(-(2n ** 60n) - 1n, 2n)).toBe(-(2n ** 59n) - 1n);
  });

  it("half-up is within half a unit and breaks ties away from zero (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.bigInt({ min: 1n, max: 10n ** 6n }), (n, d) => {
        const q = divideRoundHalfUpBig(n, d);
        const err = n - q * d; // n/d - q, scaled by d
        const twice = 2n * (err < 0n ? -err : err);
        expect(twice <= d).toBe(true);
        if (twice === d) expect(q < 0n ? -q * d > -n : q * d > n).toBe(true); // a tie went away from zero
      }),
    );
  });

  it("half-even ties go to the even neighbour; down is the floor (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.bigInt({ min: 1n, max: 10n ** 6n }), (n, d) => {
        const e = divideRoundHalfEvenBig(n, d);
        const err = n - e * d;
        const twice = 2n * (err < 0n ? -err : err);
        expect(twice <= d).toBe(true);
        if (twice === d) expect(e % 2n).toBe(0n);
        const f = divideRoundDownBig(n, d);
        expect(f * d <= n && n < (f + 1n) * d).toBe(true);
      }),
    );
  });
});

describe("percentOf (basis points) and applyRatePpm", () => {
  it.each([
    [333, 1500, 50], // 15% of 3.33 = 0.4995 -> 49.95 cents -> 50
    [1999, 1250, 250], // 12.5% of 19.99 = 249.875 -> 250
    [5, 1000, 1], // 0.5 -> 1 (half-up)
    [4, 1000, 0], // 0.4 -> 0
    [1999, 10_000, 1999], // 100%
    [1999, 0, 0],
    [5000, 1, 1], // 0.5 -> 1
    [-333, 1500, -50], // half away from zero
    [Number.MAX_SAFE_INTEGER, 5000, 4_503_599_627_370_496], // the product is far beyond 2^53
  ])("%i * %i bps", (amount, bps, expected) => {
    expect(percentOf(amount, bps)).toBe(expected);
  });

  it.each([
    [10_000, 149_750, 1498], // 14.975% of 100.00 = 14.975 -> 14.98
    [1999, 82_500, 165], // 8.25% of 19.99 = 1.649175 -> 1.65
    [2000, 72_500, 145], // 7.25% of 20.00 = 1.45 exactly
    [3451, 130_000, 449], // 13% of 34.51 = 4.4863 -> 4.49
    [1500, 149_750, 225], // 224.625 -> 225
    [1000, 0, 0],
  ])("%i at %i ppm", (amount, ppm, expected) => {
    expect(applyRatePpm(amount, ppm)).toBe(expected);
  });

  it("refuses fractional rates", () => {
    expect(() => percentOf(100, 12.5)).toThrow(RangeError);
    expect(() => applyRatePpm(100, 0.5)).toThrow(RangeError);
  });
});

describe("allocate", () => {
  it.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [100, [1, 1, 1, 1, 1, 1], [17, 17, 17, 17, 16, 16]], // 100 = 6 * 16 + 4
    [2, [1, 1, 1], [1, 1, 0]], // ties go to the earlier index
    [3, [2, 1, 1], [1, 1, 1]], // floors 1,0,0; remainders 2,3,3 (of 4) -> indexes 1 and 2
    [10, [1, 2], [3, 7]], // 3.33 / 6.67
    [50, [1999, 999], [33, 17]], // 33.34 / 16.66
    [7, [0, 5, 0], [0, 7, 0]],
    [5, [0, 0], [3, 2]], // all zero weights: equal split, earlier first
    [0, [0, 0, 0], [0, 0, 0]],
    [0, [1, 2], [0, 0]],
    [1, [1, 1], [1, 0]],
    [-100, [1, 1, 1], [-34, -33, -33]], // negative totals mirror positive ones
    [9, [1], [9]],
  ])("allocate(%i, %j)", (total, weights, expected) => {
    expect(allocate(total, weights)).toEqual(expected);
  });

  it("works on an empty list only for a zero total", () => {
    expect(allocate(0, [])).toEqual([]);
    expect(() => allocate(1, [])).toThrow(RangeError);
  });

  it("refuses negative and fractional weights and fractional totals", () => {
    expect(() => allocate(10, [1, -1])).toThrow(RangeError);
    expect(() => allocate(10, [1.5, 1])).toThrow(RangeError);
    expect(() => allocate(10.5, [1, 1])).toThrow(RangeError);
  });

  it("handles weights whose products exceed 2^53", () => {
    // 2^52 split 2^50 : 2^50 : 2^51 is 2^50, 2^50, 2^51; total * weight is about 2^103
    expect(allocate(2 ** 52, [2 ** 50, 2 ** 50, 2 ** 51])).toEqual([2 ** 50, 2 ** 50, 2 ** 51]);
    // 2^53 - 1 over 1:1 -> the odd unit goes to the earlier part
    expect(allocate(Number.MAX_SAFE_INTEGER, [3, 3])).toEqual([2 ** 52, 2 ** 52 - 1]);
  });

  it("parts sum to the total, are never negative, and each is within one unit of its exact share (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          const parts = allocate(total, weights);
          expect(parts).toHaveLength(weights.length);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const w = weights.some((x) => x > 0) ? weights : weights.map(() => 1);
          const s = BigInt(w.reduce((a, b) => a + b, 0));
          parts.forEach((p, i) => {
            expect(p).toBeGreaterThanOrEqual(0);
            expect(Number.isSafeInteger(p)).toBe(true);
            // |p - total * w / s| < 1  <=>  |p * s - total * w| < s
            const diff = BigInt(p) * s - BigInt(total) * BigInt(w[i] ?? 0);
            expect((diff < 0n ? -diff : diff) < s).toBe(true);
          });
        },
      ),
    );
  });

  it("negative totals give non-positive parts that sum to the total (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 0 }),
        fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 8 }),
        (total, weights) => {
          const parts = allocate(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          for (const p of parts) expect(p).toBeLessThanOrEqual(0);
        },
      ),
    );
  });
});

describe("formatMoney", () => {
  it.each([
    [1999, "USD", "en-US", "$19.99"],
    [500, "JPY", "en-US", "¥500"],
    [0, "USD", "en-US", "$0.00"],
    [5, "USD", "en-US", "$0.05"],
    [-5, "USD", "en-US", "-$0.05"],
    [123_456_789, "USD", "en-US", "$1,234,567.89"],
    [1999, "EUR", "de-DE", "19,99 €"],
    [1500, "KWD", "en-US", "KWD 1.500"],
    [1999, "HUF", "en-US", "HUF 19.99"], // the stored exponent decides the digits shown
    // exact beyond float precision: 90071992547409.91 is not representable as a double
    [Number.MAX_SAFE_INTEGER, "USD", "en-US", "$90,071,992,547,409.91"],
  ])("%i %s in %s", (amount, currency, locale, expected) => {
    expect(nbsp(formatMoney({ amount, currency }, locale))).toBe(expected);
  });

  it("defaults to en-US", () => {
    expect(formatMoney({ amount: 1250, currency: "USD" })).toBe("$12.50");
  });
});

describe("toMajorUnitsString and parseMajorUnits", () => {
  it.each([
    [1234, "USD", "12.34"],
    [5, "USD", "0.05"],
    [0, "USD", "0.00"],
    [-5, "USD", "-0.05"],
    [-1234, "USD", "-12.34"],
    [500, "JPY", "500"],
    [1500, "KWD", "1.500"],
    [7, "KWD", "0.007"],
    [Number.MAX_SAFE_INTEGER, "USD", "90071992547409.91"],
  ])("%i %s -> %s", (amount, currency, text) => {
    expect(toMajorUnitsString(amount, currency)).toBe(text);
  });

  it.each([
    ["12.34", "USD", 1234],
    ["12.3", "USD", 1230],
    ["12", "USD", 1200],
    [" 12.34 ", "USD", 1234],
    ["0.05", "USD", 5],
    ["0", "USD", 0],
    ["007.10", "USD", 710],
    ["500", "JPY", 500],
    ["1.5", "KWD", 1500],
    ["1.500", "KWD", 1500],
    ["90071992547409.91", "USD", Number.MAX_SAFE_INTEGER],
  ])("parses %j in %s as %i", (text, currency, amount) => {
    expect(parseMajorUnits(text, currency)).toBe(amount);
  });

  it.each([
    ["1.234", "USD"], // too many decimals
    ["500.5", "JPY"],
    ["500.0", "JPY"],
    ["1.0000", "KWD"],
    ["500.", "USD"],
    [".5", "USD"],
    ["-1", "USD"],
    ["+1", "USD"],
    ["1,000", "USD"],
    ["1e3", "USD"],
    ["0x10", "USD"],
    ["", "USD"],
    ["   ", "USD"],
    ["abc", "USD"],
    ["$12", "USD"],
    ["12 34", "USD"],
    ["90071992547409.92", "USD"], // one past the safe range
  ])("rejects %j in %s with null", (text, currency) => {
    expect(parseMajorUnits(text, currency)).toBeNull();
  });

  it("throws for an invalid currency", () => {
    expect(() => parseMajorUnits("1", "XYZ")).toThrow(DomainError);
  });

  it("round-trips every non-negative amount (property)", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.constantFrom("USD", "JPY", "KWD", "EUR"), (amount, currency) => {
        expect(parseMajorUnits(toMajorUnitsString(amount, currency), currency)).toBe(amount);
      }),
    );
  });
});

describe("percent helpers", () => {
  it.each([
    ["12.5", 1250],
    [12.5, 1250],
    ["100", 10_000],
    [100, 10_000],
    ["0.01", 1],
    [0.01, 1],
    ["19.99", 1999],
    [19.99, 1999], // 19.99 * 100 is 1998.9999999999998 in floats
    [0.29, 29], // 0.29 * 100 is 28.999999999999996 in floats
    [" 7 ", 700],
    ["7.5", 750],
    ["0", 0],
  ])("percentToBasisPoints(%j) = %i", (input, bps) => {
    expect(percentToBasisPoints(input)).toBe(bps);
  });

  it.each(["12.345", "-5", -5, "abc", "", "7.", ".5", "1e2", 1e21, 0.1 + 0.2, Number.NaN, Number.POSITIVE_INFINITY, 12.345])(
    "percentToBasisPoints(%j) is null",
    (input) => {
      expect(percentToBasisPoints(input)).toBeNull();
    },
  );

  it.each([
    [1250, 12.5],
    [1, 0.01],
    [10_000, 100],
    [1999, 19.99],
    [0, 0],
  ])("basisPointsToPercent(%i) = %d", (bps, pct) => {
    expect(basisPointsToPercent(bps)).toBe(pct);
  });

  it("percent -> bps -> percent round-trips for every 2-decimal percent (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (bps) => {
        const text = `${Math.floor(bps / 100)}.${String(bps % 100).padStart(2, "0")}`;
        expect(percentToBasisPoints(text)).toBe(bps);
        expect(percentToBasisPoints(basisPointsToPercent(bps))).toBe(bps);
      }),
    );
  });
});
