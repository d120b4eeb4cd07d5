import http from "node:http";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { expect, test } from "@playwright/test";
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

// Property-based fuzzing of every mutating cart route and POST /api/account/register against the built app
// (tests/e2e/global-setup.ts). Random JSON bodies (wrong types, negative / huge / fractional numbers, huge strings,
// NUL and lone surrogates, unknown keys, null, arrays, deep nesting, text that is not JSON) and random path ids.
// For every request:
//   - the status is one of the codes GET /api/openapi.json documents for that operation, and never 5xx;
//   - an error body is the envelope { error: { code, message, details? } } with a code documented for that status;
//   - a rejected (4xx) request changed nothing: every fixture cart (items, discounts, address, summary) and the
//     saved-for-later lists read the same before and after.
// Bounded and reproducible: FUZZ_RUNS runs per route (default 150) from FUZZ_SEED (default below, printed on failure).
//
// Requests go through node:http from their own loopback addresses (127.0.0.0/8), so the wrong discount codes sent
// here never count against 127.0.0.1, the client every other spec is (31 wrong codes per client in 15 min).

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

type Cart = { id: string; status: string; currency: string; items: { id: string; variantId: number; quantity: number }[]; discounts: { code: string }[] } & Record<string, unknown>;
type Saved = { id: string };

let base: URL;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const FUZZ_ADDRESS = `127.${1 + (process.pid % 200)}.${randomBytes(1)[0]! % 250}.${2 + (randomBytes(1)[0]! % 250)}`;
let addressCounter = 0;
/** A new client address for each discount attempt, so only the per-cart limit is in play. */
const freshAddress = () => {
  addressCounter++;
  return `127.${200 + Math.floor(addressCounter / 250) % 50}.${(process.pid >> 8) % 250}.${1 + (addressCounter % 250)}`;
};

/** false where other loopback addresses cannot be bound (not Linux): then every request comes from 127.0.0.1 */
let loopbackAliases = true;

function send(method: string, path: string, opts: { body?: string; cookie?: string; from?: string } = {}): Promise<Reply> {
  const localAddress = loopbackAliases ? (opts.from ?? FUZZ_ADDRESS) : undefined;
  return httpRequest(base, method, path, { body: opts.body, headers: opts.cookie ? { cookie: opts.cookie } : {}, agent: opts.from ? false : agent, localAddress }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "EADDRNOTAVAIL" || !loopbackAliases) throw e;
    loopbackAliases = false;
    return send(method, path, opts);
  });
}

async function ok<T>(method: string, path: string, opts: { body?: unknown; cookie?: string } = {}, status = 200): Promise<T> {
  return fixtureBody<T>(method, path, await send(method, path, { cookie: opts.cookie, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }), status);
}

// ---- accounts and fixtures ------------------------------------------------------------------------------------

type Account = { email: string; password: string; cookie: string };

async function newAccount(): Promise<Account> {
  const email = `fuzz-${randomBytes(6).toString("hex")}@example.test`;
  const password = `pw-${randomBytes(9).toString("hex")}`;
  await ok("POST", "/api/account/register", { body: { email, password } }, 201);
  return { email, password, cookie: await signInCookie(base.origin, email, password) };
}

type Variants = { stocked: number; scarce: number; soldOut: number; eur: number; jpy: number; stocked2: number };
let V: Variants;

/** The world the fuzzer acts on: a guest cart, user A's cart and saved list, user B's cart and saved list. */
type World = {
  guest: { cartId: string };
  a: Account & { cartId: string; savedIds: string[] };
  b: Account & { cartId: string; savedIds: string[] };
};
let W: World;

async function getCart(cartId: string, cookie?: string): Promise<Cart> {
  return (await ok<{ cart: Cart }>("GET", `/api/carts/${cartId}`, { cookie })).cart;
}

async function freshGuestCart(): Promise<string> {
  const { cart } = await ok<{ cart: Cart }>("POST", "/api/carts", { body: {} }, 201);
  await ok("POST", `/api/carts/${cart.id}/items`, { body: { variantId: V.stocked, quantity: 1 } }, 201);
  await ok("POST", `/api/carts/${cart.id}/items`, { body: { variantId: V.stocked2, quantity: 2, customOptions: { giftWrap: true } } }, 201);
  await ok("POST", `/api/carts/${cart.id}/discounts`, { body: { code: "WELCOME10" } });
  return cart.id;
}

