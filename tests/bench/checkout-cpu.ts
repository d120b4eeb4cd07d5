// Where a placed checkout's app CPU goes, function by function:
//
//   npx tsx tests/bench/checkout-cpu.ts            (CHECKOUTS=400 by default)
//   WARM_CHECKOUTS=1500 (default) checkouts are placed first, unprofiled, so the profile is of the steady state
//   CART=0 npx tsx tests/bench/checkout-cpu.ts     without the GET /api/health and add-to-cart profiles
//
// An app instance with V8's sampling profiler (cpu-profile.ts) places CHECKOUTS checkouts on a big-stock
// SKU from 200 clients (carts made beforehand on another instance, not profiled); every sample is mapped through the
// build's source maps. Prints the app CPU per placed checkout, the shares of its main-thread time by package (the
// breakdown BENCHMARKS.md shows, from cpu-profile.ts, in ms per request), the top functions by self time, and the app's own
// functions (lib/, app/) by inclusive time: the list the CPU cuts of POST /api/checkout were chosen from.
// First, in the same profiled instance, GET /api/health and POST /api/carts/{id}/items (guest carts, 50
// connections, CART_SECONDS each): their main-thread ms per request and add-to-cart's ratio to health.
import { SourceMap } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { APP_CPU_METRIC, counterDelta, scrape } from "./app-metrics";
import { profileCpu, type CpuBreakdown, type CpuProfile } from "./cpu-profile";
import * as s from "./scenarios";
import { benchWorld, buildWithoutTsconfigEdit, METRICS_TOKEN, runScript, startBenchApp } from "./setup";

const CHECKOUTS = Number(process.env.CHECKOUTS ?? 400);
/** checkouts placed before the profiled ones, unmeasured: V8 optimises the hot code on background threads meanwhile */
const WARM_CHECKOUTS = Number(process.env.WARM_CHECKOUTS ?? 1500);
const TOP = Number(process.env.TOP ?? 30);
const CART = process.env.CART !== "0";
const CART_SECONDS = Number(process.env.CART_SECONDS ?? 5);
const busyMs = new Map<string, number>();
/** the app process's CPU (user + system, from its own metrics) per request: unlike the profile's wall-clock
 *  samples, this does not grow when other processes take the cores */
const cpuMs = new Map<string, number>();

/** Runs a workload and, when it is measured, records the app's CPU seconds per request it reports. */
function withCpu(name: string, run: (base: string, warm: boolean) => Promise<number>): { name: string; run: (base: string, warm: boolean) => Promise<number> } {
  return {
    name,
    run: async (base, warm) => {
      if (warm) return run(base, warm);
      const before = await scrape(base, METRICS_TOKEN);
      const n = await run(base, warm);
      const after = await scrape(base, METRICS_TOKEN);
      cpuMs.set(name, (counterDelta(before, after, APP_CPU_METRIC) * 1000) / Math.max(1, n));
      return n;
    },
  };
}

