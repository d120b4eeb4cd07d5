import { createServer } from "node:net";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import { serverNodeOptions } from "../../scripts/node-options";

const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");

export type AppServer = { url: string; port: number; process: ChildProcess; stop: () => Promise<void> };

/** The test build folder; runs on another E2E_PORT build into their own folder so parallel runs never collide. */
/** The ADMIN_API_TOKEN every test server starts with (Authorization: Bearer, for headless admin calls). */
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";

export const TEST_DIST_DIR = process.env.E2E_PORT ? `.next-test-${process.env.E2E_PORT}` : ".next-test";

/** `next build` into the test build folder (production build, the same the store serves), or into `distDir`. */
export function buildApp(distDir: string = TEST_DIST_DIR): void {
  const r = spawnSync(process.execPath, [nextBin, "build"], {
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production", NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) throw new Error("next build failed");
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited with code ${child.exitCode} before answering`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`the app did not answer ${url} in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts the built app (`next start`) on a port with the given environment and waits until it answers.
 * `distDir`: the build folder to serve (default TEST_DIST_DIR). `logFile`: append the server's stdout and stderr
 * there instead of inheriting them (`quiet` drops stdout).
 */
/** Refuses a port something already listens on (EADDRINUSE), naming it. */
export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new Error(`port ${port} is already in use (a server from an earlier run?): stop it or pick another port`) : e),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

export async function startApp(opts: {
  port: number;
  env: Record<string, string>;
  quiet?: boolean;
  distDir?: string;
  logFile?: string;
}): Promise<AppServer> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_DIST_DIR: opts.distDir ?? TEST_DIST_DIR,
    NEXT_TELEMETRY_DISABLED: "1",
    NEXTAUTH_URL: `http://127.0.0.1:${opts.port}`,
    NEXTAUTH_SECRET: randomBytes(24).toString("base64url"),
    CRON_SECRET: "test-cron-secret-0123456789",
    ADMIN_API_TOKEN: TEST_ADMIN_TOKEN,
    // every test client is 127.0.0.1 and many share an e-mail: the unpaid-order caps (429) would stop whole
    // suites; the tests of the caps set their own
    UNPAID_ORDERS_PER_CLIENT: "1000000",
    UNPAID_ORDERS_PER_EMAIL: "1000000",
    // one process, as every test was written for (per-process caches, metrics, fault timing); the cluster's own
    // tests (tests/system/cluster.test.ts) and the bench's N-worker rows set WEB_CONCURRENCY themselves
    WEB_CONCURRENCY: "1",
    ...opts.env,
  };
  // the Node.js flags `npm start` runs the server with (a caller's NODE_OPTIONS keeps its own young-generation size)
  env.NODE_OPTIONS = serverNodeOptions(env.NODE_OPTIONS);
  // a server left on this port by an earlier run would answer the readiness probe, and the tests would quietly test it
  await assertPortFree(opts.port);
  const logFd = opts.logFile ? openSync(opts.logFile, "a") : undefined;
  const child: ChildProcess = spawn(process.execPath, [tsxCli, "scripts/serve.ts", "--port", String(opts.port), "--host", "127.0.0.1"], {
    env,
    stdio: ["ignore", logFd ?? (opts.quiet ? "ignore" : "inherit"), logFd ?? "inherit"],
    detached: true,
  });
  if (logFd !== undefined) closeSync(logFd); // the child holds its own copy
  const url = `http://127.0.0.1:${opts.port}`;
  await waitForHttp(`${url}/api/products`, child, 60_000);
  return {
    url,
    port: opts.port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        // already gone (exited, or killed by a signal: then exitCode stays null and "exit" will not fire again)
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        // signal the whole process group (the server and anything it started)
        try {
          process.kill(-child.pid!, "SIGTERM");
        } catch {
          child.kill("SIGTERM");
        }
        setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            /* gone */
          }
        }, 10_000).unref();
      }),
  };
}
