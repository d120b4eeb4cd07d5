import http from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import fc from "fast-check";
import pg from "pg";
import { test } from "@playwright/test";
import {
  anyJson,
  bodies,
  contractProblem as documentedContractProblem,
  documented,
  failure,
  fixtureBody,
  httpRequest,
  nastyNumbers,
  nastyStrings,
  nonStringValues,
  rawSegments,
  signInCookie,
  type Body,
  type Json,
  type OpenApi,
  type Reply,
} from "../support/api-fuzz";
import { TEST_ADMIN_TOKEN as ADMIN_TOKEN } from "../support/app-server";

// Property-based fuzzing of the routes tests/e2e/api-fuzz.spec.ts does not cover, against the built app
// (tests/e2e/global-setup.ts): checkout, reading an order, the test provider's payment confirmation, the Stripe
// webhook, the admin discount and variant routes, and the cron routes. Random bodies (wrong types, huge and
// fractional numbers, NUL and lone surrogates, unknown keys, text that is not JSON, deep nesting), random path ids,
// and random Idempotency-Key / Authorization / Stripe-Signature headers. For every request:
//   - the status is one of the codes GET /api/openapi.json documents for that operation, and never 5xx;
//   - an error body is the envelope { error: { code, message, details? } } with a code documented for that status;
//   - who may do what is exact: an order is 200 only for its owner or its token, else 404; a foreign signed-in cart
//     never checks out; the admin routes answer 401/403 to anyone but an admin; cron answers 200 only to its secret;
//     the webhook (test provider: no webhooks) is always 400 invalid_signature;
//   - a rejected (4xx) request changed no row: variant stock and prices, the discount rows, the fixture carts and
//     orders read the same through the API before and after, and the orders / redemptions / payment events tables
//     hold as many rows (counted in the test database when E2E_DATABASE_URL is known, else only through the API).
// Bounded and reproducible: FUZZ_MORE_RUNS runs per route (default 40) from FUZZ_SEED (default below; printed on
// failure). Everything the fuzz changes is put back afterwards (its pending orders are cancelled, which restocks;
// the fuzzed variant gets its stock and price back); the discounts it creates are FZ-prefixed codes.

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const RUNS = Number(process.env.FUZZ_MORE_RUNS ?? 40);
const ADMIN = { email: "admin@cartwright.test", password: "admin-password-123" };
// what tests/support/app-server.ts starts the server with
const CRON_SECRET = "test-cron-secret-0123456789";
const SUCCESS_CARD = "4242424242424242";
const DECLINE_CARD = "4000000000000002";

type Cart = { id: string; status: string; items: { id: string; variantId: number; quantity: number }[]; shippingAddress: unknown } & Record<string, unknown>;
type Order = { id: string; status: string } & Record<string, unknown>;
type CheckoutBody = { order: Order; orderToken: string; payment: { provider: string; clientSecret: string | null } };
type Discount = { id: number; code: string } & Record<string, unknown>;
type AdminVariant = { id: number; stock: number; price: number; priceOverride: number | null };

let base: URL;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function send(method: string, path: string, opts: { body?: string; headers?: Record<string, string | undefined> } = {}): Promise<Reply> {
  return httpRequest(base, method, path, { ...opts, agent });
}

async function ok<T>(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string | undefined> } = {}, status = 200): Promise<T> {
  return fixtureBody<T>(method, path, await send(method, path, { headers: opts.headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }), status);
}

const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

// ---- accounts and fixtures ------------------------------------------------------------------------------------

type Account = { email: string; cookie: string };

async function newAccount(): Promise<Account> {
  const email = `fuzz-more-${randomBytes(6).toString("hex")}@example.test`;
  const password = `pw-${randomBytes(9).toString("hex")}`;
  await ok("POST", "/api/account/register", { body: { email, password } }, 201);
  return { email, cookie: await signInCookie(base.origin, email, password) };
}

/** The variant every fixture cart holds one of (plenty of stock), and the one the variant PATCH fuzz may change. */
let STOCKED = 0;
let FUZZ_VARIANT: AdminVariant;
let fuzzVariantOriginal: AdminVariant;
const ADDRESS = { name: "Fuzz Buyer", line1: "350 5th Ave", city: "New York", country: "US", region: "NY", postalCode: "10001" };

type PendingOrder = { id: string; token: string };
/** The world: A's and B's signed-in carts, a guest cart (all checkout-ready), a pending order of A's and of a guest. */
type World = {
  a: Account & { cartId: string; order: PendingOrder };
  b: Account & { cartId: string };
  guest: { cartId: string; order: PendingOrder };
  adminCookie: string;
  discounts: { own: Discount; other: Discount };
};
let W: World;
/** Every order the fuzz placed: cancelled at the end (which puts the stock back) unless paid. */
const placedOrders: PendingOrder[] = [];

const cookieOf = (who: "guest" | "a" | "b") => (who === "a" ? W.a.cookie : who === "b" ? W.b.cookie : undefined);

async function getCart(cartId: string, cookie?: string): Promise<Cart> {
  return (await ok<{ cart: Cart }>("GET", `/api/carts/${cartId}`, { headers: { cookie } })).cart;
}

/** Exactly one unit of STOCKED and a full US address: whatever a merge or a fuzzed request left there is put right. */
async function makeReady(cartId: string, cookie?: string): Promise<void> {
  const cart = await getCart(cartId, cookie);
  let has = false;
  for (const line of cart.items) {
    if (line.variantId === STOCKED && !has) {
      has = true;
      if (line.quantity !== 1) await ok("PATCH", `/api/carts/${cartId}/items/${line.id}`, { body: { quantity: 1 }, headers: { cookie } });
    } else await ok("DELETE", `/api/carts/${cartId}/items/${line.id}`, { headers: { cookie } });
  }
  if (!has) await ok("POST", `/api/carts/${cartId}/items`, { body: { variantId: STOCKED, quantity: 1 }, headers: { cookie } }, 201);
  // checkout needs the full address: an estimate left by a fuzzed request is replaced
  if (!(cart.shippingAddress as { name?: unknown } | null)?.name) await ok("PUT", `/api/carts/${cartId}/shipping-address`, { body: ADDRESS, headers: { cookie } });
}

/** A ready cart: a new guest cart, or the signed-in shopper's active one. */
async function readyCart(cookie?: string): Promise<string> {
  const { cart } = await ok<{ cart: Cart }>("POST", "/api/carts", { body: {}, headers: { cookie } }, 201);
  await makeReady(cart.id, cookie);
  return cart.id;
}

async function placeOrder(cartId: string, cookie: string | undefined, email: string): Promise<PendingOrder> {
  const body = await ok<CheckoutBody>("POST", "/api/checkout", { body: { cartId, email }, headers: { cookie, "idempotency-key": randomUUID() } }, 201);
  const order = { id: body.order.id, token: body.orderToken };
  placedOrders.push(order);
  return order;
}

