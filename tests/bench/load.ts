// Load runs with autocannon's programmatic API (in this process: no CLI, no workers). Latencies are recorded
// from autocannon's own per-response timings (hrtime, sub-millisecond) so any percentile can be reported exactly.
import autocannon from "autocannon";

export type Latencies = { p50: number; p95: number; p99: number; max: number; mean: number; count: number };

/** Exact percentiles (nearest rank) of a list of milliseconds. */
export function percentiles(ms: readonly number[]): Latencies {
  if (ms.length === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN, count: 0 };
  const s = Float64Array.from(ms).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
  let sum = 0;
  for (const v of s) sum += v;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1] as number, mean: sum / s.length, count: s.length };
}

/** The middle value (of an even count, the upper of the two middle ones), NaN for none. */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export type LoadResult = {
  /** completed responses per second over the run */
  rps: number;
  latency: Latencies;
  /** every answer by status */
  statuses: Record<string, number>;
  non2xx: number;
  /** connection errors and timeouts (no answer at all) */
  errors: number;
  timeouts: number;
  durationS: number;
  completed: number;
};

export type LoadOptions = autocannon.Options & {
  /** latencies of answers with these statuses only (default: every answer) */
  latencyOf?: (status: number) => boolean;
};

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const { latencyOf, ...options } = opts;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let completed = 0;
  const started = performance.now();
  let lastAt = started;
  const instance = autocannon({ timeout: 60, ...options });
  instance.on("response", (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    completed += 1;
    lastAt = performance.now();
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (!latencyOf || latencyOf(status)) latencies.push(responseTime);
  });
  const result = await instance;
  // a duration run ends on the timer; an `amount` run ends with its last answer
  const durationS = options.amount ? (lastAt - started) / 1000 : result.duration;
  const non2xx = Object.entries(statuses).reduce((n, [s, c]) => (s.startsWith("2") ? n : n + c), 0);
  return {
    rps: completed / durationS,
    latency: percentiles(latencies),
    statuses,
    non2xx,
    errors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    durationS,
    completed,
  };
}
