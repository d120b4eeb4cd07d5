import { randomBytes, randomUUID } from "node:crypto";
import { expect, test, type APIRequestContext, type APIResponse, type Page, type PlaywrightWorkerArgs } from "@playwright/test";
import { TEST_ADMIN_TOKEN as ADMIN_TOKEN } from "../support/app-server";

// The security pass, end to end against the built app (tests/e2e/global-setup.ts): response headers, cookie flags,
// who may read and change which cart and order, the admin / cron / metrics guards, and the webhook signature check.
// Every shopper here is a fresh account, so nothing depends on (or disturbs) what other specs do.

const ADMIN = { email: "admin@cartwright.test", password: "admin-password-123" };
const SHOPPER = { email: "shopper@cartwright.test", password: "shopper-password-123" };
// what tests/support/app-server.ts starts the server with
const CRON_SECRET = "test-cron-secret-0123456789";
const SUCCESS_CARD = "4242424242424242";

type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };
type Cart = { id: string; status: string; currency: string; items: { id: string; variantId: number; quantity: number }[]; discounts: { code: string }[] };
type Order = { id: string; status: string; email: string };
type Checkout = { order: Order; orderToken: string; payment: { provider: string; clientSecret: string | null } };
type Variant = { id: number; sku: string; price: number; stock: number; available: boolean };
type Product = { id: number; currency: string; variants: Variant[] };

async function expectError(res: APIResponse, status: number, code: string): Promise<ErrorBody["error"]> {
  const text = await res.text();
  expect(res.status(), `${res.url()} -> ${text.slice(0, 400)}`).toBe(status);
  const body = JSON.parse(text) as ErrorBody;
  expect(body.error.code, text.slice(0, 400)).toBe(code);
  expect(typeof body.error.message).toBe("string");
  return body.error;
}

async function read<T>(res: APIResponse, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status(), `${res.url()} -> ${text.slice(0, 400)}`).toBe(status);
  return JSON.parse(text) as T;
}

const setCookies = (res: APIResponse) => res.headersArray().filter((h) => h.name.toLowerCase() === "set-cookie").map((h) => h.value);
const cookieNamed = (res: APIResponse, name: string) => setCookies(res).find((c) => c.startsWith(`${name}=`));

/** The flags every cookie of ours must carry. Secure exactly when the site is https (NEXTAUTH_URL; here the baseURL). */
function expectCookieFlags(cookie: string | undefined, name: string, baseURL: string): void {
  expect(cookie, `${name} is set`).toBeDefined();
  expect(cookie!, `${name} is HttpOnly`).toMatch(/;\s*HttpOnly(;|$)/i);
  expect(cookie!, `${name} is SameSite=Lax`).toMatch(/;\s*SameSite=Lax(;|$)/i);
  expect(cookie!, `${name} is for the whole site`).toMatch(/;\s*Path=\/(;|$)/i);
  if (baseURL.startsWith("https://")) expect(cookie!, `${name} is Secure on https`).toMatch(/;\s*Secure(;|$)/i);
  else expect(cookie!, `${name} is not Secure on plain http (NEXTAUTH_URL is http here)`).not.toMatch(/;\s*Secure(;|$)/i);
}

async function newContext(playwright: PlaywrightWorkerArgs["playwright"], baseURL: string | undefined): Promise<APIRequestContext> {
  return playwright.request.newContext({ baseURL });
}

/** next-auth credentials sign-in as a headless client does it; returns the callback's answer (it sets the session cookie). */
async function signIn(request: APIRequestContext, who: { email: string; password: string }): Promise<APIResponse> {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const res = await request.post("/api/auth/callback/credentials", { form: { csrfToken, email: who.email, password: who.password, json: "true" } });
  expect(res.status(), await res.text()).toBeLessThan(400);
  const session = (await (await request.get("/api/auth/session")).json()) as { user?: { email: string } };
  expect(session.user?.email).toBe(who.email);
  return res;
}

