import { prisma, type PrismaClient } from "../db";
import { env } from "../env";
import { casLoop, KvUnavailableError, isKvUnavailable, ttlMs, type KvStore } from "./types";
import { windowHitByUpdate, windowUnhitByUpdate, type WindowHitInput, type WindowHitResult } from "./window";

export interface PostgresKvOptions {
  /** Prepended to every key; default KV_PREFIX. */
  prefix?: string;
  /** The Prisma client to use; default the process's shared `prisma()` (not closed by `close()`). */
  db?: PrismaClient;
}

type Row = { value: string; version: number };

/**
 * KvStore on the `kv_entries` table (key, value, version, expires_at), for the embedded default where there is no
 * Redis. Times come from the database clock (`now()`), so every app instance agrees on what has expired. Expired
 * rows are invisible to every operation; `get` deletes the one it meets and `purgeExpired()` sweeps the rest.
 * `incr` is one INSERT ... ON CONFLICT DO UPDATE statement; `update` is an optimistic compare-and-set on
 * (version, value), retried, so it also works on PGlite (one transaction at a time) and holds no lock while the
 * caller's function runs.
 */
export class PostgresKvStore implements KvStore {
  readonly kind = "postgres" as const;
  readonly prefix: string;
  private readonly explicitDb: PrismaClient | undefined;

  constructor(opts: PostgresKvOptions = {}) {
    this.prefix = opts.prefix ?? env().KV_PREFIX;
    this.explicitDb = opts.db;
  }