/** A signed-in shopper with a cart of two lines (one with options), WELCOME10, an address, and one saved item. */
async function freshUser(): Promise<World["a"]> {
  const acc = await newAccount();
  const { cart } = await ok<{ cart: Cart }>("POST", "/api/carts", { body: {}, cookie: acc.cookie }, 201);
  const u = { ...acc, cartId: cart.id, savedIds: [] as string[] };
  if (!(await repairUser(u))) throw new Error("fixture: a new shopper could not be set up");
  return u;
}

/** Puts back what successful requests took away; false when the cart cannot be used any more (replace the shopper). */
async function repairUser(u: World["a"]): Promise<boolean> {
  try {
    let cart = await getCart(u.cartId, u.cookie);
    if (cart.status !== "ACTIVE" || cart.items.length > 6 || cart.items.some((i) => i.quantity > 90)) return false;
    const saved = (await ok<{ savedForLater: Saved[] }>("GET", "/api/saved-for-later", { cookie: u.cookie })).savedForLater;
    if (saved.length === 0) {
      let line = cart.items.find((i) => i.variantId === V.scarce);
      if (!line) {
        const c = (await ok<{ cart: Cart }>("POST", `/api/carts/${u.cartId}/items`, { body: { variantId: V.scarce, quantity: 1 }, cookie: u.cookie }, 201)).cart;
        line = c.items.find((i) => i.variantId === V.scarce)!;
      }
      await ok("POST", `/api/carts/${u.cartId}/items/${line.id}/save-for-later`, { cookie: u.cookie });
      cart = await getCart(u.cartId, u.cookie);
    }
    if (!cart.items.some((i) => i.variantId === V.stocked))
      await ok("POST", `/api/carts/${u.cartId}/items`, { body: { variantId: V.stocked, quantity: 1 }, cookie: u.cookie }, 201);
    if (!cart.items.some((i) => i.variantId === V.stocked2))
      await ok("POST", `/api/carts/${u.cartId}/items`, { body: { variantId: V.stocked2, quantity: 1, customOptions: { personalization: "AB" } }, cookie: u.cookie }, 201);
    if (!cart.discounts.length) await ok("POST", `/api/carts/${u.cartId}/discounts`, { body: { code: "WELCOME10" }, cookie: u.cookie });
    if (!cart.shippingAddress) await ok("PUT", `/api/carts/${u.cartId}/shipping-address`, { body: { name: "Fuzz Buyer", line1: "350 5th Ave", city: "New York", country: "US", region: "NY", postalCode: "10001" }, cookie: u.cookie });
    u.savedIds = (await ok<{ savedForLater: Saved[] }>("GET", "/api/saved-for-later", { cookie: u.cookie })).savedForLater.map((s) => s.id);
    return true;
  } catch {
    return false; // e.g. the cart's wrong-code limit is full, so WELCOME10 cannot go back on
  }
}

async function repairGuest(): Promise<boolean> {
  try {
    const g = await getCart(W.guest.cartId);
    if (g.status !== "ACTIVE" || g.items.length === 0 || g.items.length > 6 || g.items.some((i) => i.quantity > 90)) return false;
    if (!g.discounts.length) await ok("POST", `/api/carts/${g.id}/discounts`, { body: { code: "WELCOME10" } });
    return true;
  } catch {
    return false;
  }
}

/** Brings the world back to a usable shape after a request that succeeded (or hit a rate limit). */
async function repair(touched: { guest?: boolean; a?: boolean; b?: boolean }): Promise<void> {
  if (touched.guest && !(await repairGuest())) W.guest.cartId = await freshGuestCart();
  if (touched.a && !(await repairUser(W.a))) W.a = await freshUser();
  if (touched.b && !(await repairUser(W.b))) W.b = await freshUser();
}

/** Everything a request could have changed. */
async function snapshot(): Promise<Json> {
  const [guest, a, b, savedA, savedB] = await Promise.all([
    getCart(W.guest.cartId),
    getCart(W.a.cartId, W.a.cookie),
    getCart(W.b.cartId, W.b.cookie),
    ok<{ savedForLater: Saved[] }>("GET", "/api/saved-for-later", { cookie: W.a.cookie }),
    ok<{ savedForLater: Saved[] }>("GET", "/api/saved-for-later", { cookie: W.b.cookie }),
  ]);
  return { guest, a, b, savedA, savedB };
}

