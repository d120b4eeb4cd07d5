import type { WindowHitInput, WindowHitResult } from "./window";
import { DomainError, isDomainError } from "../errors";

/**
 * The small key-value store behind guest carts, the signed-in cart cache and rate limits (docs/ARCHITECTURE.md, lib/kv).
 * Values are strings; callers serialise their own JSON. Every adapter applies its key prefix to every key, so
 * callers use bare keys ("cart:abc") and several apps or test runs can share one store.
 */
export interface KvStore {
  readonly kind: "redis" | "upstash" | "postgres";
  get(key: string): Promise<string | null>;
  /** Writes the value; without `ttlSeconds` the key has no expiry (like Redis SET, any previous TTL is dropped). */
  set(key: string, value: string, opts?: { ttlSeconds?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  /** Sets the key's time to live; false when the key does not exist. */
  expire(key: string, ttlSeconds: number): Promise<boolean>;
  /** Seconds left, rounded up; null when the key is missing or has no TTL. */
  ttl(key: string): Promise<number | null>;
  /** Atomic increment (a missing or expired key counts from 0); the TTL is set when the key is created (and on a
   *  key that somehow has none), never extended by later increments: a fixed window. */
  incr(key: string, ttlSeconds: number): Promise<number>;
  /** Atomic read-modify-write of one key: fn gets the current value (null if missing) and returns the new value
   *  (null deletes). Retries on a concurrent write (optimistic compare-and-set), so no update is lost. fn may run
   *  more than once; it must be pure. Returns what was written. With `ttlSeconds` the written key expires that
   *  long after the write; without it an existing key keeps its TTL and a new key has none. */
  update(
    key: string,
    fn: (current: string | null) => string | null,
    opts?: { ttlSeconds?: number },
  ): Promise<string | null>;
  /** Sliding-window rate limiting (lib/kv/window.ts): adds a hit at `hit.at` unless `hit.limit` hits are already
   *  inside the window, in one atomic step (the Redis stores run it as one script, so a burst on one key costs each
   *  hit one round trip and never a compare-and-set retry). */
  windowHit(key: string, hit: WindowHitInput): Promise<WindowHitResult>;
  /** Gives back one hit recorded at `at` (a slot released); the key keeps its TTL, an emptied list is deleted. */
  windowUnhit(key: string, at: number): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** For connection-based stores: changes on every (re)connection, so a cache user knows it may have missed
   *  invalidations while disconnected. Absent for stateless (HTTP, SQL) stores. */
  readonly connectionEpoch?: number;
}

export type KvKind = KvStore["kind"];

/** The store is unreachable (or too contended to answer): the request fails with 503 and the shopper retries. */
export class KvUnavailableError extends DomainError {
  constructor(options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super("service_unavailable", "Our cart storage is unavailable right now. Please try again in a moment.", options?.details);
    this.name = "KvUnavailableError";
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

export function isKvUnavailable(e: unknown): e is KvUnavailableError {
  // not instanceof: the store on globalThis may have been built by another bundle's copy of this module
  return e instanceof KvUnavailableError || (isDomainError(e) && e.code === "service_unavailable");
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers shared by the adapters (not part of the public interface).

/** A TTL must be a positive, finite number of seconds; returns it in whole milliseconds (at least 1). */
export function ttlMs(ttlSeconds: number): number {
  if (typeof ttlSeconds !== "number" || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0)
    throw new RangeError(`ttlSeconds must be a positive number, got ${String(ttlSeconds)}`);
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

export const UPDATE_MAX_ATTEMPTS = 200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The optimistic compare-and-set loop behind every adapter's `update`: `attempt` reads, applies fn and tries to
 * write conditionally, answering `{ done: true, value }` or `{ done: false }` when another writer got there first.
 * Retries with a small, growing, random pause (so 30 writers of one cart spread out instead of colliding again);
 * `{ done: false, now: true }` retries at once (the attempt wrote against a guess that turned out stale, which says
 * nothing about contention).
 */
export async function casLoop(
  attempt: () => Promise<{ done: true; value: string | null } | { done: false; now?: boolean }>,
  maxAttempts = UPDATE_MAX_ATTEMPTS,
): Promise<string | null> {
  for (let i = 0; i < maxAttempts; i++) {
    const r = await attempt();
    if (r.done) return r.value;
    if (r.now) continue;
    // full jitter, growing to at most ~25 ms
    await sleep(Math.random() * Math.min(25, 1 + 2 ** Math.min(i, 5)));
  }
  throw new KvUnavailableError({ details: { reason: "update_contention" } });
}

/**
 * Lua used by the two Redis adapters (TCP and Upstash REST), so both behave the same.
 *
 * CAS_UPDATE_OR_CURRENT: KEYS[1]; ARGV = expectExists ("1"/"0"), expected value, op ("set"/"del"), new value,
 * ttl in ms ("0" = keep the key's TTL, or none for a new key). Answers 1 when written; on a concurrent change,
 * what the key holds now: {0} when it is missing, {0, value} otherwise, so the writer retries from that answer
 * without another read (and a writer whose expected value was a guess loses nothing but that round trip).
 */
export const LUA_CAS_UPDATE_OR_CURRENT = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if (not cur) or cur ~= ARGV[2] then
    if cur then return {0, cur} end
    return {0}
  end
else
  if cur then return {0, cur} end
end
if ARGV[3] == 'del' then
  redis.call('DEL', KEYS[1])
elseif ARGV[5] ~= '0' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
elseif cur then
  redis.call('SET', KEYS[1], ARGV[4], 'KEEPTTL')
else
  redis.call('SET', KEYS[1], ARGV[4])
end
return 1
`;

/** CAS_UPDATE_OR_CURRENT's answer read: null when written, else what the key held (null: missing). */
export function casRefusal(answer: unknown): { current: string | null } | null {
  if (!Array.isArray(answer)) return null;
  return { current: answer.length > 1 ? String(answer[1]) : null };
}

/** INCR_TTL: KEYS[1]; ARGV[1] = ttl in ms. Increments, and gives the key the TTL when it has none. */
export const LUA_INCR_TTL = `
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;

/** Seconds left from a PTTL answer (-2 missing, -1 no TTL), rounded up like the PostgreSQL adapter. */
export function secondsFromPttl(pttl: number): number | null {
  if (pttl < 0) return null;
  return Math.max(1, Math.ceil(pttl / 1000));
}
