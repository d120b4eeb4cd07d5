import { readdirSync, readFileSync } from "node:fs";
import { APP_CPU_METRIC, counterDelta, scrape } from "./app-metrics";
import * as s from "./scenarios";
import { benchWorld, METRICS_TOKEN, runScript, startBenchApp } from "./setup";

function serverPid(group: number): number {
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === group) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp === group && readFileSync(`/proc/${e}/cmdline`, "utf8").includes("scripts/serve.ts")) return Number(e);
    } catch {}
  }
  throw new Error("no server");
}
function threads(pid: number): Map<string, { u: number; s: number }> {
  const out = new Map<string, { u: number; s: number }>();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8");
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const key = `${comm}#${t === String(pid) ? "main" : t}`;
    out.set(key, { u: Number(f[11]) * 10, s: Number(f[12]) * 10 });
  }
  return out;
}
async function main() {
  const world = await benchWorld();
  const { variants, appEnv } = world;
  const maker = await startBenchApp(appEnv);
  const opts = (process.env.VARIANTS ?? "--max-semi-space-size=64").split("|");
  const apps = [];
  for (const o of opts) { const app = await startBenchApp(appEnv, { NODE_OPTIONS: o }); apps.push({ o, app, pid: serverPid(app.process.pid!), res: [] as string[], cpus: [] as number[] }); }
  try {
    for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
      for (const a of apps) {
        const N = round === 0 ? 200 : 600;
        const carts = await s.makeCarts(maker.url, N, variants.big);
        const before = await scrape(a.app.url, METRICS_TOKEN);
        const t0 = threads(a.pid);
        const placed = (await s.sellOut(a.app.url, carts, 200)).placed;
        const t1 = threads(a.pid);
        const cpu = (counterDelta(before, await scrape(a.app.url, METRICS_TOKEN), APP_CPU_METRIC) * 1000) / placed;
        if (round === 0) continue;
        let main = 0, other = 0;
        for (const [k, v] of t1) { const b = t0.get(k) ?? { u: 0, s: 0 }; const d = v.u + v.s - b.u - b.s; if (k.endsWith("#main")) main += d; else other += d; }
        a.cpus.push(cpu);
        a.res.push(`${cpu.toFixed(2)} (main ${(main / placed).toFixed(2)} other ${(other / placed).toFixed(2)})`);
      }
    }
    for (const a of apps) { const sorted = [...a.cpus].sort((x, y) => x - y); console.log(`${a.o.padEnd(60)} median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} | ${a.res.join(" | ")}`); }
  } finally {
    for (const a of apps) await a.app.stop();
    await maker.stop();
    await world.close();
  }
}
runScript(main);
