import { describe, expect, it } from "vitest";
import { DomainError } from "@/lib/errors";
import type { CartLine, CartRecord, VariantInfo } from "@/lib/cart/model";
import { optionsKey } from "@/lib/cart/model";
import { addLine, MAX_CART_LINES, mergeLines, newCartRecord, setLineQuantity } from "@/lib/cart/mutations";

// The cart's pure changes: the line and unit limits, and the merge that never takes away what a cart holds.

const NOW = new Date("2026-12-06T10:00:00Z");
const limits = { maxLineQuantity: 99 };

const variant = (id: number, stock = 10_000): VariantInfo =>
  ({ id, productId: 1, sku: `SKU-${id}`, name: `Tee ${id}`, attributes: {}, imageUrl: null, price: 1000, currency: "USD", stock, variantActive: true, productActive: true }) as VariantInfo;

const cart = (): CartRecord => newCartRecord({ id: "c1", userId: null, sessionId: "c1", currency: "USD", now: NOW, expiresAt: null });

const lineOf = (id: string, variantId: number, quantity: number, personalization?: string): CartLine => {
  const customOptions = personalization ? { personalization } : {};
  return { id, productId: 1, variantId, sku: `SKU-${variantId}`, name: "Tee", attributes: {}, imageUrl: null, quantity, unitPrice: 1000, customOptions, optionsKey: optionsKey(customOptions), addedAt: NOW.toISOString() };
};

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  return "ok";
}

describe("addLine and setLineQuantity limits", () => {
  it(`a new line beyond ${MAX_CART_LINES} is 422 too_many_lines; more of an existing line is fine`, () => {
    let c = cart();
    for (let i = 0; i < MAX_CART_LINES; i++) c = addLine(c, { variant: variant(1 + (i % 3)), quantity: 1, options: { personalization: `p${i}` }, newLineId: `l${i}`, now: NOW, limits });
    expect(c.items).toHaveLength(MAX_CART_LINES);
    expect(codeOf(() => addLine(c, { variant: variant(9), quantity: 1, newLineId: "x", now: NOW, limits }))).toBe("too_many_lines");
    const more = addLine(c, { variant: variant(1), quantity: 1, options: { personalization: "p0" }, newLineId: "y", now: NOW, limits });
    expect(more.items).toHaveLength(MAX_CART_LINES);
    expect(more.items[0]!.quantity).toBe(2);
  });

  it("units of one variant are summed over its lines (other options) for add and for an increase", () => {
    let c = addLine(cart(), { variant: variant(1), quantity: 60, newLineId: "a", now: NOW, limits });
    const refused = (() => {
      try {
        addLine(c, { variant: variant(1), quantity: 40, options: { giftWrap: true }, newLineId: "b", now: NOW, limits });
      } catch (e) {
        return e as DomainError;
      }
      return null;
    })();
    expect(refused).toMatchObject({ code: "validation_failed", details: { fieldErrors: { quantity: ["At most 99"] } } });
    c = addLine(c, { variant: variant(1), quantity: 39, options: { giftWrap: true }, newLineId: "b", now: NOW, limits });
    expect(codeOf(() => setLineQuantity(c, { itemId: "a", quantity: 61, variant: variant(1), now: NOW, limits }))).toBe("validation_failed");
    // a decrease is never refused; another variant has its own allowance
    expect(codeOf(() => setLineQuantity(c, { itemId: "a", quantity: 10, variant: null, now: NOW, limits }))).toBe("ok");
    expect(codeOf(() => addLine(c, { variant: variant(2), quantity: 99, newLineId: "z", now: NOW, limits }))).toBe("ok");
  });
});

describe("mergeLines", () => {
  const opts = { now: NOW, limits, newLineId: (() => { let n = 0; return () => `new-${n++}`; })() };

  it("never reduces or removes a line the target holds, even with no stock left; only incoming units give way", () => {
    const target = { ...cart(), items: [lineOf("t1", 1, 5), lineOf("t2", 2, 3)] };
    const { cart: merged, capped } = mergeLines(target, [lineOf("s1", 1, 2), lineOf("s2", 2, 1)], () => 0, opts);
    expect(merged.items.map((l) => [l.id, l.quantity])).toEqual([["t1", 5], ["t2", 3]]);
    expect(capped).toEqual([
      expect.objectContaining({ variantId: 1, requested: 7, kept: 5 }),
      expect.objectContaining({ variantId: 2, requested: 4, kept: 3 }),
    ]);
  });

  it("caps incoming units at the per-variant maximum over all lines and at stock", () => {
    const target = { ...cart(), items: [lineOf("t1", 1, 70, "gift")] };
    const r = mergeLines(target, [lineOf("s1", 1, 60), lineOf("s2", 3, 8)], (id) => (id === 3 ? 5 : 10_000), opts);
    expect(r.cart.items.map((l) => [l.variantId, l.quantity])).toEqual([[1, 70], [1, 29], [3, 5]]);
    expect(r.capped.map((c) => [c.variantId, c.kept])).toEqual([[1, 29], [3, 5]]);
  });

  it(`adds no new line beyond ${MAX_CART_LINES} lines (reported as capped to 0)`, () => {
    const items = Array.from({ length: MAX_CART_LINES }, (_, i) => lineOf(`t${i}`, 100 + i, 1));
    const r = mergeLines({ ...cart(), items }, [lineOf("s1", 7, 2), lineOf("s2", 100, 1)], () => 10_000, opts);
    expect(r.cart.items).toHaveLength(MAX_CART_LINES);
    expect(r.cart.items[0]!.quantity).toBe(2);
    expect(r.capped).toEqual([expect.objectContaining({ variantId: 7, requested: 2, kept: 0 })]);
  });
});
