import { z } from "zod";
import { cartIdSchema, shippingAddressSchema } from "../cart";
import { DomainError } from "../errors";
import { orderViewSchema, PAYMENT_PROVIDERS } from "./order-view";
import type { CheckoutResponseBody } from "./place-order";

export const checkoutBodySchema = z.strictObject({
  cartId: cartIdSchema,
  email: z
    .string({ error: "Enter your email address" })
    .trim()
    .toLowerCase()
    .max(254, "That email address is too long")
    .pipe(z.email("Enter a valid email address"))
    .meta({ format: "email" }),
  shippingAddress: shippingAddressSchema.optional(),
});

export const confirmTestPaymentSchema = z.strictObject({
  orderId: z.uuid("Not an order id"),
  cardNumber: z.string({ error: "Enter a card number" }).min(1, "Enter a card number").max(40, "That card number is too long"),
});

/** The Idempotency-Key header: a UUID (trimmed, compared lower-cased). */
export const idempotencyKeySchema = z.uuid();
const keySchema = idempotencyKeySchema;

/** A body that must be empty (or `{}`): POST /api/orders/{orderId}/cancel. */
export const emptyBodySchema = z.strictObject({});

/** The 201 answer of POST /api/checkout (also what a replay of the same key answers). */
export const checkoutResponseSchema = z.object({
  order: orderViewSchema,
  orderToken: z.string().describe("Send as `Authorization: Bearer <orderToken>` to read the order without an account"),
  payment: z.object({
    provider: z.enum(PAYMENT_PROVIDERS),
    clientSecret: z.string().nullable().describe("null only for an order with nothing to pay (total 0: it is PAID at once)"),
  }),
});
// place-order.ts builds the answer with its own (looser) type; the schema's shape must fit it
const _fits: CheckoutResponseBody = {} as z.output<typeof checkoutResponseSchema>;

/** The Idempotency-Key header of a checkout: required, a UUID; else 400 validation_failed. */
export function parseIdempotencyKey(value: string | null): string {
  const trimmed = value?.trim() ?? "";
  if (keySchema.safeParse(trimmed).success) return trimmed.toLowerCase();
  const message = trimmed ? "The Idempotency-Key header must be a UUID." : "Send an Idempotency-Key header (a UUID) with every checkout.";
  throw new DomainError("validation_failed", message, { fieldErrors: { "Idempotency-Key": [message] } });
}
