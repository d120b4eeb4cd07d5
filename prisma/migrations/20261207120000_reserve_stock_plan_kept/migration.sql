-- cw_reserve_stock keeps its plan.
--
-- It was a LANGUAGE sql function, which PostgreSQL (before 18) plans again at every call: pg_stat_statements with
-- track_planning showed its statement planned at every one of 2,500 checkouts, 1.2 ms of PostgreSQL CPU each, the
-- largest single cost of a checkout inside PostgreSQL. The same statement in PL/pgSQL (RETURN QUERY) is prepared
-- once per connection and its plan kept: the variants it locks are found by primary key whatever the plan.
-- Nothing else changes: same arguments, same rows, same locks in the same order.
CREATE OR REPLACE FUNCTION cw_reserve_stock(p_ids int[], p_quantities int[])
RETURNS TABLE (variant_id int, requested int, available int)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
    WITH req AS (
      SELECT t.variant_id, t.qty FROM unnest(p_ids, p_quantities) AS t(variant_id, qty)
    ),
    locked AS MATERIALIZED (
      SELECT v.id, v.product_id, v.stock_quantity, v.is_active
      FROM product_variants v
      WHERE v.id IN (SELECT r.variant_id FROM req r)
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
    SELECT c.variant_id, c.requested, c.available
    FROM checked c
    ORDER BY c.variant_id;
END
$$;
