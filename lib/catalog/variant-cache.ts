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
 */
export class VariantInfoCache {
  private readonly entries = new Map<number, { at: number; info: VariantInfo }>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(db: Db, variantIds: readonly number[]): Promise<Map<number, VariantInfo>> {
    if (this.ttlMs <= 0) return loadVariantInfo(db, variantIds);
    const now = this.clock();
    const found = new Map<number, VariantInfo>();
    const missing: number[] = [];
    for (const id of new Set(variantIds)) {
      const e = this.entries.get(id);
      if (e && now - e.at < this.ttlMs) found.set(id, e.info);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const loaded = await loadVariantInfo(db, missing);
    for (const [id, info] of loaded) {
      found.set(id, info);
      this.entries.delete(id); // re-inserted last: the Map's order is the order to evict in
      this.entries.set(id, { at: now, info });
    }
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return found;
  }

  /** Forgets some variants (all of them without ids): the next read goes to PostgreSQL. */
  forget(variantIds?: readonly number[]): void {
    if (!variantIds) this.entries.clear();
    else for (const id of variantIds) this.entries.delete(id);
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
