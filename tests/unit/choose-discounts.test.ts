import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chooseDiscounts, chooseWithinBudgets, MAX_AUTOMATIC_CANDIDATES, type ChooseCart } from "@/lib/discounts/choose";
import { combines, validateDiscount, type CombinesWith, type DiscountRule, type PricingLine } from "@/lib/discounts/rules";
import { priceCart, type RateTables } from "@/lib/pricing";
import { line, rule } from "@/tests/support/pricing-fixtures";

// chooseDiscounts: the compatible set with the lowest total; ties: fewer discounts that take something off, then
// the smaller sorted list of ids; compatible discounts worth 0 join. Amounts are worked out by hand beside them.

const NOW = new Date("2026-06-15T12:00:00.000Z");
const rates: RateTables = {
  zoneOf: { US: "DOMESTIC" },
  shippingRates: [
    { zone: "DOMESTIC", currency: "USD", amount: 500, freeOver: 5000 },
    { zone: "INTERNATIONAL", currency: "USD", amount: 2500, freeOver: null },
  ],
  taxRates: [{ country: "US", region: "NY", ratePpm: 88_750, taxesShipping: true }],
};
const US = { country: "US", region: "NY", postalCode: "10001" };
const cartOf = (lines: PricingLine[], address: ChooseCart["address"] = null): ChooseCart => ({ currency: "USD", lines, address, rates, now: NOW });

const ALL: CombinesWith = { productDiscounts: true, orderDiscounts: true, shippingDiscounts: true };
const NONE: CombinesWith = { productDiscounts: false, orderDiscounts: false, shippingDiscounts: false };

describe("chooseDiscounts", () => {
  const lines = [line("a", 1, 2000, 1), line("b", 2, 1000, 2)]; // subtotal 4000
  const pct10 = rule({ id: 1, code: "PCT10", value: 1000 }); // 400 off
  const fixed5 = rule({ id: 2, code: "FIVE", type: "FIXED_AMOUNT", value: 500, currency: "USD" }); // 500 off
  const ship = rule({ id: 3, code: "SHIP", type: "FREE_SHIPPING", value: 0 });

  it("applies the one of two clashing order discounts that gives the lower total, and names the winner for the loser", () => {
    const r = chooseDiscounts(cartOf(lines), [pct10, fixed5]);
    expect(r.applied.map((a) => [a.code, a.amount])).toEqual([["FIVE", 500]]);
    expect(r.summary.total).toBe(3500);
    expect(r.notApplied).toEqual([expect.objectContaining({ id: 1, reason: "not_combinable", conflictsWith: "FIVE" })]);
  });

  it("today's rule: free shipping plus one order code both apply; free shipping worth 0 before an address still joins", () => {
    const r = chooseDiscounts(cartOf(lines), [ship, pct10]);
    expect(r.applied.map((a) => [a.code, a.amount])).toEqual([["SHIP", 0], ["PCT10", 400]]);
    expect(r.notApplied).toEqual([]);
    const withAddress = chooseDiscounts(cartOf(lines, US), [ship, pct10]);
    // 4000 - 400 = 3600 < 5000 free-over: shipping 500 waived
    expect(withAddress.applied.map((a) => [a.code, a.amount])).toEqual([["SHIP", 500], ["PCT10", 400]]);
    expect(withAddress.summary.shipping).toBe(0);
  });

  it("two discounts that allow each other's class both apply", () => {
    const a = rule({ id: 1, code: "A", value: 1000, combinesWith: ALL });
    const b = rule({ id: 2, code: "B", type: "FIXED_AMOUNT", value: 500, currency: "USD", combinesWith: ALL });
    const r = chooseDiscounts(cartOf(lines), [a, b]);
    expect(r.summary.discount).toBe(900);
    expect(r.applied).toHaveLength(2);
  });

  it("an invalid candidate is listed with its validation reason, not as a clash", () => {
    const expired = rule({ id: 9, code: "OLD", validUntil: new Date("2026-01-01T00:00:00Z") });
    const r = chooseDiscounts(cartOf(lines), [expired, fixed5]);
    expect(r.notApplied).toEqual([expect.objectContaining({ id: 9, reason: "expired", conflictsWith: null })]);
  });

  it("ties: the same total with fewer discounts that take something off wins, then the smaller sorted id list", () => {
    const a = rule({ id: 5, code: "A", type: "FIXED_AMOUNT", value: 500, currency: "USD", combinesWith: NONE });
    const b = rule({ id: 6, code: "B", type: "FIXED_AMOUNT", value: 300, currency: "USD", combinesWith: ALL });
    const c = rule({ id: 7, code: "C", type: "FIXED_AMOUNT", value: 200, currency: "USD", combinesWith: ALL });
    // {A} = 500 off, {B, C} = 500 off: one discount beats two
    expect(chooseDiscounts(cartOf(lines), [b, c, a]).applied.map((x) => x.code)).toEqual(["A"]);
    const d = rule({ id: 4, code: "D", type: "FIXED_AMOUNT", value: 500, currency: "USD", combinesWith: NONE });
    // {A} and {D}: both 500 off, one discount each: [4] < [5]
    expect(chooseDiscounts(cartOf(lines), [a, d]).applied.map((x) => x.code)).toEqual(["D"]);
  });

  it("a valid discount that would raise the total (shipping comes back) is not applied, with no one to blame", () => {
    // 5100 >= 5000: shipping free; total 5100 + tax 452.6 -> 453 = 5553. With 200 off: 4900 + tax 434.875 -> 435
    // + shipping 500 + its tax 44.375 -> 44 = 5879: higher, so the cart is better off without it
    const tiny = rule({ id: 2, code: "TINY", type: "FIXED_AMOUNT", value: 200, currency: "USD", combinesWith: ALL });
    const r = chooseDiscounts(cartOf([line("a", 1, 5100, 1)], US), [tiny]);
    expect(r.applied).toEqual([]);
    expect(r.summary.total).toBe(5553);
    expect(r.notApplied).toEqual([expect.objectContaining({ id: 2, reason: "not_combinable", conflictsWith: null })]);
  });
});

