import { describe, expect, it } from "vitest";
import { imageForVariant } from "@/lib/catalog/variant-image";

// The product page's main image follows the picked colour (product_images rows with a variant_id).

const variants: { id: number; attributes: Record<string, string> }[] = [
  { id: 1, attributes: { size: "M", color: "White" } },
  { id: 2, attributes: { size: "L", color: "White" } },
  { id: 3, attributes: { size: "M", color: "Navy" } },
  { id: 4, attributes: { size: "One size" } },
];
const images = [
  { url: "/products/tee.svg", variantId: null },
  { url: "/products/tee-white.svg", variantId: 1 },
];

describe("imageForVariant", () => {
  it("shows the variant's own image", () => {
    expect(imageForVariant(images, variants, 1)).toBe("/products/tee-white.svg");
  });
  it("shows another size's image of the same colour", () => {
    expect(imageForVariant(images, variants, 2)).toBe("/products/tee-white.svg");
  });
  it("falls back to the main image (null) for a colour without a shot, a variant without a colour, or nothing picked", () => {
    expect(imageForVariant(images, variants, 3)).toBeNull();
    expect(imageForVariant(images, variants, 4)).toBeNull();
    expect(imageForVariant(images, variants, null)).toBeNull();
  });
});
