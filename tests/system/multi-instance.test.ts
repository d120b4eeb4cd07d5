import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { testRedisUrl } from "@/tests/support/test-database";
import {
  call,
  checkout,
  CookieJar,
  cronHeaders,
  discountUses,
  guestCart,
  isErrorEnvelope,
  kvPrefixFor,
  makeProduct,
  METRICS_TOKEN,
  metricSum,
  metricValue,
  SHOPPER,
  signIn,
  stockOf,
  systemTestSetup,
  type ApiResponse,
  type Instance,
} from "@/tests/support/system";

// Two production instances on two ports, one PostgreSQL database and one Redis (the machine's, under a key prefix
// of the test's own), as behind a load balancer. Each test has its own database and its own pair of instances.

const sys = systemTestSetup();

type Pair = { a: Instance; b: Instance; both: [Instance, Instance]; sql: pg.Pool; dbName: string };

async function pair(name: string, env: Record<string, string> = {}): Promise<Pair> {
  const { db, sql } = await sys.database(6);
  const common = { databaseUrl: db.url, redisUrl: testRedisUrl(), kvPrefix: kvPrefixFor(name), stripeUrl: sys.fake.url, env };
  const [a, b] = (await sys.instances({ ...common, name: `${name}-a` }, { ...common, name: `${name}-b` })) as [Instance, Instance];
  return { a, b, both: [a, b], sql, dbName: db.name };
}

