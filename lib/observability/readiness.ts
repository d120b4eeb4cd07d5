import { readdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { PrismaClient } from "../db";
import type { KvStore } from "../kv";

export const checkSchema = z.object({ ok: z.boolean(), ms: z.number().int().min(0), error: z.string().optional() });
export type Check = z.output<typeof checkSchema>;
const checksSchema = z.object({ database: checkSchema, migrations: checkSchema, kv: checkSchema });
export type Readiness = { ready: boolean; checks: z.output<typeof checksSchema> };

/** GET /api/health: the process answers. */
export const healthAnswerSchema = z.object({ status: z.literal("ok"), uptimeSeconds: z.number().int().min(0) });
export type HealthAnswer = z.output<typeof healthAnswerSchema>;

/**
 * GET /api/ready: `{ status }` for everyone; with the metrics token also which checks failed and how each went
 * (those errors name hosts, migrations and versions).
 */
export const readinessAnswerSchema = z.union([
  z.object({ status: z.enum(["ready", "unavailable"]) }),
  z.object({ status: z.enum(["ready", "unavailable"]), failing: z.array(z.enum(["database", "migrations", "kv"])), checks: checksSchema }),
]);
export type ReadinessAnswer = z.output<typeof readinessAnswerSchema>;

async function timed(fn: () => Promise<void>, timeoutMs: number): Promise<Check> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Date.now() - started };
  } catch (e) {
    return { ok: false, ms: Date.now() - started, error: e instanceof Error ? e.message.split("\n")[0]!.slice(0, 200) : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

/** Migrations committed in prisma/migrations that the database has not finished applying. */
export async function pendingMigrations(db: PrismaClient, migrationsDir = path.join(process.cwd(), "prisma", "migrations")): Promise<string[]> {
  // the folder is read at run time from the working directory: nothing for the build to trace (turbopackIgnore)
  const onDisk = (await readdir(/*turbopackIgnore: true*/ migrationsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  const rows = await db.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const applied = new Set(rows.map((r) => r.migration_name));
  return onDisk.filter((m) => !applied.has(m)).sort();
}

/** Readiness: PostgreSQL answers, every committed migration is applied, the KV store answers; each within 1 s. */
export async function checkReadiness(db: PrismaClient, kv: KvStore, timeoutMs = 1000): Promise<Readiness> {
  const [database, migrations, kvCheck] = await Promise.all([
    timed(async () => {
      await db.$queryRaw`SELECT 1`;
    }, timeoutMs),
    timed(async () => {
      const pending = await pendingMigrations(db);
      if (pending.length) throw new Error(`pending migrations: ${pending.join(", ")}`);
    }, timeoutMs),
    timed(() => kv.ping(), timeoutMs),
  ]);
  return { ready: database.ok && migrations.ok && kvCheck.ok, checks: { database, migrations, kv: kvCheck } };
}