// ---- arbitraries ----------------------------------------------------------------------------------------------

const HUGE = ["x".repeat(100_000), "é".repeat(30_000), "🛒".repeat(20_000), " ".repeat(5_000)];
const nastyString = nastyStrings(
  [
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "\udfff x",
    "\u202e\u0301",
    "'; DROP TABLE carts;--",
    "../../etc/passwd",
    "%",
    "%00",
    "%E0%A4%A",
    "__proto__",
    "constructor",
    "<script>alert(1)</script>",
    "WELCOME10",
    " welcome10 ",
    "A".repeat(64),
    "A".repeat(65),
    "1e3",
    "12",
    "null",
    "true",
  ],
  HUGE,
);
/** Text a database may refuse: NUL, lone surrogates, control and bidi characters. */
const weirdText = fc.constantFrom("\u0000", "gift\u0000", "\ud800", "a\udfffb", "\u0007\u001b[31m", "\u202egift", "\ufeff", "\u2028");
const nastyNumber = nastyNumbers([0, -0, -1, 1, 1.5, 0.1, 2, 98, 99, 100, 101, 2_147_483_647, 2_147_483_648, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, 1e21, 1e308, -1e308, 5e-324]);
const wrongValue: fc.Arbitrary<Json> = fc.oneof(nastyString, ...nonStringValues(nastyNumber));
/** Mostly plausible, sometimes anything. */
const field = (good: fc.Arbitrary<Json>) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 2, arbitrary: wrongValue });
const unknownKeys = fc.dictionary(fc.constantFrom("extra", "id", "price", "unitPrice", "userId", "constructor", "toString", "prototype", "", "quantity ", "Quantity"), anyJson, { maxKeys: 2 });

/** A request body: an object of the route's fields (any may be missing, wrong or joined by unknown keys), or not an object at all. */
function bodyOf(fields: Record<string, fc.Arbitrary<Json>>, plausible?: { fields: Record<string, fc.Arbitrary<Json>>; required: string[] }): fc.Arbitrary<Body> {
  return bodies({
    record: fc.record(Object.fromEntries(Object.entries(fields).map(([k, a]) => [k, field(a)])), { requiredKeys: [] }),
    unknownKeys: fc.option(unknownKeys, { freq: 4 }),
    protoOfEmpty: '{"__proto__":{"quantity":1}}',
    plausible: plausible && fc.record(plausible.fields, { requiredKeys: plausible.required }),
    notJson: ["{", '{"quantity":}', "[1,2", "undefined", "NaN", "{'a':1}", "\u0000", '{"a":1}garbage', '{"quantity":1,}', "\ufeff{}"],
    deepObject: true,
  });
}

