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
 * Reserves stock for every line in ONE statement (one round trip while the rows are locked):
 *  - locks the variant rows in id order (so two checkouts never wait on each other in a cycle). The lock is
 *    FOR NO KEY UPDATE, the lock an UPDATE of a non-key column takes: it does not conflict with the FOR KEY SHARE
 *    lock that inserting a row referencing the variant takes (cart_items), so cart writes never wait on
 *    checkouts and a checkout that writes cart items first cannot deadlock with another one;
 *  - reads each locked row's current stock (a locked row is re-read at its latest committed version) and
 *    computes what is available (0 for a missing or inactive variant or product);
 *  - decrements all of them only if every line is covered.
 * Returns every short line (empty = reserved). The caller rolls back when something is short.
 */
export async function reserveStock(tx: Db, lines: readonly StockLine[]): Promise<ShortLine[]> {
  const { ids, quantities } = perVariant(lines);
  if (ids.length === 0) return [];
  const rows = await tx.$queryRaw<{ variant_id: number; requested: number; available: number; updated: number }[]>`
    WITH req AS (
      SELECT t.variant_id, t.qty FROM unnest(${ids}::int[], ${quantities}::int[]) AS t(variant_id, qty)
    ),
    locked AS MATERIALIZED (
      SELECT v.id, v.product_id, v.stock_quantity, v.is_active
      FROM product_variants v
      WHERE v.id IN (SELECT variant_id FROM req)
      ORDER BY v.id
      FOR NO KEY UPDATE
    ),
    checked AS MATERIALIZED (
      SELECT r.variant_id, r.qty AS requested,
             CASE WHEN l.id IS NULL OR NOT l.is_active OR NOT coalesce(p.is_active, false) THEN 0
                  ELSE l.stock_quantity END AS available
      FROM req r
      LEFT JOIN locked l ON l.id = r.variant_id
      LEFT JOIN products p ON p.id = l.product_id
    ),
    upd AS (
      UPDATE product_variants v
      SET stock_quantity = v.stock_quantity - c.requested, updated_at = now()
      FROM checked c
      WHERE v.id = c.variant_id AND NOT EXISTS (SELECT 1 FROM checked x WHERE x.requested > x.available)
      RETURNING v.id
    )
    SELECT c.variant_id, c.requested, c.available, (SELECT count(*)::int FROM upd) AS updated
    FROM checked c
    ORDER BY c.variant_id`;
  const short = rows.filter((r) => r.requested > r.available).map((r) => ({ variantId: r.variant_id, requested: r.requested, available: Math.max(0, r.available) }));
  if (short.length === 0 && rows[0]?.updated !== ids.length)
    throw new Error(`reserveStock: expected to update ${ids.length} variants, updated ${rows[0]?.updated ?? 0}`);
  return short;
}

/** Puts the quantities back (a cancelled order), locking the variant rows in id order like reserveStock. */
export async function restock(tx: Db, lines: readonly StockLine[]): Promise<number> {
  const { ids, quantities } = perVariant(lines);
  if (ids.length === 0) return 0;
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
