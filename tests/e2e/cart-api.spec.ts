import { randomBytes } from "node:crypto";
import { expect, test, type APIRequestContext, type APIResponse } from "@playwright/test";

// The cart HTTP API end to end, as a headless client uses it (docs/ARCHITECTURE.md, "HTTP contract"), against the built app
// and a freshly seeded database (tests/e2e/global-setup.ts, lib/catalog/seed-data.ts).

type Variant = { id: number; sku: string; price: number; stock: number; available: boolean };
type Product = { id: number; slug: string; currency: string; basePrice: number; variants: Variant[] };
type SummaryLine = { itemId: string; subtotal: number; discount: number; tax: number | null; total: number };
type Summary = {
  currency: string;
  subtotal: number;
  discount: number;
  shipping: number | null;
  shippingTax: number | null;
  tax: number | null;
  total: number;
  lines: SummaryLine[];
};
type Item = { id: string; productId: number; variantId: number; sku: string; quantity: number; unitPrice: number; customOptions: Record<string, unknown>; lineTotal: number };
type Cart = {
  id: string;
  status: string;
  currency: string;
  items: Item[];
  discounts: { code: string; type: string; amount: number }[];
  shippingAddress: Record<string, unknown> | null;
  summary: Summary;
};
type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };
type Saved = { id: string; productId: number; variantId: number; savedAt: string };

const MONEY_KEYS = new Set(["amount", "subtotal", "discount", "shipping", "shippingTax", "tax", "total", "unitPrice", "lineTotal", "price", "basePrice", "oldUnitPrice", "newUnitPrice"]);

/** Every money field anywhere in a response is an integer (or null where the contract allows it). */
function expectIntegerMoney(body: unknown, at = "$"): void {
  if (Array.isArray(body)) return body.forEach((v, i) => expectIntegerMoney(v, `${at}[${i}]`));
  if (!body || typeof body !== "object") return;
  for (const [k, v] of Object.entries(body)) {
    if (MONEY_KEYS.has(k) && typeof v !== "object") expect(Number.isSafeInteger(v), `${at}.${k} = ${String(v)} is an integer`).toBe(true);
    if (MONEY_KEYS.has(k) && v === null) expect(["shipping", "shippingTax", "tax"], `${at}.${k} may be null`).toContain(k);
    expectIntegerMoney(v, `${at}.${k}`);
  }
}

/** The summary adds up (docs/ARCHITECTURE.md: tax = lines' tax + shippingTax; total = subtotal - discount + shipping + tax). */
function expectConsistentSummary(cart: Cart): void {
  const s = cart.summary;
  expect(s.currency).toBe(cart.currency);
  expect(s.subtotal).toBe(cart.items.reduce((n, i) => n + i.lineTotal, 0));
  for (const i of cart.items) expect(i.lineTotal).toBe(i.unitPrice * i.quantity);
  expect(s.lines.map((l) => l.itemId).sort()).toEqual(cart.items.map((i) => i.id).sort());
  expect(s.discount).toBe(s.lines.reduce((n, l) => n + l.discount, 0));
  if (s.shipping === null) {
    expect(s.tax).toBeNull();
    expect(s.shippingTax).toBeNull();
    for (const l of s.lines) expect(l.tax).toBeNull();
    expect(s.total).toBe(s.subtotal - s.discount);
  } else {
    expect(s.tax).toBe(s.lines.reduce((n, l) => n + (l.tax ?? 0), 0) + (s.shippingTax ?? 0));
    expect(s.total).toBe(s.subtotal - s.discount + s.shipping + (s.tax ?? 0));
  }
}

async function read<T>(res: APIResponse, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status(), `${res.url()} -> ${text.slice(0, 500)}`).toBe(status);
  const body = JSON.parse(text) as unknown;
  expectIntegerMoney(body);
  return body as T;
}

// ---- the served OpenAPI document, and a small structural check of answers against its schemas ----------------

type Schema = { [k: string]: unknown };
let openapi: { paths: Record<string, unknown>; components: { schemas: Record<string, Schema> } } | null = null;

