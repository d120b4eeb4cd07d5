// Where the app's CPU goes: an app instance started with V8's sampling profiler (--cpu-prof), a workload, then
// the samples taken during the workload only, each mapped back through the build's source maps to the package
// or app module it ran in. Answers "what does one request spend its CPU on" with numbers.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { SourceMap } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startBenchApp, type AppEnv } from "./setup";

export type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] };
export type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

export type CpuCategory = { name: string; share: number };
export type CpuBreakdown = { workload: string; requests: number; samples: number; cpuMsPerRequest: number; categories: CpuCategory[] };

function packageOf(source: string): string | null {
  const i = source.lastIndexOf("node_modules/");
  if (i < 0) return null;
  const rest = source.slice(i + "node_modules/".length).split("/");
  return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? null);
}

function categorize(rawSource: string): string {
  let source = rawSource;
  try {
    source = decodeURIComponent(rawSource); // bundler paths spell @scope as %40scope
  } catch {
    /* keep it as it is */
  }
  const pkg = packageOf(source);
  if (pkg === "@prisma/client" || pkg === "@prisma/adapter-pg" || pkg?.startsWith("@prisma/") || source.includes("lib/db/generated"))
    return "Prisma client (query building, results)";
  if (pkg === "pg" || pkg === "pg-protocol" || pkg === "pg-types" || pkg === "pg-pool") return "pg driver";
  if (pkg?.startsWith("@redis/") || pkg === "redis") return "Redis client";
  // Next.js ships its own React build (next/dist/compiled/react*): rendering counts here too
  if (pkg === "next" || pkg === "react-dom" || pkg === "react" || pkg === "react-server-dom-turbopack") return "Next.js and React (routing, rendering, responses)";
  if (pkg === "next-auth" || pkg === "jose" || pkg === "@panva/hkdf" || pkg === "openid-client" || pkg === "oauth") return "next-auth (session)";
  if (pkg === "zod") return "zod (validation)";
  if (pkg === "stripe") return "Stripe SDK";
  if (pkg === "prom-client" || pkg === "pino") return "metrics and logs";
  if (pkg) return `other packages (${pkg})`;
  const app = /(?:^|\/)(lib|app|components|scripts)\/(\w[\w-]*)/.exec(source.replace(/^.*?\/work\/[^/]+\//, ""));
  if (app) return app[1] === "lib" ? `app code: lib/${app[2]}` : `app code: ${app[1]}/`;
  return "other JavaScript";
}

// Built-ins (no script) and Node's own modules count for the code that called them: a socket write made by the
// Redis client is the Redis client's cost. Only what has no caller but Node itself (the HTTP server parsing a request,
// timers, the event loop) is Node's.
const INHERIT = "inherit";
const NODE = "node";
const NODE_ITSELF = "Node.js itself (HTTP parsing, sockets, event loop)";
const NATIVE = "V8 / native (compiling, runtime)";

/** Maps profile nodes to categories, through the build's source maps where the code is a bundle chunk. */
class Categorizer {
  private readonly maps = new Map<string, SourceMap | null>();
  constructor(private readonly root: string) {}

  private mapFor(file: string): SourceMap | null {
    if (!this.maps.has(file)) {
      let sm: SourceMap | null = null;
      try {
        sm = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
      } catch {
        sm = null;
      }
      this.maps.set(file, sm);
    }
    return this.maps.get(file) ?? null;
  }

  of(node: ProfileNode): string | null {
    const { url, functionName, lineNumber, columnNumber } = node.callFrame;
    if (functionName === "(idle)") return null;
    if (functionName === "(garbage collector)") return "garbage collection";
    if (functionName === "(program)" || functionName === "(root)") return NATIVE;
    if (url.startsWith("wasm://")) return "Prisma query compiler (WebAssembly)";
    if (url.startsWith("node:")) return NODE;
    if (!url) return INHERIT;
    let file = url;
    if (url.startsWith("file://")) file = fileURLToPath(url);
    if (file.includes("/server/chunks/") || file.includes("/server/app/")) {
      const sm = this.mapFor(file);
      const entry = sm?.findEntry(lineNumber, columnNumber) as { originalSource?: string } | undefined;
      if (entry?.originalSource) return categorize(entry.originalSource.replace(/^turbopack:\/\/\/?(\[project\]\/)?/, `${this.root}/`));
      return "bundled code (no source map entry)";
    }
    return categorize(file);
  }
}

/** The pid of the server itself: the node process in the app's process group running scripts/serve.ts, not tsx's launcher. */
function serverPid(group: number): number {
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === group) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp === group && readFileSync(`/proc/${e}/cmdline`, "utf8").includes("scripts/serve.ts")) return Number(e);
    } catch {
      /* gone */
    }
  }
  throw new Error("cannot find the app server's process");
}

