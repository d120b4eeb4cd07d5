// `npm start`: brings the whole store up. With no environment it runs on the embedded default (PGlite on a local
// port, data in ./.data, the KV store in the same database, the built-in test payment provider); with
// DATABASE_URL / REDIS_URL / STRIPE_* set it uses those. Ctrl-C stops everything it started.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { EnvError, parseEnv } from "../lib/env";
import { createPrismaClient } from "../lib/db";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres";
import { DATA_DIR, checkDatabaseReachable, ensureSecrets, migrateDeploy } from "./runtime-setup";
import { demoInfo } from "./demo-info";
import { seed } from "./seed";
import { serverNodeOptions } from "./node-options";

const dev = process.argv.includes("--dev");
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
const port = Number(process.env.PORT ?? 3000);
const EMBEDDED_PORT = Number(process.env.EMBEDDED_DB_PORT ?? 54329);

let embedded: EmbeddedPostgres | undefined;
const log = (msg: string) => console.log(`[cartwright] ${msg}`);

function newestMtime(paths: string[]): number {
  let newest = 0;
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      if (p.endsWith(`${path.sep}generated`) || p.endsWith("node_modules")) return;
      for (const e of readdirSync(p)) walk(path.join(p, e));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  paths.forEach(walk);
  return newest;
}

function buildIfNeeded(): void {
  const buildId = path.join(".next", "BUILD_ID");
  const sources = ["app", "components", "emails", "lib", "public", "next.config.js", "package-lock.json", "tsconfig.json"];
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= newestMtime(sources)) return;
  log("building the app (first start, or sources changed)...");
  const r = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (r.status !== 0) throw new Error("next build failed (see above)");
}

async function main(): Promise<void> {
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  // The embedded default (no DATABASE_URL) is a demo on this machine: it generates its secrets, seeds the demo
  // accounts and takes test payments. Anything else is a real deployment and must say so explicitly
  // (NEXTAUTH_SECRET, SEED_DEMO=1, PAYMENT_PROVIDER=test or Stripe keys): nothing is guessed for it.
  const embeddedDefault = !process.env.DATABASE_URL;
  // `npm run dev` also generates them: there is no built-in fallback secret in any mode
  if (embeddedDefault || dev) ensureSecrets();
  process.env.NEXTAUTH_URL ??= `http://localhost:${port}`;

  if (embeddedDefault) {
    log(`no DATABASE_URL: starting the embedded PostgreSQL (PGlite) on 127.0.0.1:${EMBEDDED_PORT}, data in ${path.relative(".", DATA_DIR)}/pglite`);
    embedded = await startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, "pglite"), port: EMBEDDED_PORT, quiet: true });
    process.env.DATABASE_URL = embedded.url;
    // PGlite serves one connection's transaction at a time: a small pool avoids queueing behind itself.
    process.env.DATABASE_POOL_SIZE ??= "4";
    // One HTTP worker, not one per core: PGlite is one process running one transaction at a time, so more workers
    // would only queue behind each other on it (and the embedded KV table lives in that same database).
    if (process.env.WEB_CONCURRENCY && process.env.WEB_CONCURRENCY !== "1")
      log(`WEB_CONCURRENCY=${process.env.WEB_CONCURRENCY} ignored: the embedded PGlite runs one transaction at a time, so one HTTP worker serves`);
    else log("one HTTP worker: the embedded PGlite runs one transaction at a time (set DATABASE_URL to serve on every core)");
    process.env.WEB_CONCURRENCY = "1";
  }

  if (embeddedDefault) {
    // without Stripe keys the embedded store takes test payments (Stripe's test card numbers); say so
    // explicitly, because the production server refuses to guess that
    if (!process.env.STRIPE_SECRET_KEY && !process.env.PAYMENT_PROVIDER) process.env.PAYMENT_PROVIDER = "test";
    process.env.SEED_DEMO ??= "1";
  }
  // checked as the server will run (production unless --dev): throws EnvError naming every bad variable, e.g.
  // no Stripe key and no PAYMENT_PROVIDER=test, or a missing or example NEXTAUTH_SECRET
  const config = parseEnv({ ...process.env, NODE_ENV: dev ? "development" : "production" });
  log(`database: ${embedded ? "embedded PGlite" : "DATABASE_URL"}; KV store: ${config.UPSTASH_REDIS_REST_URL ? "Upstash" : config.REDIS_URL ? "Redis (REDIS_URL)" : "database table (embedded)"}; payments: ${config.paymentProvider}`);

  await checkDatabaseReachable(config.DATABASE_URL);
  migrateDeploy(config.DATABASE_URL);
  const db = createPrismaClient(config.DATABASE_URL, 2);
  try {
    await seed(db, (m) => log(m), { demoAccounts: config.SEED_DEMO });
    for (const line of await demoInfo(db)) log(line);
  } finally {
    await db.$disconnect();
  }

  if (!dev) buildIfNeeded();
  // our own server (scripts/serve.ts) around Next's handler, run directly so a signal reaches it
  const next = spawn(process.execPath, [tsxCli, "scripts/serve.ts", ...(dev ? ["--dev"] : []), "--port", String(port)], {
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: dev ? "development" : "production", NODE_OPTIONS: serverNodeOptions(process.env.NODE_OPTIONS) },
  });

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (next.exitCode === null) {
      next.kill("SIGTERM");
      await new Promise((r) => next.once("exit", r));
    }
    await embedded?.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  next.on("exit", (code) => void stop(code ?? 0));
}

main().catch(async (e: unknown) => {
  const message = e instanceof EnvError ? e.message : e instanceof Error ? e.message : String(e);
  console.error(`[cartwright] cannot start: ${message}`);
  await embedded?.stop();
  process.exit(1);
});
