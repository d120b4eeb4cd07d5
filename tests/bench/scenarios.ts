// The scenarios, each against a running app instance. They return what they measured; run.ts judges and reports.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { PrismaClient } from "../../lib/db";
import type { StripeFake } from "../fakes/stripe-fake";
import { CookieJar, expectStatus, json, mapLimit, request, type Reply } from "./http";
import { percentiles, runLoad, type Latencies, type LoadResult } from "./load";

export const US_ADDRESS = { name: "Bench Buyer", country: "US", region: "CA", postalCode: "94107", city: "San Francisco", line1: "1 Bench Street" };

type CartBody = { cart: { id: string; items: { variantId: number; quantity: number }[] } };

export async function createGuestCart(base: string, jar?: CookieJar): Promise<string> {
  const r = expectStatus(await request("POST", `${base}/api/carts`, { body: {}, headers: jar ? { cookie: jar.header() } : {} }), 201, "POST /api/carts");
  jar?.take(r);
  return json<CartBody>(r).cart.id;
}

export async function addItem(base: string, cartId: string, variantId: number, quantity = 1, cookie?: string): Promise<void> {
  expectStatus(
    await request("POST", `${base}/api/carts/${cartId}/items`, { body: { variantId, quantity }, headers: cookie ? { cookie } : {} }),
    201,
    "POST /api/carts/{id}/items",
  );
}

/**
 * The address a simulated shopper connects from (X-Forwarded-For; the bench's app instances run with TRUST_PROXY=1,
 * as behind a load balancer). Every checkout's shopper is a client of their own, as 200 real shoppers are: were they
 * all the bench's own 127.0.0.1, the per-client unpaid-order cap (cw_check_unpaid_orders) would count them as one
 * client and its lock would queue every checkout of the run behind every other.
 */
export function shopperAddress(shopper: string): string {
  const h = createHash("sha256").update(shopper).digest();
  return `10.${h[0]}.${h[1]}.${h[2]}`;
}

/** A checkout's headers and body: a fresh key, the shopper's own address. */
function checkoutParts(cartId: string, email: string): { headers: Record<string, string>; body: { cartId: string; email: string; shippingAddress: typeof US_ADDRESS } } {
  return { headers: { "idempotency-key": randomUUID(), "x-forwarded-for": shopperAddress(email) }, body: { cartId, email, shippingAddress: US_ADDRESS } };
}

/** One POST /api/checkout as the load generator sends it. */
export function checkoutRequest(cartId: string, email: string): { method: "POST"; path: string; headers: Record<string, string>; body: string } {
  const { headers, body } = checkoutParts(cartId, email);
  return { method: "POST", path: "/api/checkout", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function checkout(base: string, cartId: string, email: string, cookie?: string): Promise<Reply> {
  const { headers, body } = checkoutParts(cartId, email);
  return request("POST", `${base}/api/checkout`, { body, headers: { ...headers, ...(cookie ? { cookie } : {}) } });
}

/** Guest carts each holding `quantity` of one variant (setup: not timed). */
export function makeCarts(base: string, n: number, variantId: number, concurrency = 24): Promise<string[]> {
  return mapLimit(Array.from({ length: n }), concurrency, async () => {
    const id = await createGuestCart(base);
    await addItem(base, id, variantId, 1);
    return id;
  });
}

/** Guest carts each holding 1 unit of one variant, with a discount code applied (setup: not timed). */
export function makeCartsWithCode(base: string, n: number, variantId: number, code: string, concurrency = 24): Promise<string[]> {
  return mapLimit(Array.from({ length: n }), concurrency, async () => {
    const id = await createGuestCart(base);
    await addItem(base, id, variantId, 1);
    expectStatus(await request("POST", `${base}/api/carts/${id}/discounts`, { body: { code } }), 200, "POST /api/carts/{id}/discounts");
    return id;
  });
}

/** Empty guest carts (setup: not timed). */
export function makeCartsEmpty(base: string, n: number, concurrency = 24): Promise<string[]> {
  return mapLimit(Array.from({ length: n }), concurrency, () => createGuestCart(base));
}

/** A short unmeasured run so routes are loaded, JIT-compiled and pools are open before the clock starts. */
export async function warm(url: string, opts: { seconds: number; connections?: number; method?: string; headers?: Record<string, string>; body?: string; requests?: Parameters<typeof runLoad>[0]["requests"] }): Promise<void> {
  await runLoad({ url, connections: opts.connections ?? 8, duration: opts.seconds, method: opts.method ?? "GET", headers: opts.headers, body: opts.body, requests: opts.requests });
}

// ---- 1. baseline ----------------------------------------------------------------------------------------------

export function baseline(base: string, seconds: number): Promise<LoadResult> {
  return runLoad({ url: `${base}/api/health`, connections: 50, duration: seconds });
}

// ---- 2. add-to-cart (guest carts in Redis) --------------------------------------------------------------------

/** `base` may list several app instances: the connections are spread over them. */
export function addToCartLoad(base: string | string[], carts: string[], variantId: number, seconds: number, connections = 50): Promise<LoadResult> {
  let next = 0;
  const body = JSON.stringify({ variantId, quantity: 1 });
  return runLoad({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => ({
          ...req,
          method: "POST",
          path: `/api/carts/${carts[next++ % carts.length]}/items`,
          headers: { "content-type": "application/json" },
          body,
        }),
      },
    ],
  });
}

