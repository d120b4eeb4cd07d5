import { sellableSql } from "../catalog/sellable";
import { forgetVariantInfo } from "../catalog/variant-cache";
import { forgetAutomaticDiscounts } from "../discounts/automatic-cache";
import { Prisma, type Db } from "../db";

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
 * The stock part of the reserve step, as CTE parts for one statement (the interactive reserve transaction's last
 * statement), in this order:
 *  - stock_locked locks the variant rows in id order (so two checkouts never wait on each other in a cycle). The
 *    lock is FOR NO KEY UPDATE, the lock an UPDATE of a non-key column takes: it does not conflict with the FOR KEY
 *    SHARE lock that inserting a row referencing the variant takes (cart_items), so cart writes never wait on it;
 *  - stock_checked reads each locked row's current stock (a locked row is re-read at its latest committed version)
 *    and what is available: 0 for a missing variant, or one that is not sellable (the catalog's rule,
 *    sellableSql);
 *  - stock_ok is true when every line is covered; stock_taken decrements all of them only then.
 * Later parts of the statement must depend on stock_ok, so they run after the variants are locked.
 */
export function stockCtes(ids: readonly number[], quantities: readonly number[]): Prisma.Sql {
  return Prisma.sql`
    stock_req AS (
      SELECT t.variant_id, t.qty FROM unnest(${ids}::int[], ${quantities}::int[]) AS t(variant_id, qty)
    ),
    stock_locked AS MATERIALIZED (
      SELECT v.id, v.product_id, v.stock_quantity, v.is_active
      FROM product_variants v WHERE v.id IN (SELECT r.variant_id FROM stock_req r)
      ORDER BY v.id
      FOR NO KEY UPDATE
    ),
    stock_checked AS MATERIALIZED (
      SELECT r.variant_id, r.qty AS requested,
             CASE WHEN coalesce(${sellableSql("l", "p")}, false) THEN l.stock_quantity ELSE 0 END AS available
      FROM stock_req r
      LEFT JOIN stock_locked l ON l.id = r.variant_id
      LEFT JOIN products p ON p.id = l.product_id
    ),
    stock_ok AS MATERIALIZED (
      SELECT NOT EXISTS (SELECT 1 FROM stock_checked c WHERE c.requested > c.available) AS ok
    ),
    stock_taken AS (
      UPDATE product_variants v
      SET stock_quantity = v.stock_quantity - c.requested, updated_at = now()
      FROM stock_checked c
      WHERE v.id = c.variant_id AND (SELECT ok FROM stock_ok)
      RETURNING v.id
    )`;
}

/** Puts the quantities back (a cancelled order), locking the variant rows in id order as the reserve step does. */
export async function restock(tx: Db, lines: readonly StockLine[]): Promise<number> {
  const { ids, quantities } = perVariant(lines);
  if (ids.length === 0) return 0;
  forgetVariantInfo(ids); // the carts' catalog copy in this process (a rollback only costs a cache miss)
  forgetAutomaticDiscounts(); // a cancelled order gives its discounts' budgets back
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