/** A new pending order of A's (A's cart is checked out, and A gets a new ready cart) or of a guest. */
async function freshOrder(who: "a" | "guest"): Promise<PendingOrder> {
  if (who === "a") {
    const order = await placeOrder(await readyCart(W.a.cookie), W.a.cookie, W.a.email);
    W.a.cartId = await readyCart(W.a.cookie);
    return order;
  }
  return placeOrder(await readyCart(), undefined, "fuzz-guest@example.test");
}

/** After a request that succeeded: every fixture is usable again (carts ACTIVE and ready, orders pending). */
async function repair(): Promise<void> {
  for (const who of ["guest", "a", "b"] as const) {
    const fixture = who === "guest" ? W.guest : W[who];
    const cart = await getCart(fixture.cartId, cookieOf(who)).catch(() => null);
    if (!cart || cart.status !== "ACTIVE") fixture.cartId = await readyCart(cookieOf(who));
    else await makeReady(fixture.cartId, cookieOf(who));
  }
  for (const who of ["a", "guest"] as const) {
    const fixture = W[who];
    const order = await readOrder(fixture.order.id, who === "a" ? { cookie: W.a.cookie } : { authorization: `Bearer ${fixture.order.token}` });
    if (order.status !== "PENDING_PAYMENT") fixture.order = await freshOrder(who);
  }
  // W.a's cart may have been replaced while making A's order
  await makeReady(W.a.cartId, W.a.cookie);
}

async function readOrder(id: string, headers: Record<string, string>): Promise<Order> {
  return (await ok<{ order: Order }>("GET", `/api/orders/${id}`, { headers })).order;
}

// ---- what a request may not change ----------------------------------------------------------------------------

let db: pg.Client | null = null;

type Counts = { orders: number; redemptions: number; events: number; discounts: number };
async function tableCounts(): Promise<Counts | null> {
  if (!db) return null;
  const { rows } = await db.query<Counts>(
    "SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM discount_redemptions) AS redemptions, (SELECT count(*)::int FROM payment_events) AS events, (SELECT count(*)::int FROM discounts) AS discounts",
  );
  return rows[0]!;
}

/** cartwright_checkouts_total{outcome="placed"}: orders placed, as the app itself counts them. */
async function placedCount(): Promise<number> {
  const r = await send("GET", "/api/metrics", { headers: adminHeaders });
  const m = /cartwright_checkouts_total\{outcome="placed"\} (\d+)/.exec(r.text);
  return m ? Number(m[1]) : 0;
}

type Snapshot = { variants: Json; discounts: Json; carts: Json; orders: Json; tables: Json; placed: number };

async function snapshot(): Promise<Snapshot> {
  const [products, discounts, guestCart, aCart, bCart, aOrder, gOrder, tables, placed] = await Promise.all([
    ok<{ products: { variants: { id: number; price: number; stock: number; available: boolean }[] }[] }>("GET", "/api/products"),
    ok<{ discounts: Discount[] }>("GET", "/api/admin/discounts", { headers: adminHeaders }),
    getCart(W.guest.cartId),
    getCart(W.a.cartId, W.a.cookie),
    getCart(W.b.cartId, W.b.cookie),
    readOrder(W.a.order.id, { cookie: W.a.cookie }),
    readOrder(W.guest.order.id, { authorization: `Bearer ${W.guest.order.token}` }),
    tableCounts(),
    placedCount(),
  ]);
  return {
    variants: products.products.flatMap((p) => p.variants.map((v) => ({ id: v.id, price: v.price, stock: v.stock, available: v.available }))),
    // `status` (active / scheduled / expired) follows the clock, not the row
    discounts: discounts.discounts.map(({ status: _status, ...rest }) => rest),
    carts: { guest: guestCart, a: aCart, b: bCart },
    orders: { a: aOrder, guest: gOrder },
    tables,
    placed,
  };
}

function diff(before: Snapshot, after: Snapshot, ignore: (keyof Snapshot)[] = []): string | null {
  const out: string[] = [];
  for (const k of Object.keys(before) as (keyof Snapshot)[]) {
    if (ignore.includes(k)) continue;
    const x = JSON.stringify(before[k]);
    const y = JSON.stringify(after[k]);
    if (x !== y) out.push(`${k} changed:\n    before ${x.slice(0, 1500)}\n    after  ${y.slice(0, 1500)}`);
  }
  return out.length ? out.join("\n  ") : null;
}

// ---- arbitraries (the same families as api-fuzz.spec.ts) -----------------------------------------------------

const nastyString = nastyStrings(
  ["", " ", "\u0000", "a\u0000b", "\ud800", "\udfff x", "\u202e\u0301", "'; DROP TABLE orders;--", "../../etc/passwd", "%00", "__proto__", "constructor", "<script>alert(1)</script>", "null", "true", "1e3", "12"],
  ["x".repeat(100_000), "é".repeat(30_000), "🛒".repeat(20_000)],
);
const weirdText = fc.constantFrom("\u0000", "a\u0000", "\ud800", "a\udfffb", "\u0007\u001b[31m", "\u202e", "\ufeff", "\u2028");
const nastyNumber = nastyNumbers([0, -0, -1, 1, 1.5, 0.1, 2, 99, 100, 100.001, 12.345, 2_147_483_647, 2_147_483_648, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1e21, 1e308, -1e308, 5e-324]);
/** Anything but a string (for fields where a random string could be a valid value we must not create). */
const wrongNonString: fc.Arbitrary<Json> = fc.oneof(...nonStringValues(nastyNumber));
const wrongValue: fc.Arbitrary<Json> = fc.oneof(nastyString, wrongNonString);
/** Mostly plausible, sometimes anything. */
const field = (good: fc.Arbitrary<Json>, wrong: fc.Arbitrary<Json> = wrongValue) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 2, arbitrary: wrong });
/** Sometimes (one time in five) unknown keys join a body. */
const maybeUnknownKeys = () => fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: unknownKeys });
const unknownKeys = fc.dictionary(fc.constantFrom("extra", "id", "usesCount", "userId", "status", "orderId", "constructor", "toString", "", "type "), anyJson, { maxKeys: 2 });

/** An object of the route's fields (each may be missing or wrong, unknown keys may join), a plausible one, or no object at all. */
function bodyOf(fields: Record<string, fc.Arbitrary<Json>>, plausible?: fc.Arbitrary<Record<string, Json>>): fc.Arbitrary<Body> {
  return bodies({
    record: fc.record(fields, { requiredKeys: [] }),
    unknownKeys: maybeUnknownKeys(),
    protoOfEmpty: '{"__proto__":{"isAdmin":true}}',
    plausible,
    notJson: ["{", '{"a":}', "[1,2", "undefined", "NaN", "{'a':1}", "\u0000", '{"a":1}garbage', "\ufeff{}"],
  });
}