// ---- 3. signed-in cart reads ----------------------------------------------------------------------------------

export type SignedInShopper = { email: string; cookie: string; cartId: string };

/** Registers a customer, signs in through next-auth's credentials flow, fills the user's cart. */
export async function signedInShopper(base: string, variants: number[]): Promise<SignedInShopper> {
  const email = `bench-${randomBytes(4).toString("hex")}@bench.test`;
  const password = "bench-password-123";
  expectStatus(await request("POST", `${base}/api/account/register`, { body: { email, password } }), 201, "POST /api/account/register");
  const jar = new CookieJar();
  const csrf = expectStatus(await request("GET", `${base}/api/auth/csrf`), 200, "GET /api/auth/csrf");
  jar.take(csrf);
  const { csrfToken } = json<{ csrfToken: string }>(csrf);
  const signIn = await request("POST", `${base}/api/auth/callback/credentials`, {
    form: { csrfToken, email, password, json: "true", callbackUrl: `${base}/` },
    headers: { cookie: jar.header() },
  });
  if (signIn.status >= 400) throw new Error(`sign-in failed: ${signIn.status} ${signIn.text.slice(0, 200)}`);
  jar.take(signIn);
  if (!jar.has((n) => n.includes("next-auth.session-token"))) throw new Error("no next-auth session cookie after sign-in");
  const cookie = jar.header((n) => n.includes("next-auth.session-token"));
  const cart = json<CartBody>(expectStatus(await request("POST", `${base}/api/carts`, { body: {}, headers: { cookie } }), 201, "POST /api/carts (signed in)"));
  for (const v of variants) await addItem(base, cart.cart.id, v, 1, cookie);
  const check = json<CartBody>(expectStatus(await request("GET", `${base}/api/carts/${cart.cart.id}`, { headers: { cookie } }), 200, "GET /api/carts/{id}"));
  if (check.cart.items.length !== variants.length) throw new Error(`signed-in cart has ${check.cart.items.length} lines, expected ${variants.length}`);
  return { email, cookie, cartId: cart.cart.id };
}

export function getCartLoad(base: string, shopper: SignedInShopper, seconds: number): Promise<LoadResult> {
  return runLoad({ url: `${base}/api/carts/${shopper.cartId}`, connections: 50, duration: seconds, headers: { cookie: shopper.cookie } });
}

// ---- 4. the cart page -----------------------------------------------------------------------------------------