async function newShopper(playwright: PlaywrightWorkerArgs["playwright"], baseURL: string | undefined): Promise<{ ctx: APIRequestContext; email: string; password: string }> {
  const ctx = await newContext(playwright, baseURL);
  const email = `sec-${randomBytes(6).toString("hex")}@example.test`;
  const password = `pw-${randomBytes(9).toString("hex")}`;
  await read(await ctx.post("/api/account/register", { data: { email, password } }), 201);
  await signIn(ctx, { email, password });
  return { ctx, email, password };
}

let stocked: Variant;
test.beforeAll(async ({ playwright, baseURL }) => {
  const ctx = await newContext(playwright, baseURL);
  const { products } = await read<{ products: Product[] }>(await ctx.get("/api/products"));
  stocked = products
    .filter((p) => p.currency === "USD")
    .flatMap((p) => p.variants)
    .filter((v) => v.available)
    .sort((a, b) => b.stock - a.stock)[0]!;
  await ctx.dispose();
});

/** A cart of the caller's (guest or signed in) with one line and a US address, ready for checkout. */
async function readyCart(request: APIRequestContext): Promise<Cart> {
  const { cart } = await read<{ cart: Cart }>(await request.post("/api/carts", { data: {} }), 201);
  await read(await request.post(`/api/carts/${cart.id}/items`, { data: { variantId: stocked.id, quantity: 1 } }), 201);
  const { cart: ready } = await read<{ cart: Cart }>(await request.put(`/api/carts/${cart.id}/shipping-address`, { data: { name: "Sec Buyer", line1: "350 5th Ave", city: "New York", country: "US", region: "NY", postalCode: "10001" } }));
  return ready;
}

async function checkout(request: APIRequestContext, cartId: string, email: string): Promise<{ res: APIResponse; body: Checkout }> {
  const res = await request.post("/api/checkout", { data: { cartId, email }, headers: { "Idempotency-Key": randomUUID() } });
  return { res, body: await read<Checkout>(res, 201) };
}

// ---- security headers -------------------------------------------------------------------------------------------

function directives(csp: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of csp.split(";")) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), values);
  }
  return out;
}

function expectSecurityHeaders(res: APIResponse, what: string): void {
  const h = res.headers();
  const csp = h["content-security-policy"];
  expect(csp, `${what}: Content-Security-Policy`).toBeTruthy();
  const d = directives(csp!);
  expect(d.get("default-src"), `${what}: default-src`).toEqual(["'self'"]);
  expect(d.get("frame-ancestors"), `${what}: frame-ancestors`).toEqual(["'none'"]);
  expect(d.get("object-src"), `${what}: object-src`).toEqual(["'none'"]);
  expect(d.get("base-uri"), `${what}: base-uri`).toEqual(["'self'"]);
  // Stripe.js and Elements: the script and its iframes from js.stripe.com, API calls to api.stripe.com
  expect(d.get("script-src"), `${what}: script-src`).toEqual(expect.arrayContaining(["'self'", "https://js.stripe.com"]));
  expect(d.get("frame-src"), `${what}: frame-src`).toEqual(expect.arrayContaining(["https://js.stripe.com"]));
  expect(d.get("connect-src"), `${what}: connect-src`).toEqual(expect.arrayContaining(["'self'", "https://api.stripe.com"]));
  // nothing else may load scripts or be framed from anywhere
  for (const src of [...(d.get("script-src") ?? []), ...(d.get("frame-src") ?? []), ...(d.get("connect-src") ?? [])])
    expect(["*", "http:", "https:", "data:", "blob:"], `${what}: no wildcard source ${src}`).not.toContain(src);
  // the production build (the server runs NODE_ENV=production) does not allow eval
  expect(d.get("script-src"), `${what}: no 'unsafe-eval' in production`).not.toContain("'unsafe-eval'");
  expect(h["referrer-policy"], `${what}: Referrer-Policy`).toMatch(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/);
  expect(h["x-content-type-options"], `${what}: X-Content-Type-Options`).toBe("nosniff");
  expect(h["x-frame-options"], `${what}: X-Frame-Options`).toBe("DENY");
  const hsts = h["strict-transport-security"];
  expect(hsts, `${what}: Strict-Transport-Security in production`).toBeTruthy();
  expect(Number(/max-age=(\d+)/.exec(hsts!)?.[1] ?? 0), `${what}: HSTS for at least a year`).toBeGreaterThanOrEqual(31_536_000);
  expect(h["x-powered-by"], `${what}: no X-Powered-By`).toBeUndefined();
}