function deref(s: Schema): Schema {
  const r = s.$ref;
  return typeof r === "string" ? openapi!.components.schemas[r.replace("#/components/schemas/", "")]! : s;
}

/** Where `value` breaks `schema` (type, required, additionalProperties: false, enum/const, items, anyOf/oneOf). */
function schemaProblems(value: unknown, schema: Schema, at = "$"): string[] {
  const s = deref(schema);
  const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (alternatives) {
    const each = alternatives.map((alt) => schemaProblems(value, alt, at));
    return each.some((p) => p.length === 0) ? [] : [`${at} = ${JSON.stringify(value)?.slice(0, 200)} matches no alternative: ${each.map((p) => p.join("; ")).join(" | ")}`];
  }
  const out: string[] = [];
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
  const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v);
  if (types.length && !types.some((t) => t === typeOf(value) || (t === "number" && typeof value === "number"))) return [`${at}: ${typeOf(value)} is not ${types.join("|")}`];
  if (s.const !== undefined && value !== s.const) out.push(`${at}: not ${String(s.const)}`);
  if (Array.isArray(s.enum) && !s.enum.includes(value)) out.push(`${at}: ${String(value)} is not one of ${s.enum.join(", ")}`);
  if (Array.isArray(value) && s.items) value.forEach((v, i) => out.push(...schemaProblems(v, s.items as Schema, `${at}[${i}]`)));
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const k of (s.required ?? []) as string[]) if (!(k in value)) out.push(`${at}.${k}: missing`);
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) out.push(...schemaProblems(v, props[k], `${at}.${k}`));
      else if (s.additionalProperties === false) out.push(`${at}.${k}: not in the schema`);
      else if (s.additionalProperties && typeof s.additionalProperties === "object") out.push(...schemaProblems(v, s.additionalProperties as Schema, `${at}.${k}`));
    }
  }
  return out;
}

/** Soft: a mismatch is reported, and the test goes on to check the rest of the flow. */
function expectSchema(value: unknown, name: string): void {
  expect.soft(schemaProblems(value, openapi!.components.schemas[name]!), `the answer matches #/components/schemas/${name}`).toEqual([]);
}

async function cartOf(res: APIResponse, status = 200): Promise<Cart> {
  const { cart } = await read<{ cart: Cart }>(res, status);
  expectConsistentSummary(cart);
  expectSchema(cart, "Cart");
  return cart;
}

async function expectError(res: APIResponse, status: number, code: string): Promise<ErrorBody["error"]> {
  const body = await read<ErrorBody>(res, status);
  expect(body.error.code).toBe(code);
  expectSchema(body, `Error_${code}`);
  expect(typeof body.error.message).toBe("string");
  return body.error;
}

let catalog: Product[] = [];
async function loadCatalog(request: APIRequestContext): Promise<Product[]> {
  const { products } = await read<{ products: Product[] }>(await request.get("/api/products"), 200);
  catalog = products;
  return products;
}
function variantBySku(sku: string): Variant & { product: Product } {
  for (const product of catalog) for (const v of product.variants) if (v.sku === sku) return { ...v, product };
  throw new Error(`${sku} is not in GET /api/products`);
}
/** A sellable variant of a currency with at least `min` in stock (stock is read now: other tests may sell some). */
function variantWith(currency: string, min: number, exclude: number[] = []): Variant {
  const v = catalog.filter((p) => p.currency === currency).flatMap((p) => p.variants).find((x) => x.available && x.stock >= min && !exclude.includes(x.id));
  if (!v) throw new Error(`no ${currency} variant with ${min} in stock`);
  return v;
}

const newCart = async (request: APIRequestContext, body: Record<string, unknown> = {}) => cartOf(await request.post("/api/carts", { data: body }), 201);
const addItem = (request: APIRequestContext, cartId: string, data: Record<string, unknown>) => request.post(`/api/carts/${cartId}/items`, { data });
const getCart = async (request: APIRequestContext, cartId: string) => cartOf(await request.get(`/api/carts/${cartId}`));