export async function guestWithCart(base: string, variants: number[]): Promise<{ cookie: string; cartId: string }> {
  const jar = new CookieJar();
  const cartId = await createGuestCart(base, jar);
  const cookie = jar.header((n) => n === "cw_cart");
  if (!cookie) throw new Error("POST /api/carts set no cw_cart cookie");
  for (const v of variants) await addItem(base, cartId, v, 1);
  const page = expectStatus(await request("GET", `${base}/cart`, { headers: { cookie } }), 200, "GET /cart");
  const lines = page.text.split('data-testid="cart-line"').length - 1;
  if (lines !== variants.length) throw new Error(`GET /cart shows ${lines} lines, expected ${variants.length}`);
  return { cookie, cartId };
}

export function cartPageLoad(base: string, cookie: string, seconds: number): Promise<LoadResult> {
  return runLoad({ url: `${base}/cart`, connections: 20, duration: seconds, headers: { cookie } });
}

// ---- 5. hot SKU sell-out --------------------------------------------------------------------------------------

export type SellOut = {
  load: LoadResult;
  placed: number;
  insufficient: number;
  /** other 4xx by error code */
  other4xx: Record<string, number>;
  fiveXx: number;
  /** seconds from the first request to the last 201 */
  sellOutS: number;
  orderIds: string[];
};

export async function sellOut(base: string, carts: string[], clients: number): Promise<SellOut> {
  let next = 0;
  let placed = 0;
  let insufficient = 0;
  let fiveXx = 0;
  let lastPlacedAt = 0;
  const other4xx: Record<string, number> = {};
  const orderIds: string[] = [];
  const started = performance.now();
  const load = await runLoad({
    url: base,
    connections: Math.min(clients, carts.length),
    amount: carts.length,
    timeout: 120,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => {
          const i = next++;
          return { ...req, ...checkoutRequest(carts[i % carts.length]!, `buyer-${i}@bench.test`) };
        },
        onResponse: (status, body) => {
          if (status === 201) {
            placed += 1;
            lastPlacedAt = performance.now();
            try {
              orderIds.push((JSON.parse(body) as { order: { id: string } }).order.id);
            } catch {
              /* counted; the database check finds it */
            }
            return;
          }
          if (status >= 500) {
            fiveXx += 1;
            return;
          }
          let code = `http_${status}`;
          try {
            code = (JSON.parse(body) as { error: { code: string } }).error.code;
          } catch {
            /* not JSON */
          }
          if (code === "insufficient_stock") insufficient += 1;
          else other4xx[code] = (other4xx[code] ?? 0) + 1;
        },
      },
    ],
  });
  if (next !== carts.length) throw new Error(`sell-out sent ${next} checkouts for ${carts.length} carts (a connection was retried)`);
  return { load, placed, insufficient, other4xx, fiveXx, sellOutS: (lastPlacedAt - started) / 1000, orderIds };
}

// ---- 6. hot SKU sustained -------------------------------------------------------------------------------------

export type Sustained = {
  /** 201s completed inside the window, per second */
  checkoutsPerS: number;
  /** checkout request latency (201s inside the window) */
  latency: Latencies;
  /** every answer to a checkout inside the window, by status */
  statuses: Record<string, number>;
  /** complete buyer loops (cart, add, checkout) per second */
  loopsPerS: number;
  errors: number;
  lastError: string | null;
  seconds: number;
  placed: number;
  /** seconds at the start that were not counted */
  rampS: number;
  /** every loop, also those outside the window, and the wall time until the last one finished */
  allLoops: number;
  elapsedS: number;
};

/**
 * `buyers` concurrent loops of (new cart, add one, checkout); only the checkout is timed. The first `rampS` seconds
 * are not counted (every buyer starts with a cart and an add, so no checkout can finish at first), then checkouts
 * finishing within the next `seconds` are. With several app instances, buyer b uses instance b mod n throughout.
 */
