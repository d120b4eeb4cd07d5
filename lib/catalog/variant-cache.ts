import type { Db } from "../db";
import { loadVariantInfo, type VariantInfo } from "./index";

/**
 * A short-lived, per-process copy of what carts read of the catalog (loadVariantInfo), so that most add-to-cart
 * requests need no PostgreSQL round trip (BENCHMARKS.md: the catalog read was about a fifth of add-to-cart's CPU).
 *
 * Only the cart uses it, where a copy up to `ttlMs` old is harmless: the price captured at add-to-cart and the
 * stock cap are both checked again by checkout, which always reads the catalog fresh (a changed price answers 409
 * prices_changed, short stock 409 insufficient_stock). A variant changed through the admin API or dashboard is
 * forgotten at once in the process that changed it; other processes see the change within `ttlMs`.
 * A variant that does not exist is not remembered (a new one is visible at once).
 *
 * Misses are read once: the requests that find a variant missing or expired while a read of it is under way wait for
 * that read instead of sending their own, so a hot variant's expiry costs one statement per process, not one per
 * request in flight (50 connections adding the same variant sent up to 50 the moment its copy aged out).
 */
export class VariantInfoCache {
  private readonly entries = new Map<number, { at: number; info: VariantInfo }>();
  /** the reads under way, per variant (the same promise for every variant one statement reads) */
  private readonly reading = new Map<number, Promise<Map<number, VariantInfo>>>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(db: Db, variantIds: readonly number[]): Promise<Map<number, VariantInfo>> {
    if (this.ttlMs <= 0) return loadVariantInfo(db, variantIds);
    const now = this.clock();
    const found = new Map<number, VariantInfo>();
    const joined = new Map<number, Promise<Map<number, VariantInfo>>>();
    const missing: number[] = [];
    for (const id of new Set(variantIds)) {
      const e = this.entries.get(id);
      const under = this.reading.get(id);
      if (e && now - e.at < this.ttlMs) found.set(id, e.info);
      else if (under) joined.set(id, under);
      else missing.push(id);
    }
    if (missing.length) {
      const read = loadVariantInfo(db, missing);
      for (const id of missing) {
        this.reading.set(id, read);
        joined.set(id, read);
      }
      try {
        const loaded = await read;
        for (const id of missing) {
          // a variant forgotten while it was read (an admin change) keeps no copy of what may predate the change
          if (this.reading.get(id) !== read) continue;
          const info = loaded.get(id);
          if (!info) continue;
          this.entries.delete(id); // re-inserted last: the Map's order is the order to evict in
          this.entries.set(id, { at: now, info });
        }
        while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      } finally {
        for (const id of missing) if (this.reading.get(id) === read) this.reading.delete(id);
      }
    }
    for (const [id, read] of joined) {
      const info = (await read).get(id);
      if (info) found.set(id, info);
    }
    return found;
  }

  /** Forgets some variants (all of them without ids): the next read goes to PostgreSQL. */
  forget(variantIds?: readonly number[]): void {
    if (!variantIds) {
      this.entries.clear();
      this.reading.clear();
    } else
      for (const id of variantIds) {
        this.entries.delete(id);
        this.reading.delete(id); // the next request reads again rather than waiting for a read begun before the change
      }
  }
}

// One per process, shared by every bundle copy of this module (Next.js bundles lib/ once per layer: the admin
// route that forgets a variant and the cart route that reads it may hold different copies).
const KEY = Symbol.for("cartwright.variantInfoCache");
const holder = globalThis as unknown as { [KEY]?: VariantInfoCache };

/** The process's cache; the first caller's ttlMs sets it up. */
export function variantInfoCache(ttlMs: number): VariantInfoCache {
  holder[KEY] ??= new VariantInfoCache(ttlMs);
  return holder[KEY];
}

/** After a catalog write in this process: drop the cart's copies of these variants. */
export function forgetVariantInfo(variantIds?: readonly number[]): void {
  holder[KEY]?.forget(variantIds);
}
