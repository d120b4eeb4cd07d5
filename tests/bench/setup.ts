// Everything the benchmark stands on: the production build, its own database (migrated, seeded, with bench
// products), the Stripe fake, app instances, a Redis key prefix of its own, and the clean-up of all of it.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { createClient } from "redis";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { seed } from "../../scripts/seed";
import { startStripeFake, type StripeFake } from "../fakes/stripe-fake";
import { buildApp, startApp, type AppServer } from "../support/app-server";
import { freePort } from "../support/net";
import { closeAgent } from "./http";
import { baseDatabaseUrl, createMigratedDatabase, testRedisUrl } from "../support/test-database";

/** Its own build folder; `.next-test*` is ignored by git and by tsc already. */
export const BENCH_DIST_DIR = ".next-test-bench";
export const METRICS_TOKEN = "bench-metrics-token-0123456789";
export const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 20);

/**
 * `next build` adds its build folder's type globs to tsconfig.json. That edit is a side effect of building into
 * a folder of our own, not a change anyone asked for: when it is the only change, the file is put back exactly.
 */
export function buildWithoutTsconfigEdit(): void {
  const path = "tsconfig.json";
  const before = readFileSync(path, "utf8");
  try {
    buildApp(BENCH_DIST_DIR);
  } finally {
    const after = readFileSync(path, "utf8");
    if (after !== before) {
      try {
        const strip = (text: string) => {
          const cfg = JSON.parse(text) as { include?: string[] };
          cfg.include = (cfg.include ?? []).filter((p) => !p.startsWith(`${BENCH_DIST_DIR}/`));
          return JSON.stringify(cfg);
        };
        if (strip(after) === strip(before)) writeFileSync(path, before);
        else console.warn("tsconfig.json changed during the build beyond the bench build folder's entries; left as it is");
      } catch {
        console.warn("tsconfig.json could not be compared after the build; left as it is");
      }
    }
  }
}

export type BenchVariants = {
  productId: number;
  /** the hot SKU of the sell-out */
  hot: number;
  hotStock: number;
  /** a second hot SKU with the same stock, for the sell-out on N workers (5b) */
  hotW: number;
  /** stock larger than any run can sell: add-to-cart, sustained checkouts, warm-ups */
  big: number;
  bigStock: number;
  /** driven directly by the ceiling runs (never through the app) */
  ceiling: number;
  ceilingStock: number;
  /** ordinary catalog variants, for carts that look like carts */
  catalog: number[];
};

export type BenchDatabase = { url: string; name: string; adminUrl: string; db: PrismaClient; drop: () => Promise<void> };

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const created = await createMigratedDatabase("cw_bench");
  const db = createPrismaClient(created.url, 4);
  await seed(db, () => {}, { demoAccounts: true });
  return {
    url: created.url,
    name: new URL(created.url).pathname.slice(1),
    adminUrl: baseDatabaseUrl(),
    db,
    drop: async () => {
      await db.$disconnect().catch(() => {});
      await created.drop();
    },
  };
}

export async function addBenchCatalog(db: PrismaClient, hotStock: number): Promise<BenchVariants> {
  const big = 10_000_000;
  const product = await db.product.create({
    data: {
      slug: `bench-drop-tee-${randomBytes(3).toString("hex")}`,
      name: "Bench Drop Tee",
      description: "A limited drop, for the benchmarks.",
      basePrice: 2500,
      currency: "USD",
      variants: {
        create: [
          { sku: "BENCH-HOT", attributes: { size: "M" }, stockQuantity: hotStock },
          { sku: "BENCH-HOT-W", attributes: { size: "S" }, stockQuantity: hotStock },
          { sku: "BENCH-BIG", attributes: { size: "L" }, stockQuantity: big },
          { sku: "BENCH-CEILING", attributes: { size: "XL" }, stockQuantity: big },
        ],
      },
    },
    include: { variants: true },
  });
  const id = (sku: string) => product.variants.find((v) => v.sku === sku)!.id;
  const catalog = await db.productVariant.findMany({
    where: { isActive: true, stockQuantity: { gt: 20 }, product: { isActive: true, currency: "USD", id: { not: product.id } } },
    orderBy: { id: "asc" },
    distinct: ["productId"],
    take: 2,
    select: { id: true },
  });
  return {
    productId: product.id,
    hot: id("BENCH-HOT"),
    hotStock,
    hotW: id("BENCH-HOT-W"),
    big: id("BENCH-BIG"),
    bigStock: big,
    ceiling: id("BENCH-CEILING"),
    ceilingStock: big,
    catalog: catalog.map((v) => v.id),
  };
}

