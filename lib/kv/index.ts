import { env, type Env } from "../env";
import { PostgresKvStore } from "./postgres";
import { RedisKvStore } from "./redis";
import type { KvStore } from "./types";
import { UpstashKvStore } from "./upstash";

export { KvUnavailableError, isKvUnavailable } from "./types";
export type { KvStore, KvKind } from "./types";
export { RedisKvStore, type RedisKvOptions } from "./redis";
export { UpstashKvStore, type UpstashKvOptions } from "./upstash";
export { PostgresKvStore, type PostgresKvOptions } from "./postgres";

type KvEnv = Pick<Env, "REDIS_URL" | "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN" | "KV_PREFIX">;

/** The adapter the environment asks for: Upstash REST when its URL and token are set, else TCP Redis when
 *  REDIS_URL is set, else the PostgreSQL table (the embedded default). */
export function createKv(e: KvEnv = env()): KvStore {
  if (e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN)
    return new UpstashKvStore({ url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN, prefix: e.KV_PREFIX });
  if (e.REDIS_URL) return new RedisKvStore({ url: e.REDIS_URL, prefix: e.KV_PREFIX });
  return new PostgresKvStore({ prefix: e.KV_PREFIX });
}

const globalForKv = globalThis as unknown as { cartwrightKv?: KvStore };

/** One KV store per process (kept on globalThis so dev hot reload does not open a connection per edit). */
export function kv(): KvStore {
  globalForKv.cartwrightKv ??= createKv();
  return globalForKv.cartwrightKv;
}

/** Closes the process's KV store; the next `kv()` creates a new one. */
export async function closeKv(): Promise<void> {
  const store = globalForKv.cartwrightKv;
  globalForKv.cartwrightKv = undefined;
  await store?.close();
}
