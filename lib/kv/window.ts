// Sliding-window hit lists (rate limits): the one rule, in JavaScript for the stores that run it through their
// compare-and-set update (PostgreSQL, a process's memory) and in Lua for the Redis stores, which run it inside Redis as
// one script. A key holds the times (epoch ms) of the hits counted in the last window, as a JSON list, oldest first.
// tests/integration/rate-limit.test.ts runs the same cases on every store.

/** One hit: at `at` (epoch ms), refused when `limit` hits are already inside the last `windowMs`; a written key
 *  expires `ttlMs` after the write. */
export type WindowHitInput = { at: number; windowMs: number; limit: number; ttlMs: number };

export type WindowHitResult = {
  /** this hit was counted */
  allowed: boolean;
  /** hits inside the window (this one included when allowed) */
  count: number;
  /** refused: the time of the hit that must leave the window before there is room again; null when allowed */
  blockingAt: number | null;
};

/** The stored hit times still inside the window, oldest first. Garbage (not JSON, not a list) reads as none. */
function liveHits(stored: string | null, at: number, windowMs: number): number[] {
  if (stored === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((t): t is number => typeof t === "number" && Number.isFinite(t) && t > at - windowMs && t <= at + windowMs).sort((a, b) => a - b);
}

/** A hit on what the key holds: the answer, and what to write (null: nothing, the window was full). */
export function windowHitOn(stored: string | null, hit: WindowHitInput): { result: WindowHitResult; next: string | null } {
  const hits = liveHits(stored, hit.at, hit.windowMs);
  if (hits.length >= hit.limit) return { result: { allowed: false, count: hits.length, blockingAt: hits[hits.length - hit.limit]! }, next: null };
  hits.push(hit.at);
  hits.sort((a, b) => a - b);
  return { result: { allowed: true, count: hits.length, blockingAt: null }, next: JSON.stringify(hits) };
}

/** One hit recorded at `at` taken out of what the key holds: the new value (null deletes an emptied list), or
 *  undefined when there is nothing to change (no such hit, or not a list). */
export function windowUnhitOn(stored: string | null, at: number): string | null | undefined {
  if (stored === null) return undefined;
  let hits: unknown;
  try {
    hits = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (!Array.isArray(hits)) return undefined;
  const i = hits.indexOf(at);
  if (i === -1) return undefined;
  hits.splice(i, 1);
  return hits.length ? JSON.stringify(hits) : null;
}

/**
 * windowHitOn inside Redis. KEYS[1]; ARGV = at, windowMs, limit, ttlMs. Answers {1, count} when counted, else
 * {0, count, blockingAt}. Epoch milliseconds are exact in Lua's doubles and cjson writes them back whole (13 digits,
 * within its 14 significant ones).
 */
export const LUA_WINDOW_HIT = `
local at = tonumber(ARGV[1])
local win = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local hits = {}
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, parsed = pcall(cjson.decode, cur)
  if ok and type(parsed) == 'table' then
    for _, t in ipairs(parsed) do
      if type(t) == 'number' and t > at - win and t <= at + win then hits[#hits + 1] = t end
    end
  end
end
table.sort(hits)
if #hits >= limit then return {0, #hits, hits[#hits - limit + 1]} end
hits[#hits + 1] = at
table.sort(hits)
redis.call('SET', KEYS[1], cjson.encode(hits), 'PX', ARGV[4])
return {1, #hits}
`;

/** windowUnhitOn inside Redis, keeping the key's TTL. KEYS[1]; ARGV = at. Answers 1 when a hit was removed. */
export const LUA_WINDOW_UNHIT = `
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local ok, hits = pcall(cjson.decode, cur)
if not ok or type(hits) ~= 'table' then return 0 end
local at = tonumber(ARGV[1])
for i, t in ipairs(hits) do
  if t == at then
    table.remove(hits, i)
    if #hits == 0 then
      redis.call('DEL', KEYS[1])
    else
      redis.call('SET', KEYS[1], cjson.encode(hits), 'KEEPTTL')
    end
    return 1
  end
end
return 0
`;

/** The answer of LUA_WINDOW_HIT as a WindowHitResult. */
export function windowHitAnswer(answer: unknown): WindowHitResult {
  const [allowed, count, blockingAt] = (Array.isArray(answer) ? answer : []).map(Number);
  if ((allowed !== 0 && allowed !== 1) || !Number.isFinite(count)) throw new Error(`unexpected answer from the window script: ${JSON.stringify(answer)}`);
  return { allowed: allowed === 1, count: count!, blockingAt: allowed === 1 ? null : blockingAt! };
}

/** A hit through a store's compare-and-set update (the stores without a script): the same rule, the same answer. */
export async function windowHitByUpdate(
  update: (key: string, fn: (current: string | null) => string | null, opts?: { ttlSeconds?: number }) => Promise<string | null>,
  key: string,
  hit: WindowHitInput,
): Promise<WindowHitResult> {
  let result: WindowHitResult = { allowed: false, count: 0, blockingAt: null };
  try {
    // fn may run more than once (a concurrent hit): the last run is the one written, and sets `result`
    await update(
      key,
      (current) => {
        const r = windowHitOn(current, hit);
        result = r.result;
        // a full window is abandoned without a write: under a burst the refused majority then never competes with
        // the writers that took a slot
        if (r.next === null) throw new WindowFull();
        return r.next;
      },
      { ttlSeconds: hit.ttlMs / 1000 },
    );
  } catch (e) {
    if (!(e instanceof WindowFull)) throw e;
  }
  return result;
}

/** Removal through a store's compare-and-set update. */
export async function windowUnhitByUpdate(
  update: (key: string, fn: (current: string | null) => string | null) => Promise<string | null>,
  key: string,
  at: number,
): Promise<void> {
  await update(key, (current) => {
    const next = windowUnhitOn(current, at);
    return next === undefined ? current : next;
  });
}

/** Thrown out of an update to abandon it without writing: the window was already full. */
class WindowFull {}
