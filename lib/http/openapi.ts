import { z } from "zod";
import { cartSummarySchema } from "../pricing";
import { CART_STATUSES, DISCOUNT_FAILURE_REASONS } from "../cart/view";
import { currencyCodeSchema, moneyAmountSchema } from "../money/schema";
import { ERROR_STATUS, type ErrorCode } from "../errors";
import { requiresJsonBody, STRIPE_WEBHOOK_PATH } from "./boundary";
import { API_OPERATIONS, TAGS, type Answer, type ApiOperation, type Security } from "./operations";

// The OpenAPI 3.1 document of the HTTP API, GENERATED from the declarative list of operations in ./operations.ts:
// every request body, path, query and header parameter and every answer is a zod schema that the code uses (the
// route's parser, or the schema the answer's type is inferred from), turned into JSON Schema 2020-12 with
// z.toJSONSchema. Schemas that carry a `.meta({ id })` become #/components/schemas/<id>. Each error response lists
// its codes (`x-error-codes`) and a `oneOf` of per-code envelopes whose `error.code` is a `const`, under the status
// lib/errors.ts gives the code. Pure data; no Next.js imports. Served at GET /api/openapi.json.

export type JsonSchema = { [key: string]: unknown };
export type ResponseObject = {
  description: string;
  headers?: Record<string, JsonSchema>;
  content?: Record<string, { schema: JsonSchema }>;
  "x-error-codes"?: ErrorCode[];
  $ref?: string;
};
export type OperationObject = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Security;
  parameters?: JsonSchema[];
  requestBody?: JsonSchema;
  responses: Record<string, ResponseObject>;
};
export type OpenApiDocument = {
  openapi: string;
  jsonSchemaDialect: string;
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  servers: { url: string; description?: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema>; responses: Record<string, ResponseObject> };
};
export type OpenApiOptions = {
  /** CART_MAX_LINE_QUANTITY: the largest quantity of one cart line (default 99) */
  maxLineQuantity?: number;
  /** the document's version string (default the API version below) */
  version?: string;
};

export const OPENAPI_VERSION = "3.1.0";
const API_VERSION = "1.0.0";

// ---- the error envelope ---------------------------------------------------------------------------------------

const fieldErrors = z.record(z.string(), z.array(z.string())).describe('Messages per dotted field path ("" for the body itself), e.g. { "quantity": ["At most 99"] }');

/** What `error.details` holds for each code (absent = an object with no promised keys). */
const ERROR_DETAILS: Partial<Record<ErrorCode, { schema: z.ZodType; required: boolean }>> = {
  validation_failed: { required: true, schema: z.looseObject({ fieldErrors }) },
  insufficient_stock: {
    required: true,
    schema: z.looseObject({
      items: z
        .array(z.object({ variantId: z.number().int(), requested: z.number().int(), available: z.number().int().min(0) }))
        .min(1)
        .describe("Every short line at once"),
    }),
  },
  prices_changed: {
    required: true,
    schema: z.looseObject({
      changes: z.array(z.object({ itemId: z.uuid(), variantId: z.number().int(), oldUnitPrice: moneyAmountSchema, newUnitPrice: moneyAmountSchema })),
      summary: cartSummarySchema,
    }),
  },
  cart_not_active: { required: false, schema: z.looseObject({ status: z.enum(CART_STATUSES).optional() }) },
  conflict: { required: false, schema: z.looseObject({ fieldErrors: fieldErrors.optional(), limit: z.number().int().min(1).optional().describe("The address book is full: the most addresses it holds") }) },
  currency_mismatch: { required: false, schema: z.looseObject({ cartCurrency: currencyCodeSchema.optional(), itemCurrency: currencyCodeSchema.optional() }) },
  discount_invalid: { required: true, schema: z.looseObject({ reason: z.enum(DISCOUNT_FAILURE_REASONS) }) },
  too_many_lines: { required: false, schema: z.looseObject({ maxLines: z.number().int().min(1).optional() }) },
  rate_limited: { required: false, schema: z.looseObject({ retryAfterSeconds: z.number().int().min(0).optional().describe("When a new attempt can count again") }) },
};