test("security headers on pages, API answers, errors and redirects", async ({ request }) => {
  for (const path of ["/", "/cart", "/signin", "/signup", "/checkout", "/no-such-page"]) expectSecurityHeaders(await request.get(path), `GET ${path}`);
  expectSecurityHeaders(await request.get("/admin", { maxRedirects: 0 }), "GET /admin (signed out)");
  for (const path of ["/api/products", "/api/openapi.json", "/api/health", "/api/carts/not-a-cart-id-at-all", "/api/orders/00000000-0000-4000-8000-000000000000", "/api/admin/discounts", "/api/metrics"])
    expectSecurityHeaders(await request.get(path), `GET ${path}`);
  expectSecurityHeaders(await request.post("/api/carts", { data: {} }), "POST /api/carts");
  expectSecurityHeaders(await request.post("/api/checkout", { data: {} }), "POST /api/checkout (400)");
  expectSecurityHeaders(await request.post("/api/webhooks/stripe", { data: "{}" }), "POST /api/webhooks/stripe (400)");
  expectSecurityHeaders(await request.post("/api/cron/expire-orders"), "POST /api/cron/expire-orders (401)");
});

test("pages load under the CSP without a violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to (load|execute|frame|connect)/i.test(m.text())) violations.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`Refused to load (securitypolicyviolation) ${e.violatedDirective} ${e.blockedURI}`));
  });
  for (const path of ["/", "/cart", "/signin", "/checkout"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  expect(violations).toEqual([]);
});

// ---- cookies ----------------------------------------------------------------------------------------------------

test("cookies: next-auth session, cw_cart and cw_orders are httpOnly, SameSite=Lax, and signed", async ({ playwright, baseURL }) => {
  const guest = await newContext(playwright, baseURL);
  const created = await guest.post("/api/carts", { data: {} });
  const { cart } = await read<{ cart: Cart }>(created, 201);
  const cartCookie = cookieNamed(created, "cw_cart");
  expectCookieFlags(cartCookie, "cw_cart", baseURL!);
  // signed: the value is not the bare id, and a cookie with its signature changed is ignored
  expect(cartCookie!).toMatch(new RegExp(`^cw_cart=${cart.id}\\.[A-Za-z0-9_-]{20,}`));

  await read(await guest.post(`/api/carts/${cart.id}/items`, { data: { variantId: stocked.id, quantity: 1 } }), 201);
  await read(await guest.put(`/api/carts/${cart.id}/shipping-address`, { data: { name: "Sec Buyer", line1: "350 5th Ave", city: "New York", country: "US", region: "NY", postalCode: "10001" } }));
  const { res, body } = await checkout(guest, cart.id, "cookie-check@example.test");
  const orders = cookieNamed(res, "cw_orders");
  expectCookieFlags(orders, "cw_orders", baseURL!);
  expect(orders!, "the order token is not readable in the cookie").not.toContain(body.orderToken);

  const who = await newContext(playwright, baseURL);
  const csrf = await who.get("/api/auth/csrf");
  expectCookieFlags(cookieNamed(csrf, "next-auth.csrf-token"), "next-auth.csrf-token", baseURL!);
  const signedIn = await signIn(who, SHOPPER);
  const session = setCookies(signedIn).find((c) => /^(__Secure-)?next-auth\.session-token=/.test(c));
  expectCookieFlags(session, "next-auth.session-token", baseURL!);
  for (const c of setCookies(signedIn)) expect(c, "every next-auth cookie is HttpOnly").toMatch(/;\s*HttpOnly/i);
  // and the browser agrees: none of them is visible to scripts
  const state = await who.storageState();
  for (const c of state.cookies.filter((x) => x.name.startsWith("next-auth.session") || x.name.startsWith("cw_"))) {
    expect(c.httpOnly, `${c.name} httpOnly`).toBe(true);
    expect(c.sameSite, `${c.name} sameSite`).toBe("Lax");
  }

  // a forged order-token cookie (the signature of another value) does not open the order
  const forger = await newContext(playwright, baseURL);
  const sig = orders!.split(";")[0]!.split("=")[1]!.split(".").at(-1)!;
  const forged = Buffer.from(JSON.stringify([[body.order.id, "x".repeat(43)]]), "utf8").toString("base64url");
  await expectError(await forger.get(`/api/orders/${body.order.id}`, { headers: { cookie: `cw_orders=${forged}.${sig}` } }), 404, "not_found");
  await Promise.all([guest.dispose(), who.dispose(), forger.dispose()]);
});

