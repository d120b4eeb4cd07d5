import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import path from "node:path";
import pg from "pg";

export const DATA_DIR = path.resolve(process.env.CARTWRIGHT_DATA_DIR ?? ".data");

const GENERATED_SECRETS = ["NEXTAUTH_SECRET", "CRON_SECRET", "ADMIN_API_TOKEN"] as const;

/** Secrets the store needs, generated once into ./.data/secrets.json; the environment always wins. */
export function ensureSecrets(): void {
  mkdirSync(DATA_DIR, { recursive: true });
  const file = path.join(DATA_DIR, "secrets.json");
  let stored: Record<string, string> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  let changed = false;
  for (const name of GENERATED_SECRETS) {
    if (!stored[name]) {
      stored[name] = randomBytes(32).toString("base64url");
      changed = true;
    }
    process.env[name] ??= stored[name];
  }
  if (changed) {
    writeFileSync(file, JSON.stringify(stored, null, 2));
    chmodSync(file, 0o600);
  }
}

/** Connects once with a short timeout, so a wrong DATABASE_URL is one clear sentence, not a stack trace. */
export async function checkDatabaseReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (e) {
    const where = (() => {
      try {
        const u = new URL(url);
        return `${u.hostname}:${u.port || 5432}${u.pathname}`;
      } catch {
        return "DATABASE_URL";
      }
    })();
    throw new Error(`Cannot reach the database at ${where}: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

export function migrateDeploy(databaseUrl: string): void {
  const r = spawnSync("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`Applying database migrations failed:\n${r.stdout}\n${r.stderr}`);
}
