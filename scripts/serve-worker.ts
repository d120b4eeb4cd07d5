// One HTTP worker of the production server (scripts/serve.ts starts it, alone or as one of a cluster's workers):
// Next's request handler behind a plain node:http server, so the app knows the real connecting address (App Router
// handlers cannot see the socket), every request gets an id, a structured log line and a duration metric, a
// process already working on MAX_IN_FLIGHT requests answers the next one 503 with Retry-After at once, and SIGTERM
// drains in-flight requests before the database pool and KV store close.
import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import http from "node:http";
import path from "node:path";
import next from "next";
import { normalisePath, originOf, redactPath } from "../lib/http/boundary";
import { guardRequest, type GuardOptions } from "../lib/http/request-guard";
import { scanApiRoutes } from "../lib/http/route-table";
import { renderMail } from "../emails/render";
import { env } from "../lib/env";
import { startJobs } from "../lib/jobs";
import { loopClock } from "../lib/observability/event-loop";
import { logger } from "../lib/observability/logger";
import { metrics, routeLabel } from "../lib/observability/metrics";
import type { MetricsMessage } from "./cluster";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dev = args.includes("--dev");
const port = Number(arg("--port") ?? process.env.PORT ?? 3000);
const hostname = arg("--host") ?? process.env.HOST ?? "0.0.0.0";
const trustProxy = ["1", "true", "yes"].includes(process.env.TRUST_PROXY ?? "");
const log = logger();
const maxInFlight = env().MAX_IN_FLIGHT;
const pidHeader = env().WORKER_PID_HEADER ? String(process.pid) : undefined;
loopClock(); // event-loop delay in /api/metrics from the start, apart from the KV store's latency

if (cluster.isWorker) {
  // /api/metrics answers for the whole server: the primary gathers every worker's registry (scripts/cluster.ts)
  let nextId = 0;
  const replies = new Map<number, (text: string) => void>();
  process.on("message", (m: MetricsMessage) => {
    if (m?.type === "cartwright:metrics-collect")
      void metrics()
        .registry.getMetricsAsJSON()
        .then((list) => process.send?.({ type: "cartwright:metrics-local", id: m.id, metrics: list } satisfies MetricsMessage));
    else if (m?.type === "cartwright:metrics-reply") replies.get(m.id)?.(m.text);
  });
  (globalThis as unknown as { cartwrightClusterMetrics?: () => Promise<string> }).cartwrightClusterMetrics = () =>
    new Promise<string>((resolve) => {
      const id = ++nextId;
      // the primary answers within ~2 s (it leaves out a worker that does not answer); if it cannot, this worker's own
      const timer = setTimeout(() => {
        replies.delete(id);
        void metrics().registry.metrics().then(resolve);
      }, 5_000);
      replies.set(id, (text) => {
        clearTimeout(timer);
        replies.delete(id);
        resolve(text);
      });
      process.send?.({ type: "cartwright:metrics-request", id } satisfies MetricsMessage);
    });
}

// The API routes' methods, read from app/api's route modules as the server starts (405 with the right Allow).
const guard: GuardOptions = {
  routes: scanApiRoutes(path.join(process.cwd(), "app")),
  siteOrigins: [originOf(process.env.NEXTAUTH_URL)].filter((o): o is string => o !== undefined),
  // the guard's own answers are JSON errors: nothing in them may load, run or be framed
  headers: {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    ...(dev ? {} : { "strict-transport-security": "max-age=31536000; includeSubDomains" }),
  },
};

