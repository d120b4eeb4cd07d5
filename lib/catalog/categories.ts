import { z } from "zod";
import type { Db } from "../db";

export const apiCategorySchema = z
  .object({ id: z.number().int(), slug: z.string(), name: z.string(), productCount: z.number().int().min(0).describe("Active products in the category") })
  .meta({ id: "Category" });
export type ApiCategory = z.output<typeof apiCategorySchema>;
export type CategoryDetail = ApiCategory & { description: string };

/** Every category in menu order, with how many ACTIVE products it holds (what a shopper would find on it). */
export async function listCategories(db: Db): Promise<CategoryDetail[]> {
  const rows = await db.$queryRaw<{ id: number; slug: string; name: string; description: string; product_count: number }[]>`
    SELECT c.id, c.slug, c.name, c.description,
           (SELECT count(*) FROM product_categories pc JOIN products p ON p.id = pc.product_id
             WHERE pc.category_id = c.id AND p.is_active)::int AS product_count
    FROM categories c
    ORDER BY c.position, c.name, c.id`;
  return rows.map((r) => ({ id: r.id, slug: r.slug, name: r.name, description: r.description, productCount: r.product_count }));
}

export async function findCategory(db: Db, slug: string): Promise<CategoryDetail | null> {
  return (await listCategories(db)).find((c) => c.slug === slug) ?? null;
}

export const toApiCategory = ({ id, slug, name, productCount }: CategoryDetail): ApiCategory => ({ id, slug, name, productCount });
