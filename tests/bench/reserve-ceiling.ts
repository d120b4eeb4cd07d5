// The ceiling: how fast can ONE hot row be reserved at all on this machine, without the app around it? Each
// variant below reserves one unit of the same product_variants row and records it in a scratch table, from 32
// concurrent clients, for a fixed time:
//   pg-tx              node-pg: BEGIN; SELECT ... FOR UPDATE; UPDATE; INSERT; COMMIT (5 round trips)
//   prisma-interactive prisma.$transaction(async (tx) => { tx.$queryRaw FOR UPDATE; tx.productVariant.update;
//                      tx.$executeRaw INSERT }) -- the shape of the app's checkout transaction
//   prisma-single      prisma.$queryRaw of ONE statement (a CTE: lock, check, decrement, insert)
//   pg-single          the same single statement through node-pg (what Prisma's own overhead costs)
import pg from "pg";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { percentiles, type Latencies } from "./load";

export type CeilingResult = { name: string; clients: number; tps: number; latency: Latencies; errors: number; reserved: number };

export const SCRATCH_TABLE_SQL = `
  CREATE TABLE IF NOT EXISTS bench_reservations (
    id bigserial PRIMARY KEY,
    variant_id int NOT NULL,
    qty int NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`;

const SINGLE_SQL = `
  WITH locked AS MATERIALIZED (
    SELECT id, stock_quantity FROM product_variants WHERE id = $1 FOR NO KEY UPDATE
  ),
  upd AS (
    UPDATE product_variants v SET stock_quantity = v.stock_quantity - 1, updated_at = now()
    FROM locked l WHERE v.id = l.id AND l.stock_quantity >= 1
    RETURNING v.id
  ),
  ins AS (
    INSERT INTO bench_reservations (variant_id, qty) SELECT id, 1 FROM upd RETURNING id
  )
  SELECT (SELECT count(*) FROM ins)::int AS reserved`;

/** Called right around the timed part (connections are opened before and closed after it). */
export type Hooks = { started?: () => void; finished?: () => void };

async function drive(name: string, clients: number, seconds: number, once: (client: number) => Promise<number>, hooks: Hooks = {}): Promise<CeilingResult> {
  const latencies: number[] = [];
  let errors = 0;
  let reserved = 0;
  let lastError: unknown;
  hooks.started?.();
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          reserved += await once(c);
          latencies.push(performance.now() - t0);
        } catch (e) {
          errors += 1;
          lastError = e;
          if (errors > 100) throw e;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  hooks.finished?.();
  if (errors) console.warn(`  ${name}: ${errors} errors, last: ${String(lastError)}`);
  return { name, clients, tps: latencies.length / elapsed, latency: percentiles(latencies), errors, reserved };
}

export async function pgTransaction(url: string, variantId: number, clients: number, seconds: number, hooks?: Hooks): Promise<CeilingResult> {
  const conns = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: "cw-bench-ceiling" });
      await c.connect();
      return c;
    }),
  );
  try {
    return await drive("pg-tx", clients, seconds, async (i) => {
      const c = conns[i]!;
      await c.query("BEGIN");
      try {
        const r = await c.query<{ stock_quantity: number }>("SELECT stock_quantity FROM product_variants WHERE id = $1 FOR UPDATE", [variantId]);
        if ((r.rows[0]?.stock_quantity ?? 0) < 1) {
          await c.query("ROLLBACK");
          return 0;
        }
        await c.query("UPDATE product_variants SET stock_quantity = stock_quantity - 1, updated_at = now() WHERE id = $1", [variantId]);
        await c.query("INSERT INTO bench_reservations (variant_id, qty) VALUES ($1, 1)", [variantId]);
        await c.query("COMMIT");
        return 1;
      } catch (e) {
        await c.query("ROLLBACK").catch(() => {});
        throw e;
      }
    }, hooks);
  } finally {
    await Promise.all(conns.map((c) => c.end().catch(() => {})));
  }
}

export async function pgSingle(url: string, variantId: number, clients: number, seconds: number, hooks?: Hooks): Promise<CeilingResult> {
  const conns = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: "cw-bench-ceiling" });
      await c.connect();
      return c;
    }),
  );
  try {
    return await drive("pg-single", clients, seconds, async (i) => {
      const r = await conns[i]!.query<{ reserved: number }>(SINGLE_SQL, [variantId]);
      return r.rows[0]?.reserved ?? 0;
    }, hooks);
  } finally {
    await Promise.all(conns.map((c) => c.end().catch(() => {})));
  }
}

async function withPrisma<T>(url: string, clients: number, fn: (db: PrismaClient) => Promise<T>): Promise<T> {
  const db = createPrismaClient(url, clients);
  try {
    // open the pool before the clock starts
    await Promise.all(Array.from({ length: clients }, () => db.$queryRaw`SELECT 1`));
    return await fn(db);
  } finally {
    await db.$disconnect();
  }
}

export function prismaInteractive(url: string, variantId: number, clients: number, seconds: number, hooks?: Hooks): Promise<CeilingResult> {
  return withPrisma(url, clients, (db) =>
    drive("prisma-interactive", clients, seconds, () =>
      db.$transaction(
        async (tx) => {
          const rows = await tx.$queryRaw<{ stock_quantity: number }[]>`
            SELECT stock_quantity FROM product_variants WHERE id = ${variantId} FOR UPDATE`;
          if ((rows[0]?.stock_quantity ?? 0) < 1) return 0;
          await tx.productVariant.update({ where: { id: variantId }, data: { stockQuantity: { decrement: 1 } }, select: { id: true } });
          await tx.$executeRaw`INSERT INTO bench_reservations (variant_id, qty) VALUES (${variantId}, 1)`;
          return 1;
        },
        { maxWait: 30_000, timeout: 30_000 },
      ),
      hooks,
    ),
  );
}

export function prismaSingle(url: string, variantId: number, clients: number, seconds: number, hooks?: Hooks): Promise<CeilingResult> {
  return withPrisma(url, clients, (db) =>
    drive("prisma-single", clients, seconds, async () => {
      // the same statement as SINGLE_SQL, as a tagged template (how the app writes raw SQL)
      const rows = await db.$queryRaw<{ reserved: number }[]>`
        WITH locked AS MATERIALIZED (
          SELECT id, stock_quantity FROM product_variants WHERE id = ${variantId} FOR NO KEY UPDATE
        ),
        upd AS (
          UPDATE product_variants v SET stock_quantity = v.stock_quantity - 1, updated_at = now()
          FROM locked l WHERE v.id = l.id AND l.stock_quantity >= 1
          RETURNING v.id
        ),
        ins AS (
          INSERT INTO bench_reservations (variant_id, qty) SELECT id, 1 FROM upd RETURNING id
        )
        SELECT (SELECT count(*) FROM ins)::int AS reserved`;
      return rows[0]?.reserved ?? 0;
    }, hooks),
  );
}
