import { z } from "zod";
import { cartIdSchema, shippingAddressSchema } from "../cart";
import { DomainError } from "../errors";

export const checkoutBodySchema = z.strictObject({
  cartId: cartIdSchema,
  email: z
    .string({ error: "Enter your email address" })
    .trim()
    .toLowerCase()
    .max(254, "That email address is too long")
    .pipe(z.email("Enter a valid email address")),
  shippingAddress: shippingAddressSchema.optional(),
});

export const confirmTestPaymentSchema = z.strictObject({
  orderId: z.uuid("Not an order id"),
  cardNumber: z.string({ error: "Enter a card number" }).min(1, "Enter a card number").max(40, "That card number is too long"),
});

const keySchema = z.uuid();

/** The Idempotency-Key header of a checkout: required, a UUID; else 400 validation_failed. */
export function parseIdempotencyKey(value: string | null): string {
  const trimmed = value?.trim() ?? "";
  if (keySchema.safeParse(trimmed).success) return trimmed.toLowerCase();
  const message = trimmed ? "The Idempotency-Key header must be a UUID." : "Send an Idempotency-Key header (a UUID) with every checkout.";
  throw new DomainError("validation_failed", message, { fieldErrors: { "Idempotency-Key": [message] } });
}
