import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

const require = createRequire(import.meta.url);

export type EmbeddedPostgres = { url: string; stop: () => Promise<void> };

function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`the embedded database exited with code ${child.exitCode}`));
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.end();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`the embedded database did not open port ${port} in time`));
        else setTimeout(attempt, 150);
      });
    };
    attempt();
  });
}

/**
 * PGlite (PostgreSQL compiled to WASM) served on a local port, so Prisma and pg connect to it as to any
 * PostgreSQL. It runs one transaction at a time: fine for trying the shop, meaningless for contention tests.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; quiet?: boolean }): Promise<EmbeddedPostgres> {
  mkdirSync(opts.dataDir, { recursive: true });
  // the package exports no ./package.json; its entry point sits in dist/, next to scripts/server.js
  const server = path.join(path.dirname(require.resolve("@electric-sql/pglite-socket")), "scripts", "server.js");
  const child: ChildProcess = spawn(
    process.execPath,
    // pg_trgm: catalog search forgives typos with it (the catalog_search migration creates the extension)
    [server, `--db=${opts.dataDir}`, `--port=${opts.port}`, "--host=127.0.0.1", "--max-connections=10", "--extensions=pg_trgm"],
    { stdio: ["ignore", opts.quiet ? "ignore" : "inherit", "inherit"] },
  );
  await waitForPort(opts.port, 60_000, child);
  return {
    url: `postgresql://postgres@127.0.0.1:${opts.port}/postgres?sslmode=disable`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}
