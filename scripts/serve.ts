// The production HTTP server: Next's request handler behind a plain node:http server, so the app knows the real
// connecting address (App Router handlers cannot see the socket), every request gets an id, a structured log line
// and a duration metric, and SIGTERM drains in-flight requests before the database pool and KV store close.
// Usage: tsx scripts/serve.ts [--dev] [--port 3000] [--host 0.0.0.0]
import { randomUUID } from "node:crypto";
import http from "node:http";
import path from "node:path";
import next from "next";
import { normalisePath, originOf, redactPath } from "../lib/http/boundary";
import { guardRequest, type GuardOptions } from "../lib/http/request-guard";
import { scanApiRoutes } from "../lib/http/route-table";
import { renderMail } from "../emails/render";
import { startJobs } from "../lib/jobs";
import { logger } from "../lib/observability/logger";
import { metrics, routeLabel } from "../lib/observability/metrics";

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
  const pathname = normalisePath(req.url ?? "/");
  if (pathname === null) {
    // Next would answer a malformed percent-encoding with a plain-text 500; it is the client's mistake
    res.writeHead(400, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify({ error: { code: "validation_failed", message: "The URL is not valid.", details: { fieldErrors: { path: ["Malformed percent-encoding"] } } } }));
    return;
  }
  inFlight += 1;
  // while stopping, no connection is kept alive: each finishes with its response, so close() can complete
  if (stopping) res.setHeader("connection", "close");
  res.on("close", () => {
    inFlight -= 1;
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
server.listen(port, hostname, () => log.info({ port, hostname, dev }, `listening on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`));
// every scheduled job (expiry, reminders, mail delivery, purges) runs in this process; with N instances each job
// still runs once per period (lib/jobs claims periods in PostgreSQL). JOBS=off leaves them to cron.
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
process.on("SIGINT", () => void shutdown("SIGINT"));
