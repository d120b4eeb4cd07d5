import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import pg from "pg";

export const DATA_DIR = path.resolve(process.env.CARTWRIGHT_DATA_DIR ?? ".data");

const GENERATED_SECRETS = ["NEXTAUTH_SECRET", "CRON_SECRET", "ADMIN_API_TOKEN"] as const;

/**
 * Writes `content` to `file` so that no one but the owner can ever read it: a temporary file in the same folder is
 * created with mode 0600 (O_EXCL: never someone else's file), written, flushed to disk, then renamed over `file`
 * in one step. There is no moment where the file exists with wider rights or half written, whatever the umask.
 */
export function writePrivateFileAtomic(file: string, content: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(tmp, "wx", 0o600);
  try {
    fchmodSync(fd, 0o600); // the umask can only have narrowed it; make it exactly owner read/write
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
  // the rename itself reaches the disk only with the folder
  const dir = openSync(path.dirname(file), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** Secrets the store needs, generated once into ./.data/secrets.json (mode 0600); the environment always wins. */
export function ensureSecrets(dataDir: string = DATA_DIR): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, "secrets.json");
  let stored: Record<string, string> = {};
  if (existsSync(file)) {
    // a file written by an older version (or copied around) may be readable by others: take that back first
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    stored = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
  }
  let changed = false;
  for (const name of GENERATED_SECRETS) {
    if (!stored[name]) {
      stored[name] = randomBytes(32).toString("base64url");
      changed = true;
    }
    process.env[name] ??= stored[name];
  }
  if (changed) writePrivateFileAtomic(file, JSON.stringify(stored, null, 2));
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
