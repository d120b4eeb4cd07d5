import type { MetadataRoute } from "next";
import { listCategories } from "@/lib/catalog/categories";
import { sitemapProducts } from "@/lib/catalog/sitemap";
import { prisma } from "@/lib/db";
import { absoluteUrl } from "@/lib/http/site-url";

export const dynamic = "force-dynamic";

/** /sitemap.xml: the home page, every category and every active product. */
export default async function sitemap(): Promise<MetadataRoute.Sitemap> {
  const db = prisma();
  const [products, categories] = await Promise.all([sitemapProducts(db), listCategories(db)]);
  return [
    { url: absoluteUrl("/"), changeFrequency: "daily", priority: 1 },
    ...categories.map((c) => ({ url: absoluteUrl(`/categories/${c.slug}`), changeFrequency: "weekly" as const, priority: 0.7 })),
    ...products.map((p) => ({ url: absoluteUrl(`/products/${p.slug}`), lastModified: p.updatedAt, changeFrequency: "weekly" as const, priority: 0.8 })),
  ];
}
