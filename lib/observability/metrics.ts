import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

function create() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "cartwright_process_" });
  return {
    registry,
    httpDuration: new Histogram({
      name: "cartwright_http_request_duration_seconds",
      help: "HTTP request duration by route pattern, method and status",
      labelNames: ["route", "method", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    checkouts: new Counter({
      name: "cartwright_checkouts_total",
      help: "Checkout attempts by outcome (placed, insufficient_stock, prices_changed, payment_failed, ...)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    reservationLockWait: new Histogram({
      name: "cartwright_reservation_lock_wait_seconds",
      help: "Time the checkout's reserve transaction took, including waiting for variant row locks",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: "cartwright_payment_events_total",
      help: "Payment events received, by type and whether they were applied or duplicates",
      labelNames: ["type", "result"] as const,
      registers: [registry],
    }),
    kvCache: new Counter({
      name: "cartwright_cart_cache_requests_total",
      help: "Signed-in cart reads by cache result (hit, miss, bypass when the KV store is unreachable)",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: "cartwright_job_runs_total",
      help: "Scheduled job runs by job and result (ok, failed)",
      labelNames: ["job", "result"] as const,
      registers: [registry],
    }),
    jobLag: new Gauge({
      name: "cartwright_job_lag_seconds",
      help: "How late the last run of each job started after the start of its period",
      labelNames: ["job"] as const,
      registers: [registry],
      // one process per instance runs the jobs: across a cluster's workers the value is that one's
      aggregator: "max",
    }),
    jobDuration: new Histogram({
      name: "cartwright_job_duration_seconds",
      help: "How long each job run took",
      labelNames: ["job"] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
      registers: [registry],
    }),
    mailDeliveries: new Counter({
      name: "cartwright_mail_deliveries_total",
      help: "Mail delivery attempts by event and result (sent, retry, failed, skipped)",
      labelNames: ["event", "result"] as const,
      registers: [registry],
    }),
    eventLoopDelay: new Histogram({
      name: "cartwright_event_loop_delay_seconds",
      help: "How late a 10 ms timer ran: the time callbacks (a Redis reply, a request) waited for a busy event loop",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    kvLatency: new Histogram({
      name: "cartwright_kv_latency_seconds",
      help: "KV store commands by operation and result: the store's own time (wall time minus this process's event-loop stall meanwhile)",
      labelNames: ["op", "result"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    kvTimeouts: new Counter({
      name: "cartwright_kv_timeouts_total",
      help: "KV command deadlines by outcome: absorbed (the wait was our busy event loop, not the store), retried (an idempotent read, once), failed (503)",
      labelNames: ["op", "outcome"] as const,
      registers: [registry],
    }),
    httpInFlight: new Gauge({
      name: "cartwright_http_in_flight_requests",
      help: "Requests being worked on (summed over a cluster's workers)",
      registers: [registry],
    }),
    httpShed: new Counter({
      name: "cartwright_http_shed_total",
      help: "Requests refused with 503 and Retry-After because a process already had MAX_IN_FLIGHT requests in flight",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof create>;
const globalForMetrics = globalThis as unknown as { cartwrightMetrics?: Metrics };

/** One registry per process, shared by the HTTP server and every route bundle (kept on globalThis). */
export function metrics(): Metrics {
  globalForMetrics.cartwrightMetrics ??= create();
  return globalForMetrics.cartwrightMetrics;
}

/**
 * The metrics of the whole server as Prometheus text: under `npm start`'s cluster, the sum over every worker
 * (the worker that answers asks the primary, which gathers each worker's registry: scripts/cluster.ts); in a
 * single process, its own registry.
 */
export async function metricsText(): Promise<string> {
  const gather = (globalThis as unknown as { cartwrightClusterMetrics?: () => Promise<string> }).cartwrightClusterMetrics;
  if (gather) return gather();
  return metrics().registry.metrics();
}

/** A route label from a path: ids become placeholders so the label set stays small. */
export function routeLabel(pathname: string): string {
  if (pathname.startsWith("/_next/")) return "/_next/*";
  return (
    pathname
      .split("/")
      .map((seg) =>
        /^\d+$/.test(seg) || /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(seg) || /^[A-Za-z0-9_-]{20,}$/.test(seg) ? ":id" : seg,
      )
      .join("/")
      .slice(0, 120) || "/"
  );
}