async function register(request: APIRequestContext): Promise<{ email: string; password: string; id: string }> {
  const email = `cart-api-${randomBytes(6).toString("hex")}@example.test`;
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const { user } = await read<{ user: { id: string; email: string } }>(await request.post("/api/account/register", { data: { email, password } }), 201);
  expect(user.email).toBe(email);
  return { email, password, id: user.id };
}

/** next-auth credentials sign-in the way a headless client does it: CSRF token + cookie, then the callback. */
async function signIn(request: APIRequestContext, email: string, password: string): Promise<void> {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const res = await request.post("/api/auth/callback/credentials", { form: { csrfToken, email, password, json: "true" } });
  expect(res.status(), await res.text()).toBeLessThan(400);
  const session = (await (await request.get("/api/auth/session")).json()) as { user?: { email: string } };
  expect(session.user?.email).toBe(email);
}

test.beforeEach(async ({ request }) => {
  openapi ??= await read<NonNullable<typeof openapi>>(await request.get("/api/openapi.json"), 200);
  await loadCatalog(request);
  for (const p of catalog) expectSchema(p, "Product");
});

test("GET /api/openapi.json serves the OpenAPI 3.1 document of the cart API", async ({ request }) => {
  const res = await request.get("/api/openapi.json");
  const doc = await read<{ openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, unknown>> }>(res, 200);
  expect(res.headers()["content-type"]).toContain("application/json");
  expect(doc.openapi).toMatch(/^3\.1\./);
  expect(doc.servers[0]!.url).toBe("/");
  for (const [path, method] of [
    ["/api/carts", "post"],
    ["/api/carts/{cartId}/items", "post"],
    ["/api/carts/{cartId}/items/{itemId}", "patch"],
    ["/api/carts/{cartId}/discounts", "post"],
    ["/api/checkout", "post"],
  ] as const)
    expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
});

