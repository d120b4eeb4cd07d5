// App CPU per request of two builds of the app in ONE run, interleaved, so a busy shared machine weighs on both alike:
//
//   AB_BEFORE=<another checkout of the repo, built with its own `next build` into .next-test-bench> \
//     npx tsx tests/bench/ab-cpu.ts        (ROUNDS=3, AB_SECONDS=4, CHECKOUTS=200)
//
// Both instances use one database, Redis prefix and Stripe fake. Each round runs, on "before" then "after" (the order
// alternates every round), GET /api/health and POST /api/carts/{id}/items (guest carts, 50 connections) for AB_SECONDS
// each, then CHECKOUTS placed checkouts of a big-stock SKU from 200 clients (carts made on the other instance,
// not counted). The app's CPU is its process's user + system seconds (its own metrics), divided by the requests
// answered; the medians over the rounds are printed with the ratios the targets are stated in.
import { existsSync } from "node:fs";
import path from "node:path";
import { APP_CPU_METRIC, counterDelta, scrape } from "./app-metrics";
import { median } from "./load";
import * as s from "./scenarios";
import { BENCH_DIST_DIR, benchWorld, buildWithoutTsconfigEdit, METRICS_TOKEN, runScript, startBenchApp } from "./setup";

const BEFORE = process.env.AB_BEFORE;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.AB_SECONDS ?? 4);
const CHECKOUTS = Number(process.env.CHECKOUTS ?? 200);

async function cpuPerRequest(base: string, run: () => Promise<number>): Promise<number> {
  const before = await scrape(base, METRICS_TOKEN);
  const n = await run();
  const after = await scrape(base, METRICS_TOKEN);
  return (counterDelta(before, after, APP_CPU_METRIC) * 1000) / Math.max(1, n);
}

async function main(): Promise<void> {
  if (!BEFORE || !existsSync(path.join(BEFORE, BENCH_DIST_DIR))) throw new Error(`AB_BEFORE must name a checkout with a ${BENCH_DIST_DIR} build`);
  const here = process.cwd();
  if (process.env.AB_BUILD !== "0") buildWithoutTsconfigEdit();
  const world = await benchWorld();
  const { variants, appEnv: env } = world;
  try {
    // the server runs scripts/serve.ts and its build from the working directory it is started in
    process.chdir(BEFORE);
    // AB_WORKERS: both instances with that many workers (WEB_CONCURRENCY; their metrics sum every worker's CPU)
    const workers: Record<string, string> = process.env.AB_WORKERS ? { WEB_CONCURRENCY: process.env.AB_WORKERS } : {};
    // AB_BEFORE_NODE_OPTIONS / AB_AFTER_NODE_OPTIONS: the same comparison for a runtime flag (AB_BEFORE may then be this
    // checkout itself); the bench servers otherwise run with npm start's NODE_OPTIONS (scripts/node-options.ts)
    const nodeOptions = (v: string | undefined): Record<string, string> => (v ? { NODE_OPTIONS: v } : {});
    // AB_BEFORE_ENV / AB_AFTER_ENV: more of either side's environment, as K=V,K=V (e.g. PAYMENT_PROVIDER=test: what
    // the Stripe call costs)
    const envList = (v: string | undefined): Record<string, string> =>
      Object.fromEntries((v ?? "").split(",").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    const before = await startBenchApp(env, { ...workers, ...nodeOptions(process.env.AB_BEFORE_NODE_OPTIONS), ...envList(process.env.AB_BEFORE_ENV) });
    process.chdir(here);
    const after = await startBenchApp(env, { ...workers, ...nodeOptions(process.env.AB_AFTER_NODE_OPTIONS), ...envList(process.env.AB_AFTER_ENV) });
    const apps = { before, after };
    const results: Record<string, Record<string, number[]>> = { before: {}, after: {} };
    const note = (which: string, what: string, ms: number) => ((results[which]![what] ??= []).push(ms), console.log(`  ${which.padEnd(6)} ${what.padEnd(28)} ${ms.toFixed(3)} ms`));
    try {
      const carts = await s.makeCartsEmpty(after.url, 500);
      for (const which of ["before", "after"] as const) {
        // warm-up, not counted
        await s.baseline(apps[which].url, 1);
        await s.addToCartLoad(apps[which].url, carts, variants.big, 1);
        await s.sellOut(apps[which].url, await s.makeCarts(after.url, 50, variants.big), 50);
      }
      for (let round = 0; round < ROUNDS; round++) {
        console.log(`round ${round + 1}`);
        const order = round % 2 === 0 ? (["before", "after"] as const) : (["after", "before"] as const);
        for (const which of order) {
          const base = apps[which].url;
          note(which, "GET /api/health", await cpuPerRequest(base, async () => (await s.baseline(base, SECONDS)).completed));
          note(which, "POST /api/carts/{id}/items", await cpuPerRequest(base, async () => (await s.addToCartLoad(base, carts, variants.big, SECONDS)).completed));
          const checkoutCarts = await s.makeCarts(which === "before" ? after.url : before.url, CHECKOUTS, variants.big);
          note(which, "POST /api/checkout (placed)", await cpuPerRequest(base, async () => (await s.sellOut(base, checkoutCarts, 200)).placed));
        }
      }
    } finally {
      await before.stop();
      await after.stop();
    }
    console.log("\n=== medians: app process CPU ms per request ===");
    for (const which of ["before", "after"]) {
      const r = results[which]!;
      const health = median(r["GET /api/health"] ?? []);
      const add = median(r["POST /api/carts/{id}/items"] ?? []);
      const checkout = median(r["POST /api/checkout (placed)"] ?? []);
      console.log(
        `${which.padEnd(6)} health ${health.toFixed(3)}  add-to-cart ${add.toFixed(3)}  checkout ${checkout.toFixed(3)}  ` +
          `add/health ${(add / health).toFixed(2)}  checkout/health ${(checkout / health).toFixed(2)}`,
      );
    }
  } finally {
    await world.close();
  }
}

runScript(main);