async function waitForFile(file: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`no CPU profile at ${file}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function breakdown(name: string, requests: number, profile: CpuProfile, cat: Categorizer): CpuBreakdown {
  // A built-in without a script (JSON.parse, a RegExp, Buffer methods) counts for the code that called it.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const own = new Map<number, string | null>();
  for (const n of profile.nodes) own.set(n.id, cat.of(n));
  const byNode = new Map<number, string | null>();
  const resolve = (id: number): string | null => {
    if (byNode.has(id)) return byNode.get(id)!;
    const c = own.get(id) ?? null;
    let result: string | null = c;
    if (c === INHERIT || c === NODE) {
      const p = parent.get(id);
      const up = p !== undefined && nodes.get(p)?.callFrame.functionName !== "(root)" ? resolve(p) : null;
      if (up !== null && up !== NODE_ITSELF && up !== NATIVE) result = up;
      else result = c === NODE || up === NODE_ITSELF ? NODE_ITSELF : NATIVE;
    }
    byNode.set(id, result);
    return result;
  };
  for (const n of profile.nodes) resolve(n.id);
  const counts = new Map<string, number>();
  let total = 0;
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const c = byNode.get(id);
    if (c === null || c === undefined) return;
    counts.set(c, (counts.get(c) ?? 0) + 1);
    total += 1;
    busyUs += profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
  });
  return {
    workload: name,
    requests,
    samples: total,
    cpuMsPerRequest: busyUs / 1000 / Math.max(1, requests),
    categories: [...counts].map(([n, k]) => ({ name: n, share: k / Math.max(1, total) })).sort((a, b) => b.share - a.share),
  };
}

/**
 * Starts an app instance with the profiler preloaded; for each workload: one unmeasured run (warm-up), then a run
 * with the profiler on. Returns, per workload, the main thread's CPU per request and where it went.
 */
export async function profileCpu(
  env: AppEnv,
  workloads: { name: string; run: (baseUrl: string, warmUp: boolean) => Promise<number> }[],
  opts: { extraEnv?: Record<string, string>; onProfile?: (workload: string, requests: number, profile: CpuProfile) => void } = {},
): Promise<CpuBreakdown[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cw-bench-cpuprof-"));
  // Node refuses --cpu-prof in NODE_OPTIONS, so a preloaded module runs the profiler through node:inspector
  const preload = path.join(path.dirname(fileURLToPath(import.meta.url)), "cpu-profiler-preload.mjs");
  const out: CpuBreakdown[] = [];
  try {
    const app = await startBenchApp(env, {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${pathToFileURL(preload).href}`.trim(),
      CW_CPU_PROFILE_DIR: dir,
      CW_CPU_PROFILE_INTERVAL_US: "500",
      ...opts.extraEnv,
    });
    try {
      const pid = serverPid(app.process.pid!);
      const cat = new Categorizer(process.cwd());
      for (const [i, w] of workloads.entries()) {
        await w.run(app.url, true); // warm-up, not profiled
        process.kill(pid, "SIGUSR2");
        await new Promise((r) => setTimeout(r, 100));
        const requests = await w.run(app.url, false);
        process.kill(pid, "SIGUSR2");
        const file = path.join(dir, `cpu-${pid}-${i}.cpuprofile`);
        await waitForFile(file);
        const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
        opts.onProfile?.(w.name, requests, profile);
        out.push(breakdown(w.name, requests, profile, cat));
      }
    } finally {
      await app.stop();
    }
    return out;
  } finally {
    if (!process.env.BENCH_KEEP_PROFILES) rmSync(dir, { recursive: true, force: true });
    else console.log(`CPU profiles kept in ${dir}`);
  }
}
