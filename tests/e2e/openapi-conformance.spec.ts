import { randomBytes, randomUUID } from "node:crypto";
import { expect, request as playwrightRequest, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import pg from "pg";
import { TEST_ADMIN_TOKEN as ADMIN_TOKEN } from "../support/app-server";

// ajv and ajv-formats are CommonJS: their default export arrives wrapped when this ES module imports them
const Ajv2020 = (Ajv2020Module as unknown as { default?: typeof Ajv2020Module }).default ?? Ajv2020Module;
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

// Every operation GET /api/openapi.json documents is called on the built app with a valid request (and the main
// error cases), and each real answer is checked against what the document says for its status: the status is
// documented, the content type is the documented one, and the body validates against the documented JSON Schema
// (ajv 8, draft 2020-12, with formats). Answers' objects are closed (additionalProperties: false), so a handler that
// answers a field the document does not have, or lacks a required one, fails here. The last test checks that every
// documented operation got a validated 2xx.

const CRON_SECRET = "test-cron-secret-0123456789";
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> }>> };
let doc: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
/** Operations answered with a validated 2xx ("get /api/carts/{cartId}"). */
const covered = new Set<string>();
// the test payment provider refuses webhooks (400 invalid_signature, checked below); a 200 from Stripe's own events is
// the business of tests/e2e/stripe-payment.spec.ts
const NO_SUCCESS_HERE = new Set(["post /api/webhooks/stripe"]);

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

/**
 * The answer against the document: `status` expected, documented for the operation, with its content type and a
 * body valid against its schema. Returns the parsed JSON body.
 */
async function check<T = Record<string, unknown>>(method: string, template: string, res: APIResponse, status: number): Promise<T> {
  const text = await res.text();
  const what = `${method.toUpperCase()} ${template} -> ${res.status()} ${text.slice(0, 400)}`;
  expect(res.status(), what).toBe(status);
  const op = doc.paths[template]?.[method];
  expect(op, `${method.toUpperCase()} ${template} is documented`).toBeDefined();
  let key = String(status);
  let response = op!.responses[key];
  expect(response, `${what}: status ${status} is documented`).toBeDefined();
  if (response!.$ref) {
    key = response!.$ref.split("/").pop()!;
    response = undefined;
  }
  const contentType = (res.headers()["content-type"] ?? "").split(";")[0]!.trim();
  const base = response ? pointer("paths", template, method, "responses", String(status)) : pointer("components", "responses", key);
  const content = response?.content ?? (response ? undefined : { "application/json": {} });
  let body: unknown = undefined;
  if (content) {
    expect(Object.keys(content), `${what}: content type`).toContain(contentType);
    if (contentType === "application/json") {
      body = JSON.parse(text);
      const validate = ajv.getSchema(`openapi.json#/${base}/content/${pointer(contentType)}/schema`);
      expect(validate, `${what}: a schema`).toBeDefined();
      const ok = validate!(body);
      expect(ok ? [] : validate!.errors, `${what}: the body matches the documented schema`).toEqual([]);
    }
  }
  if (status < 300) covered.add(`${method} ${template}`);
  return body as T;
}

async function context(headers: Record<string, string> = {}): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL, extraHTTPHeaders: headers });
}

