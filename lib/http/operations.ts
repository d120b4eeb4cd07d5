import { z } from "zod";
import { registerSchema } from "../accounts";
import { ADDRESS_BOOK_LIMIT, addressIdSchema, createAddressSchema, patchAddressSchema, savedAddressSchema } from "../address-book";
import { generateCodesSchema } from "../admin/discount-codes";
import { passwordResetConfirmSchema, passwordResetRequestSchema } from "../accounts/password-reset";
import { createDiscountSchema, discountIdSchema, discountJsonSchema, patchDiscountSchema } from "../admin/discounts";
import { discountStatsSchema } from "../admin/discount-stats";
import { adminCategorySchema, adminProductSchema, createCategorySchema, createProductSchema, createVariantSchema, patchProductSchema, productIdSchema } from "../admin/products";
import { adminUserSchema, setUserRoleSchema, userIdSchema } from "../admin/users";
import { adminVariantSchema, updateVariantSchema, variantIdSchema } from "../admin/variants";
import { addItemSchema, applyDiscountSchema, cartIdSchema, createCartSchema, discountCodeParamSchema, itemIdSchema, savedItemIdSchema, shippingAddressSchema, updateQuantitySchema } from "../cart/schemas";
import { cartViewSchema, savedForLaterListSchema } from "../cart/view";
import { apiProductSchema, productRefSchema } from "../catalog";
import { apiCategorySchema } from "../catalog/categories";
import { productQuerySchema } from "../catalog/search";
import { orderViewSchema } from "../checkout/order-view";
import { checkoutBodySchema, checkoutResponseSchema, confirmTestPaymentSchema, emptyBodySchema, idempotencyKeySchema } from "../checkout/schemas";
import type { ErrorCode } from "../errors";
import { orderLookupSchema } from "../mail/order-lookup";
import { mailIdSchema, mailListItemSchema } from "../mail/worker";
import { healthAnswerSchema, readinessAnswerSchema } from "../observability/readiness";
import { refundAnswerSchema } from "../orders/desk";
import { adminOrderViewSchema, orderPageSchema } from "../orders/list";
import { cancelBodySchema, fulfillmentBodySchema, listOrdersQuerySchema, orderIdSchema, refundBodySchema } from "../orders/schemas";

// Every operation of the HTTP API, one entry each: the OpenAPI document (./openapi.ts) is generated from this list,
// and tests/unit/openapi.test.ts checks that it names exactly the methods the route files under app/api export.
// Each schema is the one the code uses: the route's parser for parameters and bodies, and for answers the schema
// the answer's type is inferred from (lib/<domain>, next to the code that builds it).
//
// Adding a route: export its method from app/api/.../route.ts, then add one entry here, e.g.
//   { route: "GET /api/account/addresses", id: "listAddresses", tag: "accounts", summary: "...", security: SESSION,
//     responses: { 200: z.object({ addresses: z.array(addressSchema) }) }, errors: ["unauthorized"] },
// with `params: z.object({ id: ... })` for {id} in the path, `query` for the query string, `body` for the JSON body.
// The server's own answers (405, and 403 / 413 / 415 on writes) and the 500 are added by the generator.

export type Security = Record<string, string[]>[];
const PUBLIC: Security = [];
/** Works without a session (a cart id is a capability); a signed-in shopper's cart also needs their session. */
const OPTIONAL_SESSION: Security = [{}, { sessionCookie: [] }];
const SESSION: Security = [{ sessionCookie: [] }];
const ORDER_ACCESS: Security = [{ sessionCookie: [] }, { orderToken: [] }, { orderTokenCookie: [] }];
const ADMIN: Security = [{ sessionCookie: [] }, { adminToken: [] }];
const CRON: Security = [{ cronSecret: [] }];
const METRICS: Security = [{ metricsToken: [] }];
const STRIPE: Security = [{ stripeSignature: [] }];

export const TAGS = {
  catalog: "Products, variants, categories and search",
  carts: "Guest and signed-in carts",
  "saved for later": "Signed-in shoppers' saved items",
  checkout: "Checkout and the test payment provider",
  orders: "Orders",
  payments: "Payment provider webhooks",
  accounts: "Sign-up, password reset, signing out everywhere, the address book",
  "auth (next-auth)": "next-auth's endpoints used to sign in and out; they do not use the error envelope",
  cron: "Sweepers for a scheduler",
  admin: "Discounts, catalog, users, mail and the order desk (an ADMIN session or ADMIN_API_TOKEN); every change is audited",
  meta: "Health, readiness, metrics and this document",
} as const;

