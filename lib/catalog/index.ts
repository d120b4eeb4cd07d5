import { z } from "zod";
import { Prisma, type Db } from "../db";
import { currencyCodeSchema, isoDateTimeSchema, moneyAmountSchema } from "../money/schema";
import { sellable, type SellableFacts } from "./sellable";

export { sellable, sellableSql, sellableUnits, type SellableFacts, type SellableNeed } from "./sellable";

// A product as the shop's API answers it. The zod schemas are the one statement of the shape (the types are
// inferred from them; the OpenAPI document is generated from them); nothing parses a product at run time.

/** Variant attributes such as size and colour. */
export const attributesViewSchema = z.record(z.string(), z.string()).meta({ examples: [{ size: "M", color: "Navy" }] });
export type VariantAttributes = Record<string, string>;

export const apiVariantSchema = z
  .object({
    id: z.number().int(),
    sku: z.string(),
    attributes: attributesViewSchema,
    price: moneyAmountSchema.describe("Effective price: priceOverride ?? the product's basePrice"),
    stock: z.number().int().min(0),
    available: z.boolean().describe("stock > 0 and active"),
  })
  .meta({ id: "Variant" });
export type ApiVariant = z.output<typeof apiVariantSchema>;

export const apiCategoryRefSchema = z.object({ slug: z.string(), name: z.string() });
export type ApiCategoryRef = z.output<typeof apiCategoryRefSchema>;
export const apiImageSchema = z.object({
  url: z.string().describe("A same-origin path or an https URL"),
  alt: z.string(),
  variantId: z.number().int().nullable().describe("The variant the image shows; null: the whole product"),
});
export type ApiImage = z.output<typeof apiImageSchema>;

/** A product's own fields, as the shop's API and the admin API both show them. */
export const productViewFields = {
  id: z.number().int(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  currency: currencyCodeSchema,
  basePrice: moneyAmountSchema,
  imageUrl: z.string().nullable().describe("The main image (the gallery's first)"),
  isActive: z.boolean(),
  createdAt: isoDateTimeSchema,
};

/** What a cart line and an order line say of the variant they hold, after the line's own id. */
export const variantLineFields = {
  id: z.uuid(),
  productId: z.number().int(),
  variantId: z.number().int(),
  sku: z.string(),
  name: z.string(),
};

export const apiProductSchema = z
  .object({
    ...productViewFields,
    variants: z.array(apiVariantSchema),
    categories: z.array(apiCategoryRefSchema),
    images: z.array(apiImageSchema).describe("The gallery: the main image first"),
  })
  .meta({ id: "Product" });
export type ApiProduct = z.output<typeof apiProductSchema>;

/** The path parameter of GET /api/products/{idOrSlug}. */
export const productRefSchema = z.string().min(1).max(200).describe("A product id (digits) or slug");

/** A product as read from the database (with its variants), before it becomes an ApiProduct. */
type ProductRow = Omit<ApiProduct, "variants" | "categories" | "images" | "createdAt"> & {
  createdAt: Date;
  variants: { id: number; sku: string; attributes: unknown; priceOverride: number | null; stockQuantity: number; isActive: boolean }[];
  categories: { category: { slug: string; name: string; position: number } }[];
  images: { url: string; alt: string; variantId: number | null }[];
};

/** What carts and checkout need to know about a variant (the effective price, stock, whether it can be sold: `sellable`). */
export type VariantInfo = SellableFacts & {
  id: number;
  productId: number;
  sku: string;
  name: string;
  attributes: Record<string, string>;
  imageUrl: string | null;
  price: number;
};

/** Some variants with their product's fields, in ONE joined query (Prisma's include would send two), as stored now. */
type VariantInfoRow = { id: number; product_id: number; sku: string; attributes: unknown; price_override: number | null; stock_quantity: number; v_active: boolean; name: string; image_url: string | null; base_price: number; currency: string; p_active: boolean };

/** The statement behind loadVariantInfo, for a caller that reads it as a part of a larger one (rows: toVariantInfo). */
export function variantInfoSql(variantIds: readonly number[]): Prisma.Sql {
  return Prisma.sql`SELECT v.id, v.product_id, v.sku, v.attributes, v.price_override, v.stock_quantity, v.is_active AS v_active,
           p.name, p.image_url, p.base_price, p.currency, p.is_active AS p_active
    FROM product_variants v JOIN products p ON p.id = v.product_id
    WHERE v.id = ANY(${[...new Set(variantIds)]}::int[])`;
}

export function toVariantInfo(v: VariantInfoRow): VariantInfo {
  return {
    id: v.id,
    productId: v.product_id,
    sku: v.sku,
    name: v.name,
    attributes: toAttributes(v.attributes),
    imageUrl: v.image_url,
    price: effectivePrice(v.base_price, v.price_override),
    currency: v.currency.trim(),
    stock: v.stock_quantity,
    variantActive: v.v_active,
    productActive: v.p_active,
  };
}

export async function loadVariantInfo(db: Db, variantIds: readonly number[]): Promise<Map<number, VariantInfo>> {
  if (variantIds.length === 0) return new Map();
  const rows = await db.$queryRaw<VariantInfoRow[]>(variantInfoSql(variantIds));
  return new Map(rows.map((v) => [v.id, toVariantInfo(v)]));
}

export function effectivePrice(basePrice: number, priceOverride: number | null): number {
  return priceOverride ?? basePrice;
}

export function toAttributes(value: unknown): VariantAttributes {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === "string")) as VariantAttributes;
}