  private get db(): PrismaClient {
    return this.explicitDb ?? prisma();
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  private async run<T>(op: (db: PrismaClient) => Promise<T>): Promise<T> {
    try {
      return await op(this.db);
    } catch (e) {
      throw isKvUnavailable(e) ? e : new KvUnavailableError({ cause: e });
    }
  }

  async get(key: string): Promise<string | null> {
    const k = this.k(key);
    const rows = await this.run((db) => db.$queryRaw<{ value: string }[]>`
      WITH purged AS (
        DELETE FROM kv_entries WHERE key = ${k} AND expires_at <= now()
      )
      SELECT value FROM kv_entries WHERE key = ${k} AND (expires_at IS NULL OR expires_at > now())`);
    return rows[0]?.value ?? null;
  }

  async set(key: string, value: string, opts?: { ttlSeconds?: number }): Promise<void> {
    const k = this.k(key);
    const ms = opts?.ttlSeconds === undefined ? null : ttlMs(opts.ttlSeconds);
    await this.run((db) => db.$executeRaw`
      INSERT INTO kv_entries (key, value, version, expires_at)
      VALUES (${k}, ${value}, 1, now() + make_interval(secs => ${ms}::float8 / 1000))
      ON CONFLICT (key) DO UPDATE
        SET value = EXCLUDED.value, version = kv_entries.version + 1, expires_at = EXCLUDED.expires_at`);
  }

  async delete(key: string): Promise<void> {
    const k = this.k(key);
    await this.run((db) => db.$executeRaw`DELETE FROM kv_entries WHERE key = ${k}`);
  }

  async expire(key: string, ttlSeconds: number): Promise<boolean> {
    const k = this.k(key);
    const ms = ttlMs(ttlSeconds);
    const n = await this.run((db) => db.$executeRaw`
      UPDATE kv_entries SET expires_at = now() + make_interval(secs => ${ms}::float8 / 1000)
      WHERE key = ${k} AND (expires_at IS NULL OR expires_at > now())`);
    return n > 0;
  }

  async ttl(key: string): Promise<number | null> {
    const k = this.k(key);
    const rows = await this.run((db) => db.$queryRaw<{ ms: number }[]>`
      SELECT (EXTRACT(EPOCH FROM (expires_at - now())) * 1000)::float8 AS ms
      FROM kv_entries WHERE key = ${k} AND expires_at > now()`);
    const ms = rows[0]?.ms;
    return ms === undefined ? null : Math.max(1, Math.ceil(Number(ms) / 1000));
  }

  async incr(key: string, ttlSeconds: number): Promise<number> {
    const k = this.k(key);
    const ms = ttlMs(ttlSeconds);
    // An expired row restarts at 1 with a fresh TTL; a live row keeps its TTL (or gets one if it has none).
    const rows = await this.run((db) => db.$queryRaw<{ value: string }[]>`
      INSERT INTO kv_entries AS e (key, value, version, expires_at)
      VALUES (${k}, '1', 1, now() + make_interval(secs => ${ms}::float8 / 1000))
      ON CONFLICT (key) DO UPDATE SET
        value = CASE WHEN e.expires_at <= now() THEN '1' ELSE (e.value::bigint + 1)::text END,
        version = e.version + 1,
        expires_at = COALESCE(CASE WHEN e.expires_at <= now() THEN NULL ELSE e.expires_at END, EXCLUDED.expires_at)
      RETURNING value`);
    const value = rows[0]?.value;
    if (value === undefined) throw new KvUnavailableError();
    return Number(value);
  }

  async update(
    key: string,
    fn: (current: string | null) => string | null,
    opts?: { ttlSeconds?: number },
  ): Promise<string | null> {
    const k = this.k(key);
    const ms = opts?.ttlSeconds === undefined ? null : ttlMs(opts.ttlSeconds);
    return casLoop(async () => {
      const rows = await this.run((db) => db.$queryRaw<(Row & { live: boolean })[]>`
        SELECT value, version, (expires_at IS NULL OR expires_at > now()) AS live
        FROM kv_entries WHERE key = ${k}`);
      const row = rows[0];
      const current = row?.live ? row.value : null;
      const next = fn(current);

      if (!row) {
        // no row at all: create it, unless another writer created one first
        if (next === null) return { done: true, value: null };
        const n = await this.run((db) => db.$executeRaw`
          INSERT INTO kv_entries (key, value, version, expires_at)
          VALUES (${k}, ${next}, 1, now() + make_interval(secs => ${ms}::float8 / 1000))
          ON CONFLICT (key) DO NOTHING`);
        return n === 1 ? { done: true, value: next } : { done: false };
      }

      // A row exists (live, or expired and not yet swept). Compare-and-set on version AND value (the version alone
      // could repeat after a delete and re-insert; an equal value makes that harmless) AND liveness (a row that
      // expired since the read must not be overwritten as if it were still the value fn saw).
      if (next === null) {
        const n = await this.run((db) => db.$executeRaw`
          DELETE FROM kv_entries
          WHERE key = ${k} AND version = ${row.version}::int AND value = ${row.value}
            AND (expires_at IS NULL OR expires_at > now()) = ${row.live}::boolean`);
        return n === 1 ? { done: true, value: null } : { done: false };
      }
      // Without a TTL option a live key keeps its TTL and an expired one (re-created) gets none.
      const n = await this.run((db) => db.$executeRaw`
        UPDATE kv_entries SET
          value = ${next},
          version = version + 1,
          expires_at = CASE
            WHEN ${ms}::float8 IS NOT NULL THEN now() + make_interval(secs => ${ms}::float8 / 1000)
            WHEN ${row.live}::boolean THEN expires_at
            ELSE NULL END
        WHERE key = ${k} AND version = ${row.version}::int AND value = ${row.value}
          AND (expires_at IS NULL OR expires_at > now()) = ${row.live}::boolean`);
      return n === 1 ? { done: true, value: next } : { done: false };
    });
  }

  /** The window rule through this store's compare-and-set update (PostgreSQL runs no Lua). */
  windowHit(key: string, hit: WindowHitInput): Promise<WindowHitResult> {
    return windowHitByUpdate((k, fn, opts) => this.update(k, fn, opts), key, hit);
  }

  windowUnhit(key: string, at: number): Promise<void> {
    return windowUnhitByUpdate((k, fn) => this.update(k, fn), key, at);
  }

  /** Deletes every expired row (all prefixes); returns how many. For a periodic sweep. */
  async purgeExpired(): Promise<number> {
    return this.run((db) => db.$executeRaw`DELETE FROM kv_entries WHERE expires_at <= now()`);
  }

  async ping(): Promise<void> {
    await this.run((db) => db.$queryRaw`SELECT 1`);
  }

  async close(): Promise<void> {
    // the Prisma client is shared with the rest of the process (or owned by whoever passed it in)
  }
}
