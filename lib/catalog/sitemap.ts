import type { Db } from "../db";

/** Every active product's slug (all of them: a sitemap may hold 50,000 URLs, far beyond this catalog). */
export async function sitemapProducts(db: Db): Promise<{ slug: string; updatedAt: Date }[]> {
  return db.product.findMany({ where: { isActive: true }, select: { slug: true, updatedAt: true }, orderBy: { id: "asc" } });
}