type ProductViewRow = { id: number; slug: string; name: string; description: string; currency: string; basePrice: number; imageUrl: string | null; isActive: boolean; createdAt: Date };

/** productViewFields from a product row (the shop's API and the admin API alike). */
export function toProductViewFields(p: ProductViewRow): z.output<z.ZodObject<typeof productViewFields>> {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    currency: p.currency.trim(),
    basePrice: p.basePrice,
    imageUrl: p.imageUrl,
    isActive: p.isActive,
    createdAt: p.createdAt.toISOString(),
  };
}

/** The menu order of categories: by position, then name. */
export const byMenuOrder = (a: { position: number; name: string }, b: { position: number; name: string }): number =>
  a.position - b.position || a.name.localeCompare(b.name);

export function toApiProduct(p: ProductRow): ApiProduct {
  const activeVariantIds = new Set(p.variants.filter((v) => v.isActive).map((v) => v.id));
  const images: ApiImage[] = p.images
    .filter((i) => i.variantId === null || activeVariantIds.has(i.variantId))
    .map((i) => ({ url: i.url, alt: i.alt || p.name, variantId: i.variantId }));
  // imageUrl stays the main image; a product created before galleries existed shows it as its only image
  if (p.imageUrl && !images.some((i) => i.url === p.imageUrl)) images.unshift({ url: p.imageUrl, alt: p.name, variantId: null });
  return {
    ...toProductViewFields(p),
    imageUrl: p.imageUrl ?? images[0]?.url ?? null,
    categories: p.categories
      .map(({ category }) => category)
      .sort(byMenuOrder)
      .map((category) => ({ slug: category.slug, name: category.name })),
    images,
    variants: p.variants
      .filter((v) => v.isActive)
      .map((v) => ({
        id: v.id,
        sku: v.sku,
        attributes: toAttributes(v.attributes),
        price: effectivePrice(p.basePrice, v.priceOverride),
        stock: v.stockQuantity,
        available: sellable({ variantActive: v.isActive, productActive: p.isActive, stock: v.stockQuantity, currency: p.currency }, { quantity: 1 }),
      })),
  };
}

export const productInclude = {
  variants: { orderBy: { id: "asc" as const } },
  categories: { include: { category: { select: { slug: true, name: true, position: true } } } },
  images: { orderBy: [{ position: "asc" as const }, { id: "asc" as const }], select: { url: true, alt: true, variantId: true } },
};

/** These products (active ones only), in the order of `ids`. */
export async function loadProducts(db: Db, ids: readonly number[]): Promise<ApiProduct[]> {
  if (ids.length === 0) return [];
  const rows = await db.product.findMany({ where: { id: { in: [...ids] }, isActive: true }, include: productInclude });
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [toApiProduct(row)] : [];
  });
}

/** By numeric id or by slug; inactive products are not found. */
export async function findProduct(db: Db, idOrSlug: string): Promise<ApiProduct | null> {
  const where = /^\d{1,9}$/.test(idOrSlug) ? { id: Number(idOrSlug) } : { slug: idOrSlug };
  const row = await db.product.findFirst({ where: { ...where, isActive: true }, include: productInclude });
  return row ? toApiProduct(row) : null;
}