type Variant = { id: number; stock: number; available: boolean };
type Product = { id: number; slug: string; currency: string; variants: Variant[] };
const address = { name: "Ada Lovelace", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94103", country: "US" };

let products: Product[] = [];
function usdVariant(min = 3): Variant {
  const v = products.filter((p) => p.currency === "USD").flatMap((p) => p.variants).find((x) => x.available && x.stock >= min);
  if (!v) throw new Error("no USD variant in stock");
  return v;
}

/** A cart with one line, checked out: the checkout answer. */
async function placeOrder(api: APIRequestContext): Promise<{ order: { id: string; status: string; items: { id: string }[] }; orderToken: string }> {
  const { cart } = await check<{ cart: { id: string } }>("post", "/api/carts", await api.post("/api/carts", { data: {} }), 201);
  await check("post", "/api/carts/{cartId}/items", await api.post(`/api/carts/${cart.id}/items`, { data: { variantId: usdVariant().id, quantity: 1 } }), 201);
  const res = await api.post("/api/checkout", { headers: { "Idempotency-Key": randomUUID() }, data: { cartId: cart.id, email: `conf-${randomBytes(4).toString("hex")}@example.test`, shippingAddress: address } });
  return check("post", "/api/checkout", res, 201);
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  const api = await context();
  const res = await api.get("/api/openapi.json");
  expect(res.status()).toBe(200);
  doc = (await res.json()) as Doc;
  ajv.addSchema(doc as object, "openapi.json");
  await check("get", "/api/openapi.json", res, 200);
  products = (await check<{ products: Product[] }>("get", "/api/products", await api.get("/api/products?limit=100"), 200)).products;
  await api.dispose();
});

test("meta: health, readiness (public and with the token), metrics", async () => {
  const api = await context();
  await check("get", "/api/health", await api.get("/api/health"), 200);
  await check("get", "/api/ready", await api.get("/api/ready"), 200);
  const detailed = await check<{ checks?: unknown }>("get", "/api/ready", await api.get("/api/ready", { headers: admin }), 200);
  expect(detailed.checks).toBeDefined();
  await check("get", "/api/metrics", await api.get("/api/metrics", { headers: admin }), 200);
  await check("get", "/api/metrics", await api.get("/api/metrics"), 401);
  await check("post", "/api/webhooks/stripe", await api.post("/api/webhooks/stripe", { data: { id: "evt_1", type: "payment_intent.succeeded", data: {} }, headers: { "Stripe-Signature": "t=1,v1=00" } }), 400);
  await api.dispose();
});

test("catalog: search, one product, categories, and bad parameters", async () => {
  const api = await context();
  await check("get", "/api/products", await api.get("/api/products?q=hood&sort=price_asc&inStock=true"), 200);
  await check("get", "/api/products", await api.get("/api/products?minPrice=abc"), 400);
  await check("get", "/api/products/{idOrSlug}", await api.get(`/api/products/${products[0]!.slug}`), 200);
  await check("get", "/api/products/{idOrSlug}", await api.get("/api/products/no-such-product-here"), 404);
  await check("get", "/api/categories", await api.get("/api/categories"), 200);
  await api.dispose();
});

