import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { testRedisUrl } from "@/tests/support/test-database";
import {
  call,
  checkout,
  cronHeaders,
  discountUses,
  guestCart,
  isErrorEnvelope,
  kvPrefixFor,
  makeProduct,
  METRICS_TOKEN,
  metricValue,
  ordersOfCart,
  SHOPPER,
  signIn,
  sleep,
  sqlPool,
  startPgProxy,
  startRedis,
  stockOf,
  STRIPE_WEBHOOK_SECRET,
  systemTestSetup,
  waitFor,
} from "@/tests/support/system";

// Faults: real production instances (scripts/serve.ts on the build of this run) whose dependencies break while
// they serve. Each test has its own database (a copy of the seeded template) and its own instance(s).

const sys = systemTestSetup();

describe("Redis unreachable", () => {
  it("signed-in carts keep working through PostgreSQL, guests get 503, /api/ready names kv; it all recovers by itself", async () => {
    const { db, sql } = await sys.database();
    const redis = await startRedis();
    sys.cleanup(() => redis.destroy());
    const app = await sys.instance({ name: "redis-outage", databaseUrl: db.url, redisUrl: redis.url, kvPrefix: kvPrefixFor("redis") });
    const {
      variantIds: [v1, v2, v3],
    } = await makeProduct(sql, { price: 1500, stocks: [50, 50, 50] });

    expect((await call(app.url, "GET", "/api/ready")).status).toBe(200);

    // before the outage: a signed-in cart (read once, so the KV cache holds it) and a guest cart
    const jar = await signIn(app.url, SHOPPER.email, SHOPPER.password);
    const mine = await call(app.url, "POST", "/api/carts", { jar, json: {} });
    expect(mine.status).toBe(201);
    const userCartId = mine.body.cart.id as string;
    expect((await call(app.url, "POST", `/api/carts/${userCartId}/items`, { jar, json: { variantId: v1, quantity: 1 } })).status).toBe(201);
    expect((await call(app.url, "GET", `/api/carts/${userCartId}`, { jar })).status).toBe(200);
    expect((await call(app.url, "GET", `/api/carts/${userCartId}`, { jar })).status).toBe(200);
    const guestId = await guestCart(app.url, [[v1!, 2]]);

    // Redis goes away
    await redis.stop();
    const stoppedAt = Date.now();
    const notReady = await waitFor(
      "/api/ready to report the KV store",
      async () => {
        const r = await call(app.url, "GET", "/api/ready", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        return r.status === 503 ? r : undefined;
      },
      5_000,
      20,
    );
    const detectedAfter = Date.now() - stoppedAt;
    expect(notReady.body.failing).toEqual(["kv"]);
    expect(notReady.body.checks.kv.ok).toBe(false);
    expect(detectedAfter, "the readiness probe notices a dead Redis within about a second").toBeLessThan(1_500);

    // signed-in: read, write, read again, straight from PostgreSQL
    const read = await call(app.url, "GET", `/api/carts/${userCartId}`, { jar });
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body.cart.items.map((i: { variantId: number; quantity: number }) => [i.variantId, i.quantity])).toEqual([[v1, 1]]);
    const added = await call(app.url, "POST", `/api/carts/${userCartId}/items`, { jar, json: { variantId: v2, quantity: 3 } });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    const again = await call(app.url, "GET", `/api/carts/${userCartId}`, { jar });
    expect(again.status).toBe(200);
    expect(again.body.cart.items.map((i: { variantId: number }) => i.variantId).sort()).toEqual([v1, v2].sort());
    const same = await call(app.url, "POST", "/api/carts", { jar, json: {} });
    expect(same.status, JSON.stringify(same.body)).toBe(201);
    expect(same.body.cart.id).toBe(userCartId);

    // guests: 503 service_unavailable with the JSON error envelope, answered fast
    for (const r of [
      await call(app.url, "GET", `/api/carts/${guestId}`),
      await call(app.url, "POST", `/api/carts/${guestId}/items`, { json: { variantId: v1, quantity: 1 } }),
      await call(app.url, "POST", "/api/carts", { json: {} }),
    ]) {
      expect(r.status, JSON.stringify(r.body)).toBe(503);
      expect(isErrorEnvelope(r.body, "service_unavailable"), JSON.stringify(r.body)).toBe(true);
      expect(r.ms).toBeLessThan(2_000);
    }

    // Redis comes back (with the data it had): the app reconnects by itself
    await redis.start();
    const restartedAt = Date.now();
    await waitFor("/api/ready to be 200 again", async () => ((await call(app.url, "GET", "/api/ready")).status === 200 ? true : undefined), 15_000, 100);
    console.log(`[redis outage] ready 503 after ${detectedAfter} ms; back to 200 ${Date.now() - restartedAt} ms after Redis restarted`);

    const guestBack = await call(app.url, "GET", `/api/carts/${guestId}`);
    expect(guestBack.status, JSON.stringify(guestBack.body)).toBe(200);
    expect(guestBack.body.cart.items).toHaveLength(1);
    expect((await call(app.url, "POST", `/api/carts/${guestId}/items`, { json: { variantId: v3, quantity: 1 } })).status).toBe(201);
    const fresh = await call(app.url, "POST", "/api/carts", { json: {} });
    expect(fresh.status).toBe(201);

    // the signed-in cart's cache entry from before the outage is stale: it must not be served
    const after = await call(app.url, "GET", `/api/carts/${userCartId}`, { jar });
    expect(after.status).toBe(200);
    expect(
      after.body.cart.items.map((i: { variantId: number; quantity: number }) => [i.variantId, i.quantity]).sort((a: number[], b: number[]) => a[0]! - b[0]!),
      "the write made during the outage is visible after Redis returns (no stale cache)",
    ).toEqual([
      [v1, 1],
      [v2, 3],
    ].sort((a, b) => a[0]! - b[0]!));
  });
});

