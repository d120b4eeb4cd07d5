import { describe, expect, it } from "vitest";
import { isAllowedImageUrl, priceFromText, slugify } from "@/lib/admin/products";

// The pure rules of the admin catalog: prices typed in major units, image URLs, slugs made from names.

describe("priceFromText", () => {
  it("reads the digits with the currency's exponent", () => {
    expect(priceFromText("19.99", "USD")).toEqual({ ok: true, value: 1999 });
    expect(priceFromText(" 19.9 ", "USD")).toEqual({ ok: true, value: 1990 });
    expect(priceFromText("500", "JPY")).toEqual({ ok: true, value: 500 });
    expect(priceFromText("1.500", "KWD")).toEqual({ ok: true, value: 1500 });
    // 0.29 * 100 is 28.999999999999996 as a float: read as digits it is exactly 29
    expect(priceFromText("0.29", "USD")).toEqual({ ok: true, value: 29 });
    expect(priceFromText("21474836.47", "USD")).toEqual({ ok: true, value: 2147483647 });
  });

  it("refuses more decimals than the currency has, signs, separators, exponents and what the column cannot hold", () => {
    for (const [text, currency] of [["19.999", "USD"], ["500.5", "JPY"], ["1.5000", "KWD"], ["-1", "USD"], ["1,000", "USD"], ["1e3", "USD"], ["", "USD"], ["21474836.48", "USD"], ["1", "usd"]])
      expect(priceFromText(text!, currency!).ok, `${text} ${currency}`).toBe(false);
  });
});

describe("isAllowedImageUrl", () => {
  it("takes same-origin paths and https URLs only", () => {
    for (const ok of ["/products/a.svg", "https://cdn.example.test/a.jpg"]) expect(isAllowedImageUrl(ok), ok).toBe(true);
    for (const bad of ["//evil.example/a.jpg", "/\\evil.example/a.jpg", "http://a.example/a.jpg", "javascript:alert(1)", "data:image/svg+xml,x", "https://", "https://user:pw@a.example/x", "/a b.jpg", "a.jpg", `/${"a".repeat(2000)}`])
      expect(isAllowedImageUrl(bad), bad).toBe(false);
  });
});

describe("slugify", () => {
  it("makes lower-case words joined by single hyphens", () => {
    expect(slugify("Café Crème Tote!")).toBe("cafe-creme-tote");
    expect(slugify("  --Heavy   Weight--Hoodie  ")).toBe("heavy-weight-hoodie");
    expect(slugify("!!!")).toBe("");
    expect(slugify("a".repeat(150)).length).toBe(100);
  });
});