export async function sustained(bases: string | string[], variantId: number, buyers: number, seconds: number, rampS = 0): Promise<Sustained> {
  const list = Array.isArray(bases) ? bases : [bases];
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let placed = 0;
  let loops = 0;
  let errors = 0;
  let lastError: string | null = null;
  let allLoops = 0;
  const started = performance.now();
  const windowFrom = started + rampS * 1000;
  const deadline = windowFrom + seconds * 1000;
  await Promise.all(
    Array.from({ length: buyers }, async (_, b) => {
      const base = list[b % list.length]!;
      for (let i = 0; performance.now() < deadline; i++) {
        try {
          const cartId = await createGuestCart(base);
          await addItem(base, cartId, variantId, 1);
          const r = await checkout(base, cartId, `loop-${b}-${i}@bench.test`);
          allLoops += 1;
          const at = performance.now();
          if (at > deadline) return; // finished after the window: not counted
          if (at < windowFrom) continue; // still ramping up
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (r.status === 201) {
            placed += 1;
            latencies.push(r.ms);
          } else lastError = `${r.status} ${r.text.slice(0, 200)}`;
          loops += 1;
        } catch (e) {
          errors += 1;
          lastError = String(e);
        }
      }
    }),
  );
  return {
    checkoutsPerS: placed / seconds,
    latency: percentiles(latencies),
    statuses,
    loopsPerS: loops / seconds,
    errors,
    lastError,
    seconds,
    rampS,
    placed,
    allLoops,
    elapsedS: (performance.now() - started) / 1000,
  };
}

// ---- checks ---------------------------------------------------------------------------------------------------

export type Invariant = { name: string; ok: boolean; detail: string };

/** Orders of one variant in the database and their PaymentIntents at the fake. */
export async function paymentChecks(db: PrismaClient, fake: StripeFake, variantId: number, expectOrders: number | null, label: string): Promise<Invariant[]> {
  const orders = await db.order.findMany({
    where: { items: { some: { variantId } } },
    select: { id: true, paymentIntentId: true, total: true, status: true },
  });
  const intents = fake.intents();
  const intentsByOrder = new Map<string, number>();
  for (const pi of intents) {
    const orderId = pi.metadata?.order_id;
    if (orderId) intentsByOrder.set(orderId, (intentsByOrder.get(orderId) ?? 0) + 1);
  }
  const withoutIntent = orders.filter((o) => o.total > 0 && (!o.paymentIntentId || !intentsByOrder.has(o.id)));
  const doubled = orders.filter((o) => (intentsByOrder.get(o.id) ?? 0) > 1);
  const piIds = orders.map((o) => o.paymentIntentId).filter((x): x is string => !!x);
  const shared = piIds.length - new Set(piIds).size;
  const out: Invariant[] = [
    {
      name: `${label}: one PaymentIntent per order`,
      ok: withoutIntent.length === 0 && doubled.length === 0 && shared === 0,
      detail: `${orders.length} orders; ${orders.filter((o) => intentsByOrder.has(o.id)).length} with a PaymentIntent; ${withoutIntent.length} without; ${doubled.length} with two or more; ${shared} sharing one`,
    },
  ];
  if (expectOrders !== null)
    out.unshift({ name: `${label}: orders in the database`, ok: orders.length === expectOrders, detail: `${orders.length} (expected ${expectOrders})` });
  return out;
}

// ---- discounts at checkout: a seeded code and automatic discounts ------------------------------------------------

/** The seeded code every discounted bench cart applies (lib/catalog/seed-data.ts: 10% off, no limits). */
export const BENCH_CODE = "WELCOME10";

export type BenchAutomaticDiscounts = { freeShippingId: number; productPercentId: number; budget: number };

/**
 * Two automatic discounts, made through the admin API as a merchant would (so the app forgets its cached list):
 * free shipping over $20 with a budget (it stacks with the code: each order redeems it under the budget's row
 * lock), and 5% off the bench product (a product discount the code does not combine with: evaluated by every
 * checkout, chosen by none, since the code's 10% is worth more).
 */
