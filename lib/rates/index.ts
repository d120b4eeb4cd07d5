import type { Db } from "../db";
import type { RateTables } from "../pricing";

const TTL_MS = 60_000;
let cached: { at: number; tables: RateTables } | undefined;

/** Shipping zones, shipping rates and tax rates from the database, kept in memory for a minute (they rarely change). */
export async function loadRateTables(db: Db, opts: { fresh?: boolean } = {}): Promise<RateTables> {
  if (!opts.fresh && cached && Date.now() - cached.at < TTL_MS) return cached.tables;
  const [zones, shipping, tax] = await Promise.all([
    db.shippingZoneCountry.findMany(),
    db.shippingRate.findMany(),
    db.taxRate.findMany(),
  ]);
  const tables: RateTables = {
    zoneOf: Object.fromEntries(zones.map((z) => [z.country.trim(), z.zone])),
    shippingRates: shipping.map((s) => ({ zone: s.zone, currency: s.currency.trim(), amount: s.amount, freeOver: s.freeOver })),
    taxRates: tax.map((t) => ({ country: t.country.trim(), region: t.region, ratePpm: t.ratePpm, taxesShipping: t.taxesShipping })),
  };
  cached = { at: Date.now(), tables };
  return tables;
}

export function forgetRateTables(): void {
  cached = undefined;
}