const hex = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength, maxLength });

/** A header value node:http will send (no CR, LF, NUL or other controls). */
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;
const headerText = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: "binary-ascii", maxLength: 60 }), fc.string({ unit: "grapheme-ascii", maxLength: 300 })).filter((s) => HEADER_SAFE.test(s));

const rawSegment = rawSegments(nastyString, [
  fc.constantFrom("%2F", "%25", "%ZZ", "%E0%A4%A", "a%00b", "0", "-1", "1e3", "0x1f", "01", "2147483648", "99999999999", "00000000-0000-0000-0000-000000000000"),
]);

// ---- authorisation headers ------------------------------------------------------------------------------------

/** `Authorization` the way the app reads it: the scheme is case-insensitive, one token, optional trailing spaces. */
function bearerOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  return /^Bearer\s+(\S+)\s*$/i.exec(header.trim())?.[1] ?? null;
}

/** Authorization headers around a secret: the right one, near misses, and junk. */
const authAround = (secret: string, others: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant<string | undefined>(`Bearer ${secret}`) },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>(`bearer ${secret}`, `BEARER  ${secret}  `, `Bearer\t${secret}`) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<string | undefined>(
        undefined,
        "",
        "Bearer",
        "Bearer ",
        secret,
        `Basic ${secret}`,
        `Basic ${Buffer.from(`x:${secret}`).toString("base64")}`,
        `Bearer ${secret}x`,
        `Bearer ${secret.slice(0, -1)}`,
        `Bearer ${secret.toUpperCase()}`,
        `Bearer ${secret} ${secret}`,
        `Bearer "${secret}"`,
        `Token ${secret}`,
        ...others.map((o) => `Bearer ${o}`),
      ),
    },
    { weight: 2, arbitrary: headerText.map((s) => `Bearer ${s}`) },
    { weight: 1, arbitrary: headerText },
  );

// ---- checks ---------------------------------------------------------------------------------------------------

let openapi: OpenApi;

const MONEY_KEYS = new Set(["amount", "subtotal", "discount", "shipping", "shippingTax", "tax", "total", "unitPrice", "lineTotal", "price", "basePrice", "priceOverride", "minOrderAmount"]);

/**
 * scripts/serve.ts answers a path with malformed percent-encoding ("%E0%A4%A") with 400 validation_failed before any
 * route runs; GET /api/orders/{orderId} does not document a 400 (its only refusal is 404). Accepted here, and noted
 * on the test (a gap in the OpenAPI document, not in the route).
 */
function malformedPathAnswer(path: string, r: Reply): boolean {
  let malformed = false;
  try {
    decodeURIComponent(path.split("?")[0]!);
  } catch {
    malformed = true;
  }
  const fe = (r.body as { error?: { code?: string; details?: { fieldErrors?: Record<string, unknown> } } } | undefined)?.error;
  return malformed && r.status === 400 && fe?.code === "validation_failed" && !!fe.details?.fieldErrors?.path;
}

/** Why this reply breaks the documented contract, or null. */
function contractProblem(method: string, template: string, r: Reply, path = template): string | null {
  const responses = documented(openapi, method, template);
  if (r.status < 500 && !(String(r.status) in responses) && malformedPathAnswer(path, r)) {
    const note = `${method} ${template}: a malformed percent-encoding in the path is answered 400 validation_failed by the server, which the OpenAPI document does not list for this operation`;
    if (!test.info().annotations.some((a) => a.description === note)) test.info().annotations.push({ type: "undocumented-400", description: note });
    return null;
  }
  return documentedContractProblem(responses, r, {
    moneyKeys: MONEY_KEYS,
    errorProblem: (_e, reply) => (/orderTokenHash|passwordHash|stack|at \/|node_modules/.test(reply.text) ? "the error leaks internals" : null),
  });
}

const ORDER_KEYS = ["createdAt", "currency", "email", "fulfillmentStatus", "fulfillments", "id", "items", "payment", "refunds", "shippingAddress", "status", "summary"];

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
const describe = (method: string, path: string, headers: Record<string, string | undefined>, body: Body | undefined, actor: string) =>
  `${method} ${clip(path, 300)} as ${actor}; headers ${clip(JSON.stringify(headers), 400)}; body (${body?.label ?? "none"}): ${body?.text === undefined ? "<none>" : JSON.stringify(clip(body.text, 400))}`;

/** One fuzzed request: the contract check, the route's own expectations, and "a rejection changed nothing". */
async function exercise(opts: {
  method: string;
  template: string;
  path: string;
  actor: string;
  headers: Record<string, string | undefined>;
  body?: Body;
  /** the route's own rule about this reply (e.g. who may see what), or null */
  expect?: (r: Reply) => string | null;
  /** snapshot parts a documented 4xx may change (prices_changed updates the cart, for example) */
  mayChange?: (r: Reply) => (keyof Snapshot)[];
  /** checks after a success (given the snapshot before it) */
  after?: (r: Reply, before: Snapshot) => Promise<string | null>;
  /** false for reads: a success changed nothing, so the fixtures need no repair */
  repairAfter?: boolean;
}): Promise<void> {
  const before = await snapshot();
  const reply = await send(opts.method, opts.path, { body: opts.body?.text, headers: opts.headers });
  const err = (reply.body as { error?: { code?: string; details?: { fieldErrors?: Record<string, unknown> } } } | undefined)?.error;
  const fields = err?.details?.fieldErrors ? ` [${Object.keys(err.details.fieldErrors).slice(0, 2).map((k) => k.split(".")[0]!.slice(0, 20)).join(",")}]` : "";
  const key = `${reply.status}${err?.code ? ` ${err.code}` : ""}${process.env.FUZZ_TALLY_FIELDS ? fields : ""}`;
  statusTally.set(key, (statusTally.get(key) ?? 0) + 1);
  const what = () => `${describe(opts.method, opts.path, opts.headers, opts.body, opts.actor)}\n  -> ${reply.status} ${clip(reply.text, 600)}`;
  // a path the server cannot decode never reaches the route, so the route's own rules (who gets 401 / 404) do not apply
  const reachedRoute = !malformedPathAnswer(opts.path, reply);
  const problem = contractProblem(opts.method, opts.template, reply, opts.path) ?? (reachedRoute ? opts.expect?.(reply) : null) ?? null;
  if (problem) throw new Error(`${problem}\n  ${what()}`);
  if (reply.status >= 400) {
    const changed = diff(before, await snapshot(), opts.mayChange?.(reply) ?? []);
    if (changed) throw new Error(`a rejected request changed state\n  ${what()}\n  ${changed}`);
  } else {
    const bad = await opts.after?.(reply, before);
    if (bad) throw new Error(`${bad}\n  ${what()}`);
    if (opts.repairAfter !== false) await repair();
  }
}

