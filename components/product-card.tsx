import Link from "next/link";
import type { ApiProduct } from "@/lib/catalog";
import { Price } from "./money";

export function ProductCard({ product }: { product: ApiProduct }) {
  const prices = product.variants.map((v) => v.price);
  const from = prices.length ? Math.min(...prices) : product.basePrice;
  const varies = prices.some((p) => p !== from);
  const soldOut = product.variants.every((v) => !v.available);
  return (
    <li className="product-card" data-testid="product-card">
      <Link href={`/products/${product.slug}`}>
        <div className="product-image">
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img src={product.imageUrl ?? "/products/placeholder.svg"} alt="" width={320} height={320} />
          {soldOut && <span className="badge">Sold out</span>}
        </div>
        <h2 className="product-name">{product.name}</h2>
        <p className="product-price">
          {varies && <span className="muted">From </span>}
          <Price amount={from} currency={product.currency} />
        </p>
      </Link>
    </li>
  );
}