/** Runs `fn` over the items with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

const tally = (rs: ApiResponse[]) => {
  const t: Record<string, number> = {};
  for (const r of rs) {
    const k = `${r.status}${r.body?.error?.code ? ` ${r.body.error.code}` : ""}`;
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
};

describe("two instances, one database and one Redis", () => {
  it("hot SKU: 40 buyers on a variant with stock 10 -> exactly 10 orders, 30 insufficient_stock, stock 0", async () => {
    const { both, sql } = await pair("hot");
    const {
      variantIds: [v],
    } = await makeProduct(sql, { price: 1900, stocks: [10] });
    const buyers = Array.from({ length: 40 }, (_, i) => i);
    const carts = await pool(buyers, 8, (i) => guestCart(both[i % 2]!.url, [[v!, 1]]));

    const started = Date.now();
    const results = await Promise.all(carts.map((cartId, i) => checkout(both[(i + 1) % 2]!.url, cartId, randomUUID())));
    const ms = Date.now() - started;
    console.log(`[hot sku] 40 concurrent checkouts over 2 instances in ${ms} ms: ${JSON.stringify(tally(results))}`);

    expect(tally(results)).toEqual({ "201": 10, "409 insufficient_stock": 30 });
    for (const r of results.filter((x) => x.status === 409))
      expect(r.body.error.details.items).toEqual([{ variantId: v, requested: 1, available: 0 }]);
    // requests alternate between the instances; which one wins each unit is a race, so it is not asserted

    expect(await stockOf(sql, v!)).toBe(0);
    const orders = (await sql.query("SELECT o.id::text AS id, o.cart_id, sum(i.quantity)::int AS qty FROM orders o JOIN order_items i ON i.order_id = o.id GROUP BY o.id")).rows;
    expect(orders).toHaveLength(10);
    expect(orders.every((o) => o.qty === 1)).toBe(true);
    expect(new Set(orders.map((o) => o.cart_id)).size).toBe(10);
    expect(new Set(results.filter((r) => r.status === 201).map((r) => r.body.order.id))).toEqual(new Set(orders.map((o) => o.id)));
    expect(sys.fake.createdCount).toBe(10);
    expect(new Set(sys.fake.intents().map((pi) => pi.metadata.order_id)).size).toBe(10);
    // the losers' carts are still theirs to change
    const loser = carts[results.findIndex((r) => r.status === 409)]!;
    expect((await call(both[0]!.url, "GET", `/api/carts/${loser}`)).body.cart.status).toBe("ACTIVE");
  });

  it("idempotency: 20 concurrent checkouts with ONE key over both instances -> one order, one PaymentIntent", async () => {
    const { a, b, both, sql } = await pair("idem");
    const {
      variantIds: [v],
    } = await makeProduct(sql, { price: 4200, stocks: [5] });
    const cartId = await guestCart(a.url, [[v!, 2]], ["WELCOME10"]);
    const key = randomUUID();
    const email = "same-buyer@example.test";

    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => checkout(both[i % 2]!.url, cartId, key, { email })));
    console.log(`[idempotency] 20 concurrent with one key: ${JSON.stringify(tally(results))}`);
    for (const r of results) {
      expect([201, 409], JSON.stringify(r.body)).toContain(r.status);
      if (r.status === 409) expect(isErrorEnvelope(r.body, "idempotency_key_in_use")).toBe(true);
    }
    const placed = results.filter((r) => r.status === 201);
    expect(placed.length).toBeGreaterThanOrEqual(1);
    expect(new Set(placed.map((r) => r.body.order.id)).size).toBe(1);
    const orderId = placed[0]!.body.order.id as string;

    const orders = (await sql.query("SELECT id::text AS id FROM orders")).rows;
    expect(orders).toEqual([{ id: orderId }]);
    expect(sys.fake.createdCount).toBe(1);
    expect(sys.fake.intents().map((pi) => pi.metadata.order_id)).toEqual([orderId]);
    expect(await stockOf(sql, v!)).toBe(3);
    expect(await discountUses(sql, "WELCOME10")).toBe(1);

    // afterwards, on either instance: the same answer, replayed
    for (const inst of [a, b]) {
      const again = await checkout(inst.url, cartId, key, { email });
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.body.order.id).toBe(orderId);
      expect(again.body.payment.clientSecret).toBe(sys.fake.intents()[0]!.client_secret);
    }
    // the same key for another request is refused
    const reused = await checkout(b.url, cartId, key, { email: "someone-else@example.test" });
    expect(reused.status).toBe(422);
    expect(isErrorEnvelope(reused.body, "idempotency_key_reused")).toBe(true);
  });

  it("a guest cart created on instance A is read and changed on instance B (and concurrent adds lose nothing)", async () => {
    const { a, b, both, sql } = await pair("cart");
    const { variantIds } = await makeProduct(sql, { price: 1000, stocks: Array(12).fill(50) });
    const jar = new CookieJar();
    const created = await call(a.url, "POST", "/api/carts", { jar, json: {} });
    expect(created.status).toBe(201);
    expect(jar.has("cw_cart")).toBe(true);
    const cartId = created.body.cart.id as string;
    expect((await call(a.url, "POST", `/api/carts/${cartId}/items`, { jar, json: { variantId: variantIds[0], quantity: 2 } })).status).toBe(201);

    const onB = await call(b.url, "GET", `/api/carts/${cartId}`, { jar });
    expect(onB.status).toBe(200);
    expect(onB.body.cart.items.map((i: { variantId: number; quantity: number }) => [i.variantId, i.quantity])).toEqual([[variantIds[0], 2]]);
    const addedOnB = await call(b.url, "POST", `/api/carts/${cartId}/items`, { jar, json: { variantId: variantIds[1], quantity: 1 } });
    expect(addedOnB.status).toBe(201);
    const line0 = addedOnB.body.cart.items.find((i: { variantId: number }) => i.variantId === variantIds[0]);
    const patched = await call(b.url, "PATCH", `/api/carts/${cartId}/items/${line0.id}`, { jar, json: { quantity: 5 } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);

    const onA = await call(a.url, "GET", `/api/carts/${cartId}`, { jar });
    expect(onA.body.cart.items.map((i: { variantId: number; quantity: number }) => [i.variantId, i.quantity]).sort((x: number[], y: number[]) => x[0]! - y[0]!)).toEqual([
      [variantIds[0], 5],
      [variantIds[1], 1],
    ]);
    expect(onA.body.cart.summary.subtotal).toBe(6000);

    // ten different lines added at the same moment through both instances: every one of them is kept
    const adds = await Promise.all(variantIds.slice(2).map((variantId, i) => call(both[i % 2]!.url, "POST", `/api/carts/${cartId}/items`, { json: { variantId, quantity: 1 } })));
    expect(adds.map((r) => r.status)).toEqual(Array(10).fill(201));
    const final = await call(b.url, "GET", `/api/carts/${cartId}`);
    expect(final.body.cart.items).toHaveLength(12);

    // a session signed by one instance is honoured by the other
    const session = await signIn(a.url, SHOPPER.email, SHOPPER.password);
    const mine = await call(a.url, "POST", "/api/carts", { jar: session, json: {} });
    expect(mine.status).toBe(201);
    const fromB = await call(b.url, "GET", `/api/carts/${mine.body.cart.id}`, { jar: session });
    expect(fromB.status).toBe(200);
    expect((await call(b.url, "GET", `/api/carts/${mine.body.cart.id}`)).status, "without the session the cart is not readable").toBe(403);

    // checked out on B, the cart is CHECKED_OUT on A as well
    const placed = await checkout(b.url, cartId, randomUUID());
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect((await call(a.url, "GET", `/api/carts/${cartId}`)).body.cart.status).toBe("CHECKED_OUT");
    const second = await checkout(a.url, cartId, randomUUID());
    expect(second.status).toBe(409);
    expect(isErrorEnvelope(second.body, "cart_not_active")).toBe(true);
  });

  it("the discount rate limit holds across instances (per cart and per client, sequential and concurrent)", async () => {
    // TRUST_PROXY: each simulated client is the first X-Forwarded-For hop (the load balancer's header)
    const { a, both } = await pair("ratelimit", { TRUST_PROXY: "1" });
    const wrong = (inst: Instance, cartId: string, client: string, n: number) =>
      call(inst.url, "POST", `/api/carts/${cartId}/discounts`, { json: { code: `NOPE-${n}-${randomUUID().slice(0, 6)}` }, headers: { "x-forwarded-for": client } });

    // one cart, alternating instances: 10 wrong codes are 422, the 11th and later 429
    const cart1 = await guestCart(a.url, []);
    for (let n = 1; n <= 10; n++) {
      const r = await wrong(both[n % 2]!, cart1, "10.0.0.1", n);
      expect(r.status, `attempt ${n}`).toBe(422);
      expect(r.body.error.details.reason).toBe("unknown");
    }
    for (const n of [11, 12]) {
      const r = await wrong(both[n % 2]!, cart1, "10.0.0.1", n);
      expect(r.status, `attempt ${n}`).toBe(429);
      expect(isErrorEnvelope(r.body, "rate_limited")).toBe(true);
    }
    // even the right code is refused for that cart now
    const right = await call(both[1]!.url, "POST", `/api/carts/${cart1}/discounts`, { json: { code: "WELCOME10" }, headers: { "x-forwarded-for": "10.0.0.1" } });
    expect(right.status).toBe(429);

    // another cart, 15 wrong codes at the same moment over both instances: exactly 10 counted, 5 refused
    const cart2 = await guestCart(a.url, []);
    const burst = await Promise.all(Array.from({ length: 15 }, (_, n) => wrong(both[n % 2]!, cart2, "10.0.0.2", n)));
    expect(tally(burst)).toEqual({ "422 discount_invalid": 10, "429 rate_limited": 5 });

    // one client over several carts: the 31st failure within the window is refused, on either instance
    const carts = [await guestCart(a.url, []), await guestCart(a.url, []), await guestCart(a.url, []), await guestCart(a.url, [])];
    let n = 0;
    for (const cartId of carts.slice(0, 3))
      for (let k = 0; k < 10; k++) {
        n++;
        const r = await wrong(both[n % 2]!, cartId, "10.0.0.3", n);
        expect(r.status, `client failure ${n}`).toBe(422);
      }
    for (const inst of both) {
      const r = await wrong(inst, carts[3]!, "10.0.0.3", ++n);
      expect(r.status, `client failure ${n}`).toBe(429);
    }
    // a different client on that same cart is fine
    expect((await wrong(a, carts[3]!, "10.0.0.4", ++n)).status).toBe(422);
  });

  it("the sweepers run on both instances at the same moment without processing anything twice", async () => {
    const { a, b, both, sql } = await pair("sweep");
    const {
      variantIds: [v, w],
    } = await makeProduct(sql, { price: 1500, stocks: [20, 20] });

    // 8 orders awaiting payment (with a discount each), then their reservations run out
    const carts = await pool(Array.from({ length: 8 }, (_, i) => i), 4, (i) => guestCart(both[i % 2]!.url, [[v!, 2], [w!, 1]], ["WELCOME10"]));
    const placed = await pool(carts, 4, (cartId, i) => checkout(both[i % 2]!.url, cartId, randomUUID()));
    expect(placed.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(await stockOf(sql, v!)).toBe(4);
    expect(await stockOf(sql, w!)).toBe(12);
    expect(await discountUses(sql, "WELCOME10")).toBe(8);
    await sql.query("UPDATE orders SET reserved_until = now() - interval '1 minute'");

    const sweeps = await Promise.all([a, b, a, b, a, b].map((inst) => call(inst.url, "POST", "/api/cron/expire-orders", { headers: cronHeaders })));
    expect(sweeps.map((s) => s.status)).toEqual(Array(6).fill(200));
    const processed = sweeps.map((s) => s.body.processed as number);
    console.log(`[sweepers] expire-orders processed per call: ${processed.join(", ")}`);
    expect(processed.reduce((x, y) => x + y, 0)).toBe(8);

    // each expired order compensated exactly once
    expect(await stockOf(sql, v!)).toBe(20);
    expect(await stockOf(sql, w!)).toBe(20);
    expect(await discountUses(sql, "WELCOME10")).toBe(0);
    const orders = (await sql.query("SELECT status::text AS status, payment_status FROM orders")).rows;
    expect(orders).toHaveLength(8);
    expect(orders.every((o) => o.status === "CANCELLED" && o.payment_status === "expired")).toBe(true);
    expect((await sql.query("SELECT count(*)::int AS n FROM discount_redemptions WHERE released_at IS NULL")).rows[0].n).toBe(0);
    expect((await sql.query("SELECT count(*)::int AS n FROM carts WHERE status = 'ACTIVE'")).rows[0].n).toBe(8);
    expect(sys.fake.intents().every((pi) => pi.status === "canceled")).toBe(true);
    const cancels = sys.fake.requests().filter((r) => r.method === "POST" && r.path.endsWith("/cancel") && !r.replayed && r.status === 200);
    expect(cancels).toHaveLength(8);
    // nothing left for a later sweep
    expect((await call(b.url, "POST", "/api/cron/expire-orders", { headers: cronHeaders })).body).toEqual({ processed: 0 });

    // idle signed-in carts: 6 stale ones and 1 recent, swept from both instances at once
    const stale: string[] = [];
    for (let i = 0; i < 7; i++) {
      const user = (await sql.query<{ id: string }>("INSERT INTO users (id, email, password_hash) VALUES (gen_random_uuid(), $1, 'x') RETURNING id::text AS id", [`idle-${i}-${randomUUID().slice(0, 6)}@example.test`])).rows[0]!.id;
      const cartId = `idle${i}${randomUUID().replace(/-/g, "").slice(0, 16)}`;
      const age = i < 6 ? "30 days" : "1 hour";
      await sql.query(
        `INSERT INTO carts (id, user_id, status, currency, created_at, updated_at, version) VALUES ($1, $2, 'ACTIVE', 'USD', now() - $3::interval, now() - $3::interval, 1)`,
        [cartId, user, age],
      );
      await sql.query(`INSERT INTO cart_items (id, cart_id, product_id, variant_id, quantity, unit_price, updated_at) SELECT gen_random_uuid(), $1, product_id, id, 1, 1500, now() FROM product_variants WHERE id = $2`, [cartId, v]);
      if (i < 6) stale.push(cartId);
    }
    const abandons = await Promise.all([a, b, a, b, a, b].map((inst) => call(inst.url, "POST", "/api/cron/abandon-carts", { headers: cronHeaders })));
    expect(abandons.map((s) => s.status)).toEqual(Array(6).fill(200));
    const abandoned = abandons.map((s) => s.body.processed as number);
    console.log(`[sweepers] abandon-carts processed per call: ${abandoned.join(", ")}`);
    expect(abandoned.reduce((x, y) => x + y, 0)).toBe(6);
    const rows = (await sql.query("SELECT id, status::text AS status, version FROM carts WHERE id LIKE 'idle%'")).rows;
    for (const r of rows) {
      expect(r.status).toBe(stale.includes(r.id) ? "ABANDONED" : "ACTIVE");
      expect(r.version, "each cart swept once (one version bump)").toBe(stale.includes(r.id) ? 2 : 1);
    }

    // without the secret, nothing runs
    const denied = await call(a.url, "POST", "/api/cron/expire-orders");
    expect(denied.status).toBe(401);
    expect(isErrorEnvelope(denied.body, "unauthorized")).toBe(true);
  });

  it("metrics: checkouts and HTTP duration histograms move after requests; the token is required", async () => {
    const { a, b, sql } = await pair("metrics");
    const {
      variantIds: [v],
    } = await makeProduct(sql, { price: 2000, stocks: [10] });
    const scrape = async (inst: Instance) => {
      const r = await call(inst.url, "GET", "/api/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
      return r.body as string;
    };

    const noToken = await call(a.url, "GET", "/api/metrics");
    expect(noToken.status).toBe(401);
    expect(isErrorEnvelope(noToken.body, "unauthorized")).toBe(true);
    expect((await call(a.url, "GET", "/api/metrics", { headers: { authorization: "Bearer not-the-token-0123456789" } })).status).toBe(401);

    const beforeA = await scrape(a);
    const beforeB = await scrape(b);
    const placed = (t: string) => metricValue(t, "cartwright_checkouts_total", '{outcome="placed"}');
    const checkoutCount = (t: string) => metricSum(t, "cartwright_http_request_duration_seconds_count", ['route="/api/checkout"', 'method="POST"', 'status="201"']);
    const checkoutSum = (t: string) => metricSum(t, "cartwright_http_request_duration_seconds_sum", ['route="/api/checkout"', 'method="POST"', 'status="201"']);
    const cartCreates = (t: string) => metricSum(t, "cartwright_http_request_duration_seconds_count", ['route="/api/carts"', 'method="POST"', 'status="201"']);
    const infBucket = (t: string) => metricSum(t, "cartwright_http_request_duration_seconds_bucket", ['route="/api/checkout"', 'method="POST"', 'status="201"', 'le="+Inf"']);

    for (let i = 0; i < 2; i++) {
      const cartId = await guestCart(a.url, [[v!, 1]]);
      expect((await checkout(a.url, cartId, randomUUID())).status).toBe(201);
    }
    const afterA = await scrape(a);
    const afterB = await scrape(b);
    expect(placed(afterA) - placed(beforeA)).toBe(2);
    expect(checkoutCount(afterA) - checkoutCount(beforeA)).toBe(2);
    expect(infBucket(afterA) - infBucket(beforeA)).toBe(2);
    expect(checkoutSum(afterA)).toBeGreaterThan(checkoutSum(beforeA));
    expect(cartCreates(afterA) - cartCreates(beforeA)).toBe(2);
    // metrics are per process: B served none of it
    expect(placed(afterB)).toBe(placed(beforeB));
    expect(checkoutCount(afterB)).toBe(checkoutCount(beforeB));
  });
});