const maps = new Map<string, SourceMap | null>();
function frameOf(url: string, line: number, col: number, fn: string): string {
  if (!url) return `(native) ${fn || "(anonymous)"}`;
  if (url.startsWith("node:")) return `${url} ${fn}`;
  const file = url.startsWith("file://") ? fileURLToPath(url) : url;
  if (!maps.has(file)) {
    try {
      maps.set(file, new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8"))));
    } catch {
      maps.set(file, null);
    }
  }
  const e = maps.get(file)?.findEntry(line, col) as { originalSource?: string; originalLine?: number } | undefined;
  const src = (e?.originalSource ?? file).replace(/^turbopack:\/\/\/?(\[project\]\/)?/, "").replace(/^.*node_modules\//, "~");
  return `${src}:${(e?.originalLine ?? line) + 1} ${fn || "(anonymous)"}`;
}

function analyse(name: string, requests: number, p: CpuProfile): void {
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let busyUs = 0;
  p.samples.forEach((id, i) => {
    const n = nodes.get(id)!;
    if (n.callFrame.functionName === "(idle)") return;
    const dt = p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0;
    busyUs += dt;
    const f = n.callFrame;
    const leaf = frameOf(f.url, f.lineNumber, f.columnNumber, f.functionName);
    self.set(leaf, (self.get(leaf) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const c = nodes.get(cur)!.callFrame;
      if (!c.url || c.url.startsWith("node:")) continue;
      const fr = frameOf(c.url, c.lineNumber, c.columnNumber, c.functionName);
      if (!/(^|\/)(lib|app)\//.test(fr) || fr.includes("~") || seen.has(fr)) continue;
      seen.add(fr);
      incl.set(fr, (incl.get(fr) ?? 0) + dt);
    }
  });
  const per = (us: number) => (us / 1000 / Math.max(1, requests)).toFixed(3);
  busyMs.set(name, busyUs / 1000 / Math.max(1, requests));
  console.log(`\n=== ${name}: ${requests} placed, main-thread busy ${per(busyUs)} ms per placed checkout ===`);
  console.log(`-- top ${TOP} by self time (ms per checkout) --`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${per(v).padStart(7)}  ${k}`);
  console.log(`-- app functions by inclusive time (ms per checkout) --`);
  for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${per(v).padStart(7)}  ${k}`);
}

async function main(): Promise<void> {
  buildWithoutTsconfigEdit();
  const world = await benchWorld();
  const { variants, appEnv } = world;
  try {
    const maker = await startBenchApp(appEnv);
    let breakdowns: CpuBreakdown[];
    try {
      const addCarts = CART ? await s.makeCartsEmpty(maker.url, 500) : [];
      breakdowns = await profileCpu(
        appEnv,
        [
          ...(CART
            ? [
                withCpu("GET /api/health", async (b, warm) => (await s.baseline(b, warm ? 1 : CART_SECONDS)).completed),
                withCpu("POST /api/carts/{id}/items", async (b, warm) => (await s.addToCartLoad(b, addCarts, variants.big, warm ? 1 : CART_SECONDS)).completed),
              ]
            : []),
          withCpu("POST /api/checkout", async (b, warm) => {
            // the carts are made on the other instance before the clock starts
            const carts = await s.makeCarts(maker.url, warm ? WARM_CHECKOUTS : CHECKOUTS, variants.big);
            const before = warm ? null : await scrape(b, METRICS_TOKEN);
            const placed = (await s.sellOut(b, carts, 200)).placed;
            if (before) cpuMs.set("POST /api/checkout", (counterDelta(before, await scrape(b, METRICS_TOKEN), APP_CPU_METRIC) * 1000) / Math.max(1, placed));
            return placed;
          }),
        ],
        { onProfile: analyse },
      );
    } finally {
      await maker.stop();
    }
    for (const b of breakdowns) {
      console.log(`\n=== ${b.workload}: main thread by package (ms per request, share) ===`);
      for (const c of b.categories) if (c.share >= 0.005) console.log(`${(c.share * b.cpuMsPerRequest).toFixed(3).padStart(7)}  ${(100 * c.share).toFixed(0).padStart(3)}%  ${c.name}`);
    }
    const health = busyMs.get("GET /api/health");
    const add = busyMs.get("POST /api/carts/{id}/items");
    console.log("\n=== summary: main-thread ms per request (profile) | app process CPU ms per request (metrics) ===");
    for (const [k, v] of busyMs) console.log(`${v.toFixed(3).padStart(7)} | ${(cpuMs.get(k) ?? NaN).toFixed(3).padStart(7)}  ${k}`);
    const cpuHealth = cpuMs.get("GET /api/health");
    const cpuAdd = cpuMs.get("POST /api/carts/{id}/items");
    if (health && add) console.log(`add-to-cart / health: ${(add / health).toFixed(2)} (profile), ${((cpuAdd ?? NaN) / (cpuHealth ?? NaN)).toFixed(2)} (process CPU)`);
  } finally {
    await world.close();
  }
}

runScript(main);