/** A success answer: its schema (JSON), or another media type, a description, response headers. */
export type Answer = z.ZodType | { schema?: z.ZodType; mediaType?: string; description?: string; headers?: Record<string, string> };
type Body = z.ZodType | { schema: z.ZodType; mediaType?: string; required?: boolean; description?: string };
type Method = "get" | "post" | "put" | "patch" | "delete";

export type ApiOperation = {
  method: Method;
  /** the OpenAPI path template: /api/carts/{cartId} */
  path: string;
  id: string;
  tag: keyof typeof TAGS;
  summary: string;
  description?: string | ((maxLineQuantity: number) => string);
  security: Security;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: Body | ((maxLineQuantity: number) => Body);
  /** the success answers by status */
  responses: Record<number, Answer>;
  /** the error codes the handler may answer (each documented under its status) */
  errors: ErrorCode[];
  /** next-auth's own endpoints: no error envelope */
  nextAuth?: true;
};

type Entry = Omit<ApiOperation, "method" | "path"> & { route: `${Uppercase<Method>} /api/${string}` };

const cartParams = z.object({ cartId: cartIdSchema.describe("The cart id (an unguessable capability for a guest cart)") });
const itemParams = cartParams.extend({ itemId: itemIdSchema.describe("A cart line id") });
const idParam = (schema: z.ZodType, what: string) => z.object({ id: schema.describe(what) });
const cart = z.object({ cart: cartViewSchema });
const cartAndSaved = z.object({ cart: cartViewSchema, savedForLater: savedForLaterListSchema });
const order = z.object({ order: orderViewSchema });
const processed = z.object({ processed: z.number().int().min(0) });
const accepted = { description: "Accepted; the answer is the same whether or not the address is known", schema: z.object({ accepted: z.literal(true) }) };
const cartCookie = { "Set-Cookie": "cw_cart=<signed cart id>; HttpOnly; SameSite=Lax; Path=/ (guests only; __Host-cw_cart with Secure over https)" };
const idempotency = (what: string) => z.object({ "Idempotency-Key": idempotencyKeySchema.describe(`A new UUID per ${what}; a retry sends the same key (missing or malformed: 400)`) });

const CART_ERRORS: ErrorCode[] = ["validation_failed", "forbidden", "not_found", "service_unavailable"];
const CART_WRITE: ErrorCode[] = [...CART_ERRORS, "cart_not_active"];
const ADMIN_ERRORS: ErrorCode[] = ["validation_failed", "unauthorized", "forbidden"];
const orderFilters = listOrdersQuerySchema.omit({ cursor: true, limit: true });

// next-auth's forms (application/x-www-form-urlencoded); with json=true it answers JSON instead of a redirect
const form = (fields: Record<string, z.ZodType>) => ({ mediaType: "application/x-www-form-urlencoded", schema: z.object({ csrfToken: z.string(), json: z.literal("true").optional(), callbackUrl: z.string().optional(), ...fields }) });
const nextUrl = z.object({ url: z.string().describe("Where to go next (carries error=... when it failed)") });

