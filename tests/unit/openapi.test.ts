import path from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_STATUS, type ErrorCode } from "@/lib/errors";
import { buildOpenApiDocument, type JsonSchema, type OpenApiDocument, type ResponseObject } from "@/lib/http/openapi";
import { matchApiRoute, scanApiRoutes } from "@/lib/http/route-table";

// docs/ARCHITECTURE.md, "HTTP contract": every path and method of the contract.
const CONTRACT: [string, string][] = [
  ["get", "/api/products"],
  ["get", "/api/products/{idOrSlug}"],
  ["get", "/api/categories"],
  ["post", "/api/carts"],
  ["get", "/api/carts/{cartId}"],
  ["post", "/api/carts/{cartId}/items"],
  ["patch", "/api/carts/{cartId}/items/{itemId}"],
  ["delete", "/api/carts/{cartId}/items/{itemId}"],
  ["post", "/api/carts/{cartId}/items/{itemId}/save-for-later"],
  ["get", "/api/saved-for-later"],
  ["post", "/api/saved-for-later/{id}/move-to-cart"],
  ["put", "/api/carts/{cartId}/shipping-address"],
  ["post", "/api/carts/{cartId}/discounts"],
  ["delete", "/api/carts/{cartId}/discounts/{code}"],
  ["post", "/api/checkout"],
  ["post", "/api/payments/test/confirm"],
  ["get", "/api/orders/{orderId}"],
  ["post", "/api/webhooks/stripe"],
  ["post", "/api/account/register"],
  ["post", "/api/account/sessions/revoke-all"],
  ["post", "/api/cron/expire-orders"],
  ["post", "/api/cron/abandon-carts"],
  ["get", "/api/admin/discounts"],
  ["post", "/api/admin/discounts"],
  ["get", "/api/admin/discounts/{id}"],
  ["patch", "/api/admin/discounts/{id}"],
  ["patch", "/api/admin/variants/{id}"],
  ["post", "/api/admin/products"],
  ["get", "/api/admin/products/{id}"],
  ["patch", "/api/admin/products/{id}"],
  ["post", "/api/admin/products/{id}/variants"],
  ["post", "/api/admin/categories"],
  ["patch", "/api/admin/users/{id}"],
  ["get", "/api/admin/orders"],
  ["get", "/api/admin/orders/export.csv"],
  ["get", "/api/admin/orders/{id}"],
  ["post", "/api/admin/orders/{id}/fulfillments"],
  ["post", "/api/admin/orders/{id}/refunds"],
  ["post", "/api/admin/orders/{id}/cancel"],
  ["post", "/api/orders/{orderId}/cancel"],
  ["get", "/api/openapi.json"],
  ["post", "/api/account/password-reset"],
  ["post", "/api/account/password-reset/confirm"],
  ["post", "/api/orders/lookup"],
  ["post", "/api/cron/cart-reminders"],
  ["post", "/api/cron/deliver-mail"],
  ["get", "/api/admin/mail"],
  ["get", "/api/account/addresses"],
  ["post", "/api/account/addresses"],
  ["patch", "/api/account/addresses/{id}"],
  ["delete", "/api/account/addresses/{id}"],
  ["post", "/api/admin/mail/{id}/resend"],
  ["get", "/api/admin/discounts/{id}/stats"],
  ["get", "/api/health"],
  ["get", "/api/ready"],
  ["get", "/api/metrics"],
];

// next-auth's endpoints the shop's pages and headless clients use (their own answers, not the error envelope)
const NEXT_AUTH: [string, string][] = [
  ["get", "/api/auth/csrf"],
  ["get", "/api/auth/providers"],
  ["get", "/api/auth/session"],
  ["post", "/api/auth/callback/credentials"],
  ["post", "/api/auth/signout"],
];

// answered 202 (accepted, whatever happened)
const ACCEPTED = new Set(["post /api/account/password-reset", "post /api/orders/lookup"]);

