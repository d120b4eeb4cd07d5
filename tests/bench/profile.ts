// Profile of the hot-SKU checkout: an extra app instance whose database connections go through a tracing proxy,
// so every round trip is seen. First checkouts one at a time (what one checkout costs, phase by phase), then a
// burst from many clients (how long the hot row's lock is held under contention, and why).
import type { StripeFake } from "../fakes/stripe-fake";
import { APP_CPU_METRIC, counterDelta, histogramDelta, scrape, type HistogramDelta } from "./app-metrics";
import { percentiles, runLoad, type Latencies } from "./load";
import { profileTraces, startTraceProxy, statementCounts, type RoundTrip, type TxProfile } from "./pg-trace-proxy";
import { checkout, checkoutRequest, makeCarts } from "./scenarios";
import { METRICS_TOKEN, RedisCommandCounter, startBenchApp, type AppEnv } from "./setup";

/** The statement that locks the hot row: a FOR UPDATE of product_variants, or the checkout function that does it
 *  inside PostgreSQL (cw_place_order, a statement of its own: its lock is released by its own commit). */
export const isHotRowLock = (sql: string) => (/product_variants/i.test(sql) && /FOR (NO KEY )?UPDATE/i.test(sql)) || /\bcw_place_order\s*\(/i.test(sql);

export type PhaseCost = { roundTrips: number; dbMs: number };

export type SequentialProfile = {
  checkouts: number;
  latency: Latencies;
  /** per checkout, mean */
  beforeTx: PhaseCost;
  inTx: PhaseCost;
  afterTx: PhaseCost;
  /** request time not spent waiting on PostgreSQL: app code, Redis, the Stripe call, HTTP */
  otherMs: number;
  redisCommands: number;
  stripeCalls: number;
  tx: TxProfile;
  statements: { sql: string; perCheckout: number; meanMs: number }[];
  /** CPU time of the app process per checkout (process_cpu_seconds_total) */
  appCpuMs: number;
  /** every round trip of one (the median) checkout, in order: statement, ms at PostgreSQL, ms since the one before
   *  answered (the app's time), transaction status after it */
  oneCheckout: { sql: string; dbMs: number; gapMs: number; tx: string; locksHotRow: boolean }[];
};

export type ConcurrentProfile = {
  clients: number;
  checkouts: number;
  rps: number;
  latency: Latencies;
  tx: TxProfile;
  reserveTx: HistogramDelta;
  request: HistogramDelta;
  /** CPU time of the app process per checkout */
  appCpuMs: number;
};

/** One request kind sent one at a time: what each costs in round trips. */
export type RequestCost = { name: string; requests: number; meanMs: number; pgRoundTrips: number; redisCommands: number; statements: string[] };

export type Profile = { poolSize: number; sequential: SequentialProfile; concurrent: ConcurrentProfile; requests: RequestCost[] };

export type ProbeRequest = { name: string; send: (base: string, i: number) => Promise<{ status: number; ms: number }> };

/** Splits each checkout's round trips (sequential run: a time window per checkout) around its reserve transaction. */
function attribute(conns: RoundTrip[][], windows: { t0: number; t1: number }[]): { before: PhaseCost; inTx: PhaseCost; after: PhaseCost } {
  const all = conns.flat().sort((a, b) => a.sentAt - b.sentAt);
  const sum = { before: { roundTrips: 0, dbMs: 0 }, inTx: { roundTrips: 0, dbMs: 0 }, after: { roundTrips: 0, dbMs: 0 } };
  for (const w of windows) {
    const trips = all.filter((r) => r.sentAt >= w.t0 && r.readyAt <= w.t1);
    const lockAt = trips.findIndex((r) => isHotRowLock(r.sql));
    let begin = lockAt < 0 ? trips.length : lockAt;
    while (begin > 0 && begin <= lockAt && trips[begin - 1]!.txAfter !== "I") begin--;
    let end = lockAt < 0 ? trips.length : lockAt;
    while (lockAt >= 0 && end < trips.length - 1 && trips[end]!.txAfter !== "I") end++;
    trips.forEach((r, i) => {
      const phase = i < begin ? sum.before : i <= end ? sum.inTx : sum.after;
      phase.roundTrips += 1;
      phase.dbMs += r.readyAt - r.sentAt;
    });
  }
  const n = windows.length || 1;
  const avg = (p: PhaseCost) => ({ roundTrips: p.roundTrips / n, dbMs: p.dbMs / n });
  return { before: avg(sum.before), inTx: avg(sum.inTx), after: avg(sum.after) };
}

function oneTrace(conns: RoundTrip[][], windows: { t0: number; t1: number }[], latencies: number[]): SequentialProfile["oneCheckout"] {
  const order = latencies.map((l, i) => [l, i] as const).sort((a, b) => a[0] - b[0]);
  const w = windows[order[Math.floor(order.length / 2)]?.[1] ?? 0];
  if (!w) return [];
  const trips = conns
    .flat()
    .filter((r) => r.sentAt >= w.t0 && r.readyAt <= w.t1)
    .sort((a, b) => a.sentAt - b.sentAt);
  return trips.map((r, i) => ({
    sql: r.sql.replace(/\s+/g, " ").trim().slice(0, 90),
    dbMs: r.readyAt - r.sentAt,
    gapMs: r.sentAt - (i === 0 ? w.t0 : trips[i - 1]!.readyAt),
    tx: r.txAfter,
    locksHotRow: isHotRowLock(r.sql),
  }));
}

export async function profileCheckout(opts: {
  env: AppEnv;
  databaseUrl: string;
  creator: string;
  variantId: number;
  fake: StripeFake;
  sequential: number;
  concurrent: number;
  clients: number;
  redisUrl: string;
  poolSize: number;
  /** other requests to cost, one at a time */
  probes: ProbeRequest[];
}): Promise<Profile> {
  const db = new URL(opts.databaseUrl);
  const proxy = await startTraceProxy({ host: db.hostname, port: Number(db.port || 5432) });
  const proxied = new URL(opts.databaseUrl);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(proxy.port);
  const app = await startBenchApp({ ...opts.env, databaseUrl: proxied.toString() });
  const redisCounter = await new RedisCommandCounter(opts.redisUrl).connect();
  const redisCommandCount = () => redisCounter.read();
  try {
    // warm-up through the proxy (not recorded)
    const warmCarts = await makeCarts(opts.creator, 40, opts.variantId);
    for (const c of warmCarts.slice(0, 10)) await checkout(app.url, c, "warm@bench.test");
    await Promise.all(warmCarts.slice(10).map((c) => checkout(app.url, c, "warm@bench.test")));

    // other request kinds, one at a time
    const requests: RequestCost[] = [];
    for (const probe of opts.probes) {
      for (let i = 0; i < 5; i++) await probe.send(app.url, i); // warm
      const n = 20;
      proxy.reset();
      const redisBefore = await redisCommandCount();
      let total = 0;
      for (let i = 0; i < n; i++) {
        const r = await probe.send(app.url, 100 + i);
        if (r.status >= 400) throw new Error(`profile ${probe.name}: HTTP ${r.status}`);
        total += r.ms;
      }
      const redis = (await redisCommandCount()) - redisBefore - 1;
      const conns = proxy.connections();
      const stmts = statementCounts(conns);
      requests.push({
        name: probe.name,
        requests: n,
        meanMs: total / n,
        pgRoundTrips: conns.reduce((a, c) => a + c.length, 0) / n,
        redisCommands: redis / n,
        statements: stmts.map((x) => `${x.sql} ×${(x.count / n).toFixed(1)}`),
      });
    }

    // one at a time
    const seqCarts = await makeCarts(opts.creator, opts.sequential, opts.variantId);
    const seqMetricsBefore = await scrape(app.url, METRICS_TOKEN);
    proxy.reset();
    const redisBefore = await redisCommandCount();
    const stripeBefore = opts.fake.requests().length;
    const windows: { t0: number; t1: number }[] = [];
    const seqLatencies: number[] = [];
    for (const [i, c] of seqCarts.entries()) {
      const t0 = performance.now();
      const r = await checkout(app.url, c, `profile-${i}@bench.test`);
      const t1 = performance.now();
      if (r.status !== 201) throw new Error(`profile checkout: ${r.status} ${r.text.slice(0, 200)}`);
      windows.push({ t0, t1 });
      seqLatencies.push(r.ms);
    }
    const redisCommands = (await redisCommandCount()) - redisBefore - 1; // minus the INFO itself
    const stripeCalls = opts.fake.requests().length - stripeBefore;
    const seqCpu = counterDelta(seqMetricsBefore, await scrape(app.url, METRICS_TOKEN), APP_CPU_METRIC);
    const seqConns = proxy.connections();
    const phases = attribute(seqConns, windows);
    const n = seqCarts.length;
    const latency = percentiles(seqLatencies);
    const sequential: SequentialProfile = {
      checkouts: n,
      latency,
      beforeTx: phases.before,
      inTx: phases.inTx,
      afterTx: phases.after,
      otherMs: latency.mean - phases.before.dbMs - phases.inTx.dbMs - phases.after.dbMs,
      redisCommands: redisCommands / n,
      stripeCalls: stripeCalls / n,
      tx: profileTraces(seqConns, isHotRowLock),
      statements: statementCounts(seqConns).map((s) => ({ sql: s.sql, perCheckout: s.count / n, meanMs: s.meanMs })),
      oneCheckout: oneTrace(seqConns, windows, seqLatencies),
      appCpuMs: (seqCpu * 1000) / n,
    };

    // many at once
    const burstCarts = await makeCarts(opts.creator, opts.concurrent, opts.variantId);
    const before = await scrape(app.url, METRICS_TOKEN);
    proxy.reset();
    let next = 0;
    const load = await runLoad({
      url: app.url,
      connections: Math.min(opts.clients, burstCarts.length),
      amount: burstCarts.length,
      timeout: 120,
      latencyOf: (s) => s === 201,
      requests: [
        {
          method: "POST",
          setupRequest: (req) => {
            const i = next++;
            return { ...req, ...checkoutRequest(burstCarts[i % burstCarts.length]!, `burst-${i}@bench.test`) };
          },
        },
      ],
    });
    const burstConns = proxy.connections();
    const after = await scrape(app.url, METRICS_TOKEN);
    if (counterDelta(before, after, "cartwright_checkouts_total", { outcome: "placed" }) !== burstCarts.length)
      console.warn(`  profile burst: not every checkout was placed: ${JSON.stringify(load.statuses)}`);
    return {
      poolSize: opts.poolSize,
      requests,
      sequential,
      concurrent: {
        clients: Math.min(opts.clients, burstCarts.length),
        checkouts: load.completed,
        rps: load.rps,
        latency: load.latency,
        tx: profileTraces(burstConns, isHotRowLock),
        reserveTx: histogramDelta(before, after, "cartwright_reservation_lock_wait_seconds"),
        request: histogramDelta(before, after, "cartwright_http_request_duration_seconds", { route: "/api/checkout", method: "POST", status: "201" }),
        appCpuMs: (counterDelta(before, after, APP_CPU_METRIC) * 1000) / Math.max(1, load.completed),
      },
    };
  } finally {
    await redisCounter.close();
    await app.stop();
    await proxy.close();
  }
}
