import type { ApiProduct } from "./index";

// What a listing quotes must be something the shopper can buy now: the cheapest variant that is active AND in
// stock. A cheaper variant that is sold out would make "From $X" a price nobody can pay.

export type ListingPrice = { soldOut: true } | { soldOut: false; amount: number; currency: string; varies: boolean };

export function listingPrice(product: Pick<ApiProduct, "variants" | "currency">): ListingPrice {
  const buyable = product.variants.filter((v) => v.available).map((v) => v.price);
  if (buyable.length === 0) return { soldOut: true };
  const amount = Math.min(...buyable);
  return { soldOut: false, amount, currency: product.currency, varies: buyable.some((p) => p !== amount) };
}