describe("PostgreSQL going away for one instance", () => {
  it("/api/ready answers 503 naming the database within about a second, and 200 again once it is back", async () => {
    const { db } = await sys.database();
    const proxy = await startPgProxy(db.url);
    sys.cleanup(() => proxy.close());
    const app = await sys.instance({ name: "pg-outage", databaseUrl: proxy.urlFor(db.url), redisUrl: testRedisUrl(), kvPrefix: kvPrefixFor("pg") });
    expect((await call(app.url, "GET", "/api/ready")).status).toBe(200);

    await proxy.close();
    const closedAt = Date.now();
    const notReady = await waitFor(
      "/api/ready to report the database",
      async () => {
        const r = await call(app.url, "GET", "/api/ready", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        return r.status === 503 ? r : undefined;
      },
      5_000,
      20,
    );
    const detectedAfter = Date.now() - closedAt;
    expect(notReady.body.failing).toContain("database");
    expect(notReady.body.failing).not.toContain("kv");
    expect(detectedAfter, "the readiness probe notices PostgreSQL is gone within about a second").toBeLessThan(1_500);

    // a request that needs the database fails fast with the JSON error envelope (it does not hang)
    const products = await call(app.url, "GET", "/api/products");
    expect(products.status).toBeGreaterThanOrEqual(500);
    expect(isErrorEnvelope(products.body, "internal_error") || isErrorEnvelope(products.body, "service_unavailable"), JSON.stringify(products.body)).toBe(true);
    expect(products.ms).toBeLessThan(5_000);

    await proxy.open();
    const reopenedAt = Date.now();
    await waitFor("/api/ready to be 200 again", async () => ((await call(app.url, "GET", "/api/ready")).status === 200 ? true : undefined), 10_000, 50);
    console.log(`[pg outage] ready 503 after ${detectedAfter} ms; products answered ${products.status} in ${products.ms} ms; 200 again ${Date.now() - reopenedAt} ms after the proxy reopened`);
    expect((await call(app.url, "GET", "/api/products")).status).toBe(200);
  });
});

describe("a PostgreSQL connection killed in the middle of checkout", () => {
  it("leaves no partial order, the stock and the cart untouched, and the same key places exactly one order", async () => {
    const { db, sql } = await sys.database();
    const app = await sys.instance({ name: "pg-kill", databaseUrl: db.url, redisUrl: testRedisUrl(), kvPrefix: kvPrefixFor("kill"), stripeUrl: sys.fake.url });
    const {
      variantIds: [v],
    } = await makeProduct(sql, { price: 2500, stocks: [5] });
    const cartId = await guestCart(app.url, [[v!, 2]], ["WELCOME10"]);
    const key = randomUUID();

    // Hold the variant row so the checkout's reserve step (one statement, cw_place_order) waits on it. FOR NO KEY
    // UPDATE is the lock the reserve takes: the statement stops at its stock step, the last of its work (after the
    // cart row, the order, its lines and the key's recovery point were written), while the cart_items insert (a FOR
    // KEY SHARE on the variant) still goes through. FOR UPDATE would stop it earlier, at that insert.
    const locker = sqlPool(db.url, 1);
    sys.cleanup(() => locker.end());
    const lockConn = await locker.connect();
    lockConn.on("error", () => {}); // the database is dropped with this connection open if the test fails
    let locked = true;
    const unlock = async () => {
      if (!locked) return;
      locked = false;
      await lockConn.query("ROLLBACK").catch(() => {});
      lockConn.release();
    };
    sys.cleanup(unlock);
    const lockerPid = (await lockConn.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    await lockConn.query("BEGIN");
    await lockConn.query("SELECT id FROM product_variants WHERE id = $1 FOR NO KEY UPDATE", [v]);

    const first = checkout(app.url, cartId, key);
    first.catch(() => {}); // awaited below; never an unhandled rejection if the test fails first
    const waiting = await waitFor(
      "the checkout's backend to wait for the variant lock",
      async () => {
        const rows = (
          await sql.query<{ pid: number; query: string }>(
            `SELECT pid, query FROM pg_stat_activity WHERE datname = $1 AND pid <> $2 AND wait_event_type = 'Lock'`,
            [db.name, lockerPid],
          )
        ).rows;
        return rows[0];
      },
      10_000,
    );
    expect(waiting.query).toMatch(/cw_place_order/);
    expect((await sql.query("SELECT pg_terminate_backend($1) AS ok", [waiting.pid])).rows[0].ok).toBe(true);

    // while the lock is still held: nothing of the attempt is visible
    const firstOrLater = await Promise.race([first, sleep(2_000).then(() => null)]);
    expect(await ordersOfCart(sql, cartId)).toEqual([]);
    expect((await sql.query("SELECT count(*)::int AS n FROM order_items")).rows[0].n).toBe(0);
    expect(await stockOf(sql, v!)).toBe(5);
    expect(await discountUses(sql, "WELCOME10")).toBe(0);
    // the failed attempt closed the guest cart before its statement and settled it after: no row (or the ABANDONED
    // marker that keeps a late copy of that statement from writing anything), never CHECKED_OUT
    const cartRow = (await sql.query<{ status: string }>("SELECT status::text AS status FROM carts WHERE id = $1", [cartId])).rows[0];
    expect(cartRow === undefined || cartRow.status === "ACTIVE" || cartRow.status === "ABANDONED").toBe(true);
    const cartNow = await call(app.url, "GET", `/api/carts/${cartId}`);
    // ACTIVE again once the attempt answered; CHECKED_OUT while an attempt (a retry inside) still holds it closed
    expect(cartNow.body.cart.status).toBe(firstOrLater ? "ACTIVE" : expect.stringMatching(/^(ACTIVE|CHECKED_OUT)$/));
    expect(cartNow.body.cart.items).toHaveLength(1);

    await unlock();
    const r1 = firstOrLater ?? (await first);
    // the attempt whose connection died fails with a 5xx envelope (and releases the key), or was retried inside
    expect([201, 500, 503], JSON.stringify(r1.body)).toContain(r1.status);
    if (r1.status !== 201) expect(typeof r1.body.error?.code).toBe("string");

    // the pool is healthy afterwards: a run of database-backed requests all succeed
    const health = await Promise.all(Array.from({ length: 12 }, () => call(app.url, "GET", "/api/ready")));
    expect(health.map((h) => h.status)).toEqual(Array(12).fill(200));

    const r2 = await checkout(app.url, cartId, key);
    expect(r2.status, JSON.stringify(r2.body)).toBe(201);
    const r3 = await checkout(app.url, cartId, key);
    expect(r3.status).toBe(201);
    expect(r3.headers.get("idempotent-replayed")).toBe("true");
    expect(r3.body.order.id).toBe(r2.body.order.id);
    if (r1.status === 201) expect(r1.body.order.id).toBe(r2.body.order.id);

    const orders = await ordersOfCart(sql, cartId);
    expect(orders.map((o) => o.id)).toEqual([r2.body.order.id]);
    expect(await stockOf(sql, v!)).toBe(3);
    expect(await discountUses(sql, "WELCOME10")).toBe(1);
    expect(sys.fake.intents().filter((pi) => pi.metadata.order_id === r2.body.order.id)).toHaveLength(1);
    console.log(`[pg kill] first attempt answered ${r1.status} ${r1.body?.error?.code ?? ""}`);
  });
});

describe("the process killed between reserving and paying", () => {
  it("leaves a PENDING_PAYMENT order holding the stock; the expiry sweep on a fresh instance gives everything back", async () => {
    const { db, sql } = await sys.database();
    const kvPrefix = kvPrefixFor("sigkill");
    const a = await sys.instance({ name: "sigkill-a", databaseUrl: db.url, redisUrl: testRedisUrl(), kvPrefix, stripeUrl: sys.fake.url });
    const {
      variantIds: [v],
    } = await makeProduct(sql, { price: 3000, stocks: [4] });
    const cartId = await guestCart(a.url, [[v!, 3]], ["WELCOME10"]);
    const key = randomUUID();

    sys.fake.delayNext(1, 20_000); // createPayment hangs (the fake processes it at once, like a real server)
    const inFlight = checkout(a.url, cartId, key).then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    await waitFor("the PaymentIntent request to reach the fake", async () => (sys.fake.requests().some((r) => r.method === "POST" && r.path === "/v1/payment_intents") ? true : undefined), 15_000, 10);
    a.signal("SIGKILL");
    expect((await a.exited).signal).toBe("SIGKILL");
    const killed = await inFlight;
    expect(killed.ok, "the client sees the connection die").toBe(false);

    // committed before the crash: the order holds the stock and the discount use, the cart is checked out
    const [order] = await ordersOfCart(sql, cartId);
    expect(order).toMatchObject({ status: "PENDING_PAYMENT", payment_intent_id: null });
    expect(await stockOf(sql, v!)).toBe(1);
    expect(await discountUses(sql, "WELCOME10")).toBe(1);
    const key1 = (await sql.query("SELECT state::text AS state, order_id::text AS order_id FROM idempotency_keys WHERE key = $1", [key])).rows[0];
    expect(key1).toEqual({ state: "IN_PROGRESS", order_id: order!.id });

    // a fresh instance: the crashed attempt still holds the key (less than 60 s ago)
    const b = await sys.instance({ name: "sigkill-b", databaseUrl: db.url, redisUrl: testRedisUrl(), kvPrefix, stripeUrl: sys.fake.url });
    const busy = await checkout(b.url, cartId, key);
    expect(busy.status).toBe(409);
    expect(isErrorEnvelope(busy.body, "idempotency_key_in_use")).toBe(true);
    // not expired yet: the sweep leaves it alone
    expect((await call(b.url, "POST", "/api/cron/expire-orders", { headers: cronHeaders })).body).toEqual({ processed: 0 });

    await sql.query("UPDATE orders SET reserved_until = now() - interval '1 minute' WHERE id = $1", [order!.id]);
    const swept = await call(b.url, "POST", "/api/cron/expire-orders", { headers: cronHeaders });
    expect(swept.status, JSON.stringify(swept.body)).toBe(200);
    expect(swept.body).toEqual({ processed: 1 });

    const [after] = await ordersOfCart(sql, cartId);
    expect(after).toMatchObject({ id: order!.id, status: "CANCELLED", payment_status: "expired" });
    expect(await stockOf(sql, v!)).toBe(4);
    expect(await discountUses(sql, "WELCOME10")).toBe(0);
    const redemptions = (await sql.query("SELECT released_at FROM discount_redemptions WHERE order_id = $1", [order!.id])).rows;
    expect(redemptions).toHaveLength(1);
    expect(redemptions[0].released_at).not.toBeNull();
    const cart = await call(b.url, "GET", `/api/carts/${cartId}`);
    expect(cart.status).toBe(200);
    expect(cart.body.cart.status).toBe("ACTIVE");
    expect(cart.body.cart.items.map((i: { variantId: number; quantity: number }) => [i.variantId, i.quantity])).toEqual([[v, 3]]);
    expect((await sql.query("SELECT status::text AS s FROM carts WHERE id = $1", [cartId])).rows[0].s).toBe("ACTIVE");

    // a second sweep finds nothing (compensated exactly once)
    expect((await call(b.url, "POST", "/api/cron/expire-orders", { headers: cronHeaders })).body).toEqual({ processed: 0 });
    expect(await stockOf(sql, v!)).toBe(4);

    // the shopper checks the restored cart out again with a new key
    const again = await checkout(b.url, cartId, randomUUID());
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(await stockOf(sql, v!)).toBe(1);
    const pis = sys.fake.intents();
    const orphan = pis.find((pi) => pi.metadata.order_id === order!.id);
    console.log(`[sigkill] PaymentIntent created for the crashed order before the kill: ${orphan ? `${orphan.id} (${orphan.status})` : "none"}`);
  });
});

describe("the Stripe fake failing", () => {
  it("answering 500: 502 payment_provider_error; the retry with the same key creates exactly one PaymentIntent", async () => {
    const { db, sql } = await sys.database();
    const app = await sys.instance({ name: "stripe-500", databaseUrl: db.url, redisUrl: testRedisUrl(), kvPrefix: kvPrefixFor("s500"), stripeUrl: sys.fake.url });
    const {
      variantIds: [v],
    } = await makeProduct(sql, { stocks: [5] });
    const cartId = await guestCart(app.url, [[v!, 1]]);
    const key = randomUUID();

    sys.fake.failNext(3); // the first attempt and both SDK retries
    const r1 = await checkout(app.url, cartId, key);
    expect(r1.status, JSON.stringify(r1.body)).toBe(502);
    expect(isErrorEnvelope(r1.body, "payment_provider_error")).toBe(true);
    expect(sys.fake.createdCount).toBe(0);
    const [order] = await ordersOfCart(sql, cartId);
    expect(order).toMatchObject({ status: "PENDING_PAYMENT", payment_intent_id: null });

    const r2 = await checkout(app.url, cartId, key);
    expect(r2.status, JSON.stringify(r2.body)).toBe(201);
    expect(r2.body.order.id).toBe(order!.id);
    const r3 = await checkout(app.url, cartId, key);
    expect(r3.status).toBe(201);
    expect(r3.body.order.id).toBe(order!.id);
    expect(sys.fake.createdCount).toBe(1);
    expect(sys.fake.intents().filter((pi) => pi.metadata.order_id === order!.id)).toHaveLength(1);
    expect((await ordersOfCart(sql, cartId)).map((o) => o.payment_intent_id)).toEqual([sys.fake.intents()[0]!.id]);
    expect(await stockOf(sql, v!)).toBe(4);
  });

  it("timing out (the PaymentIntent was created, the answer lost): 502, and the retry gets that same PaymentIntent", async () => {
    const { db, sql } = await sys.database();
    const app = await sys.instance({ name: "stripe-timeout", databaseUrl: db.url, redisUrl: testRedisUrl(), kvPrefix: kvPrefixFor("stimeout"), stripeUrl: sys.fake.url });
    const {
      variantIds: [v],
    } = await makeProduct(sql, { stocks: [5] });
    const cartId = await guestCart(app.url, [[v!, 2]]);
    const key = randomUUID();

    // the first create is processed but answered after the SDK's 10 s timeout; its two retries get 500s
    sys.fake.delayNext(1, 11_000);
    const started = Date.now();
    const pending = checkout(app.url, cartId, key);
    await waitFor("the first create to arrive", async () => (sys.fake.requests().length > 0 ? true : undefined), 10_000, 10);
    sys.fake.failNext(2);
    const r1 = await pending;
    const tookMs = Date.now() - started;
    expect(r1.status, JSON.stringify(r1.body)).toBe(502);
    expect(isErrorEnvelope(r1.body, "payment_provider_error")).toBe(true);
    expect(sys.fake.createdCount, "the timed-out request did create it").toBe(1);
    const [order] = await ordersOfCart(sql, cartId);
    expect(order).toMatchObject({ status: "PENDING_PAYMENT", payment_intent_id: null });

    const r2 = await checkout(app.url, cartId, key);
    expect(r2.status, JSON.stringify(r2.body)).toBe(201);
    expect(r2.body.order.id).toBe(order!.id);
    expect(sys.fake.createdCount, "the retry replays the PaymentIntent instead of creating a second one").toBe(1);
    const pi = sys.fake.intents()[0]!;
    expect(pi.metadata.order_id).toBe(order!.id);
    expect(r2.body.payment.clientSecret).toBe(pi.client_secret);
    expect((await ordersOfCart(sql, cartId))[0]!.payment_intent_id).toBe(pi.id);
    console.log(`[stripe timeout] 502 after ${tookMs} ms; requests at the fake: ${sys.fake.requests().map((r) => `${r.status}${r.replayed ? "(replay)" : ""}`).join(" ")}`);
  });

  it("an order whose payment was never created is cancelled and restocked by the expiry sweep; the old key answers consistently", async () => {
    const { db, sql } = await sys.database();
    const app = await sys.instance({ name: "stripe-never", databaseUrl: db.url, redisUrl: testRedisUrl(), kvPrefix: kvPrefixFor("snever"), stripeUrl: sys.fake.url });
    const {
      variantIds: [v],
    } = await makeProduct(sql, { stocks: [3] });
    const cartId = await guestCart(app.url, [[v!, 3]], ["WELCOME10"]);
    const key = randomUUID();

    sys.fake.failNext(3);
    const r1 = await checkout(app.url, cartId, key);
    expect(r1.status).toBe(502);
    const [order] = await ordersOfCart(sql, cartId);
    expect(order).toMatchObject({ status: "PENDING_PAYMENT", payment_intent_id: null });
    expect(await stockOf(sql, v!)).toBe(0);
    expect(await discountUses(sql, "WELCOME10")).toBe(1);

    await sql.query("UPDATE orders SET reserved_until = now() - interval '1 minute' WHERE id = $1", [order!.id]);
    const swept = await call(app.url, "POST", "/api/cron/expire-orders", { headers: cronHeaders });
    expect(swept.body).toEqual({ processed: 1 });
    expect((await ordersOfCart(sql, cartId))[0]).toMatchObject({ status: "CANCELLED", payment_status: "expired" });
    expect(await stockOf(sql, v!)).toBe(3);
    expect(await discountUses(sql, "WELCOME10")).toBe(0);
    expect((await call(app.url, "GET", `/api/carts/${cartId}`)).body.cart.status).toBe("ACTIVE");

    // the key resumes at the cancelled order: a final 409, the same every time, and no PaymentIntent
    const r2 = await checkout(app.url, cartId, key);
    const r3 = await checkout(app.url, cartId, key);
    expect(r2.status, JSON.stringify(r2.body)).toBe(409);
    expect(r3.status).toBe(409);
    expect(r3.body).toEqual(r2.body);
    expect(sys.fake.createdCount).toBe(0);
    expect(await stockOf(sql, v!)).toBe(3);
    expect(await ordersOfCart(sql, cartId)).toHaveLength(1);

    // never two PaymentIntents for one order, across everything this test did
    const perOrder = new Map<string, number>();
    for (const pi of sys.fake.intents()) perOrder.set(pi.metadata.order_id!, (perOrder.get(pi.metadata.order_id!) ?? 0) + 1);
    expect([...perOrder.values()].every((n) => n === 1)).toBe(true);
  });
});

describe("a webhook replayed", () => {
  it("payment_intent.succeeded delivered 10 times at once is applied once", async () => {
    const { db, sql } = await sys.database();
    const app = await sys.instance({ name: "webhook", databaseUrl: db.url, redisUrl: testRedisUrl(), kvPrefix: kvPrefixFor("hook"), stripeUrl: sys.fake.url });
    const {
      variantIds: [v],
    } = await makeProduct(sql, { stocks: [5] });
    const cartId = await guestCart(app.url, [[v!, 1]]);
    const placed = await checkout(app.url, cartId, randomUUID());
    expect(placed.status).toBe(201);
    const orderId = placed.body.order.id as string;
    const piId = (await ordersOfCart(sql, cartId))[0]!.payment_intent_id!;

    const metrics = async () => (await call(app.url, "GET", "/api/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body as string;
    const applied = (text: string, result: string) => metricValue(text, "cartwright_payment_events_total", `{type="payment.succeeded",result="${result}"}`);
    const before = await metrics();

    const payload = sys.fake.webhookPayload("payment_intent.succeeded", sys.fake.succeed(piId));
    const signature = sys.fake.signedHeader(payload, STRIPE_WEBHOOK_SECRET);
    const deliveries = await Promise.all(
      Array.from({ length: 10 }, () => call(app.url, "POST", "/api/webhooks/stripe", { raw: payload, headers: { "stripe-signature": signature } })),
    );
    expect(deliveries.map((d) => d.status)).toEqual(Array(10).fill(200));

    const eventId = JSON.parse(payload).id as string;
    expect((await sql.query("SELECT count(*)::int AS n FROM payment_events WHERE id = $1", [eventId])).rows[0].n).toBe(1);
    expect((await sql.query("SELECT count(*)::int AS n FROM payment_events")).rows[0].n).toBe(1);
    expect((await ordersOfCart(sql, cartId))[0]).toMatchObject({ id: orderId, status: "PAID", payment_status: "succeeded" });
    const after = await metrics();
    expect(applied(after, "paid") - applied(before, "paid")).toBe(1);
    expect(applied(after, "duplicate") - applied(before, "duplicate")).toBe(9);
    expect(sys.fake.refunds()).toHaveLength(0);

    // a tampered delivery is refused
    const bad = await call(app.url, "POST", "/api/webhooks/stripe", { raw: payload.replace(orderId, randomUUID()), headers: { "stripe-signature": signature } });
    expect(bad.status).toBe(400);
    expect(isErrorEnvelope(bad.body, "invalid_signature")).toBe(true);
  });
});

describe("PostgreSQL not answering at all (a partition: connections hang instead of failing)", () => {
  it("/api/ready still answers 503 naming the database within about a second; requests fail instead of hanging", async () => {
    const { db } = await sys.database();
    const proxy = await startPgProxy(db.url);
    sys.cleanup(() => proxy.close());
    const app = await sys.instance({ name: "pg-stall", databaseUrl: proxy.urlFor(db.url), redisUrl: testRedisUrl(), kvPrefix: kvPrefixFor("stall") });
    expect((await call(app.url, "GET", "/api/ready")).status).toBe(200);

    proxy.stall();
    const ready = await call(app.url, "GET", "/api/ready", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ready.status).toBe(503);
    expect(ready.body.failing).toContain("database");
    expect(ready.ms, "readiness has its own 1 s budget per check").toBeLessThan(1_500);

    // a request that needs the database: it must end (with an error envelope), not hang for as long as the partition lasts
    const abort = AbortSignal.timeout(10_000);
    const products = await call(app.url, "GET", "/api/products", { signal: abort }).catch((e: unknown) => ({ status: 0, body: String(e), ms: 10_000 }));
    console.log(`[pg stall] /api/ready 503 in ${ready.ms} ms; /api/products answered ${products.status} after ${products.ms} ms`);
    // soft: the recovery below is checked either way
    expect.soft(products.status, "GET /api/products answered within 10 s while PostgreSQL did not answer").toBeGreaterThanOrEqual(500);

    proxy.restore();
    const restoredAt = Date.now();
    await waitFor("/api/ready to be 200 again", async () => ((await call(app.url, "GET", "/api/ready")).status === 200 ? true : undefined), 30_000, 200);
    const back = await call(app.url, "GET", "/api/products");
    expect(back.status).toBe(200);
    console.log(`[pg stall] ready again ${Date.now() - restoredAt} ms after the partition ended`);
  });
});