/** What the answers of the current test were (status and error code), attached to the test: shows what was covered. */
const statusTally = new Map<string, number>();

async function check(name: string, index: number, prop: fc.IAsyncProperty<unknown>): Promise<void> {
  const seed = SEED + index;
  statusTally.clear();
  try {
    await fc.assert(prop, { numRuns: RUNS, seed, endOnFailure: true });
    const tally = [...statusTally].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}: ${n}`).join(", ");
    test.info().annotations.push({ type: "answers", description: `seed ${seed}, ${RUNS} runs: ${tally}` });
    console.log(`fuzz ${name}: seed ${seed}, ${RUNS} runs -> ${tally}`);
  } catch (e) {
    throw new Error(`fuzz ${name} failed; reproduce with FUZZ_SEED=${SEED} (this route's seed ${seed}), FUZZ_MORE_RUNS=${RUNS}\n${failure(e)}`);
  }
}

// ---- setup and teardown ---------------------------------------------------------------------------------------

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(120_000);
  base = new URL(String(testInfo.project.use.baseURL));
  openapi = await ok<OpenApi>("GET", "/api/openapi.json");
  if (process.env.E2E_DATABASE_URL) {
    db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
    await db.connect();
  }
  type P = { currency: string; variants: { id: number; sku: string; stock: number; available: boolean }[] };
  const { products } = await ok<{ products: P[] }>("GET", "/api/products");
  const usd = products.filter((p) => p.currency === "USD").flatMap((p) => p.variants);
  STOCKED = usd.filter((v) => v.available).sort((x, y) => y.stock - x.stock)[0]!.id;
  // a variant no other spec names, and no fixture cart holds
  const target = usd.find((v) => v.sku === "BEANIE-RIB-RUST") ?? usd.find((v) => v.id !== STOCKED && v.available)!;
  // a PATCH of its own stock reads the admin view (with priceOverride) without changing anything
  fuzzVariantOriginal = (await ok<{ variant: AdminVariant }>("PATCH", `/api/admin/variants/${target.id}`, { body: { stock: target.stock }, headers: adminHeaders })).variant;
  FUZZ_VARIANT = fuzzVariantOriginal;

  const [a, b, adminCookie] = await Promise.all([newAccount(), newAccount(), signInCookie(base.origin, ADMIN.email, ADMIN.password)]);
  const tag = randomBytes(3).toString("hex").toUpperCase();
  const own = (await ok<{ discount: Discount }>("POST", "/api/admin/discounts", { body: { code: `FZ-OWN-${tag}`, type: "PERCENTAGE", value: 10, isActive: false }, headers: adminHeaders }, 201)).discount;
  const other = (await ok<{ discount: Discount }>("POST", "/api/admin/discounts", { body: { code: `FZ-OTHER-${tag}`, type: "FIXED_AMOUNT", value: 500, currency: "USD", isActive: false }, headers: adminHeaders }, 201)).discount;
  W = {
    a: { ...a, cartId: "", order: { id: "", token: "" } },
    b: { ...b, cartId: await readyCart(b.cookie) },
    guest: { cartId: await readyCart(), order: { id: "", token: "" } },
    adminCookie,
    discounts: { own, other },
  };
  W.a.order = await freshOrder("a");
  W.guest.order = await freshOrder("guest");
});

test.afterAll(async ({}, testInfo) => {
  testInfo.setTimeout(120_000);
  try {
    // cancel what is still pending (restocks; a decline no longer does: the order stays reserved); paid ones stay paid (409)
    for (const o of placedOrders) {
      const r = await send("POST", `/api/orders/${o.id}/cancel`, { headers: { authorization: `Bearer ${o.token}` } });
      if (r.status !== 200 && r.status !== 404 && r.status !== 409) console.warn(`cleanup: cancelling order ${o.id} -> ${r.status} ${r.text.slice(0, 200)}`);
    }
    if (FUZZ_VARIANT) await ok("PATCH", `/api/admin/variants/${fuzzVariantOriginal.id}`, { body: { stock: fuzzVariantOriginal.stock, priceOverride: fuzzVariantOriginal.priceOverride }, headers: adminHeaders });
  } finally {
    await db?.end();
    agent.destroy();
  }
});

// ---- POST /api/checkout ---------------------------------------------------------------------------------------

type Actor = "guest" | "a" | "b";
const actorArb = fc.constantFrom<Actor>("guest", "a", "b");
type CartRef = { kind: "own" | "foreign" | "guestCart" } | { kind: "raw"; value: Json };
const usedKeys: string[] = [];