const app = next({ dev, dir: process.cwd(), hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

let inFlight = 0;
let stopping = false;
const server = http.createServer((req, res) => {
  const started = process.hrtime.bigint();
  // Behind a trusted proxy the first X-Forwarded-For hop is the client; otherwise a client could write any value
  // there, so it is replaced by the socket's address before the app sees it (rate limits count per client).
  if (!trustProxy) req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
  const incomingId = req.headers["x-request-id"];
  const requestId = typeof incomingId === "string" && /^[\w-]{1,64}$/.test(incomingId) ? incomingId : randomUUID();
  req.headers["x-request-id"] = requestId;
  res.setHeader("x-request-id", requestId);
  if (pidHeader) res.setHeader("x-cartwright-worker", pidHeader);
  const pathname = normalisePath(req.url ?? "/");
  if (pathname === null) {
    // Next would answer a malformed percent-encoding with a plain-text 500; it is the client's mistake
    res.writeHead(400, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify({ error: { code: "validation_failed", message: "The URL is not valid.", details: { fieldErrors: { path: ["Malformed percent-encoding"] } } } }));
    return;
  }
  if (inFlight >= maxInFlight) {
    // admission control: beyond the bound a request would only queue behind the others and time out; answering
    // at once with Retry-After lets the client (or the load balancer) come back or go elsewhere
    metrics().httpShed.inc();
    res.writeHead(503, { "content-type": "application/json", "cache-control": "no-store", "retry-after": "1" });
    res.end(JSON.stringify({ error: { code: "service_unavailable", message: "The shop is very busy right now. Please try again in a moment." } }));
    return;
  }
  inFlight += 1;
  metrics().httpInFlight.inc();
  // while stopping, no connection is kept alive: each finishes with its response, so close() can complete
  if (stopping) res.setHeader("connection", "close");
  res.on("close", () => {
    inFlight -= 1;
    metrics().httpInFlight.dec();
    if (stopping) server.closeIdleConnections();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const route = routeLabel(pathname);
    // a client that gave up before the answer is logged as 499 (the status Next had set means nothing then)
    const status = res.writableFinished ? res.statusCode : 499;
    metrics().httpDuration.observe({ route, method: req.method ?? "GET", status: String(status) }, seconds);
    if (!route.startsWith("/_next/"))
      log.info({ requestId, method: req.method, route, path: redactPath(pathname), status, durationMs: Math.round(seconds * 1000) }, "request");
  });
  // method, cross-site, content type and body size are settled here, where the bytes arrive; Next sees only
  // requests that passed, with their body already read within its limit
  guardRequest(req, res, pathname, guard, () => void handle(req, res));
});
server.keepAliveTimeout = 65_000;
const workerNo = process.env.CARTWRIGHT_WORKER;
server.listen(port, hostname, () =>
  log.info({ port, hostname, dev, ...(workerNo ? { worker: Number(workerNo) } : {}), maxInFlight }, `listening on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`),
);
// every scheduled job (expiry, reminders, mail delivery, purges) runs in this process (in a cluster: in worker 1
// only, the primary sets JOBS=off for the others); with N instances each job still runs once per period (lib/jobs
// claims periods in PostgreSQL). JOBS=off leaves them to cron.
const jobs = startJobs(renderMail);

type Closable = { $disconnect?: () => Promise<void>; close?: () => Promise<void> };
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const jobsStopped = jobs?.stop(); // no new job run starts; the one in progress finishes before the pool closes
  log.info({ signal, inFlight }, "shutting down: no new connections, finishing in-flight requests");
  const hardStop = setTimeout(() => {
    log.warn({ inFlight }, "in-flight requests did not finish in time; exiting");
    process.exit(1);
  }, 25_000);
  hardStop.unref();
  server.close(async () => {
    await jobsStopped;
    // the app keeps its pool and KV client on globalThis (lib/db, lib/kv): close them after the last response
    const g = globalThis as unknown as { cartwrightPrisma?: Closable; cartwrightKv?: Closable };
    await Promise.allSettled([g.cartwrightPrisma?.$disconnect?.(), g.cartwrightKv?.close?.()]);
    log.info("stopped");
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
// a cluster worker whose primary is gone (killed) drains and exits instead of serving on unsupervised
if (cluster.isWorker) process.on("disconnect", () => void shutdown("primary gone"));
process.on("SIGINT", () => void shutdown("SIGINT"));
