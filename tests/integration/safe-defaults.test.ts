import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedUsers } from "../../lib/catalog/seed-data";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { createMigratedDatabase } from "../support/test-database";

// Outside the embedded default nothing unsafe is assumed: no demo accounts without SEED_DEMO=1, no test payments
// without PAYMENT_PROVIDER=test, no example NEXTAUTH_SECRET (docs/SECURITY.md).

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;
const run = promisify(execFile);

/** The environment of a shell with none of the store's variables set. */
function bareEnv(): NodeJS.ProcessEnv {
  const out: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "TMPDIR", "LANG"]) { const v = process.env[k]; if (v) out[k] = v; }
  return out as NodeJS.ProcessEnv;
}

let database: { url: string; drop: () => Promise<void> };
let db: PrismaClient;

beforeAll(async () => {
  database = await createMigratedDatabase("cw_safe");
  db = createPrismaClient(database.url, 2);
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("npm run db:seed against a real DATABASE_URL", () => {
  it("seeds the catalog but creates no demo account without SEED_DEMO=1", async () => {
    const out = await run(tsx, ["scripts/seed.ts"], { cwd: root, env: { ...bareEnv(), DATABASE_URL: database.url } });
    expect(await db.product.count()).toBeGreaterThan(0);
    expect(await db.user.count()).toBe(0);
    expect(out.stdout).not.toContain("password");
    expect(out.stdout).toContain("no demo accounts");
  });

  it("creates the demo accounts with SEED_DEMO=1", async () => {
    await run(tsx, ["scripts/seed.ts"], { cwd: root, env: { ...bareEnv(), DATABASE_URL: database.url, SEED_DEMO: "1" } });
    const emails = (await db.user.findMany({ select: { email: true } })).map((u) => u.email).sort();
    expect(emails).toEqual(seedUsers.map((u) => u.email.toLowerCase()).sort());
  });
});

describe("npm start outside the embedded default", () => {
  /** Runs scripts/start.ts; it must stop at the environment check, before touching the database or building. */
  async function start(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
    return run(tsx, ["scripts/start.ts"], { cwd: root, env: { ...bareEnv(), DATABASE_URL: database.url, PORT: "3399", ...env }, timeout: 60_000 }).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code ?? -1, stderr: e.stderr ?? "" }),
    );
  }

  it("refuses to start without Stripe keys or PAYMENT_PROVIDER=test, and without NEXTAUTH_SECRET, naming them", async () => {
    const r = await start({});
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot start");
    expect(r.stderr).toContain("STRIPE_SECRET_KEY");
    expect(r.stderr).toContain("PAYMENT_PROVIDER=test");
    expect(r.stderr).toContain("NEXTAUTH_SECRET is required in production");
  });

  it("refuses an example NEXTAUTH_SECRET even with PAYMENT_PROVIDER=test", async () => {
    const r = await start({ PAYMENT_PROVIDER: "test", NEXTAUTH_SECRET: "changeme-changeme-changeme" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("NEXTAUTH_SECRET");
    expect(r.stderr).not.toContain("changeme-changeme-changeme");
    expect(r.stderr).not.toContain("STRIPE_SECRET_KEY");
  });
});
