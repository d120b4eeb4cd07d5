import { z } from "zod";
import { registerSchema } from "../accounts";
import { ADDRESS_BOOK_LIMIT, createAddressSchema, patchAddressSchema } from "../address-book";
import { passwordResetConfirmSchema, passwordResetRequestSchema } from "../accounts/password-reset";
import { orderLookupSchema } from "../mail/order-lookup";
import { createDiscountSchema, patchDiscountSchema } from "../admin/discounts";
import { generateCodesSchema } from "../admin/discount-codes";
import { setUserRoleSchema } from "../admin/users";
import { updateVariantSchema } from "../admin/variants";
import { createCategorySchema, createProductSchema, createVariantSchema, patchProductSchema } from "../admin/products";
import {
  addItemSchema,
  applyDiscountSchema,
  cartIdSchema,
  createCartSchema,
  customOptionsSchema,
  discountCodeParamSchema,
  itemIdSchema,
  shippingAddressSchema,
  updateQuantitySchema,
} from "../cart/schemas";
import { checkoutBodySchema, confirmTestPaymentSchema } from "../checkout/schemas";
import { cancelBodySchema, fulfillmentBodySchema, refundBodySchema } from "../orders/schemas";
import { ERROR_STATUS, type ErrorCode } from "../errors";
import { requiresJsonBody, STRIPE_WEBHOOK_PATH } from "./boundary";

// The OpenAPI 3.1 description of the HTTP API (docs/ARCHITECTURE.md, "HTTP contract"), served at GET /api/openapi.json.
// Request schemas come from the zod schemas the routes validate with (z.toJSONSchema), so the document cannot
// drift from what the handlers accept; responses (and what zod cannot express, e.g. a pipe's email format) are
// written by hand.
// Every error response lists the machine codes it can carry (`x-error-codes`, and a `oneOf` of per-code envelopes
// whose `error.code` is a `const`), each with the status lib/errors.ts gives it. No Next.js imports: pure data.

export type JsonSchema = { [key: string]: unknown };
export type OpenApiDocument = {
  openapi: string;
  jsonSchemaDialect: string;
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  servers: { url: string; description?: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, OperationObject>>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
  };
};
export type OperationObject = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, ResponseObject>;
};
export type ResponseObject = {
  description: string;
  headers?: Record<string, JsonSchema>;
  content?: Record<string, { schema: JsonSchema }>;
  "x-error-codes"?: ErrorCode[];
  $ref?: string;
};

export type OpenApiOptions = {
  /** CART_MAX_LINE_QUANTITY: the largest quantity of one cart line (default 99) */
  maxLineQuantity?: number;
  /** the document's version string (default the API version below) */
  version?: string;
};

export const OPENAPI_VERSION = "3.1.0";
const API_VERSION = "1.0.0";

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: "null" }] });
const arrayOf = (items: JsonSchema): JsonSchema => ({ type: "array", items });
const obj = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties), extra: JsonSchema = {}): JsonSchema => ({
  type: "object",
  properties,
  required,
  ...extra,
});

/** A zod schema as JSON Schema 2020-12 (the dialect of OpenAPI 3.1), without its own `$schema` line. */
export function fromZod(schema: z.ZodType, io: "input" | "output" = "input"): JsonSchema {
  const out = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" }) as JsonSchema;
  const { $schema: _dialect, ...rest } = out;
  return rest;
}

// ---- shared schemas -----------------------------------------------------------------------------------------

const money: JsonSchema = {
  type: "integer",
  description: "An amount in minor units of the currency next to it (cents for USD/EUR, whole yen for JPY). Never a float.",
};
const moneyRef = ref("MoneyAmount");
const nullableMoney = (what: string): JsonSchema => ({ ...nullable(moneyRef), description: `${what}; null without a shipping address ("calculated at checkout")` });
const currency: JsonSchema = { type: "string", pattern: "^[A-Z]{3}$", description: "ISO 4217 code", examples: ["USD"] };
const uuid: JsonSchema = { type: "string", format: "uuid" };
const dateTime: JsonSchema = { type: "string", format: "date-time" };
const attributes: JsonSchema = { type: "object", additionalProperties: { type: "string" }, examples: [{ size: "M", color: "Navy" }] };

const DISCOUNT_TYPES = ["PERCENTAGE", "FIXED_AMOUNT", "FREE_SHIPPING", "BUY_X_GET_Y"] as const;
const DISCOUNT_FAILURE_REASONS = [
  "unknown",
  "inactive",
  "not_yet_valid",
  "expired",
  "usage_limit_reached",
  "customer_limit_reached",
  "min_order_not_met",
  "not_applicable",
  "not_combinable",
  "currency_mismatch",
  "too_many_codes",
  "budget_exhausted",
] as const;

/** What `error.details` holds for each code (absent = no details are promised). */
const ERROR_DETAILS: Partial<Record<ErrorCode, { schema: JsonSchema; required: boolean }>> = {
  validation_failed: {
    required: true,
    schema: obj({
      fieldErrors: {
        type: "object",
        description: 'Messages per dotted field path ("" for the body itself), e.g. { "quantity": ["At most 99"] }',
        additionalProperties: arrayOf({ type: "string" }),
      },
    }),
  },
  insufficient_stock: {
    required: true,
    schema: obj({
      items: {
        ...arrayOf(obj({ variantId: { type: "integer" }, requested: { type: "integer" }, available: { type: "integer", minimum: 0 } })),
        description: "Every short line at once",
        minItems: 1,
      },
    }),
  },
  prices_changed: {
    required: true,
    schema: obj({
      changes: arrayOf(obj({ itemId: uuid, variantId: { type: "integer" }, oldUnitPrice: moneyRef, newUnitPrice: moneyRef })),
      summary: ref("CartSummary"),
    }),
  },
  cart_not_active: { required: false, schema: obj({ status: { type: "string", enum: ["ACTIVE", "ABANDONED", "CHECKED_OUT"] } }, []) },
  conflict: {
    required: false,
    schema: obj(
      {
        fieldErrors: { type: "object", additionalProperties: arrayOf({ type: "string" }) },
        limit: { type: "integer", minimum: 1, description: "The address book is full: the most addresses it holds" },
      },
      [],
    ),
  },
  currency_mismatch: { required: false, schema: obj({ cartCurrency: currency, itemCurrency: currency }, []) },
  discount_invalid: { required: true, schema: obj({ reason: { type: "string", enum: [...DISCOUNT_FAILURE_REASONS] } }) },
  too_many_lines: { required: false, schema: obj({ maxLines: { type: "integer", minimum: 1 } }, []) },
  rate_limited: {
    required: false,
    schema: obj({ retryAfterSeconds: { type: "integer", minimum: 0, description: "When a new attempt can count again" } }, []),
  },
};

const ERROR_MEANING: Record<ErrorCode, string> = {
  validation_failed: "the body, a path parameter or a header is not valid (details.fieldErrors)",
  invalid_signature: "the webhook signature does not verify",
  unauthorized: "sign in (or send the right bearer token) first",
  forbidden: "signed in, but this belongs to another account / needs another role",
  not_found: "the cart, item, product, variant, order, discount, saved item or saved address does not exist (or is another account's)",
  insufficient_stock: "not enough stock (details.items: [{ variantId, requested, available }])",
  prices_changed: "prices changed since the items were added; the cart now holds the new prices (details.changes, details.summary)",
  cart_not_active: "the cart was already checked out (or abandoned)",
  conflict: "it exists already (an email, a discount code), or the state forbids it (a full address book, unsetting the default address)",
  idempotency_key_in_use: "a request with this Idempotency-Key is still being processed",
  idempotency_key_reused: "this Idempotency-Key was used for a different request body",
  currency_mismatch: "the item or discount is priced in another currency than the cart",
  discount_invalid: "the code cannot be used on this cart (details.reason)",
  cart_empty: "the cart has no items",
  too_many_lines: "the cart already holds the most lines it can (100); the item would be a new line",
  method_not_allowed: "this path does not answer that method (the Allow header lists the ones it does)",
  payload_too_large: "the body is over the route's limit (refused while it is read)",
  unsupported_media_type: "a body was sent with another Content-Type than application/json",
  amount_out_of_range:
    "a total beyond what an order can hold (the money columns, 2^31-1 minor units) or outside the payment provider's minimum/maximum (details: amount, min, max, or field, max); checked before any stock is reserved",
  rate_limited:
    "too many attempts: wrong discount codes for this cart or this client, new accounts from this client, or (checkout) too many unpaid orders for this e-mail or client (details.retryAfterSeconds when known)",
  internal_error: "an unexpected error; nothing is leaked",
  payment_provider_error: "the payment provider failed or refused the call",
  service_unavailable: "a dependency (such as Redis) is down; retry later",
};

const errorSchemaName = (code: ErrorCode) => `Error_${code}`;

function errorEnvelope(code: ErrorCode): JsonSchema {
  const details = ERROR_DETAILS[code];
  const error: JsonSchema = obj(
    {
      code: { type: "string", const: code },
      message: { type: "string", description: "A sentence for people; do not parse it" },
      details: details?.schema ?? { type: "object" },
    },
    details?.required ? ["code", "message", "details"] : ["code", "message"],
  );
  return { ...obj({ error }), description: `${code} (HTTP ${ERROR_STATUS[code]}): ${ERROR_MEANING[code]}` };
}