// ---- shoppers cannot reach each other's carts and orders -------------------------------------------------------

test("a shopper cannot read or change another shopper's cart, and a guest cannot read a signed-in cart", async ({ playwright, baseURL }) => {
  const a = await newShopper(playwright, baseURL);
  const b = await newShopper(playwright, baseURL);
  const guest = await newContext(playwright, baseURL);
  const cartA = await readyCart(a.ctx);
  await read(await a.ctx.post(`/api/carts/${cartA.id}/discounts`, { data: { code: "WELCOME10" } }));
  const before = (await read<{ cart: Cart }>(await a.ctx.get(`/api/carts/${cartA.id}`))).cart;
  const line = before.items[0]!.id;
  expect((await a.ctx.get(`/api/carts/${cartA.id}`)).headers()["cache-control"]).toContain("no-store");

  for (const [who, ctx] of [["user B", b.ctx], ["a guest", guest]] as const) {
    await expectError(await ctx.get(`/api/carts/${cartA.id}`), 403, "forbidden");
    await expectError(await ctx.post(`/api/carts/${cartA.id}/items`, { data: { variantId: stocked.id, quantity: 1 } }), 403, "forbidden");
    await expectError(await ctx.patch(`/api/carts/${cartA.id}/items/${line}`, { data: { quantity: 5 } }), 403, "forbidden");
    await expectError(await ctx.patch(`/api/carts/${cartA.id}/items/${line}`, { data: { quantity: 0 } }), 403, "forbidden");
    await expectError(await ctx.delete(`/api/carts/${cartA.id}/items/${line}`), 403, "forbidden");
    await expectError(await ctx.put(`/api/carts/${cartA.id}/shipping-address`, { data: { country: "CA", region: "ON", postalCode: "M5V 2T6" } }), 403, "forbidden");
    await expectError(await ctx.post(`/api/carts/${cartA.id}/discounts`, { data: { code: "SAVE5" } }), 403, "forbidden");
    await expectError(await ctx.delete(`/api/carts/${cartA.id}/discounts/WELCOME10`), 403, "forbidden");
    const save = await ctx.post(`/api/carts/${cartA.id}/items/${line}/save-for-later`);
    expect([401, 403], `${who} saving A's line for later`).toContain(save.status());
    // nor check it out
    await expectError(await ctx.post("/api/checkout", { data: { cartId: cartA.id, email: "thief@example.test" }, headers: { "Idempotency-Key": randomUUID() } }), 403, "forbidden");
  }
  // the admin token is no key to a shopper's cart either
  await expectError(await guest.get(`/api/carts/${cartA.id}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }), 403, "forbidden");

  const after = (await read<{ cart: Cart }>(await a.ctx.get(`/api/carts/${cartA.id}`))).cart;
  expect(after).toEqual(before);
  // B's own saved-for-later list holds nothing of A's
  expect((await read<{ savedForLater: unknown[] }>(await b.ctx.get("/api/saved-for-later"))).savedForLater).toEqual([]);
  await Promise.all([a.ctx.dispose(), b.ctx.dispose(), guest.dispose()]);
});

test("a refusal stays a refusal after a page built the shared services first (403/404, never 500)", async ({ page, playwright, baseURL }) => {
  // The cart service, KV store and payment provider are process-wide (globalThis) and built by whichever bundle asks
  // first; a page render here makes that the pages' bundle, whose DomainError is another copy of the class.
  await page.goto("/cart");
  await page.goto("/checkout");
  const a = await newShopper(playwright, baseURL);
  const b = await newShopper(playwright, baseURL);
  const { cart } = await read<{ cart: Cart }>(await a.ctx.post("/api/carts", { data: {} }), 201);
  await expectError(await b.ctx.get(`/api/carts/${cart.id}`), 403, "forbidden");
  await expectError(await b.ctx.get("/api/carts/no-such-cart-id-0000"), 404, "not_found");
  await expectError(await b.ctx.post("/api/webhooks/stripe", { data: "{}", headers: { "Stripe-Signature": "t=1,v1=00" } }), 400, "invalid_signature");
  await Promise.all([a.ctx.dispose(), b.ctx.dispose()]);
});

test("a shopper cannot read another shopper's order nor confirm its payment (404)", async ({ playwright, baseURL }) => {
  const a = await newShopper(playwright, baseURL);
  const b = await newShopper(playwright, baseURL);
  const guest = await newContext(playwright, baseURL);
  const cartA = await readyCart(a.ctx);
  const { body } = await checkout(a.ctx, cartA.id, a.email);
  const orderId = body.order.id;
  expect(body.order.status).toBe("PENDING_PAYMENT");
  // the owner reads it by session alone: a new sign-in of A's, without the order-token cookie
  const aElsewhere = await newContext(playwright, baseURL);
  await signIn(aElsewhere, a);
  const own = await aElsewhere.get(`/api/orders/${orderId}`);
  expect((await read<{ order: Order }>(own)).order.id).toBe(orderId);
  expect(own.headers()["cache-control"]).toContain("no-store");
  await aElsewhere.dispose();

  for (const ctx of [b.ctx, guest]) {
    await expectError(await ctx.get(`/api/orders/${orderId}`), 404, "not_found");
    await expectError(await ctx.get(`/api/orders/${orderId}`, { headers: { Authorization: "Bearer not-the-order-token" } }), 404, "not_found");
    await expectError(await ctx.get(`/api/orders/${orderId}`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }), 404, "not_found");
    await expectError(await ctx.post("/api/payments/test/confirm", { data: { orderId, cardNumber: SUCCESS_CARD } }), 404, "not_found");
    await expectError(await ctx.post("/api/payments/test/confirm", { data: { orderId, cardNumber: "4000000000000002" } }), 404, "not_found");
  }
  // still waiting for A's payment: nobody else paid or cancelled it
  expect((await read<{ order: Order }>(await a.ctx.get(`/api/orders/${orderId}`))).order.status).toBe("PENDING_PAYMENT");
  // A pays; B still cannot see it
  expect((await read<{ order: Order }>(await a.ctx.post("/api/payments/test/confirm", { data: { orderId, cardNumber: SUCCESS_CARD } }))).order.status).toBe("PAID");
  await expectError(await b.ctx.get(`/api/orders/${orderId}`), 404, "not_found");
  await Promise.all([a.ctx.dispose(), b.ctx.dispose(), guest.dispose()]);
});

test("a guest order is readable with its orderToken as Bearer, and not without it", async ({ playwright, baseURL }) => {
  const buyer = await newContext(playwright, baseURL);
  const cart = await readyCart(buyer);
  const { body } = await checkout(buyer, cart.id, "guest-buyer@example.test");
  const { order, orderToken } = body;
  expect(orderToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  // the buyer's own browser: the httpOnly order-token cookie
  expect((await read<{ order: Order }>(await buyer.get(`/api/orders/${order.id}`))).order.id).toBe(order.id);

  const stranger = await newContext(playwright, baseURL);
  expect((await read<{ order: Order }>(await stranger.get(`/api/orders/${order.id}`, { headers: { Authorization: `Bearer ${orderToken}` } }))).order).toMatchObject({ id: order.id, email: "guest-buyer@example.test" });
  await expectError(await stranger.get(`/api/orders/${order.id}`), 404, "not_found");
  await expectError(await stranger.get(`/api/orders/${order.id}`, { headers: { Authorization: `Bearer ${orderToken.slice(0, -1)}` } }), 404, "not_found");
  await expectError(await stranger.get(`/api/orders/${order.id}`, { headers: { Authorization: `Basic ${orderToken}` } }), 404, "not_found");
  await expectError(await stranger.get(`/api/orders/${order.id}`, { headers: { Authorization: orderToken } }), 404, "not_found");
  // the token opens that order only
  const other = await checkout(buyer, (await readyCart(buyer)).id, "guest-buyer@example.test");
  await expectError(await stranger.get(`/api/orders/${other.body.order.id}`, { headers: { Authorization: `Bearer ${orderToken}` } }), 404, "not_found");
  await expectError(await stranger.post("/api/payments/test/confirm", { data: { orderId: other.body.order.id, cardNumber: SUCCESS_CARD }, headers: { Authorization: `Bearer ${orderToken}` } }), 404, "not_found");
  // a signed-in shopper without the token does not see it either
  const b = await newShopper(playwright, baseURL);
  await expectError(await b.ctx.get(`/api/orders/${order.id}`), 404, "not_found");
  // with the token, the payment step works from anywhere (the same rule as reading it)
  expect((await read<{ order: Order }>(await stranger.post("/api/payments/test/confirm", { data: { orderId: order.id, cardNumber: SUCCESS_CARD }, headers: { Authorization: `Bearer ${orderToken}` } }))).order.status).toBe("PAID");
  // give the stock of the second order back: a decline keeps it reserved (another card may pay it); Back to cart cancels it
  expect((await read<{ order: Order }>(await buyer.post("/api/payments/test/confirm", { data: { orderId: other.body.order.id, cardNumber: "4000000000000002" } }))).order.status).toBe("PENDING_PAYMENT");
  expect((await read<{ order: Order }>(await buyer.post(`/api/orders/${other.body.order.id}/cancel`))).order.status).toBe("CANCELLED");
  await Promise.all([buyer.dispose(), stranger.dispose(), b.ctx.dispose()]);
});

// ---- admin ------------------------------------------------------------------------------------------------------

test("admin API: 401 without auth, 403 with a customer session, 200 with the admin token or an admin session", async ({ playwright, baseURL }) => {
  const anon = await newContext(playwright, baseURL);
  const customer = await newContext(playwright, baseURL);
  await signIn(customer, SHOPPER);
  const admin = await newContext(playwright, baseURL);
  await signIn(admin, ADMIN);
  const token = { Authorization: `Bearer ${ADMIN_TOKEN}` };

  const { discounts } = await read<{ discounts: { id: number; code: string; isActive: boolean }[] }>(await anon.get("/api/admin/discounts", { headers: token }));
  const welcome = discounts.find((d) => d.code === "WELCOME10")!;
  const { products } = await read<{ products: Product[] }>(await anon.get("/api/products"));
  const variant = products.flatMap((p) => p.variants).find((v) => v.id !== stocked.id && v.stock > 0)!;
  const code = () => `SEC${randomBytes(4).toString("hex").toUpperCase()}`;

  type Call = { name: string; send: (ctx: APIRequestContext, headers?: Record<string, string>) => Promise<APIResponse>; ok: number };
  const calls: Call[] = [
    { name: "GET /api/admin/discounts", send: (c, headers) => c.get("/api/admin/discounts", { headers }), ok: 200 },
    { name: "GET /api/admin/discounts/{id}", send: (c, headers) => c.get(`/api/admin/discounts/${welcome.id}`, { headers }), ok: 200 },
    { name: "POST /api/admin/discounts", send: (c, headers) => c.post("/api/admin/discounts", { headers, data: { code: code(), type: "PERCENTAGE", value: 5, isActive: false } }), ok: 201 },
    // a PATCH that leaves things as they are, so a pass here changes nothing other specs rely on
    { name: "PATCH /api/admin/discounts/{id}", send: (c, headers) => c.patch(`/api/admin/discounts/${welcome.id}`, { headers, data: { isActive: welcome.isActive } }), ok: 200 },
    { name: "PATCH /api/admin/variants/{id}", send: (c, headers) => c.patch(`/api/admin/variants/${variant.id}`, { headers, data: { stock: variant.stock } }), ok: 200 },
  ];
  const countBefore = discounts.length;
  for (const call of calls) {
    await expectError(await call.send(anon), 401, "unauthorized");
    await expectError(await call.send(anon, { Authorization: "Bearer wrong-admin-token-0123456789" }), 401, "unauthorized");
    await expectError(await call.send(anon, { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString("base64")}` }), 401, "unauthorized");
    await expectError(await call.send(anon, { Authorization: `Bearer ${CRON_SECRET}` }), 401, "unauthorized");
    await expectError(await call.send(anon, { Authorization: `Bearer ${ADMIN_TOKEN}x` }), 401, "unauthorized");
    await expectError(await call.send(customer), 403, "forbidden");
    await expectError(await call.send(customer, { Authorization: "Bearer wrong-admin-token-0123456789" }), 403, "forbidden");
  }
  // nothing the refused calls sent was written
  const mid = await read<{ discounts: unknown[] }>(await anon.get("/api/admin/discounts", { headers: token }));
  expect(mid.discounts).toHaveLength(countBefore);
  expect((await read<{ products: Product[] }>(await anon.get("/api/products"))).products.flatMap((p) => p.variants).find((v) => v.id === variant.id)!.stock).toBe(variant.stock);

  for (const call of calls) {
    expect((await call.send(anon, token)).status(), `${call.name} with the admin token`).toBe(call.ok);
    expect((await call.send(admin)).status(), `${call.name} with an admin session`).toBe(call.ok);
  }
  await Promise.all([anon.dispose(), customer.dispose(), admin.dispose()]);
});

