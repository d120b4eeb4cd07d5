import type { KvStore } from "./kv/types";

export interface SlidingWindowOptions {
  /** Hits allowed inside any window of `windowSeconds`; the (limit+1)th is refused. */
  limit: number;
  windowSeconds: number;
  /** The current time (Date or epoch ms); default Date.now(). For tests. */
  now?: Date | number;
}

export interface SlidingWindowResult {
  /** hitSlidingWindow: this hit was counted. countSlidingWindow: a hit now would be. */
  allowed: boolean;
  /** Hits counted inside the window (this one included when allowed). */
  count: number;
  /** 0 when allowed; else seconds until the oldest counted hit leaves the window (a Retry-After value). */
  retryAfterSeconds: number;
}

function validate(opts: SlidingWindowOptions): { limit: number; windowMs: number; nowMs: number } {
  const { limit, windowSeconds } = opts;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (!Number.isFinite(windowSeconds) || windowSeconds <= 0)
    throw new RangeError(`windowSeconds must be positive, got ${windowSeconds}`);
  const nowMs = opts.now === undefined ? Date.now() : typeof opts.now === "number" ? opts.now : opts.now.getTime();
  return { limit, windowMs: Math.round(windowSeconds * 1000), nowMs };
}

/** The stored list of hit times (epoch ms), oldest first, without those that left the window. Garbage reads as []. */
function liveHits(stored: string | null, nowMs: number, windowMs: number): number[] {
  if (stored === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed
    .filter((t): t is number => typeof t === "number" && Number.isFinite(t) && t > nowMs - windowMs && t <= nowMs + windowMs)
    .sort((a, b) => a - b);
}

function retryAfter(hits: number[], limit: number, nowMs: number, windowMs: number): number {
  // the hit that must leave the window before there is room again
  const blocking = hits[hits.length - limit];
  if (blocking === undefined) return 0;
  return Math.max(1, Math.ceil((blocking + windowMs - nowMs) / 1000));
}

/**
 * Records one hit for `key` in a true sliding window: the key holds the times of the hits counted in the last
 * `windowSeconds` (a JSON list, written with the store's atomic update, so concurrent hits are all counted). A hit
 * is refused when `limit` hits are already inside the window; a refused hit is not recorded (the list never grows
 * past `limit`). Use one key per subject, e.g. `rl:discount:cart:<cartId>`.
 */
export async function hitSlidingWindow(kv: KvStore, key: string, opts: SlidingWindowOptions): Promise<SlidingWindowResult> {
  const { limit, windowMs, nowMs } = validate(opts);
  let result: SlidingWindowResult = { allowed: false, count: 0, retryAfterSeconds: 0 };
  // fn may run more than once (a concurrent hit): the last run is the one written, and sets `result`
  await kv.update(
    key,
    (current) => {
      const hits = liveHits(current, nowMs, windowMs);
      if (hits.length < limit) {
        hits.push(nowMs);
        hits.sort((a, b) => a - b);
        result = { allowed: true, count: hits.length, retryAfterSeconds: 0 };
      } else {
        result = { allowed: false, count: hits.length, retryAfterSeconds: retryAfter(hits, limit, nowMs, windowMs) };
      }
      return JSON.stringify(hits);
    },
    // every hit kept is at most `now`, so the whole list has left the window a window from now: the key can go
    { ttlSeconds: Math.ceil(windowMs / 1000) + 1 },
  );
  return result;
}

/** The window's state for `key` without recording a hit: `allowed` says whether a hit now would be counted. */
export async function countSlidingWindow(kv: KvStore, key: string, opts: SlidingWindowOptions): Promise<SlidingWindowResult> {
  const { limit, windowMs, nowMs } = validate(opts);
  const hits = liveHits(await kv.get(key), nowMs, windowMs);
  if (hits.length < limit) return { allowed: true, count: hits.length, retryAfterSeconds: 0 };
  return { allowed: false, count: hits.length, retryAfterSeconds: retryAfter(hits, limit, nowMs, windowMs) };
}
