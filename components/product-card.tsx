import Link from "next/link";
import type { ApiProduct } from "@/lib/catalog";
import { listingPrice } from "@/lib/catalog/listing-price";
import { Price } from "./money";

export function ProductCard({ product }: { product: ApiProduct }) {
  const price = listingPrice(product);
  return (
    <li className="product-card" data-testid="product-card" data-slug={product.slug}>
      <Link href={`/products/${product.slug}`}>
        <div className="product-image">
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img src={product.imageUrl ?? "/products/placeholder.svg"} alt="" width={320} height={320} />
          {price.soldOut && <span className="badge">Sold out</span>}
        </div>
        <h2 className="product-name">{product.name}</h2>
        <p className="product-price">
          {price.soldOut ? (
            <span className="muted" data-testid="sold-out">Sold out</span>
          ) : (
            <>
              {price.varies && <span className="muted">From </span>}
              <Price amount={price.amount} currency={price.currency} />
            </>
          )}
        </p>
      </Link>
    </li>
  );
}