export type AppEnv = { databaseUrl: string; redisUrl: string; kvPrefix: string; fake: StripeFake; nextAuthSecret: string };

/** Every app instance the bench has started and not yet stopped (so an interrupted run can stop them all). */
export const runningApps = new Set<AppServer>();

export async function startBenchApp(env: AppEnv, extra: Record<string, string> = {}): Promise<AppServer> {
  const port = await freePort();
  const app = await startApp({
    port,
    quiet: true,
    distDir: BENCH_DIST_DIR,
    env: {
      DATABASE_URL: env.databaseUrl,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      REDIS_URL: env.redisUrl,
      KV_PREFIX: env.kvPrefix,
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: "sk_test_cartwrightbench0123456789",
      STRIPE_WEBHOOK_SECRET: "whsec_cartwrightbench0123456789",
      STRIPE_API_BASE: env.fake.url,
      // every instance signs and reads the same session and cart cookies
      NEXTAUTH_SECRET: env.nextAuthSecret,
      METRICS_TOKEN,
      LOG_LEVEL: "warn",
      // as behind a load balancer: a checkout's shopper is the first X-Forwarded-For hop (scenarios.shopperAddress)
      TRUST_PROXY: "1",
      ...extra,
    },
  });
  runningApps.add(app);
  const stop = app.stop;
  return {
    ...app,
    stop: async () => {
      await stop();
      runningApps.delete(app);
    },
  };
}

export function newKvPrefix(): string {
  return `cwbench:${randomBytes(4).toString("hex")}:`;
}

export { startStripeFake, testRedisUrl };

/** Deletes every Redis key under the prefix; returns how many. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  let deleted = 0;
  try {
    const batch: string[] = [];
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      batch.push(...(Array.isArray(keys) ? keys : [keys]));
      if (batch.length >= 1000) deleted += await client.unlink(batch.splice(0));
    }
    if (batch.length) deleted += await client.unlink(batch.splice(0));
  } finally {
    await client.quit().catch(() => {});
  }
  return deleted;
}

/**
 * Redis commands executed server-wide (INFO commandstats), to count commands per request in a quiet window. One
 * connection for all readings, so connecting costs nothing between two readings; each reading's own INFO is
 * counted by the next one, so a difference of two readings includes exactly one extra command.
 */
export class RedisCommandCounter {
  private readonly client;
  constructor(url: string) {
    this.client = createClient({ url });
  }
  async connect(): Promise<this> {
    await this.client.connect();
    return this;
  }
  async read(): Promise<number> {
    const info = await this.client.info("commandstats");
    let n = 0;
    for (const m of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) n += Number(m[1]);
    return n;
  }
  async close(): Promise<void> {
    await this.client.quit().catch(() => {});
  }
}

/** Other test runs on the machine right now (they would skew the numbers): their command lines. */
export function otherTestRuns(): string[] {
  // this run and whatever started it (npm, npx, tsx) are not "other"
  const mine = new Set<number>();
  for (let pid = process.pid; pid > 1 && !mine.has(pid); ) {
    mine.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      break;
    }
  }
  const found: string[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || mine.has(Number(e))) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      if (/playwright test|vitest|next build|next-server|scripts\/serve\.ts|tests\/bench\/run\.ts|pgbench|autocannon/.test(cmd) && !cmd.includes(BENCH_DIST_DIR))
        found.push(`${e}: ${cmd.slice(0, 120)}`);
    } catch {
      /* gone */
    }
  }
  return found;
}

export function machine(): { cores: number; cpuModel: string; memoryGiB: number; node: string; os: string; loadAvg: number[] } {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** A standalone bench script's world: a bench database with the catalog, the Stripe fake, a Redis prefix of its own
 *  and the app environment over them; close() takes it all down again. */
export async function benchWorld(hotStock = 100) {
  const database = await createBenchDatabase();
  const fake = await startStripeFake();
  const redisUrl = testRedisUrl();
  const kvPrefix = newKvPrefix();
  const close = async () => {
    await fake.close();
    closeAgent();
    await database.drop();
    await deleteRedisKeys(redisUrl, kvPrefix).catch(() => 0);
  };
  try {
    const variants = await addBenchCatalog(database.db, hotStock);
    const appEnv: AppEnv = { databaseUrl: database.url, redisUrl, kvPrefix, fake, nextAuthSecret: randomBytes(24).toString("base64url") };
    return { database, variants, appEnv, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Runs a standalone bench script and exits with its outcome. */
export function runScript(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