test("a guest cart: created with an httpOnly cookie, lines added, merged, split by options, changed and removed", async ({ request }) => {
  const res = await request.post("/api/carts", { data: {} });
  const cart = await cartOf(res, 201);
  expect(cart).toMatchObject({ status: "ACTIVE", currency: "USD", items: [], discounts: [], shippingAddress: null });
  expect(cart.id).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  const cookie = res.headersArray().find((h) => h.name.toLowerCase() === "set-cookie" && h.value.startsWith("cw_cart="));
  expect(cookie, "the cart cookie is set").toBeDefined();
  expect(cookie!.value).toMatch(/;\s*HttpOnly/i);
  expect(cookie!.value).toMatch(/;\s*SameSite=Lax/i);
  expect(cookie!.value).toMatch(/;\s*Path=\//i);
  expect(cookie!.value).not.toContain(cart.id + ";"); // signed, not the bare id
  expect((await getCart(request, cart.id)).id).toBe(cart.id);

  const tee = variantWith("USD", 10);
  let c = await cartOf(await addItem(request, cart.id, { variantId: tee.id, quantity: 2 }), 201);
  expect(c.items).toHaveLength(1);
  expect(c.items[0]).toMatchObject({ variantId: tee.id, quantity: 2, unitPrice: tee.price, lineTotal: 2 * tee.price, customOptions: {} });
  const first = c.items[0]!.id;

  // the same variant with the same (empty) options adds to the line; { giftWrap: false } is the same as none
  c = await cartOf(await addItem(request, cart.id, { variantId: tee.id, quantity: 3, customOptions: { giftWrap: false } }), 201);
  expect(c.items).toHaveLength(1);
  expect(c.items[0]).toMatchObject({ id: first, quantity: 5, lineTotal: 5 * tee.price });

  // different options: a new line
  const options = { giftWrap: true, giftMessage: "Happy birthday!" };
  c = await cartOf(await addItem(request, cart.id, { variantId: tee.id, quantity: 1, customOptions: options }), 201);
  expect(c.items).toHaveLength(2);
  const gift = c.items.find((i) => i.id !== first)!;
  expect(gift).toMatchObject({ variantId: tee.id, quantity: 1, customOptions: options });
  c = await cartOf(await addItem(request, cart.id, { variantId: tee.id, quantity: 1, customOptions: { ...options, giftMessage: "Another message" } }), 201);
  expect(c.items).toHaveLength(3);
  const other = c.items.find((i) => i.id !== first && i.id !== gift.id)!;
  expect(c.summary.subtotal).toBe(7 * tee.price);
  expect(c.summary.shipping).toBeNull();

  // PATCH sets the quantity; 0 removes the line
  c = await cartOf(await request.patch(`/api/carts/${cart.id}/items/${first}`, { data: { quantity: 4 } }));
  expect(c.items.find((i) => i.id === first)).toMatchObject({ quantity: 4, lineTotal: 4 * tee.price });
  c = await cartOf(await request.patch(`/api/carts/${cart.id}/items/${other.id}`, { data: { quantity: 0 } }));
  expect(c.items.map((i) => i.id).sort()).toEqual([first, gift.id].sort());

  // DELETE removes a line; a line that is gone is 404
  c = await cartOf(await request.delete(`/api/carts/${cart.id}/items/${gift.id}`));
  expect(c.items.map((i) => i.id)).toEqual([first]);
  await expectError(await request.delete(`/api/carts/${cart.id}/items/${gift.id}`), 404, "not_found");
  await expectError(await request.patch(`/api/carts/${cart.id}/items/${gift.id}`, { data: { quantity: 1 } }), 404, "not_found");

  // quantities outside 1..99 and unknown option keys are 400 with field errors
  const bad = await expectError(await addItem(request, cart.id, { variantId: tee.id, quantity: 100 }), 400, "validation_failed");
  expect(bad.details?.fieldErrors).toHaveProperty("quantity");
  const unknownKey = await expectError(await addItem(request, cart.id, { variantId: tee.id, quantity: 1, customOptions: { engraving: "x" } }), 400, "validation_failed");
  expect(unknownKey.details?.fieldErrors).toHaveProperty(["customOptions.engraving"]);
  await expectError(await request.patch(`/api/carts/${cart.id}/items/${first}`, { data: { quantity: -1 } }), 400, "validation_failed");

  const after = await getCart(request, cart.id);
  expect(after.items).toEqual(c.items);
  expect(after.summary).toEqual(c.summary);
});

test("adding beyond stock is 409 insufficient_stock with what is available, and changes nothing", async ({ request }) => {
  const cart = await newCart(request);
  // the scarcest sellable USD variant that a single line can exceed
  const scarce = catalog
    .filter((p) => p.currency === "USD")
    .flatMap((p) => p.variants)
    .filter((v) => v.available && v.stock > 0 && v.stock < 99)
    .sort((a, b) => a.stock - b.stock)[0]!;
  const err = await expectError(await addItem(request, cart.id, { variantId: scarce.id, quantity: scarce.stock + 1 }), 409, "insufficient_stock");
  const items = err.details?.items as { variantId: number; requested: number; available: number }[];
  expect(items[0]).toEqual({ variantId: scarce.id, requested: scarce.stock + 1, available: scarce.stock });
  expect((await getCart(request, cart.id)).items).toEqual([]);

  // stock covers every line of the variant together, and PATCH checks increases too
  const c = await cartOf(await addItem(request, cart.id, { variantId: scarce.id, quantity: scarce.stock }), 201);
  const more = await expectError(await addItem(request, cart.id, { variantId: scarce.id, quantity: 1, customOptions: { giftWrap: true } }), 409, "insufficient_stock");
  expect((more.details?.items as { available: number }[])[0]!.available).toBe(scarce.stock);
  await expectError(await request.patch(`/api/carts/${cart.id}/items/${c.items[0]!.id}`, { data: { quantity: scarce.stock + 1 } }), 409, "insufficient_stock");
  const after = await getCart(request, cart.id);
  expect(after.items).toEqual(c.items);
  expect(after.summary).toEqual(c.summary);
});

test("an unknown variant is 404; an item in another currency is 422 currency_mismatch; an unknown cart is 404", async ({ request }) => {
  const cart = await newCart(request);
  await expectError(await addItem(request, cart.id, { variantId: 2_147_483_647, quantity: 1 }), 404, "not_found");
  const tee = variantWith("USD", 1);
  const withTee = await cartOf(await addItem(request, cart.id, { variantId: tee.id, quantity: 1 }), 201);
  const scarf = variantBySku("SCARF-LAMBSWOOL-CAMEL");
  expect(scarf.product.currency).toBe("EUR");
  const mismatch = await expectError(await addItem(request, cart.id, { variantId: scarf.id, quantity: 1 }), 422, "currency_mismatch");
  expect(mismatch.details).toMatchObject({ cartCurrency: "USD", itemCurrency: "EUR" });
  const after = await getCart(request, cart.id);
  expect(after.items).toEqual(withTee.items);
  expect(after.summary).toEqual(withTee.summary);

  // a EUR cart takes it (and an empty cart adopts the currency of its first item)
  const eur = await newCart(request, { currency: "EUR" });
  expect(eur.currency).toBe("EUR");
  const c = await cartOf(await addItem(request, eur.id, { variantId: scarf.id, quantity: 1 }), 201);
  expect(c.summary).toMatchObject({ currency: "EUR", subtotal: scarf.price });
  await expectError(await addItem(request, eur.id, { variantId: tee.id, quantity: 1 }), 422, "currency_mismatch");

  await expectError(await request.get(`/api/carts/${randomBytes(16).toString("base64url")}`), 404, "not_found");
  await expectError(await request.get("/api/carts/bad!id"), 400, "validation_failed");
  await expectError(await request.post("/api/carts", { data: { currency: "usd" } }), 400, "validation_failed");
});

test("a shipping address prices shipping and tax; WELCOME10 shows as the discount; wrong codes are 422 with a reason", async ({ request }) => {
  const cart = await newCart(request);
  const tee = variantWith("USD", 5);
  const added = await cartOf(await addItem(request, cart.id, { variantId: tee.id, quantity: 1 }), 201);
  const itemId = added.items[0]!.id;

  let c = await cartOf(await request.put(`/api/carts/${cart.id}/shipping-address`, { data: { country: "US", region: "CA", postalCode: "94103", city: "San Francisco", line1: "1 Market St" } }));
  expect(c.shippingAddress).toMatchObject({ country: "US", region: "CA", postalCode: "94103" });
  // US domestic: 5.99 under the 75.00 free-shipping threshold; California taxes goods at 7.25% and not shipping
  expect(c.summary.shipping).toBe(tee.price >= 7500 ? 0 : 599);
  expect(c.summary.shippingTax).toBe(0);
  expect(c.summary.tax).toBe(Math.round((tee.price * 72500) / 1_000_000));
  expect(c.summary.lines[0]).toMatchObject({ itemId, subtotal: tee.price, discount: 0, tax: c.summary.tax });
  expect(c.summary.total).toBe(tee.price + c.summary.shipping! + c.summary.tax!);

  c = await cartOf(await request.post(`/api/carts/${cart.id}/discounts`, { data: { code: "WELCOME10" } }));
  const tenPercent = Math.round(tee.price / 10);
  expect(c.discounts).toEqual([expect.objectContaining({ code: "WELCOME10", type: "PERCENTAGE", amount: tenPercent })]);
  expect(c.summary.discount).toBe(tenPercent);
  expect(c.summary.tax).toBe(Math.round(((tee.price - tenPercent) * 72500) / 1_000_000));
  // applying it again changes nothing
  const again = await cartOf(await request.post(`/api/carts/${cart.id}/discounts`, { data: { code: "WELCOME10" } }));
  expect(again.discounts).toHaveLength(1);
  expect(again.summary).toEqual(c.summary);

  const wrong = await expectError(await request.post(`/api/carts/${cart.id}/discounts`, { data: { code: "NOT-A-REAL-CODE" } }), 422, "discount_invalid");
  expect(wrong.details).toMatchObject({ reason: "unknown" });
  const expired = await expectError(await request.post(`/api/carts/${cart.id}/discounts`, { data: { code: "EXPIRED15" } }), 422, "discount_invalid");
  expect(expired.details).toMatchObject({ reason: "expired" });
  const unchanged = await getCart(request, cart.id);
  expect(unchanged.discounts).toEqual(c.discounts);
  expect(unchanged.summary).toEqual(c.summary);

  // DELETE takes it off (case-insensitive); a code not on the cart is 404
  c = await cartOf(await request.delete(`/api/carts/${cart.id}/discounts/welcome10`));
  expect(c.discounts).toEqual([]);
  expect(c.summary.discount).toBe(0);
  await expectError(await request.delete(`/api/carts/${cart.id}/discounts/WELCOME10`), 404, "not_found");

  // a destination not shipped to in the cart's currency is refused and changes nothing
  await expectError(await request.put(`/api/carts/${cart.id}/shipping-address`, { data: { country: "USA", postalCode: "1" } }), 400, "validation_failed");
  await expectError(await request.put(`/api/carts/${cart.id}/shipping-address`, { data: { country: "US" } }), 400, "validation_failed");
  // a region must be a subdivision of its country (a made-up one would mean "no tax"), and a US zip is checked
  const zz = await expectError(await request.put(`/api/carts/${cart.id}/shipping-address`, { data: { country: "US", region: "ZZ", postalCode: "10001" } }), 400, "validation_failed");
  expect(Object.keys((zz as unknown as { details: { fieldErrors: Record<string, string[]> } }).details.fieldErrors)).toEqual(["region"]);
  await expectError(await request.put(`/api/carts/${cart.id}/shipping-address`, { data: { country: "US", region: "NY", postalCode: "1001" } }), 400, "validation_failed");
  expect((await getCart(request, cart.id)).summary).toEqual(c.summary);
});

test("the 11th wrong discount code for one cart is 429 rate_limited, even for a good code", async ({ request }) => {
  const cart = await newCart(request);
  const tee = variantWith("USD", 1);
  await cartOf(await addItem(request, cart.id, { variantId: tee.id, quantity: 1 }), 201);
  for (let i = 1; i <= 10; i++) {
    const err = await expectError(await request.post(`/api/carts/${cart.id}/discounts`, { data: { code: `WRONG-${i}` } }), 422, "discount_invalid");
    expect(err.details).toMatchObject({ reason: "unknown" });
  }
  const limited = await expectError(await request.post(`/api/carts/${cart.id}/discounts`, { data: { code: "WRONG-11" } }), 429, "rate_limited");
  expect(Number(limited.details?.retryAfterSeconds)).toBeGreaterThan(0);
  await expectError(await request.post(`/api/carts/${cart.id}/discounts`, { data: { code: "WELCOME10" } }), 429, "rate_limited");
  expect((await getCart(request, cart.id)).discounts).toEqual([]);
});

test("a signed-in shopper's cart is theirs only; save for later needs an account and moves the line both ways", async ({ request, playwright, baseURL }) => {
  const alice = await playwright.request.newContext({ baseURL });
  const bob = await playwright.request.newContext({ baseURL });
  try {
    const a = await register(alice);
    const b = await register(bob);
    await signIn(alice, a.email, a.password);
    await signIn(bob, b.email, b.password);

    // POST /api/carts for a signed-in shopper is their active cart (the same one every time)
    const aliceCart = await newCart(alice);
    expect((await newCart(alice)).id).toBe(aliceCart.id);
    const tee = variantWith("USD", 5);
    const mug = variantWith("USD", 5, [tee.id]);
    let c = await cartOf(await addItem(alice, aliceCart.id, { variantId: tee.id, quantity: 2 }), 201);
    c = await cartOf(await addItem(alice, aliceCart.id, { variantId: mug.id, quantity: 1 }), 201);
    const teeLine = c.items.find((i) => i.variantId === tee.id)!;

    // others: 403, whether signed in as someone else or not signed in; nothing changes
    await expectError(await bob.get(`/api/carts/${aliceCart.id}`), 403, "forbidden");
    await expectError(await request.get(`/api/carts/${aliceCart.id}`), 403, "forbidden");
    await expectError(await addItem(bob, aliceCart.id, { variantId: tee.id, quantity: 1 }), 403, "forbidden");
    await expectError(await bob.patch(`/api/carts/${aliceCart.id}/items/${teeLine.id}`, { data: { quantity: 1 } }), 403, "forbidden");
    await expectError(await bob.delete(`/api/carts/${aliceCart.id}/items/${teeLine.id}`), 403, "forbidden");
    await expectError(await bob.put(`/api/carts/${aliceCart.id}/shipping-address`, { data: { country: "US", postalCode: "10001" } }), 403, "forbidden");
    await expectError(await bob.post(`/api/carts/${aliceCart.id}/discounts`, { data: { code: "WELCOME10" } }), 403, "forbidden");
    await expectError(await bob.post(`/api/carts/${aliceCart.id}/items/${teeLine.id}/save-for-later`), 403, "forbidden");
    const mine = await getCart(alice, aliceCart.id);
    expect(mine.items).toEqual(c.items);
    expect(mine.summary).toEqual(c.summary);

    // a guest cannot save for later; neither list nor move without an account
    const guestCart = await newCart(request);
    const g = await cartOf(await addItem(request, guestCart.id, { variantId: tee.id, quantity: 1 }), 201);
    await expectError(await request.post(`/api/carts/${guestCart.id}/items/${g.items[0]!.id}/save-for-later`), 401, "unauthorized");
    expect((await getCart(request, guestCart.id)).items).toEqual(g.items);
    await expectError(await request.get("/api/saved-for-later"), 401, "unauthorized");

    // signed in: the line moves to the saved list, and back
    const saved = await read<{ cart: Cart; savedForLater: Saved[] }>(await alice.post(`/api/carts/${aliceCart.id}/items/${teeLine.id}/save-for-later`), 200);
    expectConsistentSummary(saved.cart);
    expect(saved.cart.items.map((i) => i.variantId)).toEqual([mug.id]);
    expect(saved.savedForLater).toHaveLength(1);
    const entry = saved.savedForLater[0]!;
    expectSchema(entry, "SavedForLaterItem");
    expect(entry).toEqual({ id: expect.any(String), productId: teeLine.productId, variantId: tee.id, savedAt: expect.any(String) });
    expect(Number.isNaN(Date.parse(entry.savedAt))).toBe(false);
    const listed = await read<{ savedForLater: Saved[] }>(await alice.get("/api/saved-for-later"), 200);
    expect(listed.savedForLater).toEqual([entry]);
    expect((await read<{ savedForLater: Saved[] }>(await bob.get("/api/saved-for-later"), 200)).savedForLater).toEqual([]);
    // someone else's saved item is not found for them
    await expectError(await bob.post(`/api/saved-for-later/${entry.id}/move-to-cart`), 404, "not_found");
    await expectError(await request.post(`/api/saved-for-later/${entry.id}/move-to-cart`), 401, "unauthorized");

    const moved = await read<{ cart: Cart; savedForLater: Saved[] }>(await alice.post(`/api/saved-for-later/${entry.id}/move-to-cart`), 200);
    expectConsistentSummary(moved.cart);
    expect(moved.cart.id).toBe(aliceCart.id);
    expect(moved.savedForLater).toEqual([]);
    expect(moved.cart.items.find((i) => i.variantId === tee.id)).toMatchObject({ quantity: 2, unitPrice: tee.price });
    expect((await read<{ savedForLater: Saved[] }>(await alice.get("/api/saved-for-later"), 200)).savedForLater).toEqual([]);
    await expectError(await alice.post(`/api/saved-for-later/${entry.id}/move-to-cart`), 404, "not_found");
    await expectError(await alice.post("/api/saved-for-later/not-a-uuid/move-to-cart"), 400, "validation_failed");
  } finally {
    await alice.dispose();
    await bob.dispose();
  }
});