async function signInPage(page: Page, who: { email: string; password: string }): Promise<void> {
  // page.request shares the browser context's cookies
  await signIn(page.request, who);
}

test("admin pages: a signed-out visitor is sent to /signin, a customer sees the 403 message", async ({ page }) => {
  const paths = ["/admin", "/admin/discounts", "/admin/discounts/new", "/admin/discounts/1", "/admin/products"];
  for (const path of paths) {
    await page.goto(path);
    await expect(page, `${path} signed out`).toHaveURL(/\/signin\?callbackUrl=%2Fadmin/);
  }
  await signInPage(page, SHOPPER);
  for (const path of paths) {
    await page.goto(path);
    await expect(page, `${path} as a customer`).toHaveURL(new RegExp(`${path.replaceAll("/", "\\/")}$`));
    await expect(page.getByTestId("admin-forbidden")).toContainText("403");
    await expect(page.getByTestId("admin-forbidden")).toContainText("You do not have access");
    await expect(page.getByRole("navigation", { name: "Admin" })).toHaveCount(0);
    await expect(page.getByTestId("discounts-table")).toHaveCount(0);
    await expect(page.getByTestId("variant-row")).toHaveCount(0);
    await expect(page.getByRole("link", { name: "New discount" })).toHaveCount(0);
  }
});

