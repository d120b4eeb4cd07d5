import { describe, expect, it } from "vitest";
import type { ApiProduct } from "@/lib/catalog";
import { productJsonLd, serializeJsonLd } from "@/lib/catalog/json-ld";
import { listingPrice } from "@/lib/catalog/listing-price";

const variant = (id: number, price: number, stock: number) => ({ id, sku: `SKU-${id}`, attributes: { size: "M" }, price, stock, available: stock > 0 });

function product(currency: string, variants: ApiProduct["variants"]): ApiProduct {
  return {
    id: 1,
    slug: "thing",
    name: "Thing",
    description: "A thing",
    currency,
    basePrice: variants[0]?.price ?? 0,
    imageUrl: "/products/thing.svg",
    isActive: true,
    createdAt: "2026-12-06T00:00:00.000Z",
    variants,
    categories: [{ slug: "stuff", name: "Stuff" }],
    images: [{ url: "/products/thing.svg", alt: "Thing", variantId: null }],
  };
}

const abs = (p: string) => `https://shop.example${p}`;
const offers = (p: ApiProduct) => productJsonLd(p, abs("/products/thing"), abs).offers as { price: string; priceCurrency: string; availability: string; sku: string }[];

describe("Product JSON-LD", () => {
  it.each([
    ["USD", 1999, "19.99"],
    ["USD", 5, "0.05"],
    ["USD", 100, "1.00"],
    ["USD", 0, "0.00"],
    // 0.1 + 0.2 style float error would show here: the digits are moved, never divided
    ["USD", 30, "0.30"],
    ["USD", 900719925474099, "9007199254740.99"],
    ["JPY", 500, "500"],
    ["KWD", 1500, "1.500"],
    ["EUR", 123456789, "1234567.89"],
  ])("prices %s %i minor units as the string %s", (currency, amount, expected) => {
    const [o] = offers(product(currency, [variant(1, amount, 3)]));
    expect(o!.price).toBe(expected);
    expect(o!.priceCurrency).toBe(currency);
  });

  it("gives each variant an offer with its sku and InStock / OutOfStock", () => {
    const ld = productJsonLd(product("USD", [variant(1, 2800, 4), variant(2, 3200, 0)]), abs("/products/thing"), abs);
    expect(ld["@type"]).toBe("Product");
    expect(ld.image).toEqual(["https://shop.example/products/thing.svg"]);
    expect(ld.offers).toEqual([
      expect.objectContaining({ sku: "SKU-1", price: "28.00", availability: "https://schema.org/InStock" }),
      expect.objectContaining({ sku: "SKU-2", price: "32.00", availability: "https://schema.org/OutOfStock" }),
    ]);
    expect(productJsonLd(product("USD", [variant(9, 100, 1)]), abs("/p"), abs).sku).toBe("SKU-9");
  });

  it("serializes so that product text cannot end the script element, and parses back unchanged", () => {
    const p = { ...product("USD", [variant(1, 100, 1)]), name: "</script><script>alert(1)</script> & <!-- \u2028" };
    const text = serializeJsonLd(productJsonLd(p, abs("/p"), abs));
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect((JSON.parse(text) as { name: string }).name).toBe(p.name);
  });
});

describe("listing price", () => {
  it("quotes the cheapest variant that is in stock, not a cheaper sold-out one", () => {
    expect(listingPrice(product("USD", [variant(1, 1000, 0), variant(2, 2500, 3), variant(3, 3000, 1)]))).toEqual({ soldOut: false, amount: 2500, currency: "USD", varies: true });
    expect(listingPrice(product("USD", [variant(1, 1000, 0), variant(2, 2500, 3)]))).toEqual({ soldOut: false, amount: 2500, currency: "USD", varies: false });
  });

  it("says sold out when nothing is in stock", () => {
    expect(listingPrice(product("USD", [variant(1, 1000, 0)]))).toEqual({ soldOut: true });
    expect(listingPrice(product("USD", []))).toEqual({ soldOut: true });
  });
});
