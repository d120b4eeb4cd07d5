import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { testRedisUrl } from "@/tests/support/test-database";
import {
  call,
  checkout,
  guestCart,
  isErrorEnvelope,
  kvPrefixFor,
  makeProduct,
  METRICS_TOKEN,
  metricSum,
  metricValue,
  systemTestSetup,
  waitFor,
} from "@/tests/support/system";

// `npm start`'s serving model (scripts/serve.ts, scripts/cluster.ts): a primary forks WEB_CONCURRENCY workers that
// share the port; a worker that dies is replaced; /api/metrics sums every worker; and a process that already has
// MAX_IN_FLIGHT requests in flight answers the next one 503 with Retry-After instead of queueing it.
// WORKER_PID_HEADER=1 (test-only) makes every answer name the worker process that served it.

const sys = systemTestSetup();

/** GET over a connection of its own, closed after the answer: the primary hands each new connection to the next worker. */
function getFresh(port: number, path: string): Promise<{ status: number; worker: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false, headers: { connection: "close" }, timeout: 15_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, worker: Number(res.headers["x-cartwright-worker"]) }));
    });
    // no answer at all (a connection handed to a worker as it died) is a failure of its own, not a hang
    req.on("timeout", () => req.destroy(new Error("no answer within 15 s")));
    req.on("error", reject);
  });
}

async function clusterOf(name: string, workers: number, env: Record<string, string> = {}) {
  const { db, sql } = await sys.database();
  const app = await sys.instance({
    name,
    databaseUrl: db.url,
    redisUrl: testRedisUrl(),
    kvPrefix: kvPrefixFor(name),
    stripeUrl: sys.fake.url,
    env: { WEB_CONCURRENCY: String(workers), WORKER_PID_HEADER: "1", ...env },
  });
  return { app, sql };
}

/** Answers from every worker: keeps asking over new connections until `n` different worker pids have answered. */
async function workerPids(port: number, n: number): Promise<Set<number>> {
  const seen = new Set<number>();
  await waitFor(`${n} different workers to answer`, async () => {
    const r = await getFresh(port, "/api/health");
    expect(r.status).toBe(200);
    seen.add(r.worker);
    return seen.size >= n ? true : undefined;
  }, 30_000, 0);
  return seen;
}

describe("serving on every core (node:cluster)", () => {
  it("WEB_CONCURRENCY=2: two worker processes answer on one port, and the log says so", async () => {
    const { app } = await clusterOf("cluster-two", 2);
    const pids = await workerPids(app.port, 2);
    expect(pids.size).toBe(2);
    for (const pid of pids) {
      expect(Number.isInteger(pid) && pid > 0).toBe(true);
      expect(pid).not.toBe(app.process.pid); // neither is the launcher
    }
    // round robin: over 10 new connections, both workers take a share
    const served = new Map<number, number>();
    for (let i = 0; i < 10; i++) {
      const r = await getFresh(app.port, "/api/health");
      served.set(r.worker, (served.get(r.worker) ?? 0) + 1);
    }
    expect(served.size).toBe(2);
    await waitFor("the primary's start-up line", async () => (/"msg":"2 workers started and listening"/.test(app.tail(200)) ? true : undefined), 10_000);
    expect(app.tail(200).match(/"msg":"listening on/g)?.length).toBe(2);
  });

  it("a worker killed with SIGKILL is replaced, and the server answers all along", async () => {
    const { app } = await clusterOf("cluster-crash", 2);
    const before = await workerPids(app.port, 2);
    const victim = [...before][0]!;
    const survivor = [...before][1]!;
    process.kill(victim, "SIGKILL");
    // a connection the primary hands to the victim in the instant between its death and the primary hearing of it
    // is lost (Node's round-robin hand-off; a load balancer retries it): requests start once the primary has heard
    await waitFor("the primary to notice the death", async () => (/"msg":"a worker died; restarting it"/.test(app.tail(200)) ? true : undefined), 10_000, 10);

    // every request from now on is answered (by the survivor, then by both), until a new worker has answered
    const statuses: number[] = [];
    const replacement = await waitFor("a replacement worker to answer", async () => {
      const r = await getFresh(app.port, "/api/health");
      statuses.push(r.status);
      return r.worker !== victim && r.worker !== survivor ? r.worker : undefined;
    }, 30_000, 20);
    expect(statuses.every((s) => s === 200), JSON.stringify(statuses)).toBe(true);
    expect(() => process.kill(victim, 0)).toThrow(); // the victim is gone for good
    const after = await workerPids(app.port, 2);
    expect([...after].sort()).toEqual([survivor, replacement].sort());
  });

  it("/api/metrics sums every worker: requests served by either are all counted, whichever worker answers the scrape", async () => {
    const { app } = await clusterOf("cluster-metrics", 2);
    const pids = await workerPids(app.port, 2);
    expect(pids.size).toBe(2);
    const N = 12;
    for (let i = 0; i < N; i++) expect((await getFresh(app.port, "/api/categories")).status).toBe(200);
    const scrapes = await Promise.all(
      [0, 1, 2, 3].map(() => call(app.url, "GET", "/api/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}`, connection: "close" } })),
    );
    for (const m of scrapes) {
      expect(m.status).toBe(200);
      const counted = metricSum(m.body as string, "cartwright_http_request_duration_seconds_count", ['route="/api/categories"']);
      expect(counted).toBe(N);
      // event-loop delay and KV latency are there, apart
      expect(m.body as string).toContain("cartwright_event_loop_delay_seconds_bucket");
      expect(m.body as string).toContain("cartwright_kv_latency_seconds");
    }
  });
});

describe("admission control (MAX_IN_FLIGHT)", () => {
  it("a process with MAX_IN_FLIGHT requests in flight answers the next one 503 with Retry-After, counts it, and serves again after", async () => {
    const { app, sql } = await clusterOf("admission", 1, { MAX_IN_FLIGHT: "2" });
    const {
      variantIds: [v],
    } = await makeProduct(sql, { stocks: [10] });
    const carts = [await guestCart(app.url, [[v!, 1]]), await guestCart(app.url, [[v!, 1]])];

    // two checkouts held at the payment step (the Stripe fake answers after ~3 s): the process is at its bound
    sys.fake.reset();
    sys.fake.delayNext(2, 3_000);
    const held = carts.map((c) => checkout(app.url, c, randomUUID()));
    await waitFor("both checkouts at the payment step", async () => (sys.fake.requests().length >= 2 ? true : undefined), 15_000, 10);

    const shed = await call(app.url, "GET", "/api/products", { headers: { connection: "close" } });
    expect(shed.status).toBe(503);
    expect(shed.headers.get("retry-after")).toBe("1");
    expect(isErrorEnvelope(shed.body, "service_unavailable")).toBe(true);

    // the two in flight are answered as if nothing happened, and the next request is served
    for (const r of await Promise.all(held)) expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await call(app.url, "GET", "/api/products")).status).toBe(200);
    const m = await call(app.url, "GET", "/api/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metricValue(m.body as string, "cartwright_http_shed_total")).toBe(1);
  });
});