test("a guest cart from creation to checkout, payment and the order, with the main errors", async () => {
  const api = await context();
  const { cart } = await check<{ cart: { id: string } }>("post", "/api/carts", await api.post("/api/carts", { data: {} }), 201);
  const items = `/api/carts/${cart.id}/items`;
  await check("post", "/api/carts/{cartId}/items", await api.post(items, { data: { variantId: usdVariant().id, quantity: 0 } }), 400);
  const added = await check<{ cart: { items: { id: string }[] } }>("post", "/api/carts/{cartId}/items", await api.post(items, { data: { variantId: usdVariant().id, quantity: 1, customOptions: { giftWrap: true } } }), 201);
  const line = added.cart.items[0]!.id;
  await check("patch", "/api/carts/{cartId}/items/{itemId}", await api.patch(`${items}/${line}`, { data: { quantity: 2 } }), 200);
  await check("get", "/api/carts/{cartId}", await api.get(`/api/carts/${cart.id}`), 200);
  await check("get", "/api/carts/{cartId}", await api.get("/api/carts/no-such-cart-0123456789"), 404);
  await check("put", "/api/carts/{cartId}/shipping-address", await api.put(`/api/carts/${cart.id}/shipping-address`, { data: address }), 200);
  await check("put", "/api/carts/{cartId}/shipping-address", await api.put(`/api/carts/${cart.id}/shipping-address`, { data: { country: "USA", postalCode: "1" } }), 400);
  await check("post", "/api/carts/{cartId}/discounts", await api.post(`/api/carts/${cart.id}/discounts`, { data: { code: "WELCOME10" } }), 200);
  const bad = await check<{ error: { code: string } }>("post", "/api/carts/{cartId}/discounts", await api.post(`/api/carts/${cart.id}/discounts`, { data: { code: "NO-SUCH-CODE" } }), 422);
  expect(bad.error.code).toBe("discount_invalid");
  await check("delete", "/api/carts/{cartId}/discounts/{code}", await api.delete(`/api/carts/${cart.id}/discounts/WELCOME10`), 200);
  const second = await check<{ cart: { items: { id: string }[] } }>("post", "/api/carts/{cartId}/items", await api.post(items, { data: { variantId: usdVariant().id, quantity: 1 } }), 201);
  await check("delete", "/api/carts/{cartId}/items/{itemId}", await api.delete(`${items}/${second.cart.items.at(-1)!.id}`), 200);

  await check("post", "/api/checkout", await api.post("/api/checkout", { data: { cartId: cart.id, email: "conf@example.test" } }), 400);
  const placed = await check<{ order: { id: string }; orderToken: string }>(
    "post",
    "/api/checkout",
    await api.post("/api/checkout", { headers: { "Idempotency-Key": randomUUID() }, data: { cartId: cart.id, email: "conf@example.test", shippingAddress: address } }),
    201,
  );
  await check("post", "/api/carts/{cartId}/items", await api.post(items, { data: { variantId: usdVariant().id, quantity: 1 } }), 409);
  const stranger = await context();
  await check("get", "/api/orders/{orderId}", await stranger.get(`/api/orders/${placed.order.id}`), 404);
  const bearer = { Authorization: `Bearer ${placed.orderToken}` };
  await check("get", "/api/orders/{orderId}", await stranger.get(`/api/orders/${placed.order.id}`, { headers: bearer }), 200);
  await check("post", "/api/payments/test/confirm", await stranger.post("/api/payments/test/confirm", { headers: bearer, data: { orderId: placed.order.id, cardNumber: "4242 4242 4242 4242" } }), 200);
  await check("post", "/api/payments/test/confirm", await stranger.post("/api/payments/test/confirm", { headers: bearer, data: { orderId: randomUUID(), cardNumber: "4242 4242 4242 4242" } }), 404);
  await check("post", "/api/orders/{orderId}/cancel", await stranger.post(`/api/orders/${placed.order.id}/cancel`, { headers: bearer }), 409);

  const another = await placeOrder(api);
  await check("post", "/api/orders/{orderId}/cancel", await stranger.post(`/api/orders/${another.order.id}/cancel`, { headers: { Authorization: `Bearer ${another.orderToken}` } }), 200);
  await stranger.dispose();
  await api.dispose();
});

