import Link from "next/link";
import type { ApiProduct } from "@/lib/catalog";
import { LinkPending } from "./link-pending";
import { ProductCard } from "./product-card";

/** A page of products and, when there is more, a plain link to the next page (works without JavaScript). */
export function ProductGrid({ products, nextHref, empty }: { products: ApiProduct[]; nextHref: string | null; empty: React.ReactNode }) {
  if (products.length === 0) return <div className="notice">{empty}</div>;
  return (
    <>
      <ul className="product-grid" aria-label="Products">
        {products.map((p) => (
          <ProductCard key={p.id} product={p} />
        ))}
      </ul>
      {nextHref && (
        <p className="pager">
          <Link className="btn btn-secondary" href={nextHref} rel="next" data-testid="next-page">
            More products
            <LinkPending />
          </Link>
        </p>
      )}
    </>
  );
}