const ERROR_MEANING: Record<ErrorCode, string> = {
  validation_failed: "the body, a path parameter or a header is not valid (details.fieldErrors)",
  invalid_signature: "the webhook signature does not verify",
  unauthorized: "sign in (or send the right bearer token) first",
  forbidden: "signed in, but this belongs to another account / needs another role; or a cross-site write",
  not_found: "the cart, item, product, variant, order, discount, saved item or saved address does not exist (or is another account's)",
  insufficient_stock: "not enough stock (details.items: [{ variantId, requested, available }])",
  prices_changed: "prices changed since the items were added; the cart now holds the new prices (details.changes, details.summary)",
  cart_not_active: "the cart was already checked out (or abandoned)",
  conflict: "it exists already (an email, a discount code), or the state does not allow it (a full address book: details.limit; unsetting the default address)",
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
    "a total beyond what an order can hold (2^31-1 minor units) or outside the payment provider's minimum/maximum; checked before any stock is reserved",
  rate_limited: "too many attempts (wrong codes, new accounts, unpaid orders) from this cart, client or e-mail (details.retryAfterSeconds when known)",
  internal_error: "an unexpected error; nothing is leaked",
  payment_provider_error: "the payment provider failed or refused the call",
  service_unavailable: "a dependency (such as Redis) is down; retry later",
};

/** `{ error: { code, message, details } }` for one code: the envelope lib/errors.ts toErrorResponse writes. */
export function errorEnvelopeSchema(code: ErrorCode): z.ZodType {
  const details = ERROR_DETAILS[code];
  const detailsSchema = details?.schema ?? z.record(z.string(), z.unknown());
  return z
    .object({
      error: z.object({
        code: z.literal(code),
        message: z.string().describe("A sentence for people; do not parse it"),
        details: details?.required ? detailsSchema : detailsSchema.optional(),
      }),
    })
    .meta({ id: `Error_${code}`, description: `${code} (HTTP ${ERROR_STATUS[code]}): ${ERROR_MEANING[code]}` });
}

// ---- zod -> JSON Schema ---------------------------------------------------------------------------------------

/** Turns zod schemas into JSON Schema, collecting every schema with an id into `components` (refs rewritten). */
class SchemaCollector {
  readonly components: Record<string, JsonSchema> = {};

  json(schema: z.ZodType, io: "input" | "output"): JsonSchema {
    const out = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any", cycles: "ref", reused: "inline" }) as JsonSchema;
    const text = JSON.stringify(out).replaceAll('"#/$defs/', '"#/components/schemas/');
    // a schema with an id (the root too) is answered as a $ref, its definition under $defs: those become components
    const { $schema: _dialect, $defs, ...root } = JSON.parse(text) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    for (const [name, def] of Object.entries($defs ?? {})) this.add(name, def);
    return root;
  }

  private add(name: string, def: JsonSchema): void {
    const existing = this.components[name];
    if (existing && JSON.stringify(existing) !== JSON.stringify(def))
      throw new Error(`OpenAPI: two different schemas are named ${name} (an input and an output form?)`);
    this.components[name] = def;
  }
}

// ---- operations -> paths --------------------------------------------------------------------------------------

const jsonContent = (schema: JsonSchema): ResponseObject["content"] => ({ "application/json": { schema } });
const errorRef = (code: ErrorCode): JsonSchema => ({ $ref: `#/components/schemas/Error_${code}` });

/** The response of some error codes of one status: their envelopes (a `oneOf` when there are several). */
function errorResponse(codes: ErrorCode[]): ResponseObject {
  const schemas = codes.map(errorRef);
  return {
    description: codes.map((c) => `\`${c}\`: ${ERROR_MEANING[c]}`).join("; "),
    "x-error-codes": codes,
    content: jsonContent(schemas.length === 1 ? schemas[0]! : { oneOf: schemas }),
  };
}

/**
 * The codes the HTTP server answers before a route runs (lib/http/request-guard.ts): 405 for another method on the
 * path, and for every method that may change something 403 for a cross-site request (not the Stripe webhook), 413
 * for a body over the route's limit and, on the JSON routes, 415.
 */
function boundaryErrors(method: string, path: string): ErrorCode[] {
  if (method === "get" || method === "head") return ["method_not_allowed"];
  return [
    "method_not_allowed",
    "payload_too_large",
    ...(path === STRIPE_WEBHOOK_PATH ? [] : (["forbidden"] as const)),
    ...(requiresJsonBody(path) ? (["unsupported_media_type"] as const) : []),
  ];
}

const STATUS_TEXT: Record<number, string> = { 200: "OK", 201: "Created", 202: "Accepted", 302: "Found", 503: "Unavailable" };

