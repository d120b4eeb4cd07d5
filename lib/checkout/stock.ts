import { forgetVariantInfo } from "../catalog/variant-cache";
import { forgetAutomaticDiscounts } from "../discounts/automatic-cache";
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
