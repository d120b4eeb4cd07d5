import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The PostgreSQL server tests run against: DATABASE_URL, or (outside CI) the machine's default local server. */
export function baseDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (url) return url;
  if (process.env.CI === "true")
    throw new Error("DATABASE_URL is not set. CI must test against a real PostgreSQL: export DATABASE_URL.");
  return "postgresql://postgres@127.0.0.1:5432/test";
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates a fresh database on the same server, applies the committed migrations, returns its URL. */
export async function createMigratedDatabase(prefix = "cw_test"): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = baseDatabaseUrl();
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(base, name);
  execFileSync("npx", ["prisma", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return {
    url,
    drop: () => dropDatabase(base, name),
  };
}

/** Drops a test database, closing the sessions still on it. `base`: a URL of another database on the server. */
export async function dropDatabase(base: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

/** The Redis tests run against: REDIS_URL, or (outside CI) the machine's default local server. */
export function testRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (url) return url;
  if (process.env.CI === "true")
    throw new Error("REDIS_URL is not set. CI must test against a real Redis: export REDIS_URL.");
  return "redis://127.0.0.1:6379";
}
