import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { testRedisUrl } from "@/tests/support/test-database";
import {
  ADDRESS,
  checkout,
  connectionRefused,
  guestCart,
  kvPrefixFor,
  makeProduct,
  ordersOfCart,
  systemTestSetup,
  waitFor,
  type Instance,
} from "@/tests/support/system";

// Graceful shutdown of a production instance (scripts/serve.ts): SIGTERM stops accepting connections, lets the
// requests in flight finish, closes the pool and the KV store, and exits 0.

const sys = systemTestSetup();

/** A checkout over a connection of its own that is closed after the answer (`Connection: close`, no agent). */
function checkoutOnClosingConnection(port: number, cartId: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify({ cartId, email: `closer-${cartId.slice(0, 6)}@example.test`, shippingAddress: ADDRESS });
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/api/checkout",
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), "idempotency-key": randomUUID(), connection: "close" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * Starts an instance, puts a checkout in flight whose payment creation the Stripe fake holds for ~2 s, sends
 * SIGTERM, and checks the drain: the listener closes at once (new connections refused) while the checkout is
 * still running, the checkout answers 201, and the process exits 0 by itself soon after.
 */
async function sigtermDuringCheckout(
  name: string,
  send: (app: Instance, cartId: string) => Promise<{ status: number; body: any }>,
  opts: { env?: Record<string, string>; sigterm?: (app: Instance) => void } = {},
) {
  const { db, sql } = await sys.database();
  const app = await sys.instance({ name, databaseUrl: db.url, redisUrl: testRedisUrl(), kvPrefix: kvPrefixFor(name), stripeUrl: sys.fake.url, env: opts.env });
  // the process was already told to stop: if it is still there when the test ends, do not wait out its grace period
  let gone = false;
  void app.exited.then(() => (gone = true));
  sys.cleanup(async () => {
    if (gone) return;
    app.signal("SIGKILL");
    await app.exited;
  });
  const {
    variantIds: [v],
  } = await makeProduct(sql, { stocks: [5] });
  const cartId = await guestCart(app.url, [[v!, 1]]);

  sys.fake.reset();
  sys.fake.delayNext(1, 2_000); // the payment creation takes ~2 s
  const started = Date.now();
  const inFlight = send(app, cartId);
  inFlight.catch(() => {}); // awaited below
  await waitFor("the checkout to reach the payment step", async () => (sys.fake.requests().length > 0 ? true : undefined), 10_000, 10);

  (opts.sigterm ?? ((a) => a.signal("SIGTERM")))(app);
  const signalledAt = Date.now();
  // the listener closes at once: new connections are refused while the checkout is still in flight
  await waitFor("new connections to be refused", async () => ((await connectionRefused(app.port)) ? true : undefined), 1_500, 20);
  const refusedAfter = Date.now() - signalledAt;
  let settled = false;
  void inFlight.finally(() => (settled = true)).catch(() => {});
  await new Promise((r) => setImmediate(r));
  expect(settled, "the checkout is still in flight when the listener is already closed").toBe(false);

  const res = await inFlight;
  const answeredAfter = Date.now() - started;
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(answeredAfter).toBeGreaterThanOrEqual(1_900);
  const order = (await ordersOfCart(sql, cartId))[0]!;
  expect(order.id).toBe(res.body.order.id);
  expect(order.payment_intent_id).toBe(sys.fake.intents()[0]!.id);

  // the drain is done once the answer is out: the process should be gone within a few seconds, with code 0
  const exit = await Promise.race([app.exited, new Promise<null>((r) => setTimeout(() => r(null), 8_000))]);
  console.log(
    `[${name}] refused new connections ${refusedAfter} ms after SIGTERM; checkout answered 201 after ${answeredAfter} ms; ` +
      (exit ? `exited ${JSON.stringify(exit)} ${Date.now() - signalledAt} ms after SIGTERM` : "still running 8 s after answering"),
  );
  expect(exit, `the process exits by itself after the last answer\n${app.tail(6)}`).not.toBeNull();
  expect(exit).toEqual({ code: 0, signal: null });
  expect(await connectionRefused(app.port)).toBe(true);
  expect(app.tail(8)).toMatch(/"msg":"stopped"/);
}

describe("graceful shutdown", () => {
  it("SIGTERM during a checkout (client closes its connection after the answer): 201, new connections refused, exit 0", async () => {
    await sigtermDuringCheckout("shutdown-close", (app, cartId) => checkoutOnClosingConnection(app.port, cartId));
  });

  it("SIGTERM during a checkout from a keep-alive client (browsers, load balancers, fetch): 201, new connections refused, exit 0", async () => {
    await sigtermDuringCheckout("shutdown-keepalive", (app, cartId) => checkout(app.url, cartId, randomUUID()));
  });

  it("two workers (WEB_CONCURRENCY=2), SIGTERM to the launcher alone (as a container runtime sends it): the primary drains both workers; 201, new connections refused, exit 0", async () => {
    await sigtermDuringCheckout("shutdown-cluster", (app, cartId) => checkout(app.url, cartId, randomUUID()), {
      env: { WEB_CONCURRENCY: "2" },
      // not the process group: only the top process, which relays it to the primary, which forwards it to each worker
      sigterm: (app) => process.kill(app.process.pid!, "SIGTERM"),
    });
  });
});