test("fuzz POST /api/checkout", async () => {
  test.setTimeout(600_000);
  type Key = { kind: "fresh" | "missing" | "upper" } | { kind: "reuse"; n: number } | { kind: "raw"; value: string };
  const keyArb: fc.Arbitrary<Key> = fc.oneof(
    { weight: 8, arbitrary: fc.constant<Key>({ kind: "fresh" }) },
    { weight: 3, arbitrary: fc.nat(4).map((n): Key => ({ kind: "reuse", n })) },
    { weight: 1, arbitrary: fc.constant<Key>({ kind: "missing" }) },
    { weight: 1, arbitrary: fc.constant<Key>({ kind: "upper" }) },
    { weight: 2, arbitrary: fc.constantFrom("", " ", "not-a-uuid", "00000000-0000-0000-0000-000000000000", "{a1b2c3d4-0000-4000-8000-000000000000}", "a1b2c3d4000040008000000000000000", `${randomUUID()}, ${randomUUID()}`, `${randomUUID()}x`, "'; DROP TABLE idempotency_keys;--").map((value): Key => ({ kind: "raw", value })) },
    { weight: 1, arbitrary: headerText.map((value): Key => ({ kind: "raw", value })) },
  );
  const cartArb = fc.oneof(
    { weight: 6, arbitrary: fc.constant<CartRef>({ kind: "own" }) },
    { weight: 3, arbitrary: fc.constant<CartRef>({ kind: "foreign" }) },
    { weight: 1, arbitrary: fc.constant<CartRef>({ kind: "guestCart" }) },
    { weight: 2, arbitrary: fc.oneof(rawSegment.map((s) => decodeURIComponentSafe(s)), wrongNonString).map((value): CartRef => ({ kind: "raw", value })) },
  );
  const email = fc.oneof(fc.constantFrom("fuzz@example.test", " Fuzz@Example.TEST ", "not-an-email", "a@b", "x".repeat(250) + "@e.test"), weirdText, wrongValue);
  const address = fc.oneof(
    fc.constant(ADDRESS),
    fc.constant({ country: "CA", region: "ON", postalCode: "M5V 2T6" }),
    fc.record({ country: fc.constantFrom("US", "ZZ", "us", "", "USA"), region: fc.constantFrom("NY", "CA", "", null, "XX"), postalCode: fc.oneof(fc.constantFrom("10001", "", " "), weirdText), line1: fc.oneof(fc.string({ maxLength: 300 }), weirdText) }, { requiredKeys: [] }),
    wrongValue,
  );
  const anyParts = fc.record({ email, shippingAddress: fc.option(address, { freq: 3 }), extra: maybeUnknownKeys() }, { requiredKeys: [] });
  // well-formed requests too, so the success path (and the replay of a used key) runs often
  const plausibleParts = fc.record({
    email: fc.constantFrom("fuzz@example.test", " Fuzz@Example.TEST "),
    shippingAddress: fc.option(fc.constantFrom(ADDRESS, { name: "Fuzz Buyer", line1: "1 Front St W", city: "Toronto", country: "CA", region: "ON", postalCode: "M5V 2T6" }), { freq: 2 }),
  });
  const bodyParts = fc.oneof({ weight: 3, arbitrary: plausibleParts as fc.Arbitrary<{ email?: Json; shippingAddress?: Json; extra?: Record<string, Json> | null }> }, { weight: 2, arbitrary: anyParts });
  const textArb = fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: bodyOf({ cartId: anyJson, email: anyJson }) });

  await check("POST /api/checkout", 0, fc.asyncProperty(actorArb, cartArb, keyArb, bodyParts, textArb, async (actor, cartRef, key, parts, rawBody) => {
    const cookie = cookieOf(actor);
    const ownCart = actor === "guest" ? W.guest.cartId : W[actor].cartId;
    const foreignCart = actor === "a" ? W.b.cartId : W.a.cartId; // a signed-in cart of someone else
    const cartId = cartRef.kind === "raw" ? cartRef.value : cartRef.kind === "own" ? ownCart : cartRef.kind === "foreign" ? foreignCart : W.guest.cartId;
    const obj: Record<string, Json> = { cartId, ...(parts.email !== undefined ? { email: parts.email } : {}) };
    if (parts.shippingAddress !== null && parts.shippingAddress !== undefined) obj.shippingAddress = parts.shippingAddress;
    const body: Body = rawBody ?? { text: JSON.stringify({ ...obj, ...(parts.extra ?? {}) }), label: "checkout" };
    // "reuse": one of the last five keys sent (the same body replays, another body is idempotency_key_reused)
    const idem = key.kind === "raw" ? key.value : key.kind === "reuse" ? (usedKeys.at(-1 - (key.n % Math.max(1, Math.min(usedKeys.length, 5)))) ?? randomUUID()) : key.kind === "fresh" ? randomUUID() : key.kind === "upper" ? randomUUID().toUpperCase() : undefined;
    if (idem && /^[0-9a-f-]{36}$/i.test(idem.trim())) usedKeys.push(idem.trim());
    const foreign = rawBody === null && cartRef.kind === "foreign";
    await exercise({
      method: "POST",
      template: "/api/checkout",
      path: "/api/checkout",
      actor,
      headers: { cookie, "idempotency-key": idem },
      body,
      expect: (r) => (foreign && r.status === 201 ? "a shopper checked out another shopper's cart" : null),
      // the two documented answers that write to the cart on purpose: new prices, or a code that ran out is removed
      mayChange: (r) => (["prices_changed", "discount_invalid"].includes((r.body as { error?: { code?: string } })?.error?.code ?? "") ? ["carts"] : []),
      after: async (r, before) => {
        const b = r.body as CheckoutBody;
        if (r.status !== 201) return `checkout answered ${r.status}`;
        if (!b.order?.id || typeof b.orderToken !== "string" || b.payment?.provider !== "test") return "201 without order, orderToken and payment";
        if (Object.keys(b.order).sort().join() !== ORDER_KEYS.join()) return `order keys ${Object.keys(b.order).sort().join()}`;
        const replayed = r.headers["idempotent-replayed"] === "true";
        if (!replayed) placedOrders.push({ id: b.order.id, token: b.orderToken });
        const t0 = before.tables as Counts | null;
        const t1 = await tableCounts();
        if (t0 && t1 && t1.orders !== t0.orders + (replayed ? 0 : 1)) return `orders went from ${t0.orders} to ${t1.orders} (replayed: ${replayed})`;
        return null;
      },
    });
  }));
});

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---- GET /api/orders/{orderId} --------------------------------------------------------------------------------

type OrderRef = { kind: "aOrder" | "guestOrder" } | { kind: "raw"; value: string };
/** "same": the token of the order in the path (for a raw id: of A's order); "other": of the other fixture order */
type TokenRef = { kind: "none" } | { kind: "token"; of: "same" | "other"; form: string } | { kind: "raw"; value: string };

const orderRefArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant<OrderRef>({ kind: "aOrder" }) },
  { weight: 3, arbitrary: fc.constant<OrderRef>({ kind: "guestOrder" }) },
  { weight: 2, arbitrary: rawSegment.map((value): OrderRef => ({ kind: "raw", value })) },
);
/** `form` puts the token into a header: some forms present it (Bearer, any case), others do not. */
const TOKEN_FORMS = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("Bearer %s", "bearer %s", "Bearer  %s ") },
  { weight: 2, arbitrary: fc.constantFrom("Bearer %sx", "Bearer x%s", "Basic %s", "%s", "Bearer %s %s", "Bearer", "Bearer %S", "Bearer %s,Bearer %s") },
);
const tokenArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant<TokenRef>({ kind: "none" }) },
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom<"same" | "other">("same", "same", "other"), TOKEN_FORMS).map(([of, form]): TokenRef => ({ kind: "token", of, form })) },
  { weight: 2, arbitrary: authAround("a-token-of-no-order-aaaaaaaaaaaaaaaaaaaaaaaaaa", [ADMIN_TOKEN, CRON_SECRET]).map((value): TokenRef => ({ kind: "raw", value: value ?? "" })) },
);

function orderAccess(actor: Actor, orderRef: OrderRef, tokenRef: TokenRef): { path: string; id: string; authorization: string | undefined; allowed: boolean } {
  const id = orderRef.kind === "raw" ? orderRef.value : orderRef.kind === "aOrder" ? W.a.order.id : W.guest.order.id;
  let authorization: string | undefined;
  if (tokenRef.kind === "token") {
    const forA = (orderRef.kind !== "guestOrder") === (tokenRef.of === "same");
    const token = forA ? W.a.order.token : W.guest.order.token;
    authorization = tokenRef.form.replaceAll("%s", token).replaceAll("%S", token.toUpperCase());
  } else if (tokenRef.kind === "raw") authorization = tokenRef.value;
  const presented = bearerOf(authorization);
  const owner = orderRef.kind === "aOrder" && actor === "a";
  const tokenFits = (orderRef.kind === "aOrder" && presented === W.a.order.token) || (orderRef.kind === "guestOrder" && presented === W.guest.order.token);
  return { path: `/api/orders/${id}`, id, authorization, allowed: owner || tokenFits };
}