test("accounts and next-auth: register, sign in, saved for later, sign out, reset, lookup", async () => {
  const api = await context();
  const email = `conf-${randomBytes(5).toString("hex")}@example.test`;
  const password = `pw-${randomBytes(8).toString("hex")}`;
  await check("post", "/api/account/register", await api.post("/api/account/register", { data: { email, password } }), 201);
  await check("post", "/api/account/register", await api.post("/api/account/register", { data: { email, password } }), 409);
  await check("post", "/api/account/register", await api.post("/api/account/register", { data: { email: "not-an-email", password } }), 400);
  await check("get", "/api/saved-for-later", await api.get("/api/saved-for-later"), 401);

  await check("get", "/api/auth/providers", await api.get("/api/auth/providers"), 200);
  await check("get", "/api/auth/session", await api.get("/api/auth/session"), 200);
  const { csrfToken } = await check<{ csrfToken: string }>("get", "/api/auth/csrf", await api.get("/api/auth/csrf"), 200);
  await check("post", "/api/auth/callback/credentials", await api.post("/api/auth/callback/credentials", { form: { csrfToken, email, password, json: "true" } }), 200);
  const session = await check<{ user?: { email: string } }>("get", "/api/auth/session", await api.get("/api/auth/session"), 200);
  expect(session.user?.email).toBe(email);

  const { cart } = await check<{ cart: { id: string } }>("post", "/api/carts", await api.post("/api/carts", { data: {} }), 201);
  const added = await check<{ cart: { items: { id: string }[] } }>("post", "/api/carts/{cartId}/items", await api.post(`/api/carts/${cart.id}/items`, { data: { variantId: usdVariant().id, quantity: 1 } }), 201);
  const saved = await check<{ savedForLater: { id: string }[] }>(
    "post",
    "/api/carts/{cartId}/items/{itemId}/save-for-later",
    await api.post(`/api/carts/${cart.id}/items/${added.cart.items[0]!.id}/save-for-later`),
    200,
  );
  await check("get", "/api/saved-for-later", await api.get("/api/saved-for-later"), 200);
  await check("post", "/api/saved-for-later/{id}/move-to-cart", await api.post(`/api/saved-for-later/${saved.savedForLater[0]!.id}/move-to-cart`), 200);
  await check("post", "/api/saved-for-later/{id}/move-to-cart", await api.post(`/api/saved-for-later/${randomUUID()}/move-to-cart`), 404);

  // the address book
  const book = "/api/account/addresses";
  const home = { label: "Home", name: "Conf Shopper", line1: "1 Main St", city: "Austin", region: "TX", postalCode: "78701", country: "US" };
  const made = await check<{ address: { id: string } }>("post", book, await api.post(book, { data: home }), 201);
  await check("post", book, await api.post(book, { data: { ...home, postalCode: "ABCDE" } }), 400);
  await check("get", book, await api.get(book), 200);
  await check("patch", "/api/account/addresses/{id}", await api.patch(`${book}/${made.address.id}`, { data: { label: "Work" } }), 200);
  await check("patch", "/api/account/addresses/{id}", await api.patch(`${book}/${made.address.id}`, { data: { isDefault: false } }), 409);
  await check("patch", "/api/account/addresses/{id}", await api.patch(`${book}/${randomUUID()}`, { data: { label: "x" } }), 404);
  await check("delete", "/api/account/addresses/{id}", await api.delete(`${book}/${made.address.id}`), 204);
  await check("delete", "/api/account/addresses/{id}", await api.delete(`${book}/not-an-id`), 400);

  const again = await check<{ csrfToken: string }>("get", "/api/auth/csrf", await api.get("/api/auth/csrf"), 200);
  await check("post", "/api/auth/signout", await api.post("/api/auth/signout", { form: { csrfToken: again.csrfToken, json: "true" } }), 200);
  await check("post", "/api/account/sessions/revoke-all", await api.post("/api/account/sessions/revoke-all"), 401);
  const third = await check<{ csrfToken: string }>("get", "/api/auth/csrf", await api.get("/api/auth/csrf"), 200);
  await check("post", "/api/auth/callback/credentials", await api.post("/api/auth/callback/credentials", { form: { csrfToken: third.csrfToken, email, password, json: "true" } }), 200);
  await check("post", "/api/account/sessions/revoke-all", await api.post("/api/account/sessions/revoke-all"), 200);

  await check("post", "/api/account/password-reset", await api.post("/api/account/password-reset", { data: { email } }), 202);
  await check("post", "/api/account/password-reset/confirm", await api.post("/api/account/password-reset/confirm", { data: { token: "not-a-token", password: "a-new-password-123" } }), 400);
  // the reset link, delivered into the mailbox table of the embedded default (the test database of this run)
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  let token = "";
  try {
    await expect(async () => {
      await api.post("/api/cron/deliver-mail", { headers: { Authorization: `Bearer ${CRON_SECRET}` } });
      const r = await db.query<{ text: string }>(`SELECT text FROM mailbox_messages WHERE "to" = $1 AND headers->>'X-Cartwright-Event' = 'password_reset'`, [email]);
      expect(r.rows).toHaveLength(1);
      token = decodeURIComponent(/token=([^\s"&<>]+)/.exec(r.rows[0]!.text)![1]!);
    }).toPass({ timeout: 30_000 });
  } finally {
    await db.end();
  }
  await check("post", "/api/account/password-reset/confirm", await api.post("/api/account/password-reset/confirm", { data: { token, password: `new-${password}` } }), 200);
  await check("post", "/api/orders/lookup", await api.post("/api/orders/lookup", { data: { email } }), 202);
  await check("post", "/api/orders/lookup", await api.post("/api/orders/lookup", { data: {} }), 400);
  await api.dispose();
});

test("cron routes: with and without the secret", async () => {
  const api = await context();
  for (const p of ["/api/cron/expire-orders", "/api/cron/abandon-carts", "/api/cron/cart-reminders", "/api/cron/deliver-mail"]) {
    await check("post", p, await api.post(p), 401);
    await check("post", p, await api.post(p, { headers: { Authorization: `Bearer ${CRON_SECRET}` } }), 200);
  }
  await api.dispose();
});

test("admin: discounts, catalog, users, mail and the order desk", async () => {
  const anon = await context();
  await check("get", "/api/admin/discounts", await anon.get("/api/admin/discounts"), 401);
  await anon.dispose();
  const api = await context(admin);
  const suffix = randomBytes(4).toString("hex").toUpperCase();

  await check("get", "/api/admin/discounts", await api.get("/api/admin/discounts"), 200);
  const created = await check<{ discount: { id: number } }>("post", "/api/admin/discounts", await api.post("/api/admin/discounts", { data: { code: `CONF${suffix}`, type: "PERCENTAGE", value: 12.5 } }), 201);
  await check("post", "/api/admin/discounts", await api.post("/api/admin/discounts", { data: { code: `CONF${suffix}`, type: "PERCENTAGE", value: 5 } }), 409);
  const d = `/api/admin/discounts/${created.discount.id}`;
  await check("get", "/api/admin/discounts/{id}", await api.get(d), 200);
  await check("get", "/api/admin/discounts/{id}", await api.get("/api/admin/discounts/999999"), 404);
  await check("patch", "/api/admin/discounts/{id}", await api.patch(d, { data: { maxUses: 10 } }), 200);
  await check("patch", "/api/admin/discounts/{id}", await api.patch(d, { data: {} }), 400);
  await check("get", "/api/admin/discounts/{id}/stats", await api.get(`${d}/stats`), 200);
  const codes = await check<{ codes: string[] }>("post", "/api/admin/discounts/{id}/codes", await api.post(`${d}/codes`, { data: { count: 3, prefix: "CONF" } }), 201);
  expect(codes.codes).toHaveLength(3);
  await check("post", "/api/admin/discounts/{id}/codes", await api.post(`${d}/codes`, { data: { count: 0 } }), 400);
  await check("get", "/api/admin/discounts/{id}/codes.csv", await api.get(`${d}/codes.csv`), 200);
  await check("get", "/api/admin/discounts/{id}/codes.csv", await api.get("/api/admin/discounts/999999/codes.csv"), 404);

  const category = await check<{ category: { id: number } }>("post", "/api/admin/categories", await api.post("/api/admin/categories", { data: { name: `Conformance ${suffix}` } }), 201);
  const product = await check<{ product: { id: number } }>(
    "post",
    "/api/admin/products",
    await api.post("/api/admin/products", { data: { name: `Conformance ${suffix}`, basePrice: 1500, categoryIds: [category.category.id], images: [{ url: "/images/tee.svg", alt: "A tee" }] } }),
    201,
  );
  const p = `/api/admin/products/${product.product.id}`;
  await check("get", "/api/admin/products/{id}", await api.get(p), 200);
  await check("patch", "/api/admin/products/{id}", await api.patch(p, { data: { description: "Made to check the document" } }), 200);
  const variant = await check<{ variant: { id: number } }>("post", "/api/admin/products/{id}/variants", await api.post(`${p}/variants`, { data: { sku: `CONF-${suffix}`, attributes: { size: "M" }, stock: 3 } }), 201);
  await check("patch", "/api/admin/variants/{id}", await api.patch(`/api/admin/variants/${variant.variant.id}`, { data: { stockDelta: 2, priceOverride: 1400 } }), 200);
  await check("patch", "/api/admin/variants/{id}", await api.patch(`/api/admin/variants/${variant.variant.id}`, { data: { stockDelta: -1000 } }), 409);

  const shopper = await context();
  const email = `conf-admin-${randomBytes(4).toString("hex")}@example.test`;
  const user = await check<{ user: { id: string } }>("post", "/api/account/register", await shopper.post("/api/account/register", { data: { email, password: `pw-${randomBytes(8).toString("hex")}` } }), 201);
  await check("patch", "/api/admin/users/{id}", await api.patch(`/api/admin/users/${user.user.id}`, { data: { role: "ADMIN" } }), 200);
  await check("patch", "/api/admin/users/{id}", await api.patch(`/api/admin/users/${user.user.id}`, { data: { role: "ROOT" } }), 400);

  // the order desk: a paid order shipped and refunded, an unpaid one cancelled
  const paid = await placeOrder(shopper);
  await check("post", "/api/payments/test/confirm", await shopper.post("/api/payments/test/confirm", { headers: { Authorization: `Bearer ${paid.orderToken}` }, data: { orderId: paid.order.id, cardNumber: "4242424242424242" } }), 200);
  const o = `/api/admin/orders/${paid.order.id}`;
  await check("get", "/api/admin/orders", await api.get("/api/admin/orders?status=PAID&limit=5"), 200);
  await check("get", "/api/admin/orders", await api.get("/api/admin/orders?status=SHIPPED"), 400);
  await check("get", "/api/admin/orders/export.csv", await api.get("/api/admin/orders/export.csv?status=PAID"), 200);
  await check("get", "/api/admin/orders/{id}", await api.get(o), 200);
  await check("get", "/api/admin/orders/{id}", await api.get(`/api/admin/orders/${randomUUID()}`), 404);
  await check("post", "/api/admin/orders/{id}/fulfillments", await api.post(`${o}/fulfillments`, { data: { carrier: "UPS", trackingNumber: "1Z999" } }), 201);
  await check("post", "/api/admin/orders/{id}/refunds", await api.post(`${o}/refunds`, { data: { shipping: true } }), 400);
  await check("post", "/api/admin/orders/{id}/refunds", await api.post(`${o}/refunds`, { headers: { "Idempotency-Key": randomUUID() }, data: { reason: "conformance" } }), 201);
  const unpaid = await placeOrder(shopper);
  await check("post", "/api/admin/orders/{id}/cancel", await api.post(`/api/admin/orders/${unpaid.order.id}/cancel`, { data: {} }), 200);
  await check("post", "/api/admin/orders/{id}/cancel", await api.post(`/api/admin/orders/${unpaid.order.id}/cancel`, { data: {} }), 409);
  await shopper.dispose();

  const { messages } = await check<{ messages: { id: string; status: string }[] }>("get", "/api/admin/mail", await api.get("/api/admin/mail"), 200);
  expect(messages.length).toBeGreaterThan(0);
  // a message that failed: the only kind an admin can resend (the outbox row is marked by hand, as the worker would)
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  await db.query("UPDATE mail_outbox SET status = 'failed' WHERE id = $1", [messages[0]!.id]);
  await db.end();
  await check("post", "/api/admin/mail/{id}/resend", await api.post(`/api/admin/mail/${messages[0]!.id}/resend`), 200);
  await check("post", "/api/admin/mail/{id}/resend", await api.post(`/api/admin/mail/${messages[0]!.id}/resend`), 409);
  await api.dispose();
});

test("every documented operation was answered with a 2xx that matches the document", () => {
  const missing: string[] = [];
  for (const [p, item] of Object.entries(doc.paths))
    for (const method of Object.keys(item)) if (!covered.has(`${method} ${p}`) && !NO_SUCCESS_HERE.has(`${method} ${p}`)) missing.push(`${method.toUpperCase()} ${p}`);
  expect(missing).toEqual([]);
});
