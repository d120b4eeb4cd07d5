// The primary of `npm start`'s cluster (node:cluster): it forks the HTTP workers (scripts/serve-worker.ts, one per
// core by default), restarts one that dies (with a backoff, so a crash loop does not spin), drains them all on
// SIGTERM/SIGINT, and gathers their metrics for /api/metrics. It serves no request and opens no database
// connection itself. Workers share the port: the primary accepts connections and hands them out in turn.
import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { AggregatorRegistry, type Registry } from "prom-client";

type metric = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>[number];
import { logger } from "../lib/observability/logger";

/** How long a worker must have lived for its death to count as a crash, not part of a crash loop. */
const HEALTHY_AFTER_MS = 30_000;
/** Gives up draining after this long: the workers still there are killed and the primary exits 1. */
const DRAIN_TIMEOUT_MS = 30_000;

/** How many worker processes to run: WEB_CONCURRENCY, else one per core; always 1 in development. */
export function workerCount(webConcurrency: number | undefined, dev: boolean, cores = availableParallelism()): number {
  if (dev) return 1;
  return webConcurrency ?? Math.max(1, cores);
}

/**
 * The wait before restarting a worker that died after `quickCrashes` short lives in a row (a life shorter than
 * 30 s): at once after a healthy run, then 250 ms, 500 ms, 1 s... up to 30 s.
 */
export function restartDelayMs(quickCrashes: number): number {
  if (quickCrashes <= 0) return 0;
  return Math.min(30_000, 250 * 2 ** (quickCrashes - 1));
}

/** IPC between a worker and the primary for /api/metrics (summed over every worker). */
export type MetricsMessage =
  | { type: "cartwright:metrics-request"; id: number }
  | { type: "cartwright:metrics-reply"; id: number; text: string }
  | { type: "cartwright:metrics-collect"; id: number }
  | { type: "cartwright:metrics-local"; id: number; metrics: metric[] };

type Slot = { n: number; worker?: Worker; startedAt: number; quickCrashes: number; listening: boolean; timer?: NodeJS.Timeout };

export function runPrimary(count: number): void {
  const log = logger().child({ role: "primary" });
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ n: i + 1, startedAt: 0, quickCrashes: 0, listening: false }));
  const bySlot = new Map<number, Slot>();
  let stopping = false;
  let failed = false;
  let announced = false;

  const fork = (slot: Slot) => {
    slot.timer = undefined;
    slot.startedAt = Date.now();
    slot.listening = false;
    // every scheduled job runs in worker 1 only (and its replacement); the job_runs claim still keeps N instances
    // to one run per period. JOBS=off on the instance turns them off everywhere.
    const worker = cluster.fork({
      CARTWRIGHT_WORKER: String(slot.n),
      ...(slot.n === 1 ? {} : { JOBS: "off" }),
    });
    slot.worker = worker;
    bySlot.set(worker.id, slot);
    worker.on("message", (m: MetricsMessage) => {
      if (m?.type === "cartwright:metrics-request") void gatherMetrics().then((text) => worker.send({ type: "cartwright:metrics-reply", id: m.id, text } satisfies MetricsMessage));
    });
  };

  cluster.on("listening", (worker, address) => {
    const slot = bySlot.get(worker.id);
    if (!slot) return;
    slot.listening = true;
    if (!announced && slots.every((s) => s.listening)) {
      announced = true;
      log.info({ workers: count, port: address.port, jobs: "worker 1" }, `${count} workers started and listening`);
    }
  });

  cluster.on("exit", (worker, code, signal) => {
    const slot = bySlot.get(worker.id);
    bySlot.delete(worker.id);
    if (!slot || slot.worker !== worker) return;
    slot.worker = undefined;
    if (stopping) {
      if (code !== 0) failed = true;
      if (slots.every((s) => !s.worker)) {
        log.info({ failed }, failed ? "workers stopped, not all cleanly" : "all workers stopped");
        process.exit(failed ? 1 : 0);
      }
      return;
    }
    if (!slot.listening && !announced) {
      // a worker that never got to listen at first start (a port in use, a bad build): restarting will not help
      log.error({ worker: slot.n, code, signal }, "a worker failed to start; stopping");
      failed = true;
      stop("startup failure");
      return;
    }
    const lived = Date.now() - slot.startedAt;
    slot.quickCrashes = lived < HEALTHY_AFTER_MS ? slot.quickCrashes + 1 : 0;
    const delay = restartDelayMs(slot.quickCrashes);
    log.warn({ worker: slot.n, pid: worker.process.pid, code, signal, livedMs: lived, restartInMs: delay }, "a worker died; restarting it");
    slot.timer = setTimeout(() => fork(slot), delay);
  });

  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    const alive = slots.filter((s) => s.worker);
    for (const s of slots) clearTimeout(s.timer);
    log.info({ signal: why, workers: alive.length }, "shutting down: every worker drains its in-flight requests");
    if (alive.length === 0) process.exit(failed ? 1 : 0);
    // each worker closes its listener at once (new connections are refused once all have), answers what it has,
    // closes its pool and KV client, and exits 0 (scripts/serve-worker.ts)
    for (const s of alive) s.worker!.process.kill("SIGTERM");
    setTimeout(() => {
      log.warn("workers did not finish draining in time; killing them");
      for (const s of slots) s.worker?.process.kill("SIGKILL");
      process.exit(1);
    }, DRAIN_TIMEOUT_MS).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  // ---- /api/metrics over every worker -------------------------------------------------------------------------
  let nextId = 0;
  const pending = new Map<number, { wanted: number; got: metric[][]; done: (m: metric[][]) => void }>();
  cluster.on("message", (worker, m: MetricsMessage) => {
    if (m?.type !== "cartwright:metrics-local") return;
    const p = pending.get(m.id);
    if (!p) return;
    p.got.push(m.metrics);
    if (p.got.length === p.wanted) p.done(p.got);
  });
  const gatherMetrics = async (): Promise<string> => {
    const workers = slots.map((s) => s.worker).filter((w): w is Worker => !!w && w.isConnected());
    const id = ++nextId;
    const got = await new Promise<metric[][]>((resolve) => {
      const entry = { wanted: workers.length, got: [] as metric[][], done: resolve };
      pending.set(id, entry);
      for (const w of workers) w.send({ type: "cartwright:metrics-collect", id } satisfies MetricsMessage);
      // a worker that does not answer in time (busy, dying) is left out of this scrape rather than holding it
      setTimeout(() => resolve(entry.got), 2_000).unref();
      if (workers.length === 0) resolve([]);
    });
    pending.delete(id);
    return AggregatorRegistry.aggregate(got).metrics();
  };

  log.info({ workers: count }, `starting ${count} HTTP workers (WEB_CONCURRENCY${process.env.WEB_CONCURRENCY ? "" : " unset: one per core"})`);
  for (const s of slots) fork(s);
}