test("fuzz GET /api/orders/{orderId}", async () => {
  test.setTimeout(600_000);
  await check("GET /api/orders/{orderId}", 1, fc.asyncProperty(actorArb, orderRefArb, tokenArb, async (actor, orderRef, tokenRef) => {
    const access = orderAccess(actor, orderRef, tokenRef);
    await exercise({
      method: "GET",
      template: "/api/orders/{orderId}",
      path: access.path,
      actor,
      headers: { cookie: cookieOf(actor), authorization: access.authorization },
      repairAfter: false,
      expect: (r) => {
        if (access.allowed && r.status !== 200) return `the owner / token holder got ${r.status}`;
        if (!access.allowed && r.status !== 404) return `someone without the right got ${r.status} (expected 404)`;
        if (r.status === 200) {
          const o = (r.body as { order: Order }).order;
          if (o.id !== access.id) return `asked for ${access.id}, got ${o.id}`;
          if (Object.keys(o).sort().join() !== ORDER_KEYS.join()) return `order keys ${Object.keys(o).sort().join()}`;
        }
        return null;
      },
    });
  }));
});

// ---- POST /api/payments/test/confirm --------------------------------------------------------------------------

test("fuzz POST /api/payments/test/confirm", async () => {
  test.setTimeout(600_000);
  const card = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(SUCCESS_CARD, "4242 4242 4242 4242", "4242-4242-4242-4242") },
    { weight: 3, arbitrary: fc.constantFrom(DECLINE_CARD, "4000000000009995", "4000000000000069", "4000000000000127") },
    { weight: 3, arbitrary: fc.constantFrom("4242424242424241", "1234567890123", "0000000000000000", "42424242424242424242", "4242", "", " ", "4242\u00004242424242424") },
    { weight: 2, arbitrary: fc.stringMatching(/^\d{12,19}$/) },
    { weight: 3, arbitrary: wrongValue },
  );
  const bodyArb = fc.oneof(
    { weight: 8, arbitrary: fc.record({ card, extra: maybeUnknownKeys(), dropId: fc.constantFrom(false, false, false, false, true) }).map((r) => ({ kind: "object" as const, ...r })) },
    { weight: 1, arbitrary: bodyOf({ orderId: wrongValue, cardNumber: wrongValue }).map((b) => ({ kind: "raw" as const, b })) },
  );
  await check("POST /api/payments/test/confirm", 2, fc.asyncProperty(actorArb, orderRefArb, tokenArb, bodyArb, async (actor, orderRef, tokenRef, b) => {
    const access = orderAccess(actor, orderRef, tokenRef);
    let body: Body;
    if (b.kind === "raw") body = b.b;
    else {
      const orderId = orderRef.kind === "raw" ? decodeURIComponentSafe(orderRef.value) : access.id;
      body = { text: JSON.stringify({ ...(b.dropId ? {} : { orderId }), ...(b.card !== undefined ? { cardNumber: b.card } : {}), ...(b.extra ?? {}) }), label: "confirm" };
    }
    await exercise({
      method: "POST",
      template: "/api/payments/test/confirm",
      path: "/api/payments/test/confirm",
      actor,
      headers: { cookie: cookieOf(actor), authorization: access.authorization },
      body,
      expect: (r) => {
        // 413: a body over the limit is refused while it is read, before the route (and its access check) runs
        if (!access.allowed && r.status !== 400 && r.status !== 404 && r.status !== 413) return `someone without the right to the order got ${r.status} (expected 400 or 404)`;
        if (r.status === 200 && (r.body as { order: Order }).order.id !== access.id) return "confirmed another order than the one asked for";
        return null;
      },
    });
  }));
});

// ---- POST /api/webhooks/stripe --------------------------------------------------------------------------------

test("fuzz POST /api/webhooks/stripe", async () => {
  test.setTimeout(600_000);
  const t = () => Math.floor(Date.now() / 1000);
  const signature = fc.oneof(
    fc.constant<string | undefined>(undefined),
    fc.constantFrom("", "t=1,v1=00", "v1=abc", "t=,v1=", "garbage", "t=9999999999,v1=" + "a".repeat(64), "t=1,v0=" + "0".repeat(64) + ",v1=" + "f".repeat(64)),
    fc.tuple(fc.integer({ min: -10, max: 10 }), hex(0, 64)).map(([d, h]) => `t=${t() + d * 60},v1=${h}`),
    headerText,
  );
  const eventLike = fc
    .record({
      id: fc.oneof(fc.constantFrom("evt_1", ""), nastyString),
      type: fc.constantFrom("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled", "charge.refunded", "", "__proto__"),
      data: fc.record({ object: fc.record({ id: fc.constantFrom("pi_1", "test_pi_x"), metadata: fc.record({ order_id: fc.oneof(fc.uuid().map(String), fc.constant("")) }) }) }),
    }, { requiredKeys: [] })
    .map((e) => ({ text: JSON.stringify(e), label: "event" }));
  const bodyArb = fc.oneof({ weight: 3, arbitrary: eventLike }, { weight: 3, arbitrary: bodyOf({ id: anyJson, type: anyJson, data: anyJson }) });
  const contentType = fc.constantFrom<string | undefined>(undefined, "application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16");
  await check("POST /api/webhooks/stripe", 3, fc.asyncProperty(signature, bodyArb, contentType, async (sig, body, ct) => {
    await exercise({
      method: "POST",
      template: "/api/webhooks/stripe",
      path: "/api/webhooks/stripe",
      actor: "the internet",
      headers: { "stripe-signature": sig, ...(ct ? { "content-type": ct } : {}) },
      body,
      // the test provider takes no webhooks: every call is refused the same way
      expect: (r) => (r.status === 400 && (r.body as { error?: { code?: string } }).error?.code === "invalid_signature" ? null : "expected 400 invalid_signature"),
    });
  }));
});

// ---- admin routes ---------------------------------------------------------------------------------------------

