import type { MetadataRoute } from "next";
import { absoluteUrl } from "@/lib/http/site-url";

export const dynamic = "force-dynamic";

/** /robots.txt: crawlers stay out of the admin, the API and the shopper's own pages. */
export default function robots(): MetadataRoute.Robots {
  return {
    rules: { userAgent: "*", allow: "/", disallow: ["/admin", "/api", "/checkout", "/cart", "/orders", "/signin", "/signup"] },
    sitemap: absoluteUrl("/sitemap.xml"),
  };
}