export async function addBenchAutomaticDiscounts(base: string, adminToken: string, productId: number): Promise<BenchAutomaticDiscounts> {
  const budget = 100_000_000;
  const create = async (body: Record<string, unknown>) =>
    json<{ discount: { id: number } }>(
      expectStatus(await request("POST", `${base}/api/admin/discounts`, { body, headers: { authorization: `Bearer ${adminToken}` } }), 201, "POST /api/admin/discounts"),
    ).discount.id;
  const freeShippingId = await create({
    automatic: true,
    title: "Bench: free shipping over $20",
    type: "FREE_SHIPPING",
    currency: "USD",
    minOrderAmount: 2000,
    maxDiscountAmount: budget,
    combinesWith: { productDiscounts: true, orderDiscounts: true, shippingDiscounts: false },
  });
  const productPercentId = await create({
    automatic: true,
    title: "Bench: 5% off the drop tee",
    type: "PERCENTAGE",
    value: 5,
    applicableProductIds: [productId],
    combinesWith: { productDiscounts: false, orderDiscounts: false, shippingDiscounts: true },
  });
  return { freeShippingId, productPercentId, budget };
}

/** Switches the bench's automatic discounts on or off (through the admin API, so the app forgets its cached list). */
export async function setDiscountsActive(base: string, adminToken: string, ids: number[], isActive: boolean): Promise<void> {
  for (const id of ids)
    expectStatus(
      await request("PATCH", `${base}/api/admin/discounts/${id}`, { body: { isActive }, headers: { authorization: `Bearer ${adminToken}` } }),
      200,
      "PATCH /api/admin/discounts/{id}",
    );
}

type OrderDiscountEntry = { discountId?: number; code?: string | null; amount: number };

/**
 * What the discounted burst must leave behind: every order carries the code and the automatic free shipping; the
 * code was redeemed once per order; the budgeted discount's running total equals what its redemptions and the
 * orders say it gave, and stays within its budget.
 */
export async function discountChecks(db: PrismaClient, orderIds: string[], auto: BenchAutomaticDiscounts, label: string): Promise<Invariant[]> {
  const orders = await db.order.findMany({ where: { id: { in: orderIds } }, select: { id: true, discounts: true, discountTotal: true } });
  const entries = (o: { discounts: unknown }) => (Array.isArray(o.discounts) ? (o.discounts as OrderDiscountEntry[]) : []);
  const code = await db.discount.findFirstOrThrow({ where: { code: BENCH_CODE }, select: { id: true } });
  const withBoth = orders.filter((o) => {
    const ids = entries(o).map((e) => e.discountId);
    return ids.includes(code.id) && ids.includes(auto.freeShippingId) && !ids.includes(auto.productPercentId) && o.discountTotal > 0;
  });
  const onOrders = orders.flatMap(entries).filter((e) => e.discountId === auto.freeShippingId).reduce((sum, e) => sum + e.amount, 0);
  const shipping = await db.discount.findUniqueOrThrow({ where: { id: auto.freeShippingId }, select: { discountGiven: true } });
  const redeemed = await db.discountRedemption.aggregate({ where: { discountId: auto.freeShippingId, releasedAt: null }, _sum: { amount: true } });
  const codeUses = await db.discountRedemption.count({ where: { discountId: code.id, orderId: { in: orderIds }, releasedAt: null } });
  const given = Number(shipping.discountGiven);
  return [
    { name: `${label}: every order has the code and the automatic free shipping`, ok: withBoth.length === orderIds.length && orders.length === orderIds.length, detail: `${withBoth.length} of ${orderIds.length} orders` },
    { name: `${label}: the code redeemed once per order`, ok: codeUses === orderIds.length, detail: `${codeUses} redemptions for ${orderIds.length} orders` },
    {
      name: `${label}: the budget's running total = its redemptions = the orders' amounts, within the budget`,
      ok: given === (redeemed._sum.amount ?? 0) && given === onOrders && given > 0 && given <= auto.budget,
      detail: `given ${given}; redemptions ${redeemed._sum.amount ?? 0}; on orders ${onOrders}; budget ${auto.budget}`,
    },
  ];
}