// Path ids are symbolic ("own" / "foreign" / a raw value) and resolved when the request is sent, because the
// fixtures change as requests succeed.
type Sym = { kind: "own" } | { kind: "foreign" } | { kind: "other" } | { kind: "raw"; value: string };
const rawSegment = rawSegments(nastyString, [
  fc.base64String({ minLength: 20, maxLength: 24 }).map((s) => s.replace(/\+/g, "-").replace(/\//g, "_").replace(/=/g, "")),
  fc.constantFrom("%2F", "%25", "%ZZ", "%E0%A4%A", "a%00b", "0", "-1", "1e3", "00000000-0000-0000-0000-000000000000"),
]).map((value): Sym => ({ kind: "raw", value }));
const sym = (weights: { own: number; foreign: number; other?: number; raw: number }) =>
  fc.oneof(
    { weight: weights.own, arbitrary: fc.constant<Sym>({ kind: "own" }) },
    { weight: weights.foreign, arbitrary: fc.constant<Sym>({ kind: "foreign" }) },
    { weight: weights.other ?? 0, arbitrary: fc.constant<Sym>({ kind: "other" }) },
    { weight: weights.raw, arbitrary: rawSegment },
  );

type Actor = "guest" | "a";
type Ctx = { actor: Actor; cookie?: string; cartId: string; foreignCartId: string; otherCartId: string };

function ctxOf(actor: Actor): Ctx {
  // guest: own = the guest cart; foreign = user A's cart (403). a: own = A's cart; foreign = B's cart (403); other = the guest cart (a capability)
  return actor === "guest"
    ? { actor, cartId: W.guest.cartId, foreignCartId: W.a.cartId, otherCartId: W.b.cartId }
    : { actor, cookie: W.a.cookie, cartId: W.a.cartId, foreignCartId: W.b.cartId, otherCartId: W.guest.cartId };
}

async function lineIdsOf(cartId: string): Promise<string[]> {
  const owner = cartId === W.a.cartId ? W.a.cookie : cartId === W.b.cartId ? W.b.cookie : undefined;
  return (await getCart(cartId, owner)).items.map((i) => i.id);
}

async function resolveCart(s: Sym, c: Ctx): Promise<string> {
  if (s.kind === "raw") return s.value;
  return s.kind === "own" ? c.cartId : s.kind === "foreign" ? c.foreignCartId : c.otherCartId;
}
/** "own": a line of the cart in the path (when it is a fixture cart, else of the actor's cart); "foreign": a line of a cart the actor may not touch. */
async function resolveItem(s: Sym, c: Ctx, cartId: string): Promise<string> {
  if (s.kind === "raw") return s.value;
  const fixtures = [W.guest.cartId, W.a.cartId, W.b.cartId];
  const from = s.kind === "own" ? (fixtures.includes(cartId) ? cartId : c.cartId) : s.kind === "foreign" ? c.foreignCartId : c.otherCartId;
  const ids = await lineIdsOf(from);
  return ids[0] ?? "00000000-0000-4000-8000-000000000000";
}

// ---- the routes -----------------------------------------------------------------------------------------------

const variantId = () => fc.constantFrom(V.stocked, V.stocked2, V.scarce, V.soldOut, V.eur, V.jpy, 0, 2_147_483_647);
const goodOptions = () =>
  fc.record(
    {
      giftWrap: field(fc.boolean()),
      giftMessage: field(fc.oneof(fc.string({ maxLength: 200 }), weirdText, nastyString)),
      personalization: field(fc.oneof(fc.string({ maxLength: 100 }), weirdText, nastyString)),
    },
    { requiredKeys: [] },
  );
const plausibleOptions = () =>
  fc.record(
    { giftWrap: fc.boolean(), giftMessage: fc.oneof(fc.string({ maxLength: 200 }), weirdText), personalization: fc.oneof(fc.string({ maxLength: 100 }), weirdText) },
    { requiredKeys: [] },
  );
const quantity = (min: number) => fc.oneof(fc.integer({ min, max: 3 }), nastyNumber);

type Route = {
  name: string;
  method: "POST" | "PATCH" | "DELETE" | "PUT";
  template: string;
  actors: Actor[];
  ids: fc.Arbitrary<Sym[]>;
  body?: () => fc.Arbitrary<Body>;
  path: (ids: Sym[], c: Ctx) => Promise<string>;
  /** which fixture a success or a 429 may have touched */
  touches: (c: Ctx, cartId: string) => { guest?: boolean; a?: boolean };
};

const cartTouch = (c: Ctx, cartId: string) => ({ guest: cartId === W.guest.cartId, a: cartId === W.a.cartId || c.actor === "a" });
const codeSegment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("WELCOME10", "welcome10", "SAVE5", "NOPE") },
  { weight: 2, arbitrary: rawSegment.map((s) => (s as { value: string }).value) },
  { weight: 1, arbitrary: fc.constantFrom("100%25off", "%25", "50%25", "a%2Fb", "%C3%A9t%C3%A9", "%F0%9F%9B%92") },
);

