import { z } from "zod";
import { effectivePrice, toAttributes, type VariantAttributes } from "../catalog";
import { forgetVariantInfo } from "../catalog/variant-cache";
import type { Db } from "../db";
import { notFound } from "../errors";

// Admin edits of one variant: its stock and its price override. Carts keep the unit price they captured; checkout
// reprices and asks the shopper to confirm a change (prices_changed). The only other copy is the carts' short-lived
// catalog cache in this process, which forgets the variant at once.

const INT_MAX = 2_147_483_647;

const nonNegativeInt = (what: string) =>
  z
    .number({ error: `Enter the ${what} as a whole number.` })
    .int(`Enter the ${what} as a whole number.`)
    .min(0, `The ${what} cannot be negative.`)
    .max(INT_MAX, `Use at most ${INT_MAX}.`);

/** PATCH /api/admin/variants/{id}: stock is set (not added to); priceOverride null clears it (the base price applies). */
export const updateVariantSchema = z
  .strictObject({
    stock: nonNegativeInt("stock").optional(),
    priceOverride: nonNegativeInt("price, in minor units,").nullable().optional(),
  })
  .refine((v) => v.stock !== undefined || v.priceOverride !== undefined, {
    message: "Send stock, priceOverride, or both.",
    // only when the fields themselves are fine: an unknown key alone is reported at that key
    when: (payload) => payload.issues.length === 0,
  });

export type UpdateVariantInput = z.input<typeof updateVariantSchema>;

export const variantIdSchema = z
  .union([z.number(), z.string().regex(/^\d{1,10}$/).transform(Number)], { error: "Not a variant id." })
  .pipe(z.number().int("Not a variant id.").positive("Not a variant id.").max(INT_MAX, "Not a variant id."));

export type AdminVariantJson = {
  id: number;
  productId: number;
  sku: string;
  attributes: VariantAttributes;
  /** effective price in minor units of the product's currency: priceOverride ?? the product's base price */
  price: number;
  priceOverride: number | null;
  stock: number;
  available: boolean;
};

type VariantRow = {
  id: number;
  productId: number;
  sku: string;
  attributes: unknown;
  priceOverride: number | null;
  stockQuantity: number;
  isActive: boolean;
  product: { basePrice: number; isActive: boolean };
};

export function toAdminVariantJson(v: VariantRow): AdminVariantJson {
  return {
    id: v.id,
    productId: v.productId,
    sku: v.sku,
    attributes: toAttributes(v.attributes),
    price: effectivePrice(v.product.basePrice, v.priceOverride),
    priceOverride: v.priceOverride,
    stock: v.stockQuantity,
    available: v.product.isActive && v.isActive && v.stockQuantity > 0,
  };
}

export async function updateVariant(db: Db, id: number, input: unknown): Promise<AdminVariantJson> {
  const patch = updateVariantSchema.parse(input);
  const rows = await db.productVariant.updateManyAndReturn({
    where: { id },
    data: {
      ...(patch.stock !== undefined && { stockQuantity: patch.stock }),
      ...(patch.priceOverride !== undefined && { priceOverride: patch.priceOverride }),
    },
    include: { product: { select: { basePrice: true, isActive: true } } },
  });
  const row = rows[0];
  if (!row) throw notFound("Variant");
  forgetVariantInfo([id]); // carts in this process see the new price and stock at once
  return toAdminVariantJson(row);
}

/** Every product (active or not) with every variant, for the admin products page. */
export async function listProductsForAdmin(db: Db) {
  const rows = await db.product.findMany({
    orderBy: { id: "asc" },
    include: { variants: { orderBy: { id: "asc" } } },
  });
  return rows.map((p) => ({
    id: p.id,
    slug: p.slug,
    name: p.name,
    currency: p.currency,
    basePrice: p.basePrice,
    isActive: p.isActive,
    variants: p.variants.map((v) => ({ ...toAdminVariantJson({ ...v, product: p }), isActive: v.isActive })),
  }));
}
