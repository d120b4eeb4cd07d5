import { z } from "zod";
import { effectivePrice, toAttributes, type VariantAttributes } from "../catalog";
import { forgetVariantInfo } from "../catalog/variant-cache";
import { recordAudit } from "../audit";
import type { Db, PrismaClient } from "../db";
import { DomainError, notFound } from "../errors";

// Admin edits of one variant: its stock (set, or changed by a delta) and its price override. Carts keep the unit price they captured; checkout
// reprices and asks the shopper to confirm a change (prices_changed). The only other copy is the carts' short-lived
// catalog cache in this process, which forgets the variant at once.

const INT_MAX = 2_147_483_647;

const nonNegativeInt = (what: string) =>
  z
    .number({ error: `Enter the ${what} as a whole number.` })
    .int(`Enter the ${what} as a whole number.`)
    .min(0, `The ${what} cannot be negative.`)
    .max(INT_MAX, `Use at most ${INT_MAX}.`);

/**
 * PATCH /api/admin/variants/{id}: stock is set, or stockDelta added atomically (a delivery +20, a write-off -3; never
 * below 0: 409); priceOverride null clears it (the base price applies).
 */
export const updateVariantSchema = z
  .strictObject({
    stock: nonNegativeInt("stock").optional(),
    stockDelta: z
      .number({ error: "Enter the stock change as a whole number." })
      .int("Enter the stock change as a whole number.")
      .min(-INT_MAX, `Use at least -${INT_MAX}.`)
      .max(INT_MAX, `Use at most ${INT_MAX}.`)
      .optional(),
    priceOverride: nonNegativeInt("price, in minor units,").nullable().optional(),
  })
  .refine((v) => v.stock !== undefined || v.stockDelta !== undefined || v.priceOverride !== undefined, {
    message: "Send stock, stockDelta, priceOverride, or several.",
    // only when the fields themselves are fine: an unknown key alone is reported at that key
    when: (payload) => payload.issues.length === 0,
  })
  .refine((v) => v.stock === undefined || v.stockDelta === undefined, {
    message: "Send stock (the new level) or stockDelta (a change), not both.",
    path: ["stockDelta"],
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

/**
 * Applies an admin edit in one transaction that holds the variant row (the lock checkout's reserve step takes too),
 * so a stock delta is `stock = stock + delta` on the latest committed stock and can never take it below 0 (409
 * conflict, nothing changed); the change and its audit row (before/after) commit together.
 */
export async function updateVariant(db: PrismaClient, id: number, input: unknown, actor = "system"): Promise<AdminVariantJson> {
  const patch = updateVariantSchema.parse(input);
  const row = await db.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ stock_quantity: number; price_override: number | null }[]>`
      SELECT stock_quantity, price_override FROM product_variants WHERE id = ${id} FOR NO KEY UPDATE`;
    const before = locked[0];
    if (!before) throw notFound("Variant");
    if (patch.stockDelta !== undefined) {
      const n = await tx.$executeRaw`
        UPDATE product_variants SET stock_quantity = stock_quantity + ${patch.stockDelta}, updated_at = now()
        WHERE id = ${id} AND stock_quantity + ${patch.stockDelta} >= 0`;
      if (n !== 1)
        throw new DomainError("conflict", `The stock cannot go below 0 (it is ${before.stock_quantity}).`, { stock: before.stock_quantity, stockDelta: patch.stockDelta });
    }
    const after = await tx.productVariant.update({
      where: { id },
      data: {
        ...(patch.stock !== undefined && { stockQuantity: patch.stock }),
        ...(patch.priceOverride !== undefined && { priceOverride: patch.priceOverride }),
      },
      include: { product: { select: { basePrice: true, isActive: true } } },
    });
    await recordAudit(tx, {
      actor,
      action: "variant.update",
      target: `variant:${id}`,
      before: { stock: before.stock_quantity, priceOverride: before.price_override },
      after: { stock: after.stockQuantity, priceOverride: after.priceOverride, ...(patch.stockDelta !== undefined && { stockDelta: patch.stockDelta }) },
    });
    return after;
  });
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
