import { z } from "zod";
import { attributesViewSchema, effectivePrice, sellable, toAttributes } from "../catalog";
import { forgetVariantInfo } from "../catalog/variant-cache";
import { recordAudit } from "../audit";
import type { Db, PrismaClient } from "../db";
import { DomainError, notFound } from "../errors";
import { moneyAmountSchema } from "../money/schema";

// Admin edits of one variant: its stock (set, or changed by a delta), its price override, SKU, attributes and
// active flag. Carts keep the unit price they captured; checkout
// reprices and asks the shopper to confirm a change (prices_changed). The only other copy is the carts' short-lived
// catalog cache in this process, which forgets the variant at once.

export const INT_MAX = 2_147_483_647;

/** SKUs are stored upper-cased, so "tee-m" and "TEE-M" cannot both exist (the unique index on sku decides). */
export const skuSchema = z
  .string({ error: "Enter a SKU." })
  .trim()
  .min(1, "Enter a SKU.")
  .max(64, "Use at most 64 characters.")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "Use letters, digits, '.', '-' and '_' (starting with a letter or digit).")
  .transform((s) => s.toUpperCase());

/** e.g. { "size": "M", "color": "Navy" }: what the storefront's picker offers (one group per key). */
export const attributesSchema = z
  .record(
    z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "Use a lower-case name of at most 32 letters, digits, - or _ (e.g. size, color)."),
    z.string({ error: "Enter a value." }).trim().min(1, "Enter a value.").max(64, "Use at most 64 characters."),
    { error: "Send the attributes as an object of names to values." },
  )
  .refine((a) => Object.keys(a).length <= 10, "Use at most 10 attributes.");

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
    sku: skuSchema.optional(),
    attributes: attributesSchema.optional(),
    /** false takes the variant off the shop (it is never deleted: orders refer to it) */
    isActive: z.boolean({ error: "Must be true or false." }).optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), {
    message: "Send stock, stockDelta, priceOverride, sku, attributes, isActive, or several.",
    // only when the fields themselves are fine: an unknown key alone is reported at that key
    when: (payload) => payload.issues.length === 0,
  })
  .refine((v) => v.stock === undefined || v.stockDelta === undefined, {
    message: "Send stock (the new level) or stockDelta (a change), not both.",
    path: ["stockDelta"],
    when: (payload) => payload.issues.length === 0,
  })
  // what the refinement above checks, stated for the JSON Schema of the OpenAPI document
  .meta({ minProperties: 1 });

export type UpdateVariantInput = z.input<typeof updateVariantSchema>;

export const variantIdSchema = z
  .union([z.number(), z.string().regex(/^\d{1,10}$/).transform(Number)], { error: "Not a variant id." })
  .pipe(z.number().int("Not a variant id.").positive("Not a variant id.").max(INT_MAX, "Not a variant id."));

export const adminVariantSchema = z
  .object({
    id: z.number().int(),
    productId: z.number().int(),
    sku: z.string(),
    attributes: attributesViewSchema,
    price: moneyAmountSchema.describe("Effective price in the product's currency: priceOverride ?? the product's basePrice"),
    priceOverride: moneyAmountSchema.nullable(),
    stock: z.number().int().min(0),
    available: z.boolean().describe("stock > 0, the variant and its product active"),
    isActive: z.boolean().describe("The variant itself is for sale"),
  })
  .meta({ id: "AdminVariant" });
export type AdminVariantJson = z.output<typeof adminVariantSchema>;

export type AdminVariantRow = {
  id: number;
  productId: number;
  sku: string;
  attributes: unknown;
  priceOverride: number | null;
  stockQuantity: number;
  isActive: boolean;
  product: { basePrice: number; isActive: boolean; currency: string };
};

export function toAdminVariantJson(v: AdminVariantRow): AdminVariantJson {
  return {
    id: v.id,
    productId: v.productId,
    sku: v.sku,
    attributes: toAttributes(v.attributes),
    price: effectivePrice(v.product.basePrice, v.priceOverride),
    priceOverride: v.priceOverride,
    stock: v.stockQuantity,
    available: sellable({ variantActive: v.isActive, productActive: v.product.isActive, stock: v.stockQuantity, currency: v.product.currency }, { quantity: 1 }),
    isActive: v.isActive,
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
    const locked = await tx.$queryRaw<{ stock_quantity: number; price_override: number | null; sku: string; attributes: unknown; is_active: boolean }[]>`
      SELECT stock_quantity, price_override, sku, attributes, is_active FROM product_variants WHERE id = ${id} FOR NO KEY UPDATE`;
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
        ...(patch.sku !== undefined && { sku: patch.sku }),
        ...(patch.attributes !== undefined && { attributes: patch.attributes }),
        ...(patch.isActive !== undefined && { isActive: patch.isActive }),
      },
      include: { product: { select: { basePrice: true, isActive: true, currency: true } } },
    });
    await recordAudit(tx, {
      actor,
      action: "variant.update",
      target: `variant:${id}`,
      before: {
        stock: before.stock_quantity,
        priceOverride: before.price_override,
        ...(patch.sku !== undefined && { sku: before.sku }),
        ...(patch.attributes !== undefined && { attributes: toAttributes(before.attributes) }),
        ...(patch.isActive !== undefined && { isActive: before.is_active }),
      },
      after: {
        stock: after.stockQuantity,
        priceOverride: after.priceOverride,
        ...(patch.stockDelta !== undefined && { stockDelta: patch.stockDelta }),
        ...(patch.sku !== undefined && { sku: after.sku }),
        ...(patch.attributes !== undefined && { attributes: toAttributes(after.attributes) }),
        ...(patch.isActive !== undefined && { isActive: after.isActive }),
      },
    });
    return after;
  }).catch((e: unknown) => {
    // the unique index on sku decides between two variants given one SKU
    if ((e as { code?: unknown } | null)?.code === "P2002")
      throw new DomainError("conflict", "Another variant already has this SKU.", { fieldErrors: { sku: ["Another variant already has this SKU."] } });
    throw e;
  });
  forgetVariantInfo([id]); // carts in this process see the new price and stock at once
  return toAdminVariantJson(row);
}

/** Every product (active or not) with every variant, for the admin products page; `q` filters by name, slug or SKU. */
export async function listProductsForAdmin(db: Db, q = "") {
  const text = q.trim().slice(0, 200);
  const rows = await db.product.findMany({
    where: text
      ? {
          OR: [
            { name: { contains: text, mode: "insensitive" } },
            { slug: { contains: text, mode: "insensitive" } },
            { variants: { some: { sku: { contains: text, mode: "insensitive" } } } },
          ],
        }
      : {},
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
    variants: p.variants.map((v) => toAdminVariantJson({ ...v, product: p })),
  }));
}