function parameters(c: SchemaCollector, where: "path" | "query" | "header", shape: z.ZodObject | undefined): JsonSchema[] {
  if (!shape) return [];
  return Object.entries(shape.shape as Record<string, z.ZodType>).map(([name, s]) => {
    const schema = c.json(s, "input");
    const { description, ...rest } = schema;
    const optional = s.safeParse(undefined).success;
    return { name, in: where, required: where === "path" || !optional, ...(description ? { description } : {}), schema: rest };
  });
}

function responseOf(c: SchemaCollector, status: number, answer: Answer): ResponseObject {
  const a = answer instanceof z.ZodType ? { schema: answer } : answer;
  const mediaType = a.mediaType ?? "application/json";
  return {
    description: a.description ?? STATUS_TEXT[status] ?? String(status),
    ...(a.headers ? { headers: Object.fromEntries(Object.entries(a.headers).map(([k, d]) => [k, { description: d, schema: { type: "string" } }])) } : {}),
    // no schema and no media type: an answer without a body (a redirect)
    ...(a.schema || a.mediaType ? { content: { [mediaType]: { schema: a.schema ? c.json(a.schema, "output") : { type: "string" } } } } : {}),
  };
}

function operationObject(c: SchemaCollector, op: ApiOperation, maxQ: number): OperationObject {
  const responses: Record<string, ResponseObject> = {};
  for (const [status, answer] of Object.entries(op.responses)) responses[status] = responseOf(c, Number(status), answer);
  const byStatus = new Map<number, ErrorCode[]>();
  const codes = op.nextAuth ? op.errors : [...op.errors, ...boundaryErrors(op.method, op.path)];
  for (const code of new Set(codes)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  for (const [status, list] of [...byStatus.entries()].sort((a, b) => a[0] - b[0])) {
    responses[String(status)] = errorResponse(list);
    if (list.includes("method_not_allowed")) responses[String(status)]!.headers = { Allow: { description: "The methods this path answers", schema: { type: "string" } } };
  }
  if (!op.nextAuth) responses["500"] = { $ref: "#/components/responses/InternalError", description: "internal_error" };
  const params = [...parameters(c, "path", op.params), ...parameters(c, "query", op.query), ...parameters(c, "header", op.headers)];
  const body = typeof op.body === "function" ? op.body(maxQ) : op.body;
  const b = body === undefined ? undefined : body instanceof z.ZodType ? { schema: body } : body;
  return {
    operationId: op.id,
    summary: op.summary,
    ...(op.description ? { description: typeof op.description === "function" ? op.description(maxQ) : op.description } : {}),
    tags: [op.tag],
    security: op.security,
    ...(params.length ? { parameters: params } : {}),
    ...(b
      ? {
          requestBody: {
            required: b.required ?? true,
            ...(b.description ? { description: b.description } : {}),
            content: { [b.mediaType ?? "application/json"]: { schema: c.json(b.schema, "input") } },
          },
        }
      : {}),
    responses,
  };
}

/** Builds the whole document from API_OPERATIONS. Pure; the route serves it as JSON. */
export function buildOpenApiDocument(opts: OpenApiOptions = {}): OpenApiDocument {
  const maxQ = opts.maxLineQuantity ?? 99;
  const c = new SchemaCollector();
  c.json(moneyAmountSchema, "output");
  c.json(currencyCodeSchema, "output");
  for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) c.json(errorEnvelopeSchema(code), "output");
  const paths: OpenApiDocument["paths"] = {};
  for (const op of API_OPERATIONS) (paths[op.path] ??= {})[op.method] = operationObject(c, op, maxQ);
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
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: {
        ErrorCode: { type: "string", enum: Object.keys(ERROR_STATUS), description: "The machine-readable error codes (lib/errors.ts)" },
        ...c.components,
      },
      responses: { InternalError: { ...errorResponse(["internal_error"]), description: "internal_error: an unexpected failure (nothing is leaked)" } },
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
        metricsToken: { type: "http", scheme: "bearer", description: "`Authorization: Bearer $METRICS_TOKEN` (ADMIN_API_TOKEN when METRICS_TOKEN is unset)" },
        stripeSignature: { type: "apiKey", in: "header", name: "Stripe-Signature", description: "Stripe's webhook signature over the raw body" },
      },
    },
  };
}