// ---- operations ---------------------------------------------------------------------------------------------

type Security = Record<string, string[]>[];
const PUBLIC: Security = [];
/** Works without a session (a cart id is a capability); a signed-in shopper's cart also needs their session. */
const OPTIONAL_SESSION: Security = [{}, { sessionCookie: [] }];
const SESSION: Security = [{ sessionCookie: [] }];
const ORDER_ACCESS: Security = [{ sessionCookie: [] }, { orderToken: [] }, { orderTokenCookie: [] }];
const ADMIN: Security = [{ sessionCookie: [] }, { adminToken: [] }];
const CRON: Security = [{ cronSecret: [] }];
const STRIPE: Security = [{ stripeSignature: [] }];

/** schema null: an answer without a body (204). */
type Success = { status: number; description: string; schema: JsonSchema | null; headers?: Record<string, JsonSchema>; mediaType?: string };
type OpSpec = {
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  security: Security;
  parameters?: JsonSchema[];
  body?: { schema: JsonSchema; required?: boolean; mediaType?: string; description?: string };
  success: Success;
  errors: ErrorCode[];
  /** false for next-auth's own endpoints, which do not answer with the error envelope */
  envelope?: boolean;
};

/** A success answering with one object of these properties (`{ order }`, `{ discounts }`...). */
const answer = (status: number, description: string, properties: Record<string, JsonSchema>): Success => ({ status, description, schema: obj(properties) });

const jsonContent = (schema: JsonSchema): ResponseObject["content"] => ({ "application/json": { schema } });

/** The response of some error codes of one status: their envelopes (a `oneOf` when there are several). */
function errorResponse(codes: ErrorCode[], description = codes.map((c) => `\`${c}\`: ${ERROR_MEANING[c]}`).join("; ")): ResponseObject {
  const schemas = codes.map((c) => ref(errorSchemaName(c)));
  return { description, "x-error-codes": codes, content: jsonContent(schemas.length === 1 ? schemas[0]! : { oneOf: schemas }) };
}

/**
 * The answers the HTTP server gives before a route runs (lib/http/request-guard.ts), merged into each operation:
 * 405 for another method on the path, and for every method that may change something 403 for a cross-site
 * request (not the Stripe webhook), 413 for a body over the route's limit and, on the JSON routes, 415.
 */
function addBoundaryErrors(paths: Record<string, Record<string, OperationObject>>): void {
  for (const [path, ops] of Object.entries(paths))
    for (const [method, op] of Object.entries(ops)) {
      const codes: ErrorCode[] = ["method_not_allowed"];
      if (method !== "get" && method !== "head") {
        codes.push("payload_too_large");
        if (path !== STRIPE_WEBHOOK_PATH) codes.push("forbidden");
        if (requiresJsonBody(path)) codes.push("unsupported_media_type");
      }
      for (const code of codes) {
        const status = String(ERROR_STATUS[code]);
        const existing = op.responses[status]?.["x-error-codes"] ?? [];
        if (!existing.includes(code)) op.responses[status] = errorResponse([...(existing as ErrorCode[]), code]);
        if (code === "method_not_allowed")
          op.responses[status]!.headers = { Allow: { description: "The methods this path answers", schema: { type: "string" } } };
      }
    }
}

function operation(spec: OpSpec): OperationObject {
  const responses: Record<string, ResponseObject> = {
    [String(spec.success.status)]: {
      description: spec.success.description,
      ...(spec.success.headers ? { headers: spec.success.headers } : {}),
      ...(spec.success.schema === null
        ? {}
        : { content: spec.success.mediaType ? { [spec.success.mediaType]: { schema: spec.success.schema } } : jsonContent(spec.success.schema) }),
    },
  };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(spec.errors)) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus.entries()].sort((a, b) => a[0] - b[0])) responses[String(status)] = errorResponse(codes);
  if (spec.envelope !== false) responses["500"] = { $ref: "#/components/responses/InternalError", description: "internal_error" };
  const op: OperationObject = {
    operationId: spec.operationId,
    summary: spec.summary,
    tags: [spec.tag],
    security: spec.security,
    responses,
  };
  if (spec.description) op.description = spec.description;
  if (spec.parameters?.length) op.parameters = spec.parameters;
  if (spec.body)
    op.requestBody = {
      required: spec.body.required ?? true,
      ...(spec.body.description ? { description: spec.body.description } : {}),
      content: { [spec.body.mediaType ?? "application/json"]: { schema: spec.body.schema } },
    };
  return op;
}

const pathParam = (name: string, schema: JsonSchema, description: string): JsonSchema => ({ name, in: "path", required: true, description, schema });
const queryParam = (name: string, schema: JsonSchema, description: string): JsonSchema => ({ name, in: "query", required: false, description, schema });

/** GET /api/products: what lib/catalog/search.ts's productQuerySchema accepts (blank values mean absent). */
const productQueryParams: JsonSchema[] = [
  queryParam("q", { type: "string", maxLength: 200 }, "Words to find: each matches as a word prefix in the name or description, or (4+ letters) as a near spelling of the name"),
  queryParam("category", { type: "string", maxLength: 100, pattern: "^[a-z0-9]+(-[a-z0-9]+)*$" }, "A category slug"),
  queryParam("currency", { type: "string", pattern: "^[A-Za-z]{3}$" }, "Only products priced in this ISO 4217 currency"),
  queryParam("minPrice", { type: "integer", minimum: 0, maximum: 2147483647 }, "Minor units; the product's price is its lowest sellable variant price"),
  queryParam("maxPrice", { type: "integer", minimum: 0, maximum: 2147483647 }, "Minor units, at least minPrice"),
  queryParam("inStock", { type: "string", enum: ["true", "false", "1", "0"] }, "true: only products with a sellable variant in stock; false: only those without"),
  queryParam("sort", { type: "string", enum: ["relevance", "price_asc", "price_desc", "newest"] }, "Default: relevance with q, else catalog order (by id); ties by id"),
  queryParam("cursor", { type: "string", maxLength: 200 }, "nextCursor of the previous page, with the same sort (another sort's cursor is 400)"),
  queryParam("limit", { type: "integer", minimum: 1, default: 50 }, "Page size; values above 100 are clamped to 100"),
];

/** A zod-derived object schema with some properties amended (what zod cannot say: formats, descriptions). */
function amend(schema: JsonSchema, props: Record<string, JsonSchema>, extra: JsonSchema = {}): JsonSchema {
  const properties = { ...(schema.properties as Record<string, JsonSchema>) };
  for (const [k, v] of Object.entries(props)) properties[k] = { ...properties[k], ...v };
  return { ...schema, properties, ...extra };
}