test("admin pages open for an admin", async ({ page }) => {
  await signInPage(page, ADMIN);
  await page.goto("/admin/discounts");
  await expect(page.getByRole("navigation", { name: "Admin" })).toBeVisible();
  await expect(page.getByTestId("admin-forbidden")).toHaveCount(0);
});

// ---- cron, metrics, webhooks ------------------------------------------------------------------------------------

test("cron routes: 401 without or with a wrong secret, 200 with it", async ({ request }) => {
  for (const path of ["/api/cron/expire-orders", "/api/cron/abandon-carts"]) {
    await expectError(await request.post(path), 401, "unauthorized");
    for (const auth of ["Bearer wrong-cron-secret-0123456789", `Bearer ${ADMIN_TOKEN}`, `Bearer ${CRON_SECRET}x`, `Bearer ${CRON_SECRET.slice(0, -1)}`, CRON_SECRET, `Basic ${CRON_SECRET}`, "Bearer", "Bearer "])
      await expectError(await request.post(path, { headers: { Authorization: auth } }), 401, "unauthorized");
    const ok = await read<{ processed: number }>(await request.post(path, { headers: { Authorization: `Bearer ${CRON_SECRET}` } }));
    expect(Number.isSafeInteger(ok.processed) && ok.processed >= 0).toBe(true);
  }
});

