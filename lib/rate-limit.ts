import { isKvUnavailable, type KvStore } from "./kv/types";
import { windowHitByUpdate, windowUnhitByUpdate } from "./kv/window";

export interface SlidingWindowOptions {
  /** Hits allowed inside any window of `windowSeconds`; the (limit+1)th is refused. */
  limit: number;
  windowSeconds: number;
  /** The current time (Date or epoch ms); default Date.now(). For tests. */
  now?: Date | number;
}

export interface SlidingWindowResult {
  /** this hit was counted */
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

/** The Retry-After of a refused hit: seconds until the hit that blocks it leaves the window (at least 1). */
function retryAfter(blockingAt: number | null, nowMs: number, windowMs: number): number {
  if (blockingAt === null) return 0;
  return Math.max(1, Math.ceil((blockingAt + windowMs - nowMs) / 1000));
}

/** The slice of the store the limits use: its atomic window operations (lib/kv/window.ts). */
export type WindowStore = Pick<KvStore, "windowHit" | "windowUnhit">;

/** Adds a hit at `now` unless the window is full; `at` is the recorded time (null when refused). */
async function addHit(kv: WindowStore, key: string, opts: SlidingWindowOptions): Promise<{ result: SlidingWindowResult; at: number | null }> {
  const { limit, windowMs, nowMs } = validate(opts);
  // every hit kept is at most `now`, so the whole list has left the window a window from now: the key can go then
  const hit = await kv.windowHit(key, { at: nowMs, windowMs, limit, ttlMs: (Math.ceil(windowMs / 1000) + 1) * 1000 });
  const result = { allowed: hit.allowed, count: hit.count, retryAfterSeconds: hit.allowed ? 0 : retryAfter(hit.blockingAt, nowMs, windowMs) };
  return { result, at: hit.allowed ? nowMs : null };
}

/**
 * Records one hit for `key` in a true sliding window: the key holds the times of the hits counted in the last
 * `windowSeconds` (a JSON list, changed in one atomic step of the store, so concurrent hits are all counted). A hit
 * is refused when `limit` hits are already inside the window; a refused hit is not recorded (the list never grows
 * past `limit`). Use one key per subject, e.g. `rl:discount:cart:<cartId>`.
 */
export async function hitSlidingWindow(kv: WindowStore, key: string, opts: SlidingWindowOptions): Promise<SlidingWindowResult> {
  return (await addHit(kv, key, opts)).result;
}

export interface SlotWindow {
  key: string;
  opts: SlidingWindowOptions;
}

export type SlotResult =
  | { allowed: true; /** gives every slot back (the attempt turned out right); safe to call more than once */ release: () => Promise<void> }
  | { allowed: false; retryAfterSeconds: number };

/**
 * Slot first, evaluate second: takes one slot in every window BEFORE the caller evaluates anything (a password, a
 * discount code). Counting after the evaluation lets a burst through: 40 simultaneous attempts all read "9 failures
 * so far" and are all evaluated. Here each concurrent attempt takes its slot atomically, so at most `limit` attempts
 * per window are ever evaluated, however many arrive at once. When any window is full, the slots taken in the others
 * are given back (the attempt was never evaluated) and the answer is refused. A right answer gives its slots back
 * (release), so only wrong attempts use up the window.
 */
export async function takeSlots(kv: WindowStore, windows: SlotWindow[], now?: Date | number): Promise<SlotResult> {
  const taken = await Promise.allSettled(windows.map((w) => addHit(kv, w.key, { ...w.opts, now: now ?? w.opts.now })));
  const held = taken.flatMap((t, i) => (t.status === "fulfilled" && t.value.at !== null ? [{ key: windows[i]!.key, at: t.value.at }] : []));
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await Promise.all(held.map((h) => kv.windowUnhit(h.key, h.at)));
  };
  const failed = taken.find((t): t is PromiseRejectedResult => t.status === "rejected");
  if (failed) {
    await release().catch(() => {});
    throw failed.reason;
  }
  const refused = taken.flatMap((t) => (t.status === "fulfilled" && !t.value.result.allowed ? [t.value.result] : []));
  if (refused.length) {
    await release();
    return { allowed: false, retryAfterSeconds: Math.max(...refused.map((r) => r.retryAfterSeconds)) };
  }
  return { allowed: true, release };
}


export type HoldOptions = {
  now?: Date | number;
  /** told when the KV store was unavailable and the slots were taken in memory */
  onKvError?: (e: unknown) => void;
  /** where slots are taken while the KV store is unavailable (default: this process's memory) */
  fallback?: WindowStore;
};

/**
 * takeSlots on the KV store; while it is unavailable (down, timing out, too contended) the slots are taken in this
 * process's memory instead, so the limits hold per instance rather than not at all (making the store slow must never
 * be the way around a limit). Any other error is thrown.
 */
export async function takeSlotsHeld(kv: WindowStore, windows: SlotWindow[], opts: HoldOptions = {}): Promise<SlotResult> {
  try {
    return await takeSlots(kv, windows, opts.now);
  } catch (e) {
    if (!isKvUnavailable(e)) throw e;
    opts.onKvError?.(e);
    return takeSlots(opts.fallback ?? processSlots(), windows, opts.now);
  }
}

let processSlotStore: WindowStore | undefined;
const processSlots = () => (processSlotStore ??= memorySlotStore());

const MEMORY_MAX_KEYS = 10_000;

/**
 * A process-local stand-in for the KV store's atomic update, for limits to fall back on while the store is
 * unreachable: the limits then hold per instance instead of not at all (an attacker who can make the store slow must
 * not thereby switch the limits off). JavaScript runs one update at a time, so it is atomic by construction. Keys
 * are dropped oldest first past MEMORY_MAX_KEYS (the hit lists age out of their windows anyway).
 */
export function memorySlotStore(): WindowStore {
  const entries = new Map<string, string>();
  const update = async (key: string, fn: (current: string | null) => string | null) => {
    const next = fn(entries.get(key) ?? null);
    entries.delete(key); // re-inserted last: Map order is then least recently written first
    if (next !== null) entries.set(key, next);
    while (entries.size > MEMORY_MAX_KEYS) entries.delete(entries.keys().next().value as string);
    return next;
  };
  return {
    windowHit: (key, hit) => windowHitByUpdate(update, key, hit),
    windowUnhit: (key, at) => windowUnhitByUpdate(update, key, at),
  };
}
