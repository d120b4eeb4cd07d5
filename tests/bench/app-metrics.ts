// Reads the app's Prometheus metrics (/api/metrics) and turns two snapshots into per-scenario figures.
import { request } from "./http";

/** CPU seconds of the app process (prom-client's default metric under the app's "cartwright_process_" prefix) */
export const APP_CPU_METRIC = "cartwright_process_process_cpu_seconds_total";

/** series text (name{labels}) -> value */
export type Snapshot = Map<string, number>;

export async function scrape(baseUrl: string, token: string): Promise<Snapshot> {
  const r = await request("GET", `${baseUrl}/api/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (r.status !== 200) throw new Error(`GET /api/metrics: ${r.status} ${r.text.slice(0, 200)}`);
  const out: Snapshot = new Map();
  for (const line of r.text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const sp = line.lastIndexOf(" ");
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}

const labelsOf = (series: string): Record<string, string> => {
  const open = series.indexOf("{");
  if (open < 0) return {};
  const out: Record<string, string> = {};
  for (const m of series.slice(open + 1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1] as string] = m[2] as string;
  return out;
};
const nameOf = (series: string) => (series.includes("{") ? series.slice(0, series.indexOf("{")) : series);
const matches = (labels: Record<string, string>, want: Record<string, string>) => Object.entries(want).every(([k, v]) => labels[k] === v);

/** Sum of a counter's (or gauge's) increase between snapshots, over the series matching `want`. */
export function counterDelta(before: Snapshot, after: Snapshot, name: string, want: Record<string, string> = {}): number {
  let n = 0;
  for (const [series, v] of after)
    if (nameOf(series) === name && matches(labelsOf(series), want)) n += v - (before.get(series) ?? 0);
  return n;
}

export type HistogramDelta = { count: number; mean: number; p50: number; p90: number; p99: number };

/** A histogram's observations between snapshots; percentiles interpolated inside buckets (upper-bound biased). */
export function histogramDelta(before: Snapshot, after: Snapshot, name: string, want: Record<string, string> = {}): HistogramDelta {
  const buckets = new Map<number, number>();
  let sum = 0;
  let count = 0;
  for (const [series, v] of after) {
    const n = nameOf(series);
    const labels = labelsOf(series);
    const d = v - (before.get(series) ?? 0);
    if (n === `${name}_bucket`) {
      const { le, ...rest } = labels;
      if (!matches(rest, want)) continue;
      const bound = le === "+Inf" ? Infinity : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + d);
    } else if (n === `${name}_sum` && matches(labels, want)) sum += d;
    else if (n === `${name}_count` && matches(labels, want)) count += d;
  }
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const quantile = (q: number): number => {
    if (count === 0) return NaN;
    const rank = q * count;
    let prevBound = 0;
    let prevCum = 0;
    for (const b of bounds) {
      const cum = buckets.get(b) ?? 0;
      if (cum >= rank) {
        if (!Number.isFinite(b)) return prevBound; // beyond the last finite bucket: report its bound
        const inBucket = cum - prevCum;
        return prevBound + (inBucket > 0 ? ((rank - prevCum) / inBucket) * (b - prevBound) : 0);
      }
      prevBound = b;
      prevCum = cum;
    }
    return prevBound;
  };
  return { count, mean: count ? sum / count : NaN, p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99) };
}