const ROUTES: Route[] = [
  {
    name: "POST /api/carts",
    method: "POST",
    template: "/api/carts",
    actors: ["guest", "a"],
    ids: fc.constant([]),
    body: () => {
      const currency = fc.constantFrom("USD", "EUR", "JPY", "KWD", "XXX", "usd", "US", "");
      return bodyOf({ currency }, { fields: { currency }, required: [] });
    },
    path: async () => "/api/carts",
    touches: (c) => ({ a: c.actor === "a" }),
  },
  {
    name: "POST /api/carts/{cartId}/items",
    method: "POST",
    template: "/api/carts/{cartId}/items",
    actors: ["guest", "a"],
    ids: fc.tuple(sym({ own: 6, foreign: 1, other: 1, raw: 2 })),
    body: () =>
      bodyOf(
        { variantId: variantId(), quantity: quantity(1), customOptions: goodOptions() },
        {
          fields: { variantId: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(V.stocked, V.stocked2) }, { weight: 1, arbitrary: variantId() }), quantity: fc.integer({ min: 1, max: 3 }), customOptions: plausibleOptions() },
          required: ["variantId", "quantity"],
        },
      ),
    path: async ([cart], c) => `/api/carts/${await resolveCart(cart!, c)}/items`,
    touches: cartTouch,
  },
  {
    name: "PATCH /api/carts/{cartId}/items/{itemId}",
    method: "PATCH",
    template: "/api/carts/{cartId}/items/{itemId}",
    actors: ["guest", "a"],
    ids: fc.tuple(sym({ own: 6, foreign: 1, other: 1, raw: 2 }), sym({ own: 6, foreign: 1, raw: 2 })),
    body: () => bodyOf({ quantity: quantity(0) }, { fields: { quantity: fc.integer({ min: 0, max: 4 }) }, required: ["quantity"] }),
    path: async ([cart, item], c) => {
      const cartId = await resolveCart(cart!, c);
      return `/api/carts/${cartId}/items/${await resolveItem(item!, c, cartId)}`;
    },
    touches: cartTouch,
  },
  {
    name: "DELETE /api/carts/{cartId}/items/{itemId}",
    method: "DELETE",
    template: "/api/carts/{cartId}/items/{itemId}",
    actors: ["guest", "a"],
    ids: fc.tuple(sym({ own: 4, foreign: 1, other: 1, raw: 3 }), sym({ own: 2, foreign: 1, raw: 4 })),
    path: async ([cart, item], c) => {
      const cartId = await resolveCart(cart!, c);
      return `/api/carts/${cartId}/items/${await resolveItem(item!, c, cartId)}`;
    },
    touches: cartTouch,
  },
  {
    name: "POST /api/carts/{cartId}/items/{itemId}/save-for-later",
    method: "POST",
    template: "/api/carts/{cartId}/items/{itemId}/save-for-later",
    actors: ["guest", "a"],
    ids: fc.tuple(sym({ own: 5, foreign: 1, other: 1, raw: 2 }), sym({ own: 3, foreign: 1, raw: 3 })),
    body: () => bodyOf({ anything: anyJson }),
    path: async ([cart, item], c) => {
      const cartId = await resolveCart(cart!, c);
      return `/api/carts/${cartId}/items/${await resolveItem(item!, c, cartId)}/save-for-later`;
    },
    touches: cartTouch,
  },
  {
    name: "POST /api/saved-for-later/{id}/move-to-cart",
    method: "POST",
    template: "/api/saved-for-later/{id}/move-to-cart",
    actors: ["guest", "a"],
    ids: fc.tuple(sym({ own: 4, foreign: 2, raw: 3 })),
    body: () => bodyOf({ anything: anyJson }),
    path: async ([saved], c) => {
      const s = saved!;
      const id = s.kind === "raw" ? s.value : ((s.kind === "own" && c.actor === "a" ? W.a.savedIds[0] : W.b.savedIds[0]) ?? "00000000-0000-4000-8000-000000000000");
      return `/api/saved-for-later/${id}/move-to-cart`;
    },
    touches: (c) => ({ a: c.actor === "a" }),
  },
  {
    name: "PUT /api/carts/{cartId}/shipping-address",
    method: "PUT",
    template: "/api/carts/{cartId}/shipping-address",
    actors: ["guest", "a"],
    ids: fc.tuple(sym({ own: 6, foreign: 1, other: 1, raw: 2 })),
    body: () => {
      const fields = {
        country: fc.constantFrom("US", "CA", "DE", "JP", "ZZ", "us", "U", "USA", " us "),
        region: fc.constantFrom("CA", "NY", "ON", "", "ca", "ABCD", null),
        postalCode: fc.oneof(fc.constantFrom("94103", "10001", "M5V 2T6", "", " ", "1".repeat(17)), weirdText),
        city: fc.oneof(fc.string({ maxLength: 100 }), weirdText, fc.constant(null)),
        line1: fc.oneof(fc.string({ maxLength: 200 }), weirdText, fc.constant(null)),
      };
      return bodyOf(fields, { fields: { ...fields, country: fc.constantFrom("US", "CA", "DE", "JP", "us"), region: fc.constantFrom("CA", "NY", "ON", "ny", null) }, required: ["country", "postalCode"] });
    },
    path: async ([cart], c) => `/api/carts/${await resolveCart(cart!, c)}/shipping-address`,
    touches: cartTouch,
  },
  {
    name: "POST /api/carts/{cartId}/discounts",
    method: "POST",
    template: "/api/carts/{cartId}/discounts",
    actors: ["guest", "a"],
    ids: fc.tuple(sym({ own: 6, foreign: 1, other: 1, raw: 2 })),
    body: () => {
      const code = fc.oneof({ weight: 4, arbitrary: fc.constantFrom("WELCOME10", "welcome10", " SAVE5 ", "FREESHIP", "SOCKS3FOR2", "EXPIRED15", "LIMITED20", "NOPE") }, { weight: 1, arbitrary: weirdText });
      return bodyOf({ code }, { fields: { code }, required: ["code"] });
    },
    path: async ([cart], c) => `/api/carts/${await resolveCart(cart!, c)}/discounts`,
    touches: cartTouch,
  },
  {
    name: "DELETE /api/carts/{cartId}/discounts/{code}",
    method: "DELETE",
    template: "/api/carts/{cartId}/discounts/{code}",
    actors: ["guest", "a"],
    ids: fc.tuple(sym({ own: 6, foreign: 1, other: 1, raw: 2 }), codeSegment.map((value): Sym => ({ kind: "raw", value }))),
    path: async ([cart, code], c) => `/api/carts/${await resolveCart(cart!, c)}/discounts/${(code as { value: string }).value}`,
    touches: cartTouch,
  },
];

