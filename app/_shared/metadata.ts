import type { Metadata } from "next";

/**
 * Metadata of a page that is not for search engines (cart, checkout, orders, account, admin, sign-in): its title,
 * a description, its canonical path (query strings such as tokens never go into it), Open Graph, and noindex.
 */
export function privatePageMetadata(title: string, path: string, description: string, extra: Metadata = {}): Metadata {
  return {
    title,
    description,
    alternates: { canonical: path },
    robots: { index: false, follow: false },
    openGraph: { type: "website", url: path, title, description },
    ...extra,
  };
}
