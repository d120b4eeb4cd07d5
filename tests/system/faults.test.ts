import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { startStripeFake, type StripeFake } from "@/tests/fakes/stripe-fake";
import { testRedisUrl } from "@/tests/support/test-database";
import {
  ADDRESS,
  call,
  checkout,
  createDatabase,
  cronHeaders,
  discountUses,
  guestCart,
  isErrorEnvelope,
  makeProduct,
  METRICS_TOKEN,
  metricValue,
  ordersOfCart,
  SHOPPER,
  signIn,
  sleep,
  sqlPool,
  startInstance,
  startPgProxy,
  startRedis,
  stockOf,
  stopAll,
  STRIPE_WEBHOOK_SECRET,
  waitFor,
  type Instance,
  type TestDatabase,
} from "@/tests/support/system";

// Faults: real production instances (scripts/serve.ts on the build of this run) whose dependencies break while
// they serve. Each test has its own database (a copy of the seeded template) and its own instance(s).

let fake: StripeFake;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  fake = await startStripeFake();
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await fake.close();
});

/** A fresh database, a pg pool on it, and cleanup registered. */
async function database(): Promise<{ db: TestDatabase; sql: pg.Pool }> {
  const db = await createDatabase();
  const sql = sqlPool(db.url);
  cleanups.push(() => db.drop(), () => sql.end());
  return { db, sql };
}

async function instance(opts: Parameters<typeof startInstance>[0]): Promise<Instance> {
  const app = await startInstance(opts);
  cleanups.push(() => stopAll([app]));
  return app;
}

const prefix = (name: string) => `cwsys:${name}:${randomUUID().slice(0, 8)}:`;

describe("Redis unreachable", () => {
  it("signed-in carts keep working through PostgreSQL, guests get 503, /api/ready names kv; it all recovers by itself", async () => {
    const { db, sql } = await database();
    const redis = await startRedis();
    cleanups.push(() => redis.destroy());
    const app = await instance({ name: "redis-outage", databaseUrl: db.url, redisUrl: redis.url, kvPrefix: prefix("redis") });
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
    const guestId = await guestCart(app.url, [[v1, 2]]);

    // Redis goes away
    await redis.stop();
    const stoppedAt = Date.now();
    const notReady = await waitFor(
      "/api/ready to report the KV store",
      async () => {
        const r = await call(app.url, "GET", "/api/ready");
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