// ---- property: equals a brute-force search over every compatible subset -----------------------------------------

/** The contract, written as plainly as possible: every subset, filtered to compatible ones, ranked, zero-worth join. */
function bruteForce(cart: ChooseCart, candidates: DiscountRule[]): { ids: number[]; total: number } {
  const valid = candidates.filter((d) => validateDiscount(d, { currency: cart.currency, lines: cart.lines, now: cart.now }).ok);
  const priceSet = (set: DiscountRule[]) =>
    priceCart({ currency: cart.currency, lines: [...cart.lines], discounts: candidates.filter((d) => set.includes(d)), address: cart.address, rates: cart.rates });
  let best: { set: DiscountRule[]; total: number; nonZero: number; ids: number[] } | null = null;
  for (let mask = 0; mask < 1 << valid.length; mask++) {
    const set = valid.filter((_, i) => mask & (1 << i));
    if (!set.every((a) => set.every((b) => a === b || combines(a, b)))) continue;
    const priced = priceSet(set);
    if (priced.appliedDiscounts.some((a) => a.amount === 0)) continue;
    const ids = set.map((d) => d.id).sort((x, y) => x - y);
    const cand = { set, total: priced.summary.total, nonZero: set.length, ids };
    const better =
      !best ||
      cand.total < best.total ||
      (cand.total === best.total && (cand.nonZero < best.nonZero || (cand.nonZero === best.nonZero && lexLess(cand.ids, best.ids))));
    if (better) best = cand;
  }
  let set = best!.set;
  let total = best!.total;
  for (const d of [...valid].sort((a, b) => a.id - b.id)) {
    if (set.includes(d) || !set.every((m) => combines(m, d))) continue;
    const priced = priceSet([...set, d]);
    if ((priced.appliedDiscounts.find((a) => a.discountId === d.id)?.amount ?? 0) === 0 && priced.summary.total === total) {
      set = [...set, d];
      total = priced.summary.total;
    }
  }
  return { ids: set.map((d) => d.id).sort((x, y) => x - y), total };
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return a.length < b.length;
}

const combinesArb = fc.record({ productDiscounts: fc.boolean(), orderDiscounts: fc.boolean(), shippingDiscounts: fc.boolean() });
const discountArb = (id: number) =>
  fc
    .record({
      type: fc.constantFrom("PERCENTAGE", "FIXED_AMOUNT", "FREE_SHIPPING", "BUY_X_GET_Y") as fc.Arbitrary<DiscountRule["type"]>,
      pct: fc.integer({ min: 1, max: 10_000 }),
      fixed: fc.integer({ min: 1, max: 8000 }),
      products: fc.constantFrom<number[]>([], [], [1], [2], [1, 2]),
      minOrder: fc.option(fc.integer({ min: 0, max: 6000 }), { nil: null }),
      buy: fc.integer({ min: 1, max: 3 }),
      get: fc.integer({ min: 1, max: 2 }),
      combinesWith: combinesArb,
    })
    .map((r) =>
      rule({
        id,
        code: `C${id}`,
        type: r.type,
        value: r.type === "FIXED_AMOUNT" ? r.fixed : r.type === "FREE_SHIPPING" ? 0 : r.pct,
        currency: "USD",
        minOrderAmount: r.minOrder,
        applicableProductIds: r.products,
        buyQuantity: r.type === "BUY_X_GET_Y" ? r.buy : null,
        getQuantity: r.type === "BUY_X_GET_Y" ? r.get : null,
        combinesWith: r.combinesWith,
      }),
    );