// status of the success answer where it is not 200
const CREATED = new Set(["post /api/carts", "post /api/carts/{cartId}/items", "post /api/checkout", "post /api/account/register", "post /api/admin/discounts", "post /api/admin/products", "post /api/admin/products/{id}/variants", "post /api/admin/categories", "post /api/admin/orders/{id}/fulfillments", "post /api/admin/orders/{id}/refunds", "post /api/account/addresses"]);
// answered 204 without a body
const NO_CONTENT = new Set(["delete /api/account/addresses/{id}"]);

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

const doc: OpenApiDocument = buildOpenApiDocument();

function resolve(node: JsonSchema): JsonSchema {
  const r = node.$ref;
  if (typeof r !== "string") return node;
  expect(r.startsWith("#/")).toBe(true);
  let cur: unknown = doc;
  for (const part of r.slice(2).split("/")) cur = (cur as Record<string, unknown>)[part];
  expect(cur, `${r} resolves`).toBeTypeOf("object");
  return cur as JsonSchema;
}

function operations() {
  const out: { method: string; path: string; op: OpenApiDocument["paths"][string][string] }[] = [];
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) out.push({ method, path, op });
  return out;
}

/** The error codes a response schema allows: the `const` of error.code in each (oneOf) envelope. */
function codesOfSchema(schema: JsonSchema): string[] {
  const s = resolve(schema);
  if (Array.isArray(s.oneOf)) return (s.oneOf as JsonSchema[]).flatMap(codesOfSchema);
  const error = resolve((s.properties as Record<string, JsonSchema>).error!);
  const code = (error.properties as Record<string, JsonSchema>).code!;
  expect(typeof code.const, "each envelope names its code").toBe("string");
  return [code.const as string];
}