type AdminAuth = { label: string; authorization?: string; cookie?: string; expect: "admin" | 401 | 403 };
const adminAuthArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant<AdminAuth>({ label: "admin token", authorization: `Bearer ${ADMIN_TOKEN}`, expect: "admin" }) },
  { weight: 1, arbitrary: fc.constant<AdminAuth>({ label: "admin session", cookie: "admin", expect: "admin" }) },
  { weight: 1, arbitrary: fc.constant<AdminAuth>({ label: "customer session", cookie: "a", expect: 403 }) },
  { weight: 1, arbitrary: fc.constant<AdminAuth>({ label: "customer session + wrong token", cookie: "a", authorization: "Bearer wrong-admin-token-0123456789", expect: 403 }) },
  {
    weight: 2,
    arbitrary: authAround(ADMIN_TOKEN, [CRON_SECRET]).map((authorization): AdminAuth => ({ label: "random header", authorization, expect: bearerOf(authorization) === ADMIN_TOKEN ? "admin" : 401 })),
  },
);
function adminHeadersOf(a: AdminAuth): Record<string, string | undefined> {
  return { authorization: a.authorization, cookie: a.cookie === "admin" ? W.adminCookie : a.cookie === "a" ? W.a.cookie : undefined };
}
const authRule = (a: AdminAuth) => (r: Reply) => {
  // a body over the route's limit is refused while it is read, before any route (and so any access check) runs
  if (r.status === 413) return null;
  if (a.expect === "admin") return r.status === 401 || r.status === 403 ? `an admin (${a.label}) got ${r.status}` : null;
  return r.status === a.expect ? null : `${a.label} got ${r.status}, expected ${a.expect}`;
};

/** A valid code we may create (FZ-…), codes that exist, and codes that are not valid. Never a random valid code. */
const codeArb = fc.oneof(
  { weight: 4, arbitrary: hex(4, 12).map((h) => `FZ-${h}`) },
  { weight: 2, arbitrary: fc.constantFrom("WELCOME10", " welcome10 ", "save5", "ab", "", "A".repeat(33), "has space", "ümlaut", "a/b", "FZ\u0000X", "FZ\ud800X", "FZ%00") },
  { weight: 1, arbitrary: weirdText },
  { weight: 2, arbitrary: wrongNonString },
);
const typeArb = field(fc.constantFrom("PERCENTAGE", "FIXED_AMOUNT", "FREE_SHIPPING", "BUY_X_GET_Y", "percentage", "BOGO", ""));
const discountFields = () => ({
  code: codeArb,
  type: typeArb,
  value: field(fc.oneof(fc.constantFrom(10, 12.5, 100, 0, -5, 100.01, 12.345, 500, 2_147_483_648), fc.integer({ min: -10, max: 5000 })), wrongValue),
  currency: field(fc.constantFrom("USD", "EUR", "JPY", "usd", "XXX", "US", null)),
  minOrderAmount: field(fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.constant(null))),
  maxUses: field(fc.oneof(fc.integer({ min: -1, max: 100 }), fc.constant(null))),
  maxUsesPerCustomer: field(fc.oneof(fc.integer({ min: -1, max: 10 }), fc.constant(null))),
  validFrom: field(fc.oneof(fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom(null, "2026-01-01", "2026-01-01T00:00:00", "yesterday"))),
  validUntil: field(fc.oneof(fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString()), fc.constant(null))),
  applicableProductIds: field(fc.oneof(fc.constant(null), fc.constant([]), fc.array(fc.oneof(fc.integer({ min: -2, max: 30 }), fc.constant(2_147_483_647)), { minLength: 1, maxLength: 4 }))),
  buyQuantity: field(fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constant(null))),
  getQuantity: field(fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constant(null))),
  maxApplications: field(fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constant(null))),
  isActive: field(fc.boolean()),
});
const plausibleCode = fc.oneof({ weight: 5, arbitrary: hex(4, 12).map((h) => `FZ-${h}`) }, { weight: 1, arbitrary: fc.constantFrom("WELCOME10", "save5", "ab") });
const plausibleDiscount = fc.oneof(
  fc.record({ code: plausibleCode, type: fc.constant("PERCENTAGE"), value: fc.constantFrom(5, 12.5, 100), isActive: fc.constant(false) }),
  fc.record({ code: plausibleCode, type: fc.constant("FIXED_AMOUNT"), value: fc.integer({ min: 1, max: 5000 }), currency: fc.constantFrom("USD", "EUR", "JPY"), minOrderAmount: fc.option(fc.integer({ min: 1, max: 50_000 })), isActive: fc.boolean() }, { requiredKeys: ["code", "type", "value"] }),
  fc.record({ code: plausibleCode, type: fc.constant("FREE_SHIPPING"), currency: fc.constant("USD"), minOrderAmount: fc.integer({ min: 1, max: 50_000 }), isActive: fc.constant(false) }),
  fc.record({ code: plausibleCode, type: fc.constant("BUY_X_GET_Y"), value: fc.constantFrom(50, 100), buyQuantity: fc.integer({ min: 1, max: 3 }), getQuantity: fc.integer({ min: 1, max: 2 }), maxApplications: fc.option(fc.integer({ min: 1, max: 3 })), isActive: fc.constant(false) }, { requiredKeys: ["code", "type", "value", "buyQuantity", "getQuantity"] }),
) as fc.Arbitrary<Record<string, Json>>;

test("fuzz POST /api/admin/discounts", async () => {
  test.setTimeout(600_000);
  await check("POST /api/admin/discounts", 4, fc.asyncProperty(adminAuthArb, bodyOf(discountFields(), plausibleDiscount), async (auth, body) => {
    await exercise({
      method: "POST",
      template: "/api/admin/discounts",
      path: "/api/admin/discounts",
      actor: auth.label,
      headers: adminHeadersOf(auth),
      body,
      expect: authRule(auth),
      after: async (r, before) => {
        const d = (r.body as { discount: Discount }).discount;
        if (r.status !== 201 || !d || typeof d.id !== "number") return `create answered ${r.status}`;
        if (!d.code.startsWith("FZ-")) return `created a code the fuzz never meant to: ${d.code}`;
        const list = (await ok<{ discounts: Discount[] }>("GET", "/api/admin/discounts", { headers: adminHeaders })).discounts;
        if (list.length !== (before.discounts as unknown[]).length + 1 || !list.some((x) => x.id === d.id)) return "the list did not grow by exactly the created discount";
        return null;
      },
    });
  }));
});