// ---- checks ---------------------------------------------------------------------------------------------------

let openapi: OpenApi;

const MONEY_KEYS = new Set(["amount", "subtotal", "discount", "shipping", "shippingTax", "tax", "total", "unitPrice", "lineTotal", "price", "basePrice"]);

/** Why this reply breaks the contract, or null. */
function contractProblem(method: string, template: string, r: Reply): string | null {
  return documentedContractProblem(documented(openapi, method, template), r, {
    moneyKeys: MONEY_KEYS,
    errorProblem: (e) => (e.code === "discount_invalid" && typeof (e.details as { reason?: unknown } | undefined)?.reason !== "string" ? "discount_invalid without details.reason" : null),
  });
}

const describeRequest = (method: string, path: string, body: Body | undefined, actor: string) =>
  `${method} ${path.length > 300 ? path.slice(0, 300) + "…" : path} as ${actor}; body (${body?.label ?? "none"}): ${body?.text === undefined ? "<none>" : JSON.stringify(body.text.length > 400 ? body.text.slice(0, 400) + "…" : body.text)}`;

// ---- the tests ------------------------------------------------------------------------------------------------

test.beforeAll(async ({}, testInfo) => {
  testInfo.setTimeout(120_000);
  base = new URL(String(testInfo.project.use.baseURL));
  openapi = await ok<OpenApi>("GET", "/api/openapi.json");
  type P = { currency: string; variants: { id: number; sku: string; stock: number; available: boolean }[] };
  const { products } = await ok<{ products: P[] }>("GET", "/api/products");
  const all = products.flatMap((p) => p.variants.map((v) => ({ ...v, currency: p.currency })));
  const usd = all.filter((v) => v.currency === "USD");
  const byStock = usd.filter((v) => v.available).sort((x, y) => y.stock - x.stock);
  V = {
    stocked: byStock[0]!.id,
    stocked2: byStock[1]!.id,
    scarce: usd.filter((v) => v.available && v.stock >= 1 && v.stock <= 5).sort((x, y) => x.stock - y.stock)[0]?.id ?? byStock[2]!.id,
    soldOut: usd.find((v) => v.stock === 0)?.id ?? 0,
    eur: all.find((v) => v.currency === "EUR" && v.available)!.id,
    jpy: all.find((v) => v.currency === "JPY" && v.available)!.id,
  };
  const [guestCartId, a, b] = await Promise.all([freshGuestCart(), freshUser(), freshUser()]);
  W = { guest: { cartId: guestCartId }, a, b };
});

test.afterAll(() => agent.destroy());