function walk(node: unknown, visit: (n: Record<string, unknown>, path: string) => void, path = "#"): void {
  if (Array.isArray(node)) node.forEach((n, i) => walk(n, visit, `${path}/${i}`));
  else if (node && typeof node === "object") {
    visit(node as Record<string, unknown>, path);
    for (const [k, v] of Object.entries(node)) walk(v, visit, `${path}/${k}`);
  }
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with info, a relative server and JSON-serialisable content", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(doc.servers).toEqual([expect.objectContaining({ url: "/" })]);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    for (const path of Object.keys(doc.paths)) expect(path).toMatch(/^\/api\//);
  });

  it("has every path of docs/ARCHITECTURE.md with its methods", () => {
    for (const [method, path] of CONTRACT) {
      expect(doc.paths[path], path).toBeDefined();
      expect(doc.paths[path]![method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
    for (const { method } of operations()) expect(HTTP_METHODS.has(method)).toBe(true);
  });

  it("answers each contract operation with its success status and a JSON schema (CSV for the export)", () => {
    for (const [method, path] of CONTRACT) {
      const op = doc.paths[path]![method]!;
      const status = CREATED.has(`${method} ${path}`) ? "201" : ACCEPTED.has(`${method} ${path}`) ? "202" : NO_CONTENT.has(`${method} ${path}`) ? "204" : "200";
      const ok = op.responses[status];
      expect(ok, `${method} ${path} -> ${status}`).toBeDefined();
      for (const s of Object.keys(op.responses).filter((k) => k.startsWith("2"))) expect(s).toBe(status);
      if (status === "204") {
        expect(ok!.content, `${method} ${path} has no body`).toBeUndefined();
        continue;
      }
      // the CSV export and the metrics are the successes that are not JSON
      const mediaType = path.endsWith(".csv") ? "text/csv" : path === "/api/metrics" ? "text/plain" : "application/json";
      expect(ok!.content?.[mediaType]?.schema, `${method} ${path}`).toBeDefined();
      for (const s of Object.keys(op.responses).filter((k) => k.startsWith("2"))) expect(s).toBe(status);
    }
  });

  it("gives every operation a unique operationId, tags, a security list, and declares every path parameter", () => {
    const ids = operations().map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations()) {
      expect(op.tags.length, `${method} ${path}`).toBeGreaterThan(0);
      expect(Array.isArray(op.security)).toBe(true);
      const declared = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
      const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(declared.sort(), `${method} ${path}`).toEqual(inTemplate.sort());
      for (const p of op.parameters ?? []) {
        if (p.in === "path") expect(p.required).toBe(true);
        expect(p.schema, `${method} ${path} ${String(p.name)}`).toBeTypeOf("object");
      }
      for (const sec of op.security) for (const name of Object.keys(sec)) expect(doc.components.securitySchemes[name], name).toBeDefined();
    }
  });

  it("references only error codes of lib/errors.ts, each under its own status, in the error envelope", () => {
    const referenced = new Set<string>();
    for (const { path, method, op } of operations()) {
      for (const [status, raw] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const response = resolve(raw as unknown as JsonSchema) as unknown as ResponseObject;
        // not ready answers 503 with its own { status } body, not an error
        if (path === "/api/ready" && status === "503") continue;
        const listed = response["x-error-codes"];
        expect(listed, `${method} ${path} ${status} lists its codes`).toBeDefined();
        const inSchema = codesOfSchema(response.content!["application/json"]!.schema);
        expect([...inSchema].sort(), `${method} ${path} ${status}`).toEqual([...listed!].sort());
        for (const code of listed!) {
          expect(Object.keys(ERROR_STATUS), `${method} ${path}: ${code}`).toContain(code);
          expect(ERROR_STATUS[code as ErrorCode], `${method} ${path}: ${code} is a ${status}`).toBe(Number(status));
          referenced.add(code);
        }
      }
    }
    // every code of the contract is answered somewhere
    for (const code of Object.keys(ERROR_STATUS)) expect(referenced, code).toContain(code);
  });

  it("every error envelope requires error.code and error.message, and details where the contract promises them", () => {
    for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
      const env = doc.components.schemas[`Error_${code}`]!;
      expect(env.required).toEqual(["error"]);
      const error = (env.properties as Record<string, JsonSchema>).error!;
      expect(error.required).toEqual(expect.arrayContaining(["code", "message"]));
    }
    const details = (code: ErrorCode) => ((doc.components.schemas[`Error_${code}`]!.properties as Record<string, JsonSchema>).error!.properties as Record<string, JsonSchema>).details!;
    expect(details("validation_failed").required).toEqual(["fieldErrors"]);
    expect(details("insufficient_stock").required).toEqual(["items"]);
    expect(details("prices_changed").required).toEqual(["changes", "summary"]);
    expect(details("discount_invalid").required).toEqual(["reason"]);
    expect((details("discount_invalid").properties as Record<string, JsonSchema>).reason!.enum).toEqual([
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
    ]);
  });

  it("resolves every $ref", () => {
    walk(doc, (n, at) => {
      if (typeof n.$ref === "string") {
        expect(n.$ref, at).toMatch(/^#\/components\/(schemas|responses)\/[A-Za-z0-9._-]+$/);
        resolve(n as JsonSchema);
      }
    });
  });

  it("has the security schemes of the contract", () => {
    const s = doc.components.securitySchemes;
    expect(s.sessionCookie).toMatchObject({ type: "apiKey", in: "cookie" });
    expect(s.orderToken).toMatchObject({ type: "http", scheme: "bearer" });
    expect(s.adminToken).toMatchObject({ type: "http", scheme: "bearer" });
    expect(s.cronSecret).toMatchObject({ type: "http", scheme: "bearer" });
    expect(s.stripeSignature).toMatchObject({ type: "apiKey", in: "header", name: "Stripe-Signature" });
    expect(doc.paths["/api/cron/abandon-carts"]!.post!.security).toEqual([{ cronSecret: [] }]);
    expect(doc.paths["/api/webhooks/stripe"]!.post!.security).toEqual([{ stripeSignature: [] }]);
    expect(doc.paths["/api/orders/{orderId}"]!.get!.security).toEqual(expect.arrayContaining([{ orderToken: [] }, { sessionCookie: [] }]));
    expect(doc.paths["/api/admin/variants/{id}"]!.patch!.security).toEqual(expect.arrayContaining([{ adminToken: [] }, { sessionCookie: [] }]));
    expect(doc.paths["/api/checkout"]!.post!.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "Idempotency-Key", in: "header", required: true })]),
    );
  });

  it("describes money as integers", () => {
    expect(doc.components.schemas.MoneyAmount).toMatchObject({ type: "integer" });
    const summary = doc.components.schemas.CartSummary!.properties as Record<string, JsonSchema>;
    for (const k of ["subtotal", "discount", "total"]) expect(summary[k]!.$ref).toBe("#/components/schemas/MoneyAmount");
    for (const k of ["shipping", "shippingTax", "tax"]) expect(JSON.stringify(summary[k])).toContain("MoneyAmount");
    const item = doc.components.schemas.CartItem!.properties as Record<string, JsonSchema>;
    expect(item.unitPrice!.$ref).toBe("#/components/schemas/MoneyAmount");
    expect(item.lineTotal!.$ref).toBe("#/components/schemas/MoneyAmount");
    // no money-looking field anywhere is a plain "number"
    walk(doc.components.schemas, (n, at) => {
      const props = n.properties as Record<string, JsonSchema> | undefined;
      if (!props) return;
      for (const [k, v] of Object.entries(props))
        if (/(price|amount|total|subtotal|tax|shipping)$/i.test(k)) expect(v.type, `${at}.${k}`).not.toBe("number");
    });
  });

  it("takes request schemas from the routes' zod schemas (limits, strict objects)", () => {
    const body = (method: string, path: string) => doc.paths[path]![method]!.requestBody!.content as Record<string, { schema: JsonSchema }>;
    const add = body("post", "/api/carts/{cartId}/items")["application/json"]!.schema;
    expect(add.required).toEqual(["variantId", "quantity"]);
    expect(add.additionalProperties).toBe(false);
    expect((add.properties as Record<string, JsonSchema>).quantity).toMatchObject({ type: "integer", minimum: 1, maximum: 99 });
    const patch = body("patch", "/api/carts/{cartId}/items/{itemId}")["application/json"]!.schema;
    expect((patch.properties as Record<string, JsonSchema>).quantity).toMatchObject({ type: "integer", minimum: 0, maximum: 99 });
    const options = (add.properties as Record<string, JsonSchema>).customOptions!;
    expect(options.additionalProperties).toBe(false);
    expect((options.properties as Record<string, JsonSchema>).giftMessage).toMatchObject({ maxLength: 200 });
    expect((options.properties as Record<string, JsonSchema>).personalization).toMatchObject({ maxLength: 100 });
    const address = body("put", "/api/carts/{cartId}/shipping-address")["application/json"]!.schema;
    expect(address.required).toEqual(["country", "postalCode"]);
    const register = body("post", "/api/account/register")["application/json"]!.schema;
    expect(register.required).toEqual(["email", "password"]);
    expect((register.properties as Record<string, JsonSchema>).email).toMatchObject({ format: "email" });
    const checkout = body("post", "/api/checkout")["application/json"]!.schema;
    expect(checkout.required).toEqual(["cartId", "email"]);
    expect(checkout.additionalProperties).toBe(false);
    const createDiscount = body("post", "/api/admin/discounts")["application/json"]!.schema;
    // code is required unless the discount is automatic (a rule on the whole discount, checked by the handler)
    expect(createDiscount.required).toEqual(["type"]);
    expect(createDiscount.additionalProperties).toBe(false);
    const patchDiscount = body("patch", "/api/admin/discounts/{id}")["application/json"]!.schema;
    expect(patchDiscount).toMatchObject({ additionalProperties: false, minProperties: 1 });
    expect(patchDiscount.required ?? []).toEqual([]);
    const patchVariant = body("patch", "/api/admin/variants/{id}")["application/json"]!.schema;
    expect(Object.keys(patchVariant.properties as object).sort()).toEqual(["attributes", "isActive", "priceOverride", "sku", "stock", "stockDelta"]);
    const createProduct = body("post", "/api/admin/products")["application/json"]!.schema;
    expect(createProduct.required).toEqual(["name", "basePrice"]);
    expect(createProduct.additionalProperties).toBe(false);
    expect(body("patch", "/api/admin/products/{id}")["application/json"]!.schema).toMatchObject({ additionalProperties: false, minProperties: 1 });
    expect(body("post", "/api/admin/products/{id}/variants")["application/json"]!.schema.required).toEqual(["sku"]);
    expect(body("post", "/api/admin/categories")["application/json"]!.schema.required).toEqual(["name"]);
    // the configured line limit flows into the document
    const custom = buildOpenApiDocument({ maxLineQuantity: 5 });
    const add5 = (custom.paths["/api/carts/{cartId}/items"]!.post!.requestBody!.content as Record<string, { schema: JsonSchema }>)["application/json"]!.schema;
    expect((add5.properties as Record<string, JsonSchema>).quantity).toMatchObject({ maximum: 5 });
  });

  it("documents next-auth's endpoints with their content types, outside the error envelope", () => {
    for (const [method, p] of NEXT_AUTH) {
      const op = doc.paths[p]?.[method];
      expect(op, `${method} ${p}`).toBeDefined();
      expect(op!.responses["200"]!.content?.["application/json"]?.schema, `${method} ${p}`).toBeDefined();
      expect(op!.responses["500"], "no envelope promised").toBeUndefined();
      if (method === "post") expect(Object.keys(op!.requestBody!.content as object)).toEqual(["application/x-www-form-urlencoded"]);
    }
    expect(doc.paths["/api/metrics"]!.get!.security).toEqual([{ metricsToken: [] }]);
  });

  it("closes the answers' objects (additionalProperties: false), so a field the document does not have is a drift", () => {
    for (const name of ["Cart", "CartItem", "CartSummary", "Order", "OrderItem", "Product", "Variant", "Discount", "AdminProduct", "AdminOrder", "MailMessage"])
      expect(doc.components.schemas[name]!.additionalProperties, name).toBe(false);
    for (const code of Object.keys(ERROR_STATUS)) {
      const env = doc.components.schemas[`Error_${code}`]!;
      expect(env.additionalProperties, code).toBe(false);
      expect((env.properties as Record<string, JsonSchema>).error!.additionalProperties, code).toBe(false);
    }
  });
});

