import { toMajorUnitsString } from "../money";
import type { ApiProduct } from "./index";

// schema.org Product data for search engines. Prices go out as decimal strings in major units made from the
// integer minor units by moving the decimal point (toMajorUnitsString), never through a float: 1999 -> "19.99",
// 500 JPY -> "500", 1500 KWD -> "1.500".

export type JsonLdProduct = Record<string, unknown>;

export function productJsonLd(product: ApiProduct, pageUrl: string, absolute: (path: string) => string): JsonLdProduct {
  const offers = product.variants.map((v) => ({
    "@type": "Offer",
    sku: v.sku,
    price: toMajorUnitsString(v.price, product.currency),
    priceCurrency: product.currency,
    availability: v.available ? "https://schema.org/InStock" : "https://schema.org/OutOfStock",
    url: pageUrl,
    itemCondition: "https://schema.org/NewCondition",
  }));
  return {
    "@context": "https://schema.org",
    "@type": "Product",
    name: product.name,
    description: product.description,
    productID: product.slug,
    // one variant: it is the product's SKU; several: each offer names its own
    ...(product.variants.length === 1 ? { sku: product.variants[0]!.sku } : {}),
    url: pageUrl,
    image: product.images.map((i) => absolute(i.url)),
    ...(product.categories[0] ? { category: product.categories[0].name } : {}),
    offers,
  };
}

/**
 * The JSON text for a <script type="application/ld+json"> element. "<" is escaped so no product text can close the
 * element ("</script>") or open a comment; U+2028/2029 are escaped for old parsers. JSON.parse reads it back unchanged.
 */
export function serializeJsonLd(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
