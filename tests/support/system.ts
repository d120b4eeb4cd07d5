// Helpers for the system tests (tests/system): real production instances of the app, and the dependencies they
// break (a throwaway Redis, a TCP proxy in front of PostgreSQL, the Stripe fake). Nothing here touches the shared
// PostgreSQL server beyond creating and dropping this run's own databases.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, inject } from "vitest";
import { startStripeFake, type StripeFake } from "../fakes/stripe-fake";
import { startApp, type AppServer } from "./app-server";
import { freePort, startTcpProxy, type TcpProxy } from "./net";
import { dropDatabase, withDatabase } from "./test-database";

// ---- ports ---------------------------------------------------------------------------------------------------

/** Resolves when a TCP connection to the port is refused (true) or accepted (false). */
export function connectionRefused(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await sleep(everyMs);
  }
}

// ---- databases -----------------------------------------------------------------------------------------------

export type TestDatabase = { name: string; url: string; drop: () => Promise<void> };

/** A fresh database for one test: a copy of the run's migrated, seeded template (fast: CREATE DATABASE ... TEMPLATE). */
export async function createDatabase(): Promise<TestDatabase> {
  const base = inject("systemBaseDatabaseUrl");
  const template = inject("systemTemplateDb");
  const name = `cw_sys_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    // the template may not have other sessions; a concurrent copy by another file can hold it for a moment
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (e) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(e))) throw e;
        await sleep(100);
      }
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(base, name),
    drop: () => dropDatabase(base, name),
  };
}

/** A pg pool of the test's own (for setting up rows and checking the outcome). */
export function sqlPool(url: string, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", () => {}); // a connection the test terminates on purpose
  return pool;
}

/** A product with one variant per entry, straight into the database (the app reads the catalog per request). */
export async function makeProduct(db: pg.Pool, opts: { price?: number; stocks: number[]; currency?: string }): Promise<{ productId: number; variantIds: number[] }> {
  const tag = randomUUID().slice(0, 8);
  const p = await db.query<{ id: number }>(
    `INSERT INTO products (slug, name, description, base_price, currency, updated_at) VALUES ($1, $2, '', $3, $4, now()) RETURNING id`,
    [`sys-${tag}`, `System Tee ${tag}`, opts.price ?? 2000, opts.currency ?? "USD"],
  );
  const productId = p.rows[0]!.id;
  const variantIds: number[] = [];
  for (const [i, stock] of opts.stocks.entries()) {
    const v = await db.query<{ id: number }>(
      `INSERT INTO product_variants (product_id, sku, attributes, stock_quantity, updated_at) VALUES ($1, $2, $3, $4, now()) RETURNING id`,
      [productId, `SYS-${tag}-${i}`, JSON.stringify({ n: String(i) }), stock],
    );
    variantIds.push(v.rows[0]!.id);
  }
  return { productId, variantIds };
}

export async function stockOf(db: pg.Pool, variantId: number): Promise<number> {
  return (await db.query<{ s: number }>(`SELECT stock_quantity AS s FROM product_variants WHERE id = $1`, [variantId])).rows[0]!.s;
}

export async function ordersOfCart(db: pg.Pool, cartId: string) {
  return (
    await db.query<{ id: string; status: string; payment_intent_id: string | null; payment_status: string; reserved_until: Date }>(
      `SELECT id::text, status::text, payment_intent_id, payment_status, reserved_until FROM orders WHERE cart_id = $1 ORDER BY created_at`,
      [cartId],
    )
  ).rows;
}

export async function discountUses(db: pg.Pool, code: string): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT uses_count AS n FROM discounts WHERE lower(code) = lower($1)`, [code])).rows[0]!.n;
}

// ---- a throwaway Redis ----------------------------------------------------------------------------------------

export type ThrowawayRedis = {
  port: number;
  url: string;
  /** Stops the server (SHUTDOWN SAVE: its data comes back with start(), like a Redis restart with persistence). */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  destroy(): Promise<void>;
};

function redisCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let out = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("redis: no answer"));
    }, timeoutMs);
    socket.on("connect", () => socket.write(`${command}\r\n`));
    socket.on("data", (d) => {
      out += d.toString("utf8");
      if (out.endsWith("\r\n")) {
        clearTimeout(timer);
        socket.end();
        resolve(out.trim());
      }
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(out.trim());
    });
  });
}