for (const [index, route] of ROUTES.entries()) {
  test(`fuzz ${route.name}`, async () => {
    test.setTimeout(600_000);
    const seed = SEED + index;
    const body = route.body?.() ?? fc.constant(undefined);
    const property = fc.asyncProperty(fc.constantFrom(...route.actors), route.ids, body, async (actor, ids, b) => {
      const c = ctxOf(actor);
      const path = await route.path(ids, c);
      const before = await snapshot();
      const reply = await send(route.method, path, { body: b?.text, cookie: c.cookie, from: route.template.endsWith("/discounts") ? freshAddress() : undefined });
      const what = () => `${describeRequest(route.method, path, b, actor)}\n  -> ${reply.status} ${reply.text.slice(0, 600)}`;
      const problem = contractProblem(route.method, route.template, reply);
      if (problem) throw new Error(`${problem}\n  ${what()}`);
      if (reply.status >= 400) {
        const after = await snapshot();
        try {
          expect(after).toEqual(before);
        } catch (e) {
          throw new Error(`a rejected request changed state\n  ${what()}\n${String(e).slice(0, 3000)}`);
        }
        if (route.template === "/api/carts" && reply.headers["set-cookie"]?.some((h) => h.startsWith("cw_cart="))) throw new Error(`a rejected request set the cart cookie\n  ${what()}`);
      }
      if (reply.status === 429) {
        const target = path.split("/")[3];
        // this cart's wrong-code limit is full for 15 minutes: carry on with a new one
        if (target === W.guest.cartId) W.guest.cartId = await freshGuestCart();
        if (target === W.a.cartId) W.a = await freshUser();
        if (target === W.b.cartId) W.b = await freshUser();
      } else if (reply.status < 400) {
        await repair(route.touches(c, path.split("/")[3] ?? ""));
      }
    });
    try {
      await fc.assert(property, { numRuns: RUNS, seed, endOnFailure: true });
    } catch (e) {
      throw new Error(`fuzz ${route.name} failed; reproduce with FUZZ_SEED=${SEED} (this route's seed ${seed})\n${failure(e)}`);
    }
  });
}

test("fuzz POST /api/account/register", async () => {
  test.setTimeout(600_000);
  const seed = SEED + ROUTES.length;
  const emailArb = fc.oneof(
    { weight: 4, arbitrary: fc.constant("fresh") },
    { weight: 1, arbitrary: fc.constantFrom("shopper@cartwright.test", " SHOPPER@cartwright.test ", "not-an-email", "a@b", "@example.test", "x@y.z") },
  );
  const passwordArb = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ minLength: 8, maxLength: 40 }), fc.constantFrom("x".repeat(200), "x".repeat(201), "\u0000".repeat(8), "\ud800".repeat(8)), nastyString);
  const bodyArb = bodyOf({ email: emailArb, password: passwordArb }, { fields: { email: emailArb, password: passwordArb }, required: ["email", "password"] }).map((b) => {
    // "fresh" stands for a new address each time, so a 201 and the "nothing changed" check do not collide
    if (b.text === undefined) return { ...b, email: null as string | null };
    const email = `fuzz-reg-${randomBytes(6).toString("hex")}@Example.test`;
    return b.text.includes('"fresh"') ? { text: b.text.replaceAll('"fresh"', JSON.stringify(` ${email} `)), label: b.label, email: email.toLowerCase() } : { ...b, email: null };
  });
  const property = fc.asyncProperty(bodyArb, async (b) => {
    const reply = await send("POST", "/api/account/register", { body: b.text });
    const what = () => `${describeRequest("POST", "/api/account/register", b, "anonymous")}\n  -> ${reply.status} ${reply.text.slice(0, 600)}`;
    const problem = contractProblem("POST", "/api/account/register", reply);
    if (problem) throw new Error(`${problem}\n  ${what()}`);
    if (reply.status === 201) {
      const user = (reply.body as { user: { id: string; email: string } }).user;
      if (Object.keys(user).sort().join() !== "email,id") throw new Error(`201 body ${reply.text}`);
    } else if (b.email) {
      // rejected: the address must still be free
      const again = await send("POST", "/api/account/register", { body: JSON.stringify({ email: b.email, password: "a-valid-password-1" }) });
      if (again.status !== 201) throw new Error(`a rejected registration changed state: registering ${b.email} afterwards -> ${again.status} ${again.text.slice(0, 300)}\n  ${what()}`);
    }
  });
  try {
    await fc.assert(property, { numRuns: RUNS, seed, endOnFailure: true });
  } catch (e) {
    throw new Error(`fuzz POST /api/account/register failed; reproduce with FUZZ_SEED=${SEED} (this route's seed ${seed})\n${failure(e)}`);
  }
});