test("cron routes refuse an admin session", async ({ playwright, baseURL }) => {
  const admin = await newContext(playwright, baseURL);
  await signIn(admin, ADMIN);
  for (const path of ["/api/cron/expire-orders", "/api/cron/abandon-carts"]) await expectError(await admin.post(path), 401, "unauthorized");
  await admin.dispose();
});

test("/api/metrics needs its token", async ({ playwright, baseURL, request }) => {
  await expectError(await request.get("/api/metrics"), 401, "unauthorized");
  for (const auth of ["Bearer wrong-metrics-token-0123456789", `Bearer ${CRON_SECRET}`, ADMIN_TOKEN, `Basic ${ADMIN_TOKEN}`])
    await expectError(await request.get("/api/metrics", { headers: { Authorization: auth } }), 401, "unauthorized");
  const customer = await newContext(playwright, baseURL);
  await signIn(customer, SHOPPER);
  await expectError(await customer.get("/api/metrics"), 401, "unauthorized");
  await customer.dispose();
  // METRICS_TOKEN is unset in the test server, so the admin token stands in for it
  const res = await request.get("/api/metrics", { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status()).toBe(200);
  expect(await res.text()).toContain("cartwright_http_request_duration_seconds");
});

test("webhook with a bad or missing signature is 400 invalid_signature, never 500", async ({ request }) => {
  const event = JSON.stringify({ id: "evt_1", type: "payment_intent.succeeded", data: { object: { id: "pi_1", metadata: { order_id: randomUUID() } } } });
  const t = Math.floor(Date.now() / 1000);
  const cases: { body: string; headers: Record<string, string> }[] = [
    { body: event, headers: {} },
    { body: event, headers: { "Stripe-Signature": `t=${t},v1=${"0".repeat(64)}` } },
    { body: event, headers: { "Stripe-Signature": "garbage" } },
    { body: event, headers: { "Stripe-Signature": "" } },
    { body: "not json at all", headers: { "Stripe-Signature": `t=${t},v1=abc` } },
    { body: "", headers: { "Stripe-Signature": `t=${t},v1=abc` } },
  ];
  for (const c of cases) {
    const err = await expectError(await request.post("/api/webhooks/stripe", { data: c.body, headers: { "content-type": "application/json", ...c.headers } }), 400, "invalid_signature");
    expect(err.message).toBeTruthy();
  }
});