/** `redis-server` on a free port as a child process, no persistence except the explicit SHUTDOWN SAVE of stop(). */
export async function startRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "cw-sys-redis-"));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir], {
      stdio: "ignore",
    });
    const c = child;
    await waitFor("redis to answer PING", async () => {
      if (c.exitCode !== null) throw new Error(`redis-server exited with ${c.exitCode}`);
      return (await redisCommand(port, "PING")) === "+PONG" ? true : undefined;
    }, 10_000, 25);
  };
  const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once("exit", () => r())));
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await redisCommand(port, "SHUTDOWN SAVE").catch(() => "");
    await exited(c);
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start: launch,
    destroy: async () => {
      const c = child;
      if (c && c.exitCode === null && c.signalCode === null) {
        c.kill("SIGKILL");
        await exited(c);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- a TCP proxy in front of PostgreSQL ---------------------------------------------------------------------

export type PgProxy = TcpProxy;

/** A proxy in front of the test PostgreSQL (tests/support/net.ts startTcpProxy). */
export const startPgProxy = (targetUrl: string): Promise<PgProxy> => startTcpProxy(targetUrl);

// ---- app instances ------------------------------------------------------------------------------------------

/** Shared by every instance of a run, so a session or cart cookie signed by one is valid on another. */
export const NEXTAUTH_SECRET = "system-tests-nextauth-secret-0123456789";
export const CRON_SECRET = "test-cron-secret-0123456789";
export const METRICS_TOKEN = "system-tests-metrics-token-0123456789";
export const STRIPE_SECRET_KEY = "sk_test_cartwrightSystem0123456789";
export const STRIPE_WEBHOOK_SECRET = "whsec_cartwright_system_tests";

export type Instance = AppServer & {
  name: string;
  logFile: string;
  /** resolves with the exit code (null when killed by a signal) once the process is gone */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal to the whole process group (tsx and the server it runs). */
  signal(sig: NodeJS.Signals): void;
  /** The last lines of the instance's log (for failure messages). */
  tail(lines?: number): string;
};

export const LOG_DIR = path.join(process.cwd(), "test-results", "system");

export async function startInstance(opts: {
  name: string;
  databaseUrl: string;
  redisUrl: string;
  kvPrefix: string;
  stripeUrl?: string;
  env?: Record<string, string>;
}): Promise<Instance> {
  mkdirSync(LOG_DIR, { recursive: true });
  const port = await freePort();
  const logFile = path.join(LOG_DIR, `${opts.name}-${port}.log`);
  const env: Record<string, string> = {
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    KV_PREFIX: opts.kvPrefix,
    NEXTAUTH_SECRET,
    CRON_SECRET,
    METRICS_TOKEN,
    DATABASE_POOL_SIZE: "10",
    // the in-process scheduler would race the tests that drive the sweepers through the cron routes and count what
    // they processed; tests of the scheduler itself turn it on
    JOBS: "off",
    ...(opts.stripeUrl
      ? { PAYMENT_PROVIDER: "stripe", STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE: opts.stripeUrl }
      : { PAYMENT_PROVIDER: "test" }),
    ...opts.env,
  };
  const app = await startApp({ port, env, distDir: inject("systemDistDir"), logFile });
  const child = app.process;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  return {
    ...app,
    name: opts.name,
    logFile,
    exited,
    signal(sig) {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        child.kill(sig);
      }
    },
    tail(lines = 40) {
      try {
        return readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n");
      } catch {
        return "";
      }
    },
  };
}

/** Stops every instance (SIGTERM, then SIGKILL after 10 s: AppServer.stop). */
export async function stopAll(instances: (Instance | undefined)[]): Promise<void> {
  await Promise.allSettled(instances.filter((i): i is Instance => !!i).map((i) => i.stop()));
}

/** A KV key prefix of the test's own (its instances share it; nothing else does). */
export const kvPrefixFor = (name: string) => `cwsys:${name}:${randomUUID().slice(0, 8)}:`;

// ---- a test file's set-up ------------------------------------------------------------------------------------

export type SystemTestSetup = {
  /** the file's Stripe fake: started before its first test, reset before each */
  readonly fake: StripeFake;
  /** Runs after the test; a test's cleanups run in reverse order of registration, a failing one does not stop the rest. */
  cleanup(...fns: (() => Promise<unknown>)[]): void;
  /** A fresh database (a copy of the seeded template) and a pg pool on it (sqlPool), both gone after the test. */
  database(poolSize?: number): Promise<{ db: TestDatabase; sql: pg.Pool }>;
  /** App instances started side by side, all stopped together after the test. */
  instances(...opts: Parameters<typeof startInstance>[0][]): Promise<Instance[]>;
  instance(opts: Parameters<typeof startInstance>[0]): Promise<Instance>;
};

/**
 * Registers a system test file's hooks: its Stripe fake, and the cleanups that take every test's instances, Redis,
 * proxies, pools and databases away after it. Call once, at the top of the file.
 */
export function systemTestSetup(): SystemTestSetup {
  let fake: StripeFake | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    fake = await startStripeFake();
  });
  beforeEach(() => fake!.reset());
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!().catch(() => {});
  });
  afterAll(async () => {
    await fake?.close();
  });
  const instances = async (...opts: Parameters<typeof startInstance>[0][]) => {
    const started = await Promise.all(opts.map((o) => startInstance(o)));
    cleanups.push(() => stopAll(started));
    return started;
  };
  return {
    get fake() {
      if (!fake) throw new Error("the Stripe fake starts in beforeAll");
      return fake;
    },
    cleanup: (...fns) => void cleanups.push(...fns),
    async database(poolSize) {
      const db = await createDatabase();
      const sql = sqlPool(db.url, poolSize);
      cleanups.push(() => db.drop(), () => sql.end());
      return { db, sql };
    },
    instances,
    instance: async (opts) => (await instances(opts))[0]!,
  };
}

