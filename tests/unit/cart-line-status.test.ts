import { describe, expect, it } from "vitest";
import type { CartLine, VariantInfo } from "@/lib/cart/model";
import { lineStatuses } from "@/lib/cart/line-status";

// The cart page's per-line warnings: a price that moved since add-to-cart, and more units than are in stock now.

const variant = (id: number, price: number, stock: number, sellable = true): VariantInfo =>
  ({ id, productId: 1, sku: `SKU-${id}`, name: `Tee ${id}`, attributes: {}, imageUrl: null, price, currency: "USD", stock, variantActive: sellable, productActive: true }) as VariantInfo;

const line = (id: string, variantId: number, quantity: number, unitPrice: number): CartLine => ({
  id,
  productId: 1,
  variantId,
  sku: `SKU-${variantId}`,
  name: "Tee",
  attributes: {},
  imageUrl: null,
  quantity,
  unitPrice,
  customOptions: {},
  optionsKey: "",
  addedAt: "2026-12-06T10:00:00.000Z",
});

describe("lineStatuses", () => {
  it("reports the captured and the current unit price when they differ, and nothing when they do not", () => {
    const s = lineStatuses([line("a", 1, 1, 2800), line("b", 2, 1, 1500)], new Map([[1, variant(1, 3100, 10)], [2, variant(2, 1500, 10)]]));
    expect(s.get("a")?.priceChange).toEqual({ captured: 2800, current: 3100 });
    expect(s.get("b")?.priceChange).toBeNull();
  });

  it("reports the available quantity when a line exceeds the stock, and not when it fits exactly", () => {
    const s = lineStatuses([line("a", 1, 5, 1000), line("b", 2, 3, 1000)], new Map([[1, variant(1, 1000, 3)], [2, variant(2, 1000, 3)]]));
    expect(s.get("a")?.available).toBe(3);
    expect(s.get("b")?.available).toBeNull();
  });

  it("counts every line of one variant together (the same shirt with and without gift wrap)", () => {
    const s = lineStatuses([line("a", 1, 2, 1000), line("b", 1, 2, 1000)], new Map([[1, variant(1, 1000, 3)]]));
    expect(s.get("a")?.available).toBe(3);
    expect(s.get("b")?.available).toBe(3);
  });

  it("treats a variant that is no longer sold, or gone, as 0 available", () => {
    const s = lineStatuses([line("a", 1, 1, 1000), line("b", 9, 1, 1000)], new Map([[1, variant(1, 1000, 50, false)]]));
    expect(s.get("a")?.available).toBe(0);
    expect(s.get("b")).toEqual({ itemId: "b", priceChange: null, available: 0 });
  });
});
