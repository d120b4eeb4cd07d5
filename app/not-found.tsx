import type { Metadata } from "next";
import Link from "next/link";
import { SearchBox } from "@/components/search-box";

export const metadata: Metadata = { title: "Page not found", robots: { index: false } };

// Next answers 404 with this page for notFound() and for every URL no route matches, inside the shop's layout.
export default function NotFound() {
  return (
    <section className="error-page" data-testid="not-found">
      <h1>We could not find that page</h1>
      <p className="muted">The link may be old, or the product may no longer be sold. Try a search instead:</p>
      <SearchBox id="not-found-search" label="Search the catalog" />
      <p>
        <Link href="/">Back to the shop</Link> · <Link href="/search">Browse everything</Link> · <Link href="/cart">Your cart</Link>
      </p>
    </section>
  );
}
