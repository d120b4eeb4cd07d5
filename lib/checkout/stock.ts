import { forgetVariantInfo } from "../catalog/variant-cache";
import type { Db } from "../db";

export type StockLine = { variantId: number; quantity: number };
export type ShortLine = { variantId: number; requested: number; available: number };

/** Quantities per variant (lines of one variant with different options share its stock), in variant id order. */
export function perVariant(lines: readonly StockLine[]): { ids: number[]; quantities: number[] } {
  const sums = new Map<number, number>();
  for (const l of lines) sums.set(l.variantId, (sums.get(l.variantId) ?? 0) + l.quantity);
  const ids = [...sums.keys()].sort((a, b) => a - b);
  return { ids, quantities: ids.map((id) => sums.get(id) ?? 0) };
}

/**
 * Reserves stock for every line in ONE statement: cw_reserve_stock (prisma/migrations/20261124020000_checkout_functions)
 *  - locks the variant rows in id order (so two checkouts never wait on each other in a cycle). The lock is
 *    FOR NO KEY UPDATE, the lock an UPDATE of a non-key column takes: it does not conflict with the FOR KEY SHARE
 *    lock that inserting a row referencing the variant takes (cart_items), so cart writes never wait on checkouts;
 *  - reads each locked row's current stock (a locked row is re-read at its latest committed version) and
 *    computes what is available (0 for a missing or inactive variant or product);
 *  - decrements all of them only if every line is covered.
 * Returns every short line (empty = reserved). The caller rolls back when something is short. Checkout itself
 * reserves inside cw_place_order, which calls the same function.
 */
export async function reserveStock(tx: Db, lines: readonly StockLine[]): Promise<ShortLine[]> {
  const { ids, quantities } = perVariant(lines);
  if (ids.length === 0) return [];
  const rows = await tx.$queryRaw<{ variant_id: number; requested: number; available: number }[]>`
    SELECT variant_id, requested, available FROM cw_reserve_stock(${ids}::int[], ${quantities}::int[])`;
  return rows.filter((r) => r.requested > r.available).map((r) => ({ variantId: r.variant_id, requested: r.requested, available: Math.max(0, r.available) }));
}

/** Puts the quantities back (a cancelled order), locking the variant rows in id order like reserveStock. */
export async function restock(tx: Db, lines: readonly StockLine[]): Promise<number> {
  const { ids, quantities } = perVariant(lines);
  if (ids.length === 0) return 0;
  forgetVariantInfo(ids); // the carts' catalog copy in this process (a rollback only costs a cache miss)
  return tx.$executeRaw`
    WITH req AS (
      SELECT t.variant_id, t.qty FROM unnest(${ids}::int[], ${quantities}::int[]) AS t(variant_id, qty)
    ),
    locked AS MATERIALIZED (
      SELECT v.id FROM product_variants v WHERE v.id IN (SELECT variant_id FROM req) ORDER BY v.id FOR NO KEY UPDATE
    )
    UPDATE product_variants v
    SET stock_quantity = v.stock_quantity + r.qty, updated_at = now()
    FROM req r
    WHERE v.id = r.variant_id AND v.id IN (SELECT id FROM locked)`;
}