/** Builds the whole document. Pure; the route serves it as JSON. */
export function buildOpenApiDocument(opts: OpenApiOptions = {}): OpenApiDocument {
  const maxQ = opts.maxLineQuantity ?? 99;

  const cartIdParam = pathParam("cartId", fromZod(cartIdSchema), "The cart id (an unguessable capability for a guest cart)");
  const itemIdParam = pathParam("itemId", fromZod(itemIdSchema), "A cart line id");
  const codeParam = pathParam("code", fromZod(discountCodeParamSchema), "The discount code on the cart (case-insensitive), URL-encoded");
  const savedIdParam = pathParam("id", uuid, "A saved-for-later entry id");
  const addressIdParam = pathParam("id", uuid, "A saved address id (another account's answers 404, as one that does not exist)");
  const orderIdParam = pathParam("orderId", uuid, "The order id");
  const discountIdParam = pathParam("id", { type: "string", pattern: "^\\d{1,10}$" }, "The discount id (a positive integer)");
  const variantIdParam = pathParam("id", { type: "string", pattern: "^\\d{1,10}$" }, "The variant id (a positive integer)");
  const productIdParam = pathParam("id", { type: "string", pattern: "^\\d{1,10}$" }, "The product id (a positive integer)");
  const adminOrderIdParam = pathParam("id", uuid, "The order id");
  const queryParam = (name: string, schema: JsonSchema, description: string): JsonSchema => ({ name, in: "query", required: false, description, schema });
  const idempotencyKey: JsonSchema = {
    name: "Idempotency-Key",
    in: "header",
    required: true,
    description: "A new UUID per checkout attempt; a retry of the same attempt sends the same key (missing or malformed: 400)",
    schema: uuid,
  };

  const cartResponse = (status: number, description: string, extra: Record<string, JsonSchema> = {}): Success =>
    answer(status, description, { cart: ref("Cart"), ...extra });
  const discountResponse = (status: number): Success => answer(status, "The discount", { discount: ref("Discount") });
  const savedList = arrayOf(ref("SavedForLaterItem"));
  const setCookie = (what: string): Record<string, JsonSchema> => ({
    "Set-Cookie": { description: what, schema: { type: "string" } },
  });

  // request bodies from the routes' own zod schemas
  const email: JsonSchema = { format: "email", description: "Compared case-insensitively (stored trimmed, lower-cased)" };
  const registerBody = amend(fromZod(registerSchema), { email });
  const resetRequestBody = amend(fromZod(passwordResetRequestSchema), { email });
  const resetConfirmBody = amend(fromZod(passwordResetConfirmSchema), {
    token: { description: "The `token=` of the reset link (single use, 30 minutes)" },
    password: { description: "The new password: at least 10 characters, and registration's password rule" },
  });
  const orderLookupBody = amend(fromZod(orderLookupSchema), { email });
  const accepted = answer(202, "Accepted; the answer is the same whether or not the address is known", { accepted: { type: "boolean", const: true } });
  const mailMessage = obj(
    {
      id: uuid,
      event: { type: "string", enum: ["order_paid", "payment_failed", "order_shipped", "order_refunded", "order_cancelled", "cart_reminder", "password_reset", "order_lookup"] },
      to: { type: "string", format: "email" },
      subject: nullable({ type: "string" }),
      status: { type: "string", enum: ["pending", "sent", "failed", "skipped"], description: "failed: retried with backoff until it gave up; skipped: no longer relevant at delivery (a cart reminder after checkout or unsubscribe)" },
      attempts: { type: "integer", minimum: 0 },
      lastError: nullable({ type: "string" }),
      createdAt: dateTime,
      sentAt: nullable(dateTime),
    },
    ["id", "to", "subject", "status", "attempts", "createdAt", "sentAt"],
  );
  const checkoutBody = amend(fromZod(checkoutBodySchema), { email: { format: "email" }, shippingAddress: { description: "The full address (name, line1, city, postalCode, country; region in US, CA, AU). Overrides (and is saved onto) the cart's address; without a full address here or on the cart: 400 with details.fieldErrors[\"shippingAddress.<field>\"]" } });
  const valueDescription =
    "PERCENTAGE: percent off (0 < value <= 100, up to 2 decimals, e.g. 12.5); FIXED_AMOUNT: minor units of `currency`; FREE_SHIPPING: unused; BUY_X_GET_Y: percent off the Y units (100 = free)";
  const discountAmends: Record<string, JsonSchema> = {
    value: { description: valueDescription },
    currency: { description: "ISO 4217; required when value is an amount (FIXED_AMOUNT) or minOrderAmount is set" },
    minOrderAmount: { description: "Minor units of `currency`" },
    applicableProductIds: { description: "null (or absent) = every product" },
  };
  const discountCreateBody = amend(fromZod(createDiscountSchema), discountAmends, { description: "Unknown keys are refused; the type rules are checked on the whole discount" });
  const discountPatchBody = amend(fromZod(patchDiscountSchema), discountAmends, {
    minProperties: 1,
    description: "Any non-empty subset of the fields; null clears an optional one. The type cannot change; id, usesCount and status are read-only.",
  });
  const variantPatchBody = amend(fromZod(updateVariantSchema), { stock: { description: "Set, not added to" }, stockDelta: { description: "Added to the stock atomically (negative removes); the stock never goes below 0 (409 conflict)" }, priceOverride: { description: "Minor units; null clears it (the base price applies)" }, sku: { description: "Stored upper-cased; one already in use: 409 conflict" }, isActive: { description: "false takes the variant off the shop (variants are never deleted)" } }, { minProperties: 1 });
  const productAmends: Record<string, JsonSchema> = {
    slug: { description: "Lower-case words joined by hyphens; empty or absent on create: derived from the name. One already in use: 409 conflict" },
    currency: { description: "ISO 4217; default DEFAULT_CURRENCY. It cannot change after creation (sending the current one is fine)" },
    basePrice: { description: "Minor units of `currency` (the admin form reads the decimal text typed in major units with the currency's exponent, never as a float)" },
    categoryIds: { description: "Existing categories; the product sits on exactly these" },
    images: { description: "The gallery in order (the first is the main image); each url a same-origin path or https; variantId: a variant of this product" },
    isActive: { description: "false takes the product off the shop (products are never deleted)" },
  };
  const productCreateBody = amend(fromZod(createProductSchema), productAmends, { description: "Unknown keys are refused" });
  const productPatchBody = amend(fromZod(patchProductSchema), productAmends, { minProperties: 1, description: "Any non-empty subset; categoryIds and images replace the whole set" });
  const variantCreateBody = amend(fromZod(createVariantSchema), { sku: { description: "Stored upper-cased; one already in use (by any product): 409 conflict" }, priceOverride: { description: "Minor units of the product's currency; null or absent: the base price" } });
  const categoryCreateBody = amend(fromZod(createCategorySchema), { slug: { description: "Empty or absent: derived from the name; one already in use: 409 conflict" } });
  const productResponse = (status: number): Success => answer(status, "The product, as an admin sees it (inactive variants too)", { product: ref("AdminProduct") });

  const CART_ERRORS: ErrorCode[] = ["validation_failed", "forbidden", "not_found", "service_unavailable"];
  const CART_WRITE_ERRORS: ErrorCode[] = [...CART_ERRORS, "cart_not_active"];
  const ADMIN_ERRORS: ErrorCode[] = ["unauthorized", "forbidden"];
  // the order desk's filters: the list and its CSV export take the same ones
  const orderFilterParams = [
          queryParam("status", { type: "string", enum: ["PENDING_PAYMENT", "PAID", "CANCELLED"] }, "Order status"),
          queryParam("fulfillment", { type: "string", enum: ["UNFULFILLED", "PARTIALLY_FULFILLED", "FULFILLED"] }, "Fulfilment status"),
          queryParam("payment", { type: "string", enum: ["pending", "succeeded", "failed", "canceled", "expired", "refund_pending", "partially_refunded", "refunded"] }, "Payment status"),
          queryParam("q", { type: "string", maxLength: 254 }, "An order id, an e-mail or a SKU"),
          queryParam("from", { type: "string", format: "date-time" }, "Created at or after"),
          queryParam("to", { type: "string", format: "date-time" }, "Created before"),
  ];

  const paths: Record<string, Record<string, OperationObject>> = {
    "/api/products": {
      get: operation({
        operationId: "listProducts",
        summary: "Active products (with their active variants), searched, filtered, sorted and paged",
        description: "Keyset paging: nextCursor is null on the last page. Without q or sort the order is the catalog's (by id).",
        tag: "catalog",
        security: PUBLIC,
        parameters: productQueryParams,
        success: answer(200, "A page of the catalog", { products: arrayOf(ref("Product")), nextCursor: nullable({ type: "string" }) }),
        errors: ["validation_failed"],
      }),
    },
    "/api/categories": {
      get: operation({
        operationId: "listCategories",
        summary: "Every category, in menu order, with its count of active products",
        tag: "catalog",
        security: PUBLIC,
        success: answer(200, "The categories", { categories: arrayOf(ref("Category")) }),
        errors: [],
      }),
    },
    "/api/products/{idOrSlug}": {
      get: operation({
        operationId: "getProduct",
        summary: "One active product by numeric id or slug",
        tag: "catalog",
        security: PUBLIC,
        parameters: [pathParam("idOrSlug", { type: "string", minLength: 1, maxLength: 200 }, "A product id (digits) or slug")],
        success: answer(200, "The product", { product: ref("Product") }),
        errors: ["validation_failed", "not_found"],
      }),
    },
    "/api/carts": {
      post: operation({
        operationId: "createCart",
        summary: "A new guest cart (sets the cart cookie), or the signed-in shopper's active cart",
        description: "currency defaults to DEFAULT_CURRENCY (USD). The guest cart cookie is httpOnly, signed and SameSite=Lax.",
        tag: "carts",
        security: OPTIONAL_SESSION,
        body: { schema: fromZod(createCartSchema), required: false },
        success: { ...cartResponse(201, "The cart"), headers: setCookie("cw_cart=<signed cart id>; HttpOnly; SameSite=Lax; Path=/ (guests only; __Host-cw_cart with Secure over https)") },
        errors: ["validation_failed", "service_unavailable"],
      }),
    },
    "/api/carts/{cartId}": {
      get: operation({
        operationId: "getCart",
        summary: "A cart with its priced summary",
        tag: "carts",
        security: OPTIONAL_SESSION,
        parameters: [cartIdParam],
        success: cartResponse(200, "The cart"),
        errors: CART_ERRORS,
      }),
    },
    "/api/carts/{cartId}/items": {
      post: operation({
        operationId: "addCartItem",
        summary: "Adds a variant; the same variant with the same options adds to that line",
        description: `quantity 1..${maxQ}; the units of one variant over all its lines (lines differ by customOptions) are at most ${maxQ} too (else 400 on quantity), and a cart holds at most 100 lines (a new line beyond that is 422 too_many_lines). customOptions with unknown keys are refused. The unit price is captured now and re-checked at checkout.`,
        tag: "carts",
        security: OPTIONAL_SESSION,
        parameters: [cartIdParam],
        body: { schema: fromZod(addItemSchema(maxQ)) },
        success: cartResponse(201, "The cart with the line"),
        errors: [...CART_WRITE_ERRORS, "insufficient_stock", "currency_mismatch", "too_many_lines", "amount_out_of_range"],
      }),
    },
    "/api/carts/{cartId}/items/{itemId}": {
      patch: operation({
        operationId: "updateCartItem",
        summary: "Sets a line's quantity (0 removes the line)",
        description: `An increase is checked against stock and against ${maxQ} units of the variant over all its lines (400 on quantity).`,
        tag: "carts",
        security: OPTIONAL_SESSION,
        parameters: [cartIdParam, itemIdParam],
        body: { schema: fromZod(updateQuantitySchema(maxQ)) },
        success: cartResponse(200, "The cart"),
        errors: [...CART_WRITE_ERRORS, "insufficient_stock", "amount_out_of_range"],
      }),
      delete: operation({
        operationId: "removeCartItem",
        summary: "Removes a line",
        tag: "carts",
        security: OPTIONAL_SESSION,
        parameters: [cartIdParam, itemIdParam],
        success: cartResponse(200, "The cart"),
        errors: CART_WRITE_ERRORS,
      }),
    },
    "/api/carts/{cartId}/items/{itemId}/save-for-later": {
      post: operation({
        operationId: "saveCartItemForLater",
        summary: "Moves a line of the signed-in shopper's cart to their saved-for-later list",
        tag: "saved for later",
        security: SESSION,
        parameters: [cartIdParam, itemIdParam],
        success: cartResponse(200, "The cart without the line, and the saved list", { savedForLater: savedList }),
        errors: [...CART_WRITE_ERRORS, "unauthorized"],
      }),
    },
    "/api/saved-for-later": {
      get: operation({
        operationId: "listSavedForLater",
        summary: "The signed-in shopper's saved-for-later list, newest first",
        tag: "saved for later",
        security: SESSION,
        success: answer(200, "The saved list", { savedForLater: savedList }),
        errors: ["unauthorized", "service_unavailable"],
      }),
    },
    "/api/saved-for-later/{id}/move-to-cart": {
      post: operation({
        operationId: "moveSavedToCart",
        summary: "Moves a saved item back into the active cart (stock checked and price captured again)",
        tag: "saved for later",
        security: SESSION,
        parameters: [savedIdParam],
        success: cartResponse(200, "The cart with the line, and the saved list", { savedForLater: savedList }),
        errors: ["validation_failed", "unauthorized", "not_found", "insufficient_stock", "currency_mismatch", "too_many_lines", "service_unavailable"],
      }),
    },
    "/api/carts/{cartId}/shipping-address": {
      put: operation({
        operationId: "setShippingAddress",
        summary: "Sets the shipping address; the summary then has shipping and tax",
        description:
          'The estimate form { country, region?, postalCode, city? } or the full address { name, line1, line2?, city, region?, postalCode, country, phone? }. country is ISO 3166-1 alpha-2 ("US"), region the ISO 3166-2 subdivision code ("CA"): a region that is not a subdivision of its country is 400 on `region`; postal codes are checked for US, CA, GB, DE, FR, JP, AU. A destination not shipped to in the cart\'s currency is 400.',
        tag: "carts",
        security: OPTIONAL_SESSION,
        parameters: [cartIdParam],
        body: { schema: fromZod(shippingAddressSchema) },
        success: cartResponse(200, "The cart"),
        errors: CART_WRITE_ERRORS,
      }),
    },
    "/api/carts/{cartId}/discounts": {
      post: operation({
        operationId: "applyDiscount",
        summary: "Validates a discount code and attaches it to the cart (checkout redeems it)",
        description:
          "The 11th wrong code for one cart, or the 31st for one client, within a sliding 15 minutes gets 429 rate_limited. A BUY_X_GET_Y code on a cart without a complete group yet is accepted with amount 0. Codes applied at the same moment are checked against each other (one atomic step per cart): at most one of two codes that do not combine lands; 409 conflict when the applied set kept changing under the request (retry).",
        tag: "carts",
        security: OPTIONAL_SESSION,
        parameters: [cartIdParam],
        body: { schema: fromZod(applyDiscountSchema) },
        success: cartResponse(200, "The cart with the discount"),
        errors: [...CART_WRITE_ERRORS, "discount_invalid", "currency_mismatch", "rate_limited", "conflict"],
      }),
    },
    "/api/carts/{cartId}/discounts/{code}": {
      delete: operation({
        operationId: "removeDiscount",
        summary: "Takes a discount code off the cart",
        tag: "carts",
        security: OPTIONAL_SESSION,
        parameters: [cartIdParam, codeParam],
        success: cartResponse(200, "The cart"),
        errors: CART_WRITE_ERRORS,
      }),
    },
    "/api/checkout": {
      post: operation({
        operationId: "checkout",
        summary: "Reprices, reserves stock, creates the order and its payment",
        description:
          "Idempotent per Idempotency-Key: a completed key replays its stored answer; the same key with another body is 422 idempotency_key_reused; a key still in progress is 409 idempotency_key_in_use. On prices_changed the cart is updated to the new prices: confirm with a new key. Sets an httpOnly cookie holding the order token.",
        tag: "checkout",
        security: OPTIONAL_SESSION,
        parameters: [idempotencyKey],
        body: { schema: checkoutBody },
        success: {
          status: 201,
          description: "The order (PENDING_PAYMENT), its token and the payment to confirm",
          headers: {
            ...setCookie("cw_orders: the order token (httpOnly, signed), so a guest can come back to the order"),
            "Idempotent-Replayed": { description: '"true" when this is the stored answer of an earlier request with the same key', schema: { type: "string", enum: ["true"] } },
          },
          schema: obj({
            order: ref("Order"),
            orderToken: { type: "string", description: "Send as `Authorization: Bearer <orderToken>` to read the order without an account" },
            payment: obj({ provider: { type: "string", enum: ["stripe", "test"] }, clientSecret: { type: "string" } }),
          }),
        },
        errors: [
          "validation_failed",
          "forbidden",
          "not_found",
          "insufficient_stock",
          "prices_changed",
          "cart_not_active",
          "conflict",
          "idempotency_key_in_use",
          "idempotency_key_reused",
          "currency_mismatch",
          "discount_invalid",
          "cart_empty",
          "amount_out_of_range",
          "rate_limited",
          "payment_provider_error",
          "service_unavailable",
        ],
      }),
    },
    "/api/payments/test/confirm": {
      post: operation({
        operationId: "confirmTestPayment",
        summary: "Confirms an order's payment with the built-in test provider (test provider only)",
        description:
          "Stripe's public test card numbers decide the outcome (4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined). A decline leaves the order PENDING_PAYMENT and reserved with payment.status `failed` and payment.declineCode: confirm again with another card on the same order; the 5th decline cancels it (stock, code use and cart given back). Same access rule as GET /api/orders/{orderId}. 404 when the test provider is not the active one.",
        tag: "checkout",
        security: ORDER_ACCESS,
        body: { schema: amend(fromZod(confirmTestPaymentSchema), { cardNumber: { examples: ["4242 4242 4242 4242"] } }) },
        success: answer(200, "The order after the payment event", { order: ref("Order") }),
        errors: ["validation_failed", "not_found", "conflict"],
      }),
    },
    "/api/orders/{orderId}": {
      get: operation({
        operationId: "getOrder",
        summary: "An order: for its signed-in owner, or with `Authorization: Bearer <orderToken>` (or the order-token cookie)",
        description: "Anyone else gets 404 not_found, another signed-in shopper included (a 403 would confirm that the id exists).",
        tag: "orders",
        security: ORDER_ACCESS,
        parameters: [orderIdParam],
        success: answer(200, "The order", { order: ref("Order") }),
        errors: ["not_found"],
      }),
    },
    "/api/orders/{orderId}/cancel": {
      post: operation({
        operationId: "cancelOrder",
        summary: '"Back to cart": cancels an order still waiting for payment (the owner, or the order token)',
        description: "Stock and the code use come back and the cart is ACTIVE again, exactly once; an order that is not PENDING_PAYMENT (paid meanwhile) is 409 conflict.",
        tag: "orders",
        security: ORDER_ACCESS,
        parameters: [orderIdParam],
        body: { schema: { type: "object", additionalProperties: false, maxProperties: 0 }, required: false },
        success: answer(200, "The cancelled order", { order: ref("Order") }),
        errors: ["validation_failed", "not_found", "conflict", "payment_provider_error"],
      }),
    },
    "/api/webhooks/stripe": {
      post: operation({
        operationId: "stripeWebhook",
        summary: "Stripe payment events (the Stripe-Signature header is verified over the raw body)",
        description: "Each event is recorded by id and applied once, in any order of arrival; a repeated event is acknowledged again.",
        tag: "payments",
        security: STRIPE,
        body: {
          schema: { type: "object", required: ["id", "type", "data"], properties: { id: { type: "string" }, type: { type: "string" }, data: { type: "object" } } },
          description: "A Stripe event, exactly as Stripe sent it",
        },
        success: answer(200, "Acknowledged (event types that are not handled too)", { received: { type: "boolean", const: true } }),
        errors: ["invalid_signature", "validation_failed", "payment_provider_error", "service_unavailable"],
      }),
    },
    "/api/account/register": {
      post: operation({
        operationId: "register",
        summary: "Creates a customer account (sign-in itself is next-auth's /api/auth/*)",
        description:
          "The password needs at least 10 characters and must not be on the common-password list (else 400 validation_failed on `password`). " +
          "An e-mail that already has an account answers 409 conflict: the sign-up form has to tell its owner to sign in instead, so this cannot be hidden without a mail round trip. " +
          "What keeps that from being an account directory is the throttle: REGISTRATIONS_PER_CLIENT_PER_HOUR (default 10) attempts per client in a sliding hour, successful or not, then 429 rate_limited.",
        tag: "accounts",
        security: PUBLIC,
        body: { schema: registerBody },
        success: answer(201, "The account", { user: ref("User") }),
        errors: ["validation_failed", "conflict", "rate_limited"],
      }),
    },
    "/api/account/sessions/revoke-all": {
      post: operation({
        operationId: "revokeAllSessions",
        summary: "Signs the account out everywhere: revokes every session of the signed-in user, this one included",
        tag: "accounts",
        security: SESSION,
        success: answer(200, "How many sessions were live", { revoked: { type: "integer", minimum: 0 } }),
        errors: ["unauthorized"],
      }),
    },
    "/api/account/addresses": {
      get: operation({
        operationId: "listAddresses",
        summary: "The signed-in shopper's address book: the default first, then newest first",
        tag: "accounts",
        security: SESSION,
        success: answer(200, "The saved addresses", { addresses: arrayOf(ref("SavedAddress")) }),
        errors: ["unauthorized", "service_unavailable"],
      }),
      post: operation({
        operationId: "createAddress",
        summary: "Saves an address to the address book",
        description:
          `A complete address (name, line1, city, postalCode, country; region in US, CA, AU), checked like checkout's: field errors are 400 validation_failed on the field ("postalCode", "region"). ` +
          `The first address becomes the default whatever isDefault says; isDefault true makes the new one the default. ` +
          `A book holds at most ${ADDRESS_BOOK_LIMIT} addresses: one more is 409 conflict with details.limit.`,
        tag: "accounts",
        security: SESSION,
        body: { schema: fromZod(createAddressSchema) },
        success: answer(201, "The saved address", { address: ref("SavedAddress") }),
        errors: ["validation_failed", "unauthorized", "conflict", "service_unavailable"],
      }),
    },
    "/api/account/addresses/{id}": {
      patch: operation({
        operationId: "updateAddress",
        summary: "Changes some fields of a saved address, or makes it the default",
        description:
          "Any of the fields; null clears an optional one. The address merged with what is stored must still be complete and valid (a new country with the old region is 400 on `region`). " +
          "isDefault true makes it the default (the previous default stops being it); isDefault false on the default is 409 conflict: make another address the default instead.",
        tag: "accounts",
        security: SESSION,
        parameters: [addressIdParam],
        body: { schema: fromZod(patchAddressSchema) },
        success: answer(200, "The saved address", { address: ref("SavedAddress") }),
        errors: ["validation_failed", "unauthorized", "not_found", "conflict", "service_unavailable"],
      }),
      delete: operation({
        operationId: "deleteAddress",
        summary: "Deletes a saved address; if it was the default, the most recently created other address becomes the default",
        tag: "accounts",
        security: SESSION,
        parameters: [addressIdParam],
        success: { status: 204, description: "Deleted", schema: null },
        errors: ["validation_failed", "unauthorized", "not_found", "service_unavailable"],
      }),
    },
    "/api/account/password-reset": {
      post: operation({
        operationId: "requestPasswordReset",
        summary: "Mails a password reset link to the account with this address, if there is one (202 either way)",
        tag: "accounts",
        security: PUBLIC,
        body: { schema: resetRequestBody },
        success: accepted,
        errors: ["validation_failed"],
      }),
    },
    "/api/account/password-reset/confirm": {
      post: operation({
        operationId: "confirmPasswordReset",
        summary: "Sets a new password with a reset token (single use, 30 minutes)",
        description: "A bad, used or expired token is 400 validation_failed on `token`; a weak password on `password`.",
        tag: "accounts",
        security: PUBLIC,
        body: { schema: resetConfirmBody },
        success: answer(200, "The password was changed", { reset: { type: "boolean", const: true } }),
        errors: ["validation_failed"],
      }),
    },
    "/api/orders/lookup": {
      post: operation({
        operationId: "lookupOrders",
        summary: "Mails signed links to the orders placed with this address, if any (202 either way)",
        tag: "orders",
        security: PUBLIC,
        body: { schema: orderLookupBody },
        success: accepted,
        errors: ["validation_failed"],
      }),
    },
    "/api/cron/cart-reminders": {
      post: operation({
        operationId: "cronCartReminders",
        summary: "Queues one reminder per idle cart and idle period (safe on several instances at once)",
        tag: "cron",
        security: CRON,
        success: answer(200, "How many reminders were queued", { processed: { type: "integer", minimum: 0 } }),
        errors: ["unauthorized", "service_unavailable"],
      }),
    },
    "/api/cron/deliver-mail": {
      post: operation({
        operationId: "cronDeliverMail",
        summary: "Delivers due messages from the mail outbox (safe on several instances at once)",
        tag: "cron",
        security: CRON,
        success: answer(200, "How many messages were sent", { processed: { type: "integer", minimum: 0 } }),
        errors: ["unauthorized", "service_unavailable"],
      }),
    },
    "/api/admin/mail": {
      get: operation({
        operationId: "adminListMail",
        summary: "The mail outbox, newest first (on the embedded default, the local mailbox)",
        tag: "admin",
        security: ADMIN,
        success: answer(200, "The messages", { messages: arrayOf(mailMessage) }),
        errors: ADMIN_ERRORS,
      }),
    },
    "/api/admin/mail/{id}/resend": {
      post: operation({
        operationId: "adminResendMail",
        summary: "Puts a failed (or skipped) message back in the queue with fresh attempts",
        description: "A sent or pending message is 409 conflict: resending it would deliver it twice.",
        tag: "admin",
        security: ADMIN,
        parameters: [pathParam("id", uuid, "The message id")],
        success: answer(200, "The message, queued again", { message: mailMessage }),
        errors: [...ADMIN_ERRORS, "validation_failed", "not_found", "conflict"],
      }),
    },
    "/api/cron/expire-orders": {
      post: operation({
        operationId: "cronExpireOrders",
        summary: "Cancels orders still unpaid after their reservation (safe on several instances at once)",
        tag: "cron",
        security: CRON,
        success: answer(200, "How many orders were expired", { processed: { type: "integer", minimum: 0 } }),
        errors: ["unauthorized", "payment_provider_error", "service_unavailable"],
      }),
    },
    "/api/cron/abandon-carts": {
      post: operation({
        operationId: "cronAbandonCarts",
        summary: "Marks idle signed-in carts ABANDONED (safe on several instances at once)",
        tag: "cron",
        security: CRON,
        success: answer(200, "How many carts were abandoned", { processed: { type: "integer", minimum: 0 } }),
        errors: ["unauthorized", "service_unavailable"],
      }),
    },
    "/api/admin/discounts": {
      get: operation({
        operationId: "adminListDiscounts",
        summary: "Every discount",
        tag: "admin",
        security: ADMIN,
        success: answer(200, "The discounts", { discounts: arrayOf(ref("Discount")) }),
        errors: ADMIN_ERRORS,
      }),
      post: operation({
        operationId: "adminCreateDiscount",
        summary: "Creates a discount",
        tag: "admin",
        security: ADMIN,
        body: { schema: discountCreateBody },
        success: discountResponse(201),
        errors: ["validation_failed", ...ADMIN_ERRORS, "conflict"],
      }),
    },
    "/api/admin/discounts/{id}": {
      get: operation({
        operationId: "adminGetDiscount",
        summary: "One discount",
        tag: "admin",
        security: ADMIN,
        parameters: [discountIdParam],
        success: discountResponse(200),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found"],
      }),
      patch: operation({
        operationId: "adminUpdateDiscount",
        summary: "Changes a discount (only the fields sent)",
        tag: "admin",
        security: ADMIN,
        parameters: [discountIdParam],
        body: { schema: discountPatchBody },
        success: discountResponse(200),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found", "conflict"],
      }),
    },
    "/api/admin/discounts/{id}/stats": {
      get: operation({
        operationId: "adminDiscountStats",
        summary: "A discount's uses, orders, revenue and amount given (redemptions that still count), and the last 30 days",
        tag: "admin",
        security: ADMIN,
        parameters: [discountIdParam],
        success: answer(200, "The stats", {
          uses: { type: "integer", minimum: 0 },
          orders: { type: "integer", minimum: 0 },
          revenue: moneyRef,
          discountGiven: moneyRef,
          byDay: arrayOf(obj({ date: { type: "string", format: "date" }, uses: { type: "integer", minimum: 0 }, discountGiven: moneyRef })),
        }),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found"],
      }),
    },
    "/api/admin/discounts/{id}/codes": {
      post: operation({
        operationId: "adminGenerateDiscountCodes",
        summary: "Makes single-use codes for a discount (one batched insert; audited)",
        description:
          "Each code is the prefix (upper-cased) and 10 random symbols (50 bits from a CSPRNG). A shopper applies one like any code; it shows as the discount. It is used by at most one order at a time (taken atomically at checkout) and free again when that order is cancelled or fully refunded. An automatic discount has no codes: 409 conflict.",
        tag: "admin",
        security: ADMIN,
        parameters: [discountIdParam],
        body: { schema: fromZod(generateCodesSchema) },
        success: answer(201, "The new codes", { codes: arrayOf({ type: "string" }) }),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found", "conflict"],
      }),
    },
    "/api/admin/discounts/{id}/codes.csv": {
      get: operation({
        operationId: "adminExportDiscountCodes",
        summary: "Every single-use code of a discount, as CSV (oldest first)",
        description: "Columns: code, status (used | unused), order_id (the order that used it), used_at, created_at.",
        tag: "admin",
        security: ADMIN,
        parameters: [discountIdParam],
        success: { status: 200, description: "The CSV file (an attachment)", schema: { type: "string" }, mediaType: "text/csv" },
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found"],
      }),
    },
    "/api/admin/products": {
      post: operation({
        operationId: "adminCreateProduct",
        summary: "Creates a product (audited)",
        tag: "admin",
        security: ADMIN,
        body: { schema: productCreateBody },
        success: productResponse(201),
        errors: ["validation_failed", ...ADMIN_ERRORS, "conflict"],
      }),
    },
    "/api/admin/products/{id}": {
      get: operation({
        operationId: "adminGetProduct",
        summary: "One product, active or not, with every variant, category and image",
        tag: "admin",
        security: ADMIN,
        parameters: [productIdParam],
        success: productResponse(200),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found"],
      }),
      patch: operation({
        operationId: "adminUpdateProduct",
        summary: "Changes a product (only the fields sent; audited); isActive false deactivates it",
        tag: "admin",
        security: ADMIN,
        parameters: [productIdParam],
        body: { schema: productPatchBody },
        success: productResponse(200),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found", "conflict"],
      }),
    },
    "/api/admin/products/{id}/variants": {
      post: operation({
        operationId: "adminCreateVariant",
        summary: "Adds a variant to a product (audited); a SKU already in use is 409",
        tag: "admin",
        security: ADMIN,
        parameters: [productIdParam],
        body: { schema: variantCreateBody },
        success: answer(201, "The variant", { variant: ref("AdminVariant") }),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found", "conflict"],
      }),
    },
    "/api/admin/categories": {
      post: operation({
        operationId: "adminCreateCategory",
        summary: "Creates a category (audited); a slug already in use is 409",
        tag: "admin",
        security: ADMIN,
        body: { schema: categoryCreateBody },
        success: answer(201, "The category", { category: ref("AdminCategory") }),
        errors: ["validation_failed", ...ADMIN_ERRORS, "conflict"],
      }),
    },
    "/api/admin/variants/{id}": {
      patch: operation({
        operationId: "adminUpdateVariant",
        summary: "Sets a variant's stock (or changes it by stockDelta, never below 0: 409), price override (null clears it), SKU (in use: 409), attributes and active flag",
        tag: "admin",
        security: ADMIN,
        parameters: [variantIdParam],
        body: { schema: variantPatchBody },
        success: answer(200, "The variant", { variant: ref("AdminVariant") }),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found", "conflict"],
      }),
    },
    "/api/admin/orders": {
      get: operation({
        operationId: "adminListOrders",
        summary: "Orders, newest first, filtered; cursor paging",
        description: "q matches the order id, the e-mail (or a part of it) or a SKU; from is inclusive, to exclusive (ISO 8601).",
        tag: "admin",
        security: ADMIN,
        parameters: [
          ...orderFilterParams,
          queryParam("cursor", { type: "string" }, "nextCursor of the previous page"),
          queryParam("limit", { type: "integer", minimum: 1, maximum: 100, default: 20 }, "Page size"),
        ],
        success: answer(200, "A page of orders", { orders: arrayOf(ref("Order")), nextCursor: nullable({ type: "string" }) }),
        errors: ["validation_failed", ...ADMIN_ERRORS],
      }),
    },
    "/api/admin/orders/export.csv": {
      get: operation({
        operationId: "adminExportOrders",
        summary: "The orders a filter selects, as CSV (newest first; the list's filters, no paging)",
        description: "Columns: order_id, created_at, status, payment_status, fulfillment_status, email, currency, subtotal, discount, shipping, tax, total, refunded (decimal strings in the order's currency), items, ship_to_*. A cell starting with = + - @ is prefixed with ' so a spreadsheet keeps it as text.",
        tag: "admin",
        security: ADMIN,
        parameters: orderFilterParams,
        success: { status: 200, description: "The CSV file (an attachment)", schema: { type: "string" }, mediaType: "text/csv" },
        errors: ["validation_failed", ...ADMIN_ERRORS],
      }),
    },
    "/api/admin/orders/{id}": {
      get: operation({
        operationId: "adminGetOrder",
        summary: "An order with its history (order.events) and what the payment provider reported (order.paymentEvents: payments, mismatches, refunds, disputes)",
        tag: "admin",
        security: ADMIN,
        parameters: [adminOrderIdParam],
        success: answer(200, "The order, with events", { order: ref("Order") }),
        errors: [...ADMIN_ERRORS, "not_found"],
      }),
    },
    "/api/admin/orders/{id}/fulfillments": {
      post: operation({
        operationId: "adminFulfillOrder",
        summary: "Ships items of a PAID order (no items: everything not yet shipped)",
        description: "An order in another state, or with nothing left to ship, is 409 conflict; a quantity beyond what is left on its line is 422 validation_failed.",
        tag: "admin",
        security: ADMIN,
        parameters: [adminOrderIdParam],
        body: { schema: fromZod(fulfillmentBodySchema), required: false },
        success: answer(201, "The order", { order: ref("Order") }),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found", "conflict"],
      }),
    },
    "/api/admin/orders/{id}/refunds": {
      post: operation({
        operationId: "adminRefundOrder",
        summary: "Refunds items and/or shipping of a PAID order through the payment provider (no items and no shipping: everything left)",
        description:
          "A unit's amount is its share of its line's total (discount and tax included) by largest remainder over the line's units; shipping refunds shipping + shippingTax; every unit and the shipping add up to the order's total. More than what is left, or an order that is not PAID, is 409 conflict; a quantity beyond what is left on a line is 422 validation_failed. Idempotent per Idempotency-Key, with checkout's rules. refund.status is pending when the provider has not confirmed yet (retried).",
        tag: "admin",
        security: ADMIN,
        parameters: [adminOrderIdParam, { ...idempotencyKey, description: "A new UUID per refund; a retry sends the same key (missing or malformed: 400)" }],
        body: { schema: fromZod(refundBodySchema), required: false },
        success: answer(201, "The refund and the order", { order: ref("Order"), refund: obj({ id: uuid, amount: moneyRef, currency: ref("Currency"), status: { type: "string", enum: ["pending", "succeeded"] } }) }),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found", "conflict", "idempotency_key_in_use", "idempotency_key_reused", "payment_provider_error"],
      }),
    },
    "/api/admin/orders/{id}/cancel": {
      post: operation({
        operationId: "adminCancelOrder",
        summary: "Cancels an order: unpaid -> cancelled (stock and code use back); paid and unshipped -> cancelled and refunded in full",
        description: "restock (default true) puts a paid order's units back; anything else (shipped, already cancelled) is 409 conflict.",
        tag: "admin",
        security: ADMIN,
        parameters: [adminOrderIdParam],
        body: { schema: fromZod(cancelBodySchema), required: false },
        success: answer(200, "The order", { order: ref("Order") }),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found", "conflict", "payment_provider_error"],
      }),
    },
    "/api/admin/users/{id}": {
      patch: operation({
        operationId: "adminSetUserRole",
        summary: "Promotes a user to ADMIN or demotes one to CUSTOMER (effective at that user's next request)",
        description: "Demoting the last administrator is refused with 409 conflict, also when two admins demote each other at once.",
        tag: "admin",
        security: ADMIN,
        parameters: [pathParam("id", uuid, "The user id")],
        body: { schema: fromZod(setUserRoleSchema) },
        success: answer(200, "The user", { user: ref("AdminUser") }),
        errors: ["validation_failed", ...ADMIN_ERRORS, "not_found", "conflict"],
      }),
    },
    "/api/openapi.json": {
      get: operation({
        operationId: "getOpenApiDocument",
        summary: "This document",
        tag: "meta",
        security: PUBLIC,
        success: { status: 200, description: "The OpenAPI 3.1 document", schema: { type: "object", required: ["openapi", "paths"] } },
        errors: [],
      }),
    },
    // next-auth's own endpoints (not the app's error envelope): how a headless client signs in
    "/api/auth/csrf": {
      get: operation({
        operationId: "authCsrf",
        summary: "next-auth: a CSRF token for the sign-in form (and its cookie)",
        tag: "auth (next-auth)",
        security: PUBLIC,
        envelope: false,
        success: answer(200, "The token", { csrfToken: { type: "string" } }),
        errors: [],
      }),
    },
    "/api/auth/callback/credentials": {
      post: operation({
        operationId: "authSignIn",
        summary: "next-auth: signs in with email and password (sets the session cookie)",
        description: "Send the csrfToken from GET /api/auth/csrf with its cookie. With json=true the answer is JSON; a wrong password answers with a url carrying error=CredentialsSignin and sets no session; an attempt refused by the sign-in limits (10 failures for one e-mail from one client, or 30 from one client, in a sliding 15 minutes) answers error=TooManySignInAttempts without checking the password.",
        tag: "auth (next-auth)",
        security: PUBLIC,
        envelope: false,
        body: {
          mediaType: "application/x-www-form-urlencoded",
          schema: obj(
            { csrfToken: { type: "string" }, email: { type: "string" }, password: { type: "string" }, json: { type: "string", enum: ["true"] }, callbackUrl: { type: "string" } },
            ["csrfToken", "email", "password"],
          ),
        },
        success: { ...answer(200, "Where to go next", { url: { type: "string" } }), headers: setCookie("next-auth.session-token (httpOnly, SameSite=Lax)") },
        errors: [],
      }),
    },
    "/api/auth/session": {
      get: operation({
        operationId: "authSession",
        summary: "next-auth: the current session ({} when signed out)",
        tag: "auth (next-auth)",
        security: OPTIONAL_SESSION,
        envelope: false,
        success: {
          status: 200,
          description: "The session",
          schema: {
            type: "object",
            properties: { user: obj({ id: { type: "string" }, email: { type: "string" }, role: { type: "string", enum: ["CUSTOMER", "ADMIN"] } }), expires: dateTime },
          },
        },
        errors: [],
      }),
    },
  };

  const discountProps: Record<string, JsonSchema> = {
    id: { type: "integer" },
    code: { ...nullable({ type: "string" }), description: "Stored upper-case; null for an automatic discount" },
    automatic: { type: "boolean", description: "Applies to every qualifying cart without a code" },
    title: { ...nullable({ type: "string" }), description: "What shoppers see for an automatic discount" },
    type: { type: "string", enum: [...DISCOUNT_TYPES] },
    value: { type: "number", description: valueDescription },
    currency: nullable(currency),
    minOrderAmount: nullable(moneyRef),
    maxUses: nullable({ type: "integer", minimum: 1 }),
    maxUsesPerCustomer: nullable({ type: "integer", minimum: 1 }),
    usesCount: { type: "integer", minimum: 0 },
    maxDiscountAmount: { ...nullable(moneyRef), description: "The budget: money it may give away in total, in currency; null = none" },
    discountGiven: { ...moneyRef, description: "What its unreleased redemptions gave" },
    validFrom: nullable(dateTime),
    validUntil: nullable(dateTime),
    applicableProductIds: { ...nullable(arrayOf({ type: "integer" })), description: "null = every product" },
    getProductIds: {
      ...nullable(arrayOf({ type: "integer" })),
      description: "BUY_X_GET_Y: the products the discounted units come from (cheapest first); null = the same products as the buy side (applicableProductIds)",
    },
    buyQuantity: nullable({ type: "integer", minimum: 1 }),
    getQuantity: nullable({ type: "integer", minimum: 1 }),
    maxApplications: nullable({ type: "integer", minimum: 1 }),
    tiers: {
      ...nullable(arrayOf(obj({ minSubtotal: moneyRef, minQuantity: { type: "integer", minimum: 1 }, value: { type: "number" } }, ["value"]))),
      description: "PERCENTAGE / FIXED_AMOUNT: the highest reached tier's value applies (value in the units of `value`); below the first, nothing",
    },
    isActive: { type: "boolean" },
    class: { type: "string", enum: ["product", "order", "shipping"], description: "Derived: product when it lists products, shipping for FREE_SHIPPING, else order" },
    combinesWith: {
      ...obj(
        { productDiscounts: { type: "boolean" }, orderDiscounts: { type: "boolean" }, shippingDiscounts: { type: "boolean" } },
        ["productDiscounts", "orderDiscounts", "shippingDiscounts"],
      ),
      description: "The classes it may be applied together with; two discounts combine only if each allows the other's class",
    },
    status: { type: "string", enum: ["scheduled", "active", "expired", "exhausted", "inactive"], description: "Derived from the dates, uses and isActive" },
  };

  const schemas: Record<string, JsonSchema> = {
    MoneyAmount: money,
    Currency: currency,
    ErrorCode: { type: "string", enum: Object.keys(ERROR_STATUS), description: "The machine-readable error codes (lib/errors.ts)" },
    Error: {
      description: "The error envelope every /api route (except next-auth's) answers a failure with",
      ...obj({
        error: obj({ code: ref("ErrorCode"), message: { type: "string" }, details: { type: "object" } }, ["code", "message"]),
      }),
    },
    ...Object.fromEntries((Object.keys(ERROR_STATUS) as ErrorCode[]).map((c) => [errorSchemaName(c), errorEnvelope(c)])),
    Variant: obj({
      id: { type: "integer" },
      sku: { type: "string" },
      attributes,
      price: { ...moneyRef, description: "Effective price: priceOverride ?? the product's basePrice" },
      stock: { type: "integer", minimum: 0 },
      available: { type: "boolean", description: "stock > 0 and active" },
    }),
    Product: obj({
      id: { type: "integer" },
      slug: { type: "string" },
      name: { type: "string" },
      description: { type: "string" },
      currency: ref("Currency"),
      basePrice: moneyRef,
      imageUrl: nullable({ type: "string", description: "The main image (the gallery's first)" }),
      isActive: { type: "boolean" },
      createdAt: { type: "string", format: "date-time" },
      variants: arrayOf(ref("Variant")),
      categories: arrayOf(obj({ slug: { type: "string" }, name: { type: "string" } })),
      images: arrayOf(
        obj({
          url: { type: "string", description: "A same-origin path or an https URL" },
          alt: { type: "string" },
          variantId: nullable({ type: "integer", description: "The variant the image shows; null: the whole product" }),
        }),
      ),
    }),
    Category: obj({
      id: { type: "integer" },
      slug: { type: "string" },
      name: { type: "string" },
      productCount: { type: "integer", minimum: 0, description: "Active products in the category" },
    }),
    AdminVariant: obj({
      id: { type: "integer" },
      productId: { type: "integer" },
      sku: { type: "string" },
      attributes,
      price: { ...moneyRef, description: "Effective price: priceOverride ?? the product's basePrice" },
      priceOverride: nullable(moneyRef),
      stock: { type: "integer", minimum: 0 },
      available: { type: "boolean", description: "stock > 0, the variant and its product active" },
      isActive: { type: "boolean", description: "The variant itself is for sale" },
    }),
    AdminCategory: obj({
      id: { type: "integer" },
      slug: { type: "string" },
      name: { type: "string" },
      description: { type: "string" },
      position: { type: "integer" },
    }),
    AdminProduct: obj({
      id: { type: "integer" },
      slug: { type: "string" },
      name: { type: "string" },
      description: { type: "string" },
      currency: ref("Currency"),
      basePrice: moneyRef,
      imageUrl: nullable({ type: "string", description: "The main image (the gallery's first)" }),
      isActive: { type: "boolean" },
      createdAt: { type: "string", format: "date-time" },
      updatedAt: { type: "string", format: "date-time" },
      categories: arrayOf(ref("AdminCategory")),
      images: arrayOf(
        obj({
          id: { type: "integer" },
          url: { type: "string", description: "A same-origin path or an https URL" },
          alt: { type: "string" },
          variantId: nullable({ type: "integer" }),
          position: { type: "integer", description: "0 = the main image" },
        }),
      ),
      variants: arrayOf(ref("AdminVariant")),
    }),
    CustomOptions: fromZod(customOptionsSchema, "output"),
    ShippingAddressInput: fromZod(shippingAddressSchema, "input"),
    ShippingAddress: obj(
      {
        country: { type: "string", pattern: "^[A-Z]{2}$", description: "ISO 3166-1 alpha-2" },
        region: { ...nullable({ type: "string" }), description: 'ISO 3166-2 subdivision code without the country ("CA"); required at checkout for US, CA and AU' },
        postalCode: { type: "string" },
        city: nullable({ type: "string" }),
        line1: nullable({ type: "string" }),
        line2: nullable({ type: "string" }),
        name: nullable({ type: "string" }),
        phone: nullable({ type: "string" }),
      },
      ["country", "postalCode"],
      { description: "An estimate needs country and postal code; checkout needs name, line1 and city too (and region in US, CA, AU)" },
    ),
    CartItem: obj(
      {
        id: uuid,
        productId: { type: "integer" },
        variantId: { type: "integer" },
        sku: { type: "string" },
        name: { type: "string" },
        attributes,
        imageUrl: nullable({ type: "string" }),
        quantity: { type: "integer", minimum: 1, maximum: maxQ },
        unitPrice: { ...moneyRef, description: "Captured when the item was added; checkout re-checks it" },
        customOptions: ref("CustomOptions"),
        lineTotal: { ...moneyRef, description: "unitPrice * quantity" },
      },
      ["id", "productId", "variantId", "sku", "name", "quantity", "unitPrice", "customOptions", "lineTotal"],
    ),
    CartDiscount: obj(
      {
        code: { ...nullable({ type: "string" }), description: "null for an automatic discount (then title)" },
        title: nullable({ type: "string" }),
        automatic: { type: "boolean" },
        type: { type: "string", enum: [...DISCOUNT_TYPES, "UNKNOWN"] },
        amount: { ...moneyRef, description: "What it takes off; for FREE_SHIPPING the shipping it waives (0 without an address)" },
        applied: { type: "boolean", description: "Whether it is in the set the cart gets (the compatible set with the lowest total)" },
        valid: { type: "boolean", description: "The same as applied (kept for older clients)" },
        reason: { type: "string", enum: [...DISCOUNT_FAILURE_REASONS], description: "When not applied: why (not_combinable: it lost to the applied set)" },
        conflictsWith: { ...nullable({ type: "string" }), description: "When not applied: the applied discount (code or title) it does not combine with" },
        message: { type: "string" },
      },
      ["code", "type", "amount", "applied"],
    ),
    CartSummaryLine: obj({
      itemId: uuid,
      subtotal: moneyRef,
      discount: moneyRef,
      tax: nullableMoney("The line's tax on its discounted amount"),
      total: moneyRef,
    }),
    CartSummary: {
      ...obj({
        currency: ref("Currency"),
        subtotal: moneyRef,
        discount: moneyRef,
        shipping: nullableMoney("Shipping (0 when free)"),
        shippingTax: nullableMoney("Tax on shipping"),
        tax: nullableMoney("Sum of the lines' tax + shippingTax"),
        total: { ...moneyRef, description: "subtotal - discount + shipping + tax (without an address: subtotal - discount)" },
        lines: arrayOf(ref("CartSummaryLine")),
      }),
    },
    Cart: obj(
      {
        id: { type: "string" },
        status: { type: "string", enum: ["ACTIVE", "ABANDONED", "CHECKED_OUT"] },
        currency: ref("Currency"),
        items: arrayOf(ref("CartItem")),
        itemCount: { type: "integer", minimum: 0 },
        discounts: arrayOf(ref("CartDiscount")),
        shippingAddress: nullable(ref("ShippingAddress")),
        summary: ref("CartSummary"),
        shippingError: { type: "string", description: "Set when the address cannot be priced in this currency" },
      },
      ["id", "status", "currency", "items", "discounts", "shippingAddress", "summary"],
    ),
    SavedAddress: obj(
      {
        id: uuid,
        label: { ...nullable({ type: "string" }), description: "The shopper's name for it (\"Home\")" },
        name: { type: "string" },
        line1: { type: "string" },
        line2: nullable({ type: "string" }),
        city: { type: "string" },
        region: { ...nullable({ type: "string" }), description: 'ISO 3166-2 subdivision code without the country ("CA")' },
        postalCode: { type: "string" },
        country: { type: "string", pattern: "^[A-Z]{2}$", description: "ISO 3166-1 alpha-2" },
        phone: nullable({ type: "string" }),
        isDefault: { type: "boolean", description: "Exactly one address of a non-empty book is the default" },
        createdAt: dateTime,
        updatedAt: dateTime,
      },
      undefined,
      { description: "A saved address of the signed-in shopper's address book" },
    ),
    SavedForLaterItem: obj({ id: uuid, productId: { type: "integer" }, variantId: { type: "integer" }, savedAt: dateTime }),
    User: obj({ id: uuid, email: { type: "string", format: "email" } }),
    AdminUser: obj({ id: uuid, email: { type: "string", format: "email" }, role: { type: "string", enum: ["ADMIN", "CUSTOMER"] }, createdAt: dateTime }),
    OrderItem: obj(
      {
        id: uuid,
        productId: { type: "integer" },
        variantId: { type: "integer" },
        sku: { type: "string" },
        name: { type: "string" },
        quantity: { type: "integer", minimum: 1 },
        unitPrice: moneyRef,
        discount: moneyRef,
        tax: moneyRef,
        total: moneyRef,
        customOptions: ref("CustomOptions"),
      },
      ["id", "productId", "variantId", "sku", "name", "quantity", "unitPrice", "discount", "tax", "total"],
    ),
    ItemQuantity: obj({ itemId: uuid, quantity: { type: "integer", minimum: 1 } }),
    Fulfillment: obj({
      id: uuid,
      carrier: nullable({ type: "string" }),
      trackingNumber: nullable({ type: "string" }),
      items: arrayOf(ref("ItemQuantity")),
      createdAt: dateTime,
    }),
    Refund: obj({
      id: uuid,
      amount: moneyRef,
      currency: ref("Currency"),
      status: { type: "string", enum: ["pending", "succeeded"], description: "pending: recorded, not yet confirmed by the payment provider (retried)" },
      items: arrayOf(ref("ItemQuantity")),
      shipping: { type: "boolean" },
      reason: nullable({ type: "string" }),
      createdAt: dateTime,
    }),
    OrderEvent: obj({
      type: { type: "string", description: "placed | paid | payment_failed | fulfilled | refunded | cancelled | webhook" },
      at: dateTime,
      actor: { type: "string", description: 'an admin user id or e-mail, "system", "shopper" or "stripe"' },
      details: { type: "object" },
    }),
    Order: obj(
      {
        id: uuid,
        status: { type: "string", enum: ["PENDING_PAYMENT", "PAID", "CANCELLED"] },
        email: { type: "string" },
        currency: ref("Currency"),
        items: arrayOf(ref("OrderItem")),
        summary: ref("CartSummary"),
        shippingAddress: nullable(ref("ShippingAddress")),
        fulfillmentStatus: { type: "string", enum: ["UNFULFILLED", "PARTIALLY_FULFILLED", "FULFILLED"] },
        fulfillments: arrayOf(ref("Fulfillment")),
        refunds: arrayOf(ref("Refund")),
        payment: obj(
          {
            provider: { type: "string", enum: ["stripe", "test"] },
            status: {
              type: "string",
              enum: ["pending", "succeeded", "failed", "canceled", "expired", "refund_pending", "partially_refunded", "refunded"],
            },
            declineCode: { type: "string", description: "Why the last payment attempt failed (e.g. card_declined, insufficient_funds); with status failed on a PENDING_PAYMENT order the shopper may pay again" },
            refundedAmount: { ...moneyRef, description: "The sum of the refunds" },
          },
          ["provider", "status", "refundedAmount"],
        ),
        events: { ...arrayOf(ref("OrderEvent")), description: "The order's history (admin views only)" },
        createdAt: dateTime,
      },
      ["id", "status", "email", "currency", "items", "summary", "shippingAddress", "fulfillmentStatus", "fulfillments", "refunds", "payment", "createdAt"],
    ),
    Discount: { ...obj(discountProps), description: "Unset fields are null" },
    PaymentEvent: obj(
      {
        id: { type: "string", description: "The provider's event id (Stripe evt_...)" },
        provider: { type: "string", enum: ["stripe", "test"] },
        type: {
          type: "string",
          enum: ["payment.succeeded", "payment.failed", "payment.canceled", "payment.refunded", "payment.disputed"],
        },
        paymentId: { type: ["string", "null"] },
        amount: { type: ["integer", "null"], description: "Minor units as the provider reported them (refunded: refunded so far; disputed: the disputed amount)" },
        currency: { type: ["string", "null"] },
        outcome: {
          type: ["string", "null"],
          description: "What applying it did: paid, mismatch (id, amount or currency not the order's: nothing changed), refunded, refund_pending, recorded (refunds, disputes), cancelled, unchanged, ignored",
        },
        detail: { type: ["string", "null"], description: "Why (a mismatch), or the provider's state (a dispute)" },
        receivedAt: dateTime,
      },
      ["id", "provider", "type", "paymentId", "amount", "currency", "outcome", "detail", "receivedAt"],
    ),
  };

  addBoundaryErrors(paths);

  return {
    openapi: OPENAPI_VERSION,
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    info: {
      title: "Cartwright HTTP API",
      version: opts.version ?? API_VERSION,
      description:
        "JSON in and out. Money is always an integer in minor units next to its ISO 4217 currency. Errors are " +
        '`{ "error": { "code", "message", "details" } }` with the matching status; each error response lists its codes in ' +
        "`x-error-codes`. A request answered with a 4xx changes nothing. A cart id is an unguessable capability; a signed-in " +
        "shopper's cart and orders are only theirs.",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: "/", description: "This store" }],
    tags: [
      { name: "catalog", description: "Products, variants, categories and search" },
      { name: "carts", description: "Guest and signed-in carts" },
      { name: "saved for later", description: "Signed-in shoppers' saved items" },
      { name: "checkout", description: "Checkout and the test payment provider" },
      { name: "orders", description: "Orders" },
      { name: "payments", description: "Payment provider webhooks" },
      { name: "accounts", description: "Sign-up, password reset and the address book" },
      { name: "auth (next-auth)", description: "next-auth's endpoints used to sign in; they do not use the error envelope" },
      { name: "cron", description: "Sweepers for a scheduler" },
      { name: "admin", description: "Discounts, stock and the order desk (an ADMIN session or ADMIN_API_TOKEN); every change is audited" },
      { name: "meta", description: "This document" },
    ],
    paths,
    components: {
      schemas,
      responses: {
        InternalError: errorResponse(["internal_error"], "internal_error: an unexpected failure (nothing is leaked)"),
      },
      securitySchemes: {
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "next-auth.session-token",
          description: "next-auth's JWT session cookie (named __Host-next-auth.session-token over https), from POST /api/auth/callback/credentials",
        },
        orderToken: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <orderToken>` from POST /api/checkout" },
        orderTokenCookie: { type: "apiKey", in: "cookie", name: "cw_orders", description: "The signed httpOnly cookie POST /api/checkout sets (the browser's way to the order)" },
        adminToken: { type: "http", scheme: "bearer", description: "`Authorization: Bearer $ADMIN_API_TOKEN`" },
        cronSecret: { type: "http", scheme: "bearer", description: "`Authorization: Bearer $CRON_SECRET`" },
        stripeSignature: { type: "apiKey", in: "header", name: "Stripe-Signature", description: "Stripe's webhook signature over the raw body" },
      },
    },
  };
}