// ---- HTTP ---------------------------------------------------------------------------------------------------

/** A tiny cookie jar: name=value pairs from Set-Cookie, sent back on every request (one origin per test). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  has(name: string): boolean {
    return this.cookies.has(name);
  }
}

export type ApiResponse<T = any> = { status: number; body: T; headers: Headers; ms: number };

export type CallOptions = {
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  jar?: CookieJar;
  /** raw body (e.g. a webhook payload, byte for byte) */
  raw?: string;
  signal?: AbortSignal;
};

/** One HTTP call; the body is parsed as JSON when it is JSON, else returned as text. Never throws on a status. */
export async function call<T = any>(base: string, method: string, pathname: string, opts: CallOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(opts.form).toString();
  } else if (opts.raw !== undefined) {
    headers["content-type"] ??= "application/json";
    body = opts.raw;
  }
  const cookie = opts.jar?.header();
  if (cookie) headers.cookie = cookie;
  const started = Date.now();
  const res = await fetch(base + pathname, { method, headers, body, redirect: "manual", signal: opts.signal });
  opts.jar?.store(res);
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("json") && text !== "") parsed = JSON.parse(text);
  return { status: res.status, body: parsed as T, headers: res.headers, ms: Date.now() - started };
}

/** Signs in through next-auth's credentials flow; the jar then holds the session cookie. */
export async function signIn(base: string, email: string, password: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const csrf = await call<{ csrfToken: string }>(base, "GET", "/api/auth/csrf", { jar });
  if (csrf.status !== 200) throw new Error(`csrf: ${csrf.status}`);
  const res = await call(base, "POST", "/api/auth/callback/credentials", {
    jar,
    form: { csrfToken: csrf.body.csrfToken, email, password, json: "true" },
  });
  if (res.status >= 400 || !jar.has("next-auth.session-token")) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return jar;
}

export const SHOPPER = { email: "shopper@cartwright.test", password: "shopper-password-123" };
export const ADDRESS = { name: "Sam Buyer", line1: "1 Market St", city: "San Francisco", region: "CA", postalCode: "94105", country: "US" };

/** A guest cart holding the lines, built through the API of `base`. */
export async function guestCart(base: string, lines: [variantId: number, quantity: number][], codes: string[] = []): Promise<string> {
  const created = await call(base, "POST", "/api/carts", { json: {} });
  if (created.status !== 201) throw new Error(`POST /api/carts: ${created.status} ${JSON.stringify(created.body)}`);
  const cartId = created.body.cart.id as string;
  for (const [variantId, quantity] of lines) {
    const r = await call(base, "POST", `/api/carts/${cartId}/items`, { json: { variantId, quantity } });
    if (r.status !== 201) throw new Error(`add item: ${r.status} ${JSON.stringify(r.body)}`);
  }
  for (const code of codes) {
    const r = await call(base, "POST", `/api/carts/${cartId}/discounts`, { json: { code } });
    if (r.status !== 200) throw new Error(`apply ${code}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return cartId;
}

export function checkout(base: string, cartId: string, key: string, opts: { email?: string; signal?: AbortSignal } = {}) {
  return call(base, "POST", "/api/checkout", {
    json: { cartId, email: opts.email ?? `buyer-${cartId.slice(0, 8)}@example.test`, shippingAddress: ADDRESS },
    headers: { "idempotency-key": key },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

export const cronHeaders = { authorization: `Bearer ${CRON_SECRET}` };

/** The JSON error envelope { error: { code, message, details? } } with the given code. */
export function isErrorEnvelope(body: unknown, code: string): boolean {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return !!e && e.code === code && typeof e.message === "string" && e.message.length > 0;
}

/** A Prometheus sample value (0 when absent): metric name and exact label set as printed, e.g. `{outcome="placed"}`. */
export function metricValue(text: string, name: string, labels = ""): number {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const sp = line.lastIndexOf(" ");
    if (sp < 0) continue;
    const key = line.slice(0, sp);
    if (key === `${name}${labels}`) return Number(line.slice(sp + 1));
  }
  return 0;
}

/** The sum of every sample of a metric whose labels include all the given `k="v"` pairs. */
export function metricSum(text: string, name: string, include: string[] = []): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== "{" && rest[0] !== " ") continue;
    if (!include.every((l) => rest.includes(l))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}