test("fuzz PATCH /api/admin/discounts/{id}", async () => {
  test.setTimeout(600_000);
  type IdRef = { kind: "own" | "other" | "missing" } | { kind: "raw"; value: string };
  const idArb = fc.oneof(
    { weight: 6, arbitrary: fc.constant<IdRef>({ kind: "own" }) },
    { weight: 1, arbitrary: fc.constant<IdRef>({ kind: "other" }) },
    { weight: 1, arbitrary: fc.constant<IdRef>({ kind: "missing" }) },
    { weight: 2, arbitrary: rawSegment.filter((s) => !/^\d{1,10}$/.test(s)).map((value): IdRef => ({ kind: "raw", value })) },
  );
  // PATCH sends subsets; `type` may only repeat the current one
  const plausiblePatch = fc.oneof(
    fc.record({ isActive: fc.boolean() }),
    fc.record({ value: fc.constantFrom(5, 12.5, 50, 100, 101, 0) }),
    fc.record({ code: plausibleCode }),
    fc.record({ maxUses: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constant(null)), maxUsesPerCustomer: fc.option(fc.integer({ min: 1, max: 3 })) }, { requiredKeys: [] }),
    fc.record({ type: fc.constantFrom("PERCENTAGE", "FIXED_AMOUNT"), validFrom: fc.constantFrom("2020-01-01T00:00:00Z", null), validUntil: fc.constantFrom("2019-01-01T00:00:00Z", "2099-01-01T00:00:00Z", null) }, { requiredKeys: [] }),
  ) as fc.Arbitrary<Record<string, Json>>;
  await check("PATCH /api/admin/discounts/{id}", 5, fc.asyncProperty(adminAuthArb, idArb, bodyOf(discountFields(), plausiblePatch), async (auth, idRef, body) => {
    const id = idRef.kind === "raw" ? idRef.value : idRef.kind === "own" ? String(W.discounts.own.id) : idRef.kind === "other" ? String(W.discounts.other.id) : "2147483647";
    await exercise({
      method: "PATCH",
      template: "/api/admin/discounts/{id}",
      path: `/api/admin/discounts/${id}`,
      actor: auth.label,
      headers: adminHeadersOf(auth),
      body,
      expect: (r) => authRule(auth)(r) ?? (idRef.kind === "missing" && r.status === 200 ? "patched a discount that does not exist" : null),
      after: async (r) => {
        const d = (r.body as { discount: Discount }).discount;
        if (String(d?.id) !== id) return `patched ${String(d?.id)} instead of ${id}`;
        if (!d.code.startsWith("FZ-")) return `the fuzz discount now has the code ${d.code}`;
        const listed = (await ok<{ discount: Discount }>("GET", `/api/admin/discounts/${id}`, { headers: adminHeaders })).discount;
        const { status: _s1, ...x } = listed;
        const { status: _s2, ...y } = d;
        return JSON.stringify(x) === JSON.stringify(y) ? null : `GET after PATCH differs: ${JSON.stringify(listed)} vs ${JSON.stringify(d)}`;
      },
    });
  }));
});

test("fuzz PATCH /api/admin/variants/{id}", async () => {
  test.setTimeout(600_000);
  type IdRef = { kind: "target" | "missing" } | { kind: "raw"; value: string };
  const idArb = fc.oneof(
    { weight: 6, arbitrary: fc.constant<IdRef>({ kind: "target" }) },
    { weight: 1, arbitrary: fc.constant<IdRef>({ kind: "missing" }) },
    { weight: 2, arbitrary: rawSegment.filter((s) => !/^\d{1,10}$/.test(s)).map((value): IdRef => ({ kind: "raw", value })) },
  );
  const stock = field(fc.oneof(fc.integer({ min: 0, max: 500 }), fc.constantFrom(-1, 1.5, 2_147_483_647, 2_147_483_648, "5")));
  const price = field(fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(null, -1, 0.5, 2_147_483_648, "1000")));
  const plausible = fc.record({ stock: fc.integer({ min: 0, max: 500 }), priceOverride: fc.oneof(fc.integer({ min: 100, max: 9000 }), fc.constant(null)) }, { requiredKeys: [] }) as fc.Arbitrary<Record<string, Json>>;
  await check("PATCH /api/admin/variants/{id}", 6, fc.asyncProperty(adminAuthArb, idArb, bodyOf({ stock, priceOverride: price }, plausible), async (auth, idRef, body) => {
    const id = idRef.kind === "raw" ? idRef.value : idRef.kind === "target" ? String(FUZZ_VARIANT.id) : "2147483647";
    await exercise({
      method: "PATCH",
      template: "/api/admin/variants/{id}",
      path: `/api/admin/variants/${id}`,
      actor: auth.label,
      headers: adminHeadersOf(auth),
      body,
      expect: (r) => authRule(auth)(r) ?? (idRef.kind === "missing" && r.status === 200 ? "patched a variant that does not exist" : null),
      after: async (r) => {
        const v = (r.body as { variant: AdminVariant }).variant;
        if (String(v?.id) !== id) return `patched ${String(v?.id)} instead of ${id}`;
        const sent = JSON.parse(body.text!) as { stock?: number; priceOverride?: number | null };
        if (sent.stock !== undefined && v.stock !== sent.stock) return `stock ${v.stock}, sent ${sent.stock}`;
        if (sent.priceOverride !== undefined && v.priceOverride !== sent.priceOverride) return `priceOverride ${v.priceOverride}, sent ${sent.priceOverride}`;
        const listed = (await ok<{ products: { variants: { id: number; stock: number; price: number }[] }[] }>("GET", "/api/products")).products.flatMap((p) => p.variants).find((x) => x.id === v.id);
        if (!listed || listed.stock !== v.stock || listed.price !== v.price) return `GET /api/products shows ${JSON.stringify(listed)} after ${JSON.stringify(v)}`;
        return null;
      },
    });
  }));
});

// ---- cron -----------------------------------------------------------------------------------------------------

for (const [i, path] of ["/api/cron/expire-orders", "/api/cron/abandon-carts"].entries()) {
  test(`fuzz POST ${path}`, async () => {
    test.setTimeout(600_000);
    const withCookie = fc.constantFrom<"none" | "a" | "admin">("none", "none", "a", "admin");
    await check(`POST ${path}`, 7 + i, fc.asyncProperty(authAround(CRON_SECRET, [ADMIN_TOKEN]), withCookie, bodyOf({ batch: anyJson, now: anyJson }), async (authorization, who, body) => {
      const allowed = bearerOf(authorization) === CRON_SECRET;
      await exercise({
        method: "POST",
        template: path,
        path,
        actor: who === "none" ? "anyone" : who === "a" ? "a customer" : "an admin session",
        headers: { authorization, cookie: who === "a" ? W.a.cookie : who === "admin" ? W.adminCookie : undefined },
        body,
        repairAfter: false,
        expect: (r) => {
          if (allowed && r.status !== 200) return `the cron secret got ${r.status}`;
          if (!allowed && r.status !== 401) return `without the cron secret: ${r.status}, expected 401`;
          if (r.status === 200) {
            const p = (r.body as { processed?: unknown }).processed;
            if (!Number.isSafeInteger(p) || (p as number) < 0) return `processed = ${String(p)}`;
          }
          return null;
        },
      });
    }));
  });
}
