import type { Db } from "../db";
import { findAutomaticDiscounts } from "./repository";
import type { DiscountRule } from "./rules";

/**
 * A short-lived, per-process copy of the automatic discounts for the cart VIEW (every cart answer and page shows
 * them), so a cart request needs no PostgreSQL round trip for them. A copy up to `ttlMs` old is harmless there for the
 * reason lib/catalog/variant-cache.ts gives: checkout always reads them fresh and redeems them under their row lock
 * (a budget used up meanwhile is refused there). An admin change and a placed checkout forget the copy in their own
 * process; other processes see a change within `ttlMs`. Validity windows are checked against the exact time of
 * each view. Like the variants' copy, an expired copy is read once: the requests that find it expired while a read
 * is under way wait for that read.
 */
export class AutomaticDiscountCache {
  private entry: { at: number; rules: DiscountRule[] } | undefined;
  /** the read under way, if any */
  private reading: Promise<DiscountRule[]> | undefined;

  constructor(
    readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(db: Db, now: Date): Promise<DiscountRule[]> {
    if (this.ttlMs <= 0) return findAutomaticDiscounts(db, now);
    const at = this.clock();
    let rules = this.entry && at - this.entry.at < this.ttlMs ? this.entry.rules : undefined;
    if (!rules) {
      if (!this.reading) {
        const read: Promise<DiscountRule[]> = findAutomaticDiscounts(db, new Date(at))
          .then((found) => {
            // forgotten while it was read (an admin change, a redemption): no copy of what may predate it
            if (this.reading === read) this.entry = { at, rules: found };
            return found;
          })
          .finally(() => {
            if (this.reading === read) this.reading = undefined;
          });
        this.reading = read;
      }
      rules = await this.reading;
    }
    return rules.filter((r) => (!r.validFrom || r.validFrom <= now) && (!r.validUntil || r.validUntil > now));
  }

  forget(): void {
    this.entry = undefined;
    this.reading = undefined; // the next request reads again rather than waiting for a read begun before the change
  }
}

// One per process, shared by every bundle copy of this module (see lib/catalog/variant-cache.ts).
const KEY = Symbol.for("cartwright.automaticDiscountCache");
const holder = globalThis as unknown as { [KEY]?: AutomaticDiscountCache };

/** The process's cache; the first caller's ttlMs sets it up. */
export function automaticDiscountCache(ttlMs: number): AutomaticDiscountCache {
  holder[KEY] ??= new AutomaticDiscountCache(ttlMs);
  return holder[KEY];
}

/** After a discount write (admin) or a redemption (checkout) in this process: the next cart view reads them again. */
export function forgetAutomaticDiscounts(): void {
  holder[KEY]?.forget();
}