const ENTRIES: Entry[] = [
  // ---- catalog ----
  {
    route: "GET /api/products", id: "listProducts", tag: "catalog", security: PUBLIC,
    summary: "Active products (with their active variants), searched, filtered, sorted and paged",
    description: "Keyset paging: nextCursor is null on the last page. Without q or sort the order is the catalog's (by id). A larger limit than 100 is clamped.",
    query: productQuerySchema,
    responses: { 200: z.object({ products: z.array(apiProductSchema), nextCursor: z.string().nullable() }) },
    errors: ["validation_failed"],
  },
  { route: "GET /api/categories", id: "listCategories", tag: "catalog", security: PUBLIC, summary: "Every category, in menu order, with its count of active products", responses: { 200: z.object({ categories: z.array(apiCategorySchema) }) }, errors: [] },
  { route: "GET /api/products/{idOrSlug}", id: "getProduct", tag: "catalog", security: PUBLIC, summary: "One active product by numeric id or slug", params: z.object({ idOrSlug: productRefSchema }), responses: { 200: z.object({ product: apiProductSchema }) }, errors: ["validation_failed", "not_found"] },
  // ---- carts ----
  {
    route: "POST /api/carts", id: "createCart", tag: "carts", security: OPTIONAL_SESSION,
    summary: "A new guest cart (sets the cart cookie), or the signed-in shopper's active cart",
    description: "currency defaults to DEFAULT_CURRENCY (USD).",
    body: { schema: createCartSchema, required: false },
    responses: { 201: { schema: cart, headers: cartCookie } },
    errors: ["validation_failed", "service_unavailable"],
  },
  { route: "GET /api/carts/{cartId}", id: "getCart", tag: "carts", security: OPTIONAL_SESSION, summary: "A cart with its priced summary", params: cartParams, responses: { 200: cart }, errors: CART_ERRORS },
  {
    route: "POST /api/carts/{cartId}/items", id: "addCartItem", tag: "carts", security: OPTIONAL_SESSION,
    summary: "Adds a variant; the same variant with the same options adds to that line",
    description: (q) => `quantity 1..${q}; the units of one variant over all its lines are at most ${q} too (else 400 on quantity); a cart holds at most 100 lines. The unit price is captured now and re-checked at checkout.`,
    params: cartParams, body: (q) => addItemSchema(q),
    responses: { 201: cart },
    errors: [...CART_WRITE, "insufficient_stock", "currency_mismatch", "too_many_lines", "amount_out_of_range"],
  },
  {
    route: "PATCH /api/carts/{cartId}/items/{itemId}", id: "updateCartItem", tag: "carts", security: OPTIONAL_SESSION,
    summary: "Sets a line's quantity (0 removes the line)", params: itemParams, body: (q) => updateQuantitySchema(q),
    responses: { 200: cart }, errors: [...CART_WRITE, "insufficient_stock", "amount_out_of_range"],
  },
  { route: "DELETE /api/carts/{cartId}/items/{itemId}", id: "removeCartItem", tag: "carts", security: OPTIONAL_SESSION, summary: "Removes a line", params: itemParams, responses: { 200: cart }, errors: CART_WRITE },
  {
    route: "PUT /api/carts/{cartId}/shipping-address", id: "setShippingAddress", tag: "carts", security: OPTIONAL_SESSION,
    summary: "Sets the shipping address (the estimate form or the full address); the summary then has shipping and tax",
    description: 'country is ISO 3166-1 alpha-2 ("US"), region the ISO 3166-2 subdivision code ("CA"): one that is not a subdivision of its country is 400 on `region`. A destination not shipped to in the cart\'s currency is 400.',
    params: cartParams, body: shippingAddressSchema, responses: { 200: cart }, errors: CART_WRITE,
  },
  {
    route: "POST /api/carts/{cartId}/discounts", id: "applyDiscount", tag: "carts", security: OPTIONAL_SESSION,
    summary: "Validates a discount code and attaches it to the cart (checkout redeems it)",
    description: "The 11th wrong code for one cart, or the 31st for one client, within a sliding 15 minutes gets 429 rate_limited. 409 conflict when the applied set kept changing under the request (retry).",
    params: cartParams, body: applyDiscountSchema, responses: { 200: cart },
    errors: [...CART_WRITE, "discount_invalid", "currency_mismatch", "rate_limited", "conflict"],
  },
  {
    route: "DELETE /api/carts/{cartId}/discounts/{code}", id: "removeDiscount", tag: "carts", security: OPTIONAL_SESSION, summary: "Takes a discount code off the cart",
    params: cartParams.extend({ code: discountCodeParamSchema.describe("The discount code on the cart (case-insensitive), URL-encoded") }), responses: { 200: cart }, errors: CART_WRITE,
  },
  // ---- saved for later ----
  { route: "POST /api/carts/{cartId}/items/{itemId}/save-for-later", id: "saveCartItemForLater", tag: "saved for later", security: SESSION, summary: "Moves a line of the signed-in shopper's cart to their saved-for-later list", params: itemParams, responses: { 200: cartAndSaved }, errors: [...CART_WRITE, "unauthorized"] },
  { route: "GET /api/saved-for-later", id: "listSavedForLater", tag: "saved for later", security: SESSION, summary: "The signed-in shopper's saved-for-later list, newest first", responses: { 200: z.object({ savedForLater: savedForLaterListSchema }) }, errors: ["unauthorized", "service_unavailable"] },
  {
    route: "POST /api/saved-for-later/{id}/move-to-cart", id: "moveSavedToCart", tag: "saved for later", security: SESSION, summary: "Moves a saved item back into the active cart (stock checked and price captured again)",
    params: idParam(savedItemIdSchema, "A saved-for-later entry id"), responses: { 200: cartAndSaved },
    errors: ["validation_failed", "unauthorized", "not_found", "insufficient_stock", "currency_mismatch", "too_many_lines", "service_unavailable"],
  },
  // ---- checkout and orders ----
  {
    route: "POST /api/checkout", id: "checkout", tag: "checkout", security: OPTIONAL_SESSION,
    summary: "Reprices, reserves stock, creates the order and its payment",
    description: "Idempotent per Idempotency-Key: a completed key replays its stored answer; the same key with another body is 422 idempotency_key_reused; a key still in progress is 409 idempotency_key_in_use. On prices_changed the cart takes the new prices: confirm with a new key. Sets an httpOnly cookie holding the order token.",
    headers: idempotency("checkout attempt"), body: checkoutBodySchema,
    responses: { 201: { schema: checkoutResponseSchema, headers: { "Set-Cookie": "cw_orders: the order token (httpOnly, signed)", "Idempotent-Replayed": '"true" when this is the stored answer of an earlier request with the same key' } } },
    errors: ["validation_failed", "forbidden", "not_found", "insufficient_stock", "prices_changed", "cart_not_active", "conflict", "idempotency_key_in_use", "idempotency_key_reused", "currency_mismatch", "discount_invalid", "cart_empty", "amount_out_of_range", "rate_limited", "payment_provider_error", "service_unavailable"],
  },
  {
    route: "POST /api/payments/test/confirm", id: "confirmTestPayment", tag: "checkout", security: ORDER_ACCESS,
    summary: "Confirms an order's payment with the built-in test provider (test provider only)",
    description: "Stripe's public test card numbers decide (4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined: the order stays PENDING_PAYMENT with payment.declineCode, and the 5th decline cancels it). 404 when the test provider is not the active one.",
    body: confirmTestPaymentSchema, responses: { 200: order }, errors: ["validation_failed", "not_found", "conflict"],
  },
  {
    route: "GET /api/orders/{orderId}", id: "getOrder", tag: "orders", security: ORDER_ACCESS,
    summary: "An order: for its signed-in owner, or with `Authorization: Bearer <orderToken>` (or the order-token cookie)",
    description: "Anyone else gets 404 not_found (a 403 would confirm that the id exists).",
    params: z.object({ orderId: orderIdSchema }), responses: { 200: order }, errors: ["not_found"],
  },
  {
    route: "POST /api/orders/{orderId}/cancel", id: "cancelOrder", tag: "orders", security: ORDER_ACCESS,
    summary: '"Back to cart": cancels an order still waiting for payment (the owner, or the order token)',
    description: "Stock and the code use come back and the cart is ACTIVE again, exactly once; an order that is not PENDING_PAYMENT is 409 conflict.",
    params: z.object({ orderId: orderIdSchema }), body: { schema: emptyBodySchema, required: false }, responses: { 200: order },
    errors: ["validation_failed", "not_found", "conflict", "payment_provider_error"],
  },
  { route: "POST /api/orders/lookup", id: "lookupOrders", tag: "orders", security: PUBLIC, summary: "Mails signed links to the orders placed with this address, if any (202 either way)", body: orderLookupSchema, responses: { 202: accepted }, errors: ["validation_failed"] },
  {
    route: "POST /api/webhooks/stripe", id: "stripeWebhook", tag: "payments", security: STRIPE,
    summary: "Stripe payment events (the Stripe-Signature header is verified over the raw body)",
    description: "Each event is recorded by id and applied once, in any order; a repeated event is acknowledged again; types it does not handle are acknowledged.",
    body: { schema: z.looseObject({ id: z.string(), type: z.string(), data: z.looseObject({}) }), description: "A Stripe event, exactly as Stripe sent it" },
    responses: { 200: z.object({ received: z.literal(true) }) }, errors: ["invalid_signature", "not_found"],
  },
  // ---- accounts ----
  {
    route: "POST /api/account/register", id: "register", tag: "accounts", security: PUBLIC, summary: "Creates a customer account",
    description: "A password of at least 10 characters that is not on the common-password list (else 400 on `password`). An e-mail that has an account is 409 conflict; REGISTRATIONS_PER_CLIENT_PER_HOUR attempts per client (default 10), then 429.",
    body: registerSchema, responses: { 201: z.object({ user: z.object({ id: z.uuid(), email: z.string() }) }) }, errors: ["validation_failed", "conflict", "rate_limited"],
  },
  { route: "POST /api/account/sessions/revoke-all", id: "revokeAllSessions", tag: "accounts", security: SESSION, summary: "Signs the account out everywhere (every session, this one included)", responses: { 200: z.object({ revoked: z.number().int().min(0).describe("How many sessions were live") }) }, errors: ["unauthorized"] },
  { route: "POST /api/account/password-reset", id: "requestPasswordReset", tag: "accounts", security: PUBLIC, summary: "Mails a password reset link to the account with this address, if there is one (202 either way)", body: passwordResetRequestSchema, responses: { 202: accepted }, errors: ["validation_failed"] },
  {
    route: "POST /api/account/password-reset/confirm", id: "confirmPasswordReset", tag: "accounts", security: PUBLIC, summary: "Sets a new password with a reset token (single use, 30 minutes)",
    description: "A bad, used or expired token is 400 validation_failed on `token`; a weak password on `password`.",
    body: passwordResetConfirmSchema, responses: { 200: z.object({ reset: z.literal(true) }) }, errors: ["validation_failed"],
  },
  // ---- cron ----
  { route: "POST /api/cron/expire-orders", id: "cronExpireOrders", tag: "cron", security: CRON, summary: "Cancels orders still unpaid after their reservation (safe on several instances at once)", responses: { 200: processed }, errors: ["unauthorized", "payment_provider_error", "service_unavailable"] },
  { route: "POST /api/cron/abandon-carts", id: "cronAbandonCarts", tag: "cron", security: CRON, summary: "Marks idle signed-in carts ABANDONED", responses: { 200: processed }, errors: ["unauthorized", "service_unavailable"] },
  { route: "POST /api/cron/cart-reminders", id: "cronCartReminders", tag: "cron", security: CRON, summary: "Queues one reminder per idle cart and idle period", responses: { 200: processed }, errors: ["unauthorized", "service_unavailable"] },
  { route: "POST /api/cron/deliver-mail", id: "cronDeliverMail", tag: "cron", security: CRON, summary: "Delivers due messages from the mail outbox", responses: { 200: processed }, errors: ["unauthorized", "service_unavailable"] },
  // ---- admin ----
  { route: "GET /api/account/addresses", id: "listAddresses", tag: "accounts", security: SESSION, summary: "The signed-in shopper's address book: the default first, then newest first", responses: { 200: z.object({ addresses: z.array(savedAddressSchema) }) }, errors: ["unauthorized"] },
  {
    route: "POST /api/account/addresses", id: "createAddress", tag: "accounts", security: SESSION, summary: "Saves an address to the address book",
    description:
      `A complete address (name, line1, city, postalCode, country; region in US, CA, AU), checked like checkout's: field errors are 400 validation_failed on the field ("postalCode", "region"). ` +
      `The first address becomes the default whatever isDefault says; isDefault true makes the new one the default. A book holds at most ${ADDRESS_BOOK_LIMIT} addresses: one more is 409 conflict with details.limit.`,
    body: createAddressSchema, responses: { 201: z.object({ address: savedAddressSchema }) }, errors: ["validation_failed", "unauthorized", "conflict"],
  },
  {
    route: "PATCH /api/account/addresses/{id}", id: "updateAddress", tag: "accounts", security: SESSION, summary: "Changes some fields of a saved address, or makes it the default",
    description:
      "Any of the fields; null clears an optional one. The address merged with what is stored must still be complete and valid (a new country with the old region is 400 on `region`). " +
      "isDefault true makes it the default; isDefault false on the default is 409 conflict: make another address the default instead. Another account's address answers 404, as one that does not exist.",
    params: idParam(addressIdSchema, "A saved address id"), body: patchAddressSchema, responses: { 200: z.object({ address: savedAddressSchema }) }, errors: ["validation_failed", "unauthorized", "not_found", "conflict"],
  },
  {
    route: "DELETE /api/account/addresses/{id}", id: "deleteAddress", tag: "accounts", security: SESSION, summary: "Deletes a saved address; if it was the default, the most recently created other address becomes the default",
    params: idParam(addressIdSchema, "A saved address id"), responses: { 204: { description: "Deleted" } }, errors: ["validation_failed", "unauthorized", "not_found"],
  },
  { route: "GET /api/admin/mail", id: "adminListMail", tag: "admin", security: ADMIN, summary: "The mail outbox, newest first (on the embedded default, the local mailbox)", responses: { 200: z.object({ messages: z.array(mailListItemSchema) }) }, errors: ADMIN_ERRORS },
  { route: "POST /api/admin/mail/{id}/resend", id: "adminResendMail", tag: "admin", security: ADMIN, summary: "Puts a failed (or skipped) message back in the queue; a sent or pending one is 409", params: idParam(mailIdSchema, "The message id"), responses: { 200: z.object({ message: mailListItemSchema }) }, errors: [...ADMIN_ERRORS, "not_found", "conflict"] },
  { route: "GET /api/admin/discounts", id: "adminListDiscounts", tag: "admin", security: ADMIN, summary: "Every discount", responses: { 200: z.object({ discounts: z.array(discountJsonSchema) }) }, errors: ADMIN_ERRORS },
  { route: "POST /api/admin/discounts", id: "adminCreateDiscount", tag: "admin", security: ADMIN, summary: "Creates a discount (unknown keys are refused; the type rules are checked on the whole discount)", body: createDiscountSchema, responses: { 201: z.object({ discount: discountJsonSchema }) }, errors: [...ADMIN_ERRORS, "conflict"] },
  { route: "GET /api/admin/discounts/{id}", id: "adminGetDiscount", tag: "admin", security: ADMIN, summary: "One discount", params: idParam(discountIdSchema, "The discount id"), responses: { 200: z.object({ discount: discountJsonSchema }) }, errors: [...ADMIN_ERRORS, "not_found"] },
  { route: "PATCH /api/admin/discounts/{id}", id: "adminUpdateDiscount", tag: "admin", security: ADMIN, summary: "Changes a discount (only the fields sent; null clears one; the type cannot change)", params: idParam(discountIdSchema, "The discount id"), body: patchDiscountSchema, responses: { 200: z.object({ discount: discountJsonSchema }) }, errors: [...ADMIN_ERRORS, "not_found", "conflict"] },
  { route: "GET /api/admin/discounts/{id}/stats", id: "adminDiscountStats", tag: "admin", security: ADMIN, summary: "A discount's uses, orders, revenue and amount given (redemptions that still count), and the last 30 days", params: idParam(discountIdSchema, "The discount id"), responses: { 200: discountStatsSchema }, errors: [...ADMIN_ERRORS, "not_found"] },
  {
    route: "POST /api/admin/discounts/{id}/codes", id: "adminGenerateDiscountCodes", tag: "admin", security: ADMIN, summary: "Makes single-use codes for a discount (one batched insert; audited)",
    description:
      "Each code is the prefix (upper-cased) and 10 random symbols (50 bits from a CSPRNG). A shopper applies one like any code; it shows as the discount. It is used by at most one order at a time (taken atomically at checkout) and free again when that order is cancelled or fully refunded. An automatic discount has no codes: 409 conflict.",
    params: idParam(discountIdSchema, "The discount id"), body: generateCodesSchema, responses: { 201: z.object({ codes: z.array(z.string()) }) }, errors: [...ADMIN_ERRORS, "not_found", "conflict"],
  },
  {
    route: "GET /api/admin/discounts/{id}/codes.csv", id: "adminExportDiscountCodes", tag: "admin", security: ADMIN, summary: "Every single-use code of a discount, as CSV (oldest first)",
    description: "Columns: code, status (used | unused), order_id (the order that used it), used_at, created_at.",
    params: idParam(discountIdSchema, "The discount id"), responses: { 200: { mediaType: "text/csv", description: "The CSV file (an attachment)" } }, errors: [...ADMIN_ERRORS, "not_found"],
  },
  { route: "POST /api/admin/products", id: "adminCreateProduct", tag: "admin", security: ADMIN, summary: "Creates a product (audited); a slug in use is 409", body: createProductSchema, responses: { 201: z.object({ product: adminProductSchema }) }, errors: [...ADMIN_ERRORS, "conflict"] },
  { route: "GET /api/admin/products/{id}", id: "adminGetProduct", tag: "admin", security: ADMIN, summary: "One product, active or not, with every variant, category and image", params: idParam(productIdSchema, "The product id"), responses: { 200: z.object({ product: adminProductSchema }) }, errors: [...ADMIN_ERRORS, "not_found"] },
  { route: "PATCH /api/admin/products/{id}", id: "adminUpdateProduct", tag: "admin", security: ADMIN, summary: "Changes a product (only the fields sent; categoryIds and images replace the whole set); isActive false deactivates it", params: idParam(productIdSchema, "The product id"), body: patchProductSchema, responses: { 200: z.object({ product: adminProductSchema }) }, errors: [...ADMIN_ERRORS, "not_found", "conflict"] },
  { route: "POST /api/admin/products/{id}/variants", id: "adminCreateVariant", tag: "admin", security: ADMIN, summary: "Adds a variant to a product (audited); a SKU in use is 409", params: idParam(productIdSchema, "The product id"), body: createVariantSchema, responses: { 201: z.object({ variant: adminVariantSchema }) }, errors: [...ADMIN_ERRORS, "not_found", "conflict"] },
  { route: "POST /api/admin/categories", id: "adminCreateCategory", tag: "admin", security: ADMIN, summary: "Creates a category (audited); a slug in use is 409", body: createCategorySchema, responses: { 201: z.object({ category: adminCategorySchema }) }, errors: [...ADMIN_ERRORS, "conflict"] },
  {
    route: "PATCH /api/admin/variants/{id}", id: "adminUpdateVariant", tag: "admin", security: ADMIN,
    summary: "Sets a variant's stock (or changes it by stockDelta, never below 0: 409), price override (null clears it), SKU (in use: 409), attributes and active flag",
    params: idParam(variantIdSchema, "The variant id"), body: updateVariantSchema, responses: { 200: z.object({ variant: adminVariantSchema }) }, errors: [...ADMIN_ERRORS, "not_found", "conflict"],
  },
  {
    route: "PATCH /api/admin/users/{id}", id: "adminSetUserRole", tag: "admin", security: ADMIN, summary: "Promotes a user to ADMIN or demotes one to CUSTOMER (the last admin cannot be demoted: 409)",
    params: idParam(userIdSchema, "The user id"), body: setUserRoleSchema, responses: { 200: z.object({ user: adminUserSchema }) }, errors: [...ADMIN_ERRORS, "not_found", "conflict"],
  },
  { route: "GET /api/admin/orders", id: "adminListOrders", tag: "admin", security: ADMIN, summary: "Orders, newest first, filtered (q: an order id, an e-mail or a part of it, or a SKU; from inclusive, to exclusive); cursor paging", query: listOrdersQuerySchema, responses: { 200: orderPageSchema }, errors: ADMIN_ERRORS },
  {
    route: "GET /api/admin/orders/export.csv", id: "adminExportOrders", tag: "admin", security: ADMIN, summary: "The orders a filter selects, as CSV (newest first; the list's filters, no paging)",
    description: "Amounts are decimal strings in the order's currency. A cell starting with = + - @ is prefixed with ' so a spreadsheet keeps it as text.",
    query: orderFilters, responses: { 200: { mediaType: "text/csv", description: "The CSV file (an attachment)" } }, errors: ADMIN_ERRORS,
  },
  { route: "GET /api/admin/orders/{id}", id: "adminGetOrder", tag: "admin", security: ADMIN, summary: "An order with its history (events) and what the payment provider reported (paymentEvents)", params: idParam(orderIdSchema, "The order id"), responses: { 200: z.object({ order: adminOrderViewSchema }) }, errors: ["unauthorized", "forbidden", "not_found"] },
  {
    route: "POST /api/admin/orders/{id}/fulfillments", id: "adminFulfillOrder", tag: "admin", security: ADMIN, summary: "Ships items of a PAID order (no items: everything not yet shipped)",
    description: "An order in another state, or with nothing left to ship, is 409 conflict. A quantity beyond what is left on its line is validation_failed answered with status 422.",
    params: idParam(orderIdSchema, "The order id"), body: { schema: fulfillmentBodySchema, required: false }, responses: { 201: order }, errors: [...ADMIN_ERRORS, "not_found", "conflict"],
  },
  {
    route: "POST /api/admin/orders/{id}/refunds", id: "adminRefundOrder", tag: "admin", security: ADMIN,
    summary: "Refunds items and/or shipping of a PAID order through the payment provider (nothing listed: everything left)",
    description: "A unit's amount is its share of its line's total by largest remainder; more than what is left, or an order that is not PAID, is 409 conflict. Idempotent per Idempotency-Key, with checkout's rules. refund.status is pending until the provider confirms (retried).",
    params: idParam(orderIdSchema, "The order id"), headers: idempotency("refund"), body: { schema: refundBodySchema, required: false },
    responses: { 201: refundAnswerSchema }, errors: [...ADMIN_ERRORS, "not_found", "conflict", "idempotency_key_in_use", "idempotency_key_reused", "payment_provider_error"],
  },
  {
    route: "POST /api/admin/orders/{id}/cancel", id: "adminCancelOrder", tag: "admin", security: ADMIN,
    summary: "Cancels an order: unpaid -> cancelled (stock and code use back); paid and unshipped -> cancelled and refunded in full; else 409",
    params: idParam(orderIdSchema, "The order id"), body: { schema: cancelBodySchema, required: false }, responses: { 200: order }, errors: [...ADMIN_ERRORS, "not_found", "conflict", "payment_provider_error"],
  },
  // ---- meta ----
  { route: "GET /api/openapi.json", id: "getOpenApiDocument", tag: "meta", security: PUBLIC, summary: "This document", responses: { 200: z.looseObject({ openapi: z.string(), paths: z.looseObject({}) }) }, errors: [] },
  { route: "GET /api/health", id: "health", tag: "meta", security: PUBLIC, summary: "Liveness: the process answers (dependencies are /api/ready's business)", responses: { 200: healthAnswerSchema }, errors: [] },
  {
    route: "GET /api/ready", id: "ready", tag: "meta", security: [{}, { metricsToken: [] }],
    summary: "Readiness: 200 when PostgreSQL, the migrations and the KV store are good, else 503 (same body)",
    description: "Only { status } for everyone; which check failed, with its error and timings, with Authorization: Bearer $METRICS_TOKEN.",
    responses: { 200: readinessAnswerSchema, 503: { schema: readinessAnswerSchema, description: "Not ready" } }, errors: [],
  },
  { route: "GET /api/metrics", id: "metrics", tag: "meta", security: METRICS, summary: "Prometheus metrics (text exposition format)", responses: { 200: { mediaType: "text/plain", description: "Prometheus text format 0.0.4" } }, errors: ["unauthorized"] },
  // ---- next-auth (its own answers, no error envelope): how a client signs in and out ----
  { route: "GET /api/auth/csrf", id: "authCsrf", tag: "auth (next-auth)", security: PUBLIC, nextAuth: true, summary: "A CSRF token for the sign-in and sign-out forms (and its cookie)", responses: { 200: z.object({ csrfToken: z.string() }) }, errors: [] },
  {
    route: "GET /api/auth/providers", id: "authProviders", tag: "auth (next-auth)", security: PUBLIC, nextAuth: true, summary: "The sign-in providers (next-auth/react's signIn reads them first)",
    responses: { 200: z.object({ credentials: z.object({ id: z.literal("credentials"), name: z.string(), type: z.literal("credentials"), signinUrl: z.string(), callbackUrl: z.string() }) }) }, errors: [],
  },
  {
    route: "GET /api/auth/session", id: "authSession", tag: "auth (next-auth)", security: OPTIONAL_SESSION, nextAuth: true, summary: "The current session ({} when signed out)",
    responses: { 200: z.union([z.object({}), z.object({ user: z.object({ id: z.string(), email: z.string(), role: z.enum(["CUSTOMER", "ADMIN"]) }), expires: z.iso.datetime() })]) }, errors: [],
  },
  {
    route: "POST /api/auth/callback/credentials", id: "authSignIn", tag: "auth (next-auth)", security: PUBLIC, nextAuth: true,
    summary: "Signs in with email and password (sets the session cookie)",
    description: "Send the csrfToken from GET /api/auth/csrf with its cookie. With json=true the answer is JSON: a wrong password answers a url with error=CredentialsSignin and sets no session; an attempt refused by the sign-in limits answers error=TooManySignInAttempts without checking the password. Without json=true: a 302 to that url.",
    body: form({ email: z.string(), password: z.string() }),
    responses: { 200: { schema: nextUrl, headers: { "Set-Cookie": "next-auth.session-token (httpOnly, SameSite=Lax)" } }, 302: { description: "Redirect (without json=true)" } }, errors: [],
  },
  {
    route: "POST /api/auth/signout", id: "authSignOut", tag: "auth (next-auth)", security: OPTIONAL_SESSION, nextAuth: true, summary: "Signs out: revokes this session on the server and clears the cookie",
    body: form({}), responses: { 200: nextUrl, 302: { description: "Redirect (without json=true)" } }, errors: [],
  },
];

export const API_OPERATIONS: ApiOperation[] = ENTRIES.map(({ route, ...rest }) => {
  const [method, path] = route.split(" ") as [string, string];
  return { method: method.toLowerCase() as Method, path, ...rest };
});
