import { z } from "zod";
import { isCurrencyCode } from "../money";
import { customOptionsSchema, shippingAddressSchema } from "./model";

// One set of schemas for the API, the server actions and the forms.

export const cartIdSchema = z.string().regex(/^[A-Za-z0-9_-]{10,64}$/, "Not a cart id");
export const itemIdSchema = z.uuid("Not a cart item id");
/** The path parameter of POST /api/saved-for-later/{id}/move-to-cart. */
export const savedItemIdSchema = z.uuid("Not a saved item id");
export const quantityLimit = (max: number) => z.number({ error: "Quantity must be a number" }).int("Quantity must be a whole number");

export const createCartSchema = z.strictObject({
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, "Use an ISO 4217 code like USD")
    .refine((c) => isCurrencyCode(c), "Unknown currency")
    .optional(),
});

/** Built once per limit (zod schemas are costly to build, cheap to reuse): add-to-cart is a hot path. */
function memoByLimit<T>(build: (max: number) => T): (max: number) => T {
  const cache = new Map<number, T>();
  return (max) => {
    let schema = cache.get(max);
    if (!schema) cache.set(max, (schema = build(max)));
    return schema;
  };
}

export const addItemSchema = memoByLimit((maxQuantity: number) =>
  z.strictObject({
    variantId: z.number({ error: "variantId must be a number" }).int().positive().max(2_147_483_647),
    quantity: quantityLimit(maxQuantity).min(1, "Quantity must be at least 1").max(maxQuantity, `At most ${maxQuantity}`),
    customOptions: customOptionsSchema.optional(),
  }),
);

export const updateQuantitySchema = memoByLimit((maxQuantity: number) =>
  z.strictObject({
    quantity: quantityLimit(maxQuantity).min(0, "Quantity cannot be negative").max(maxQuantity, `At most ${maxQuantity}`),
  }),
);

export const applyDiscountSchema = z.strictObject({
  code: z.string().trim().min(1, "Enter a code").max(64, "That code is too long"),
});

export const discountCodeParamSchema = z.string().trim().min(1).max(64);

export { shippingAddressSchema, customOptionsSchema };