// Every route under app/api, read the way the server reads them (lib/http/route-table.ts), against the document.
describe("the OpenAPI document and the route files", () => {
  const routes = scanApiRoutes(path.join(process.cwd(), "app"));
  // a path template with every {param} filled, as a request would name it
  const concrete = (template: string) => template.replace(/\{[^}]+\}/g, "x1");

  it("documents every method every route file exports", () => {
    expect(routes.length).toBeGreaterThan(40);
    const documented = operations().map(({ method, path: p }) => ({ method: method.toUpperCase(), route: matchApiRoute(routes, concrete(p)) }));
    for (const route of routes)
      for (const method of route.exported)
        expect(
          documented.some((d) => d.method === method && d.route === route),
          `${method} ${route.pattern} is exported by its route file but not in the OpenAPI document`,
        ).toBe(true);
  });

  it("has no operation without a route file that exports its method", () => {
    for (const { method, path: p } of operations()) {
      const route = matchApiRoute(routes, concrete(p));
      expect(route, `${method.toUpperCase()} ${p}: no route file serves this path`).not.toBeNull();
      expect(route!.exported, `${method.toUpperCase()} ${p}: ${route!.pattern} does not export ${method.toUpperCase()}`).toContain(method.toUpperCase());
      // a documented {param} sits where the route has a dynamic segment, and a fixed segment where it has one
      const segments = p.split("/").filter(Boolean);
      route!.segments.forEach((seg, i) => {
        if (seg.kind === "static") expect(segments[i], `${p} at ${i}`).toBe(seg.value);
        if (seg.kind === "dynamic") expect(segments[i], `${p} at ${i}`).toMatch(/^\{.+\}$/);
      });
    }
  });
});
