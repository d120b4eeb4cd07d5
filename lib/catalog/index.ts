import type { Db } from "../db";

export type VariantAttributes = Record<string, string>;

export type ApiVariant = {
  id: number;
  sku: string;
  attributes: VariantAttributes;
  /** effective price in minor units: price_override ?? base_price */
  price: number;
  stock: number;
  available: boolean;
};

export type ApiProduct = {
  id: number;
  slug: string;
  name: string;
  description: string;
  currency: string;
  basePrice: number;
  imageUrl: string | null;
  isActive: boolean;
  variants: ApiVariant[];
};

type ProductRow = {
  id: number;
  slug: string;
  name: string;
  description: string;
  currency: string;
  basePrice: number;
  imageUrl: string | null;
  isActive: boolean;
  variants: { id: number; sku: string; attributes: unknown; priceOverride: number | null; stockQuantity: number; isActive: boolean }[];
};

export function effectivePrice(basePrice: number, priceOverride: number | null): number {
  return priceOverride ?? basePrice;
}

export function toAttributes(value: unknown): VariantAttributes {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === "string")) as VariantAttributes;
}

export function toApiProduct(p: ProductRow): ApiProduct {
  return {
    id: p.id,
    slug: p.slug,
    name: p.name,
    description: p.description,
    currency: p.currency,
    basePrice: p.basePrice,
    imageUrl: p.imageUrl,
    isActive: p.isActive,
    variants: p.variants
      .filter((v) => v.isActive)
      .map((v) => ({
        id: v.id,
        sku: v.sku,
        attributes: toAttributes(v.attributes),
        price: effectivePrice(p.basePrice, v.priceOverride),
        stock: v.stockQuantity,
        available: p.isActive && v.isActive && v.stockQuantity > 0,
      })),
  };
}

const productInclude = { variants: { orderBy: { id: "asc" as const } } };

/** Active products with their active variants, in catalog order. */
export async function listProducts(db: Db): Promise<ApiProduct[]> {
  const rows = await db.product.findMany({ where: { isActive: true }, include: productInclude, orderBy: { id: "asc" } });
  return rows.map(toApiProduct);
}

/** By numeric id or by slug; inactive products are not found. */
export async function findProduct(db: Db, idOrSlug: string): Promise<ApiProduct | null> {
  const where = /^\d{1,9}$/.test(idOrSlug) ? { id: Number(idOrSlug) } : { slug: idOrSlug };
  const row = await db.product.findFirst({ where: { ...where, isActive: true }, include: productInclude });
  return row ? toApiProduct(row) : null;
}

/** A variant with its product, for pricing and stock checks. */
export async function findVariant(db: Db, variantId: number) {
  return db.productVariant.findUnique({ where: { id: variantId }, include: { product: true } });
}