describe("chooseDiscounts equals brute force (property)", () => {
  it("on random carts with up to 6 discounts, the chosen set and total are the brute-force ones", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ product: fc.integer({ min: 1, max: 3 }), price: fc.integer({ min: 1, max: 5000 }), qty: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }).chain((ids) => fc.tuple(...ids.map(discountArb))),
        fc.boolean(),
        (ls, discounts, withAddress) => {
          const lines = ls.map((l, i) => line(`l${i}`, l.product, l.price, l.qty));
          const cart = cartOf(lines, withAddress ? US : null);
          const got = chooseDiscounts(cart, discounts);
          const want = bruteForce(cart, discounts);
          expect(got.applied.map((a) => a.discountId).sort((x, y) => x - y)).toEqual(want.ids);
          expect(got.summary.total).toBe(want.total);
          // every candidate is either applied or explained
          expect(got.applied.length + got.notApplied.length).toBe(discounts.length);
        },
      ),
      { numRuns: 400 },
    );
  });
});

// ---- the bound: the codes plus the MAX_AUTOMATIC_CANDIDATES automatic discounts worth the most alone -------------

/** The bound written plainly: rank the valid automatic discounts by what each saves alone (ties: lower id). */
function bounded(cart: ChooseCart, candidates: DiscountRule[]): DiscountRule[] {
  const valid = candidates.filter((d) => validateDiscount(d, { currency: cart.currency, lines: cart.lines, now: cart.now }).ok);
  const total = (set: DiscountRule[]) =>
    priceCart({ currency: cart.currency, lines: [...cart.lines], discounts: set, address: cart.address, rates: cart.rates }).summary.total;
  const none = total([]);
  const autos = valid.filter((d) => d.automatic).map((d) => ({ d, saving: none - total([d]) }));
  autos.sort((a, b) => b.saving - a.saving || a.d.id - b.d.id);
  const keep = new Set(autos.slice(0, MAX_AUTOMATIC_CANDIDATES).map((a) => a.d.id));
  return candidates.filter((d) => !d.automatic || keep.has(d.id));
}

describe("chooseDiscounts is bounded (codes + the best automatic discounts)", () => {
  it("property: with up to 3 codes and 9 automatic discounts it equals brute force over the bound", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ product: fc.integer({ min: 1, max: 3 }), price: fc.integer({ min: 1, max: 5000 }), qty: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 12 }).chain((ids) => fc.tuple(...ids.map(discountArb))),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        (ls, discounts, codes, withAddress) => {
          const candidates = discounts.map((d, i) => (i < codes ? d : { ...d, automatic: true, title: `Auto ${d.id}` }));
          const lines = ls.map((l, i) => line(`l${i}`, l.product, l.price, l.qty));
          const cart = cartOf(lines, withAddress ? US : null);
          const got = chooseDiscounts(cart, candidates);
          const want = bruteForce(cart, bounded(cart, candidates));
          expect(got.applied.map((a) => a.discountId).sort((x, y) => x - y)).toEqual(want.ids);
          expect(got.summary.total).toBe(want.total);
          expect(got.applied.length + got.notApplied.length).toBe(candidates.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("30 automatic discounts that all combine: the 5 worth the most apply, the other 25 are listed as not applied", () => {
    const lines = [line("a", 1, 10_000, 1)];
    const autos = Array.from({ length: 30 }, (_, i) =>
      rule({ id: i + 1, code: `A${i + 1}`, automatic: true, title: `Auto ${i + 1}`, type: "FIXED_AMOUNT", value: 100 + i, currency: "USD", combinesWith: ALL }),
    );
    const r = chooseDiscounts(cartOf(lines), autos);
    expect(r.applied.map((a) => a.discountId).sort((x, y) => x - y)).toEqual([26, 27, 28, 29, 30]);
    expect(r.summary.discount).toBe(125 + 126 + 127 + 128 + 129);
    expect(r.notApplied).toHaveLength(25);
    expect(r.notApplied.every((n) => n.reason === "not_combinable" && n.conflictsWith === null)).toBe(true);
  });
});

describe("chooseWithinBudgets", () => {
  const lines = [line("a", 1, 4000, 1)];
  it("a discount whose budget left is below what it would give is not applied (budget_exhausted) and the next best takes its place", () => {
    const big = rule({ id: 1, code: "BIG", type: "FIXED_AMOUNT", value: 1000, currency: "USD", budgetLeft: 999 });
    const small = rule({ id: 2, code: "SMALL", type: "FIXED_AMOUNT", value: 500, currency: "USD" });
    const r = chooseWithinBudgets(cartOf(lines), [big, small]);
    expect(r.applied.map((a) => a.code)).toEqual(["SMALL"]);
    expect(r.notApplied).toEqual([expect.objectContaining({ id: 1, reason: "budget_exhausted", conflictsWith: null })]);
    // exactly enough left: applied
    expect(chooseWithinBudgets(cartOf(lines), [{ ...big, budgetLeft: 1000 }, small]).applied.map((a) => a.code)).toEqual(["BIG"]);
    // not predicted (checkout keeps a code the shopper chose, and the database refuses it)
    expect(chooseWithinBudgets(cartOf(lines), [big, small], (d) => d.automatic).applied.map((a) => a.code)).toEqual(["BIG"]);
  });
});
