-- Checkout's reserve step as database functions, so the whole step is ONE statement from the app: the hot rows
-- (variants, then discounts) are locked by the last statements inside PostgreSQL and released by the COMMIT that
-- follows at once, with no network round trip while they are held (BENCHMARKS.md: an interactive transaction
-- held the hot row for two round trips plus the app's event-loop delay between them).
--
-- Every decision (prices, totals, which codes apply, the per-line discount shares) is made in lib/; these
-- functions only write what they are given, check stock and usage limits under the row locks, and answer.

-- Reserves stock for per-variant quantities in one statement:
--  - locks the variant rows in id order (two checkouts never wait on each other in a cycle) with FOR NO KEY
--    UPDATE, which does not conflict with the FOR KEY SHARE lock taken by inserting rows that reference a variant
--    (cart_items, order_items);
--  - reads each locked row at its latest committed version and computes what is available (0 for a missing or
--    inactive variant or product);
--  - decrements all of them only if every line is covered.
-- Returns one row per requested variant; the reservation happened iff no row has requested > available.
CREATE FUNCTION cw_reserve_stock(p_ids int[], p_quantities int[])
RETURNS TABLE (variant_id int, requested int, available int)
LANGUAGE sql VOLATILE AS $$
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
  ORDER BY c.variant_id
$$;

-- Uses one redemption of a discount:
-- 1. a conditional UPDATE of uses_count: the global limit can never be exceeded, and the row lock it takes (held
--    to the end of the caller's transaction) serialises everything that follows for this discount;
-- 2. the customer's unreleased redemptions are counted by a NEW statement, which under READ COMMITTED sees every
--    redemption committed by the transactions that held the lock before: the per-customer limit holds too.
-- failure is NULL on success, else the reason; on a failure the caller must roll back (step 1 may have counted).
CREATE FUNCTION cw_redeem_discount(
  p_discount_id int, p_customer_key text, p_user_id uuid, p_order_id uuid, p_at timestamptz,
  OUT redemption_id uuid, OUT failure text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_at timestamptz := coalesce(p_at, now());
  v_limit int;
  d record;
BEGIN
  UPDATE discounts SET uses_count = uses_count + 1, updated_at = now()
  WHERE id = p_discount_id AND is_active
    AND (valid_from IS NULL OR valid_from <= v_at)
    AND (valid_until IS NULL OR valid_until > v_at)
    AND (max_uses IS NULL OR uses_count < max_uses)
  RETURNING max_uses_per_customer INTO v_limit;
  IF NOT FOUND THEN
    SELECT is_active, coalesce(valid_from > v_at, false) AS early, coalesce(valid_until <= v_at, false) AS late
    INTO d FROM discounts WHERE id = p_discount_id;
    failure := CASE WHEN d IS NULL THEN 'unknown'
                    WHEN NOT d.is_active THEN 'inactive'
                    WHEN d.early THEN 'not_yet_valid'
                    WHEN d.late THEN 'expired'
                    ELSE 'usage_limit_reached' END;
    RETURN;
  END IF;
  IF v_limit IS NOT NULL AND (
    SELECT count(*) FROM discount_redemptions
    WHERE discount_id = p_discount_id AND customer_key = p_customer_key AND released_at IS NULL
  ) >= v_limit THEN
    failure := 'customer_limit_reached';
    RETURN;
  END IF;
  redemption_id := gen_random_uuid();
  INSERT INTO discount_redemptions (id, discount_id, order_id, user_id, customer_key, created_at)
  VALUES (redemption_id, p_discount_id, p_order_id, p_user_id, p_customer_key, now());
END
$$;

-- Checkout step 3 in one call (one statement, so one transaction). p (built by lib/checkout/place-order.ts):
--   cart:     { id, source: "kv" | "db", version, sessionId, currency, createdAt, expiresAt,
--               items: [{ id, productId, variantId, quantity, unitPrice, customOptions, optionsKey }], discountIds: [int] }
--   address:  the shipping address (jsonb)
--   order:    { id, userId, email, currency, subtotal, discountTotal, shippingTotal, shippingTax, taxTotal, total,
--               discounts, orderTokenHash, reservedUntil, paymentProvider }
--   items:    [{ id, productId, variantId, sku, name, quantity, unitPrice, discount, tax, total, customOptions }]
--   key:      { scope, key, lockedAt } (the idempotency key this attempt holds)
--   stock:    { ids: [int], quantities: [int] } (per variant, in id order)
--   redeem:   [discountId] (in id order), customerKey, now
-- In order: the cart is closed (a signed-in cart only at the version that was priced; a guest cart is written
-- into PostgreSQL, CHECKED_OUT, with its lines), the order and its items are inserted, the idempotency key records
-- the order, then the hot rows: stock (variants in id order), then discount uses (in id order).
-- Answers { "createdAt": ... } when everything is written, or { "failure": ... } with nothing written:
--   cart_not_active | cart_changed | key_lost | insufficient_stock (+ items) | redeem_failed (+ discountId, reason).
CREATE FUNCTION cw_place_order(p jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  c jsonb := p->'cart';
  o jsonb := p->'order';
  k jsonb := p->'key';
  v_cart_id text := p->'cart'->>'id';
  v_order_id uuid := (p->'order'->>'id')::uuid;
  v_user_id uuid := (p->'order'->>'userId')::uuid;
  v_status text;
  v_inserted boolean;
  v_created timestamptz;
  v_short jsonb;
  v_discount_id int;
  v_reason text;
  v_failure jsonb;
BEGIN
  BEGIN
    IF c->>'source' = 'db' THEN
      UPDATE carts
      SET status = 'CHECKED_OUT', shipping_address = p->'address', version = version + 1, updated_at = now()
      WHERE id = v_cart_id AND status = 'ACTIVE' AND version = (c->>'version')::int;
      IF NOT FOUND THEN
        SELECT status::text INTO v_status FROM carts WHERE id = v_cart_id;
        RETURN jsonb_build_object('failure', CASE WHEN v_status = 'ACTIVE' THEN 'cart_changed' ELSE 'cart_not_active' END);
      END IF;
    ELSE
      -- The cart's id is the primary key: of two checkouts of one guest cart, the second finds the row
      -- CHECKED_OUT. A cart restored after a failed payment has an ACTIVE row: it is checked out again with its
      -- current lines.
      INSERT INTO carts (id, user_id, session_id, status, currency, shipping_address, created_at, updated_at, expires_at, version)
      VALUES (v_cart_id, NULL, coalesce(c->>'sessionId', v_cart_id), 'CHECKED_OUT', c->>'currency', p->'address',
              (c->>'createdAt')::timestamptz, now(), (c->>'expiresAt')::timestamptz, (c->>'version')::int + 1)
      ON CONFLICT (id) DO UPDATE
        SET status = 'CHECKED_OUT', shipping_address = EXCLUDED.shipping_address, updated_at = now(),
            expires_at = EXCLUDED.expires_at, version = GREATEST(carts.version + 1, EXCLUDED.version)
        WHERE carts.status = 'ACTIVE' AND carts.user_id IS NULL
      RETURNING (xmax = 0) INTO v_inserted;
      IF NOT FOUND THEN
        RETURN jsonb_build_object('failure', 'cart_not_active');
      END IF;
      IF NOT v_inserted THEN
        DELETE FROM cart_items WHERE cart_id = v_cart_id;
        DELETE FROM cart_discounts WHERE cart_id = v_cart_id;
      END IF;
      INSERT INTO cart_items (id, cart_id, product_id, variant_id, quantity, unit_price, custom_options, options_key, created_at, updated_at)
      SELECT i.id, v_cart_id, i."productId", i."variantId", i.quantity, i."unitPrice", coalesce(i."customOptions", '{}'),
             coalesce(i."optionsKey", ''), now(), now()
      FROM jsonb_to_recordset(c->'items') AS i(id uuid, "productId" int, "variantId" int, quantity int, "unitPrice" int,
                                               "customOptions" jsonb, "optionsKey" text);
      INSERT INTO cart_discounts (cart_id, discount_id)
      SELECT v_cart_id, d.value::int FROM jsonb_array_elements_text(c->'discountIds') AS d(value)
      ON CONFLICT DO NOTHING;
    END IF;

    INSERT INTO orders (id, user_id, cart_id, email, status, currency, subtotal, discount_total, shipping_total,
                        shipping_tax, tax_total, total, shipping_address, discounts, order_token_hash, reserved_until,
                        payment_provider, payment_status, updated_at)
    VALUES (v_order_id, v_user_id, v_cart_id, o->>'email', 'PENDING_PAYMENT', o->>'currency',
            (o->>'subtotal')::int, (o->>'discountTotal')::int, (o->>'shippingTotal')::int, (o->>'shippingTax')::int,
            (o->>'taxTotal')::int, (o->>'total')::int, p->'address', o->'discounts', o->>'orderTokenHash',
            (o->>'reservedUntil')::timestamptz, o->>'paymentProvider', 'pending', now())
    RETURNING created_at INTO v_created;

    INSERT INTO order_items (id, order_id, product_id, variant_id, sku, name, quantity, unit_price, discount, tax, total, custom_options)
    SELECT i.id, v_order_id, i."productId", i."variantId", i.sku, i.name, i.quantity, i."unitPrice", i.discount, i.tax,
           i.total, coalesce(i."customOptions", '{}')
    FROM jsonb_to_recordset(p->'items') AS i(id uuid, "productId" int, "variantId" int, sku text, name text, quantity int,
                                             "unitPrice" int, discount int, tax int, total int, "customOptions" jsonb);

    -- the recovery point: a retry with the same key resumes at the payment step for this order
    UPDATE idempotency_keys SET order_id = v_order_id
    WHERE scope = k->>'scope' AND key = k->>'key' AND locked_at = (k->>'lockedAt')::timestamptz
      AND state = 'IN_PROGRESS' AND order_id IS NULL;
    IF NOT FOUND THEN
      v_failure := jsonb_build_object('failure', 'key_lost');
      RAISE EXCEPTION USING ERRCODE = 'CW001';
    END IF;

    -- the hot rows, last: held only until the COMMIT of this statement
    SELECT coalesce(jsonb_agg(jsonb_build_object('variantId', s.variant_id, 'requested', s.requested,
                                                 'available', greatest(s.available, 0)) ORDER BY s.variant_id), '[]')
    INTO v_short
    FROM cw_reserve_stock(
      ARRAY(SELECT e.value::int FROM jsonb_array_elements_text(p->'stock'->'ids') WITH ORDINALITY AS e(value, n) ORDER BY e.n),
      ARRAY(SELECT e.value::int FROM jsonb_array_elements_text(p->'stock'->'quantities') WITH ORDINALITY AS e(value, n) ORDER BY e.n)
    ) AS s
    WHERE s.requested > s.available;
    IF jsonb_array_length(v_short) > 0 THEN
      v_failure := jsonb_build_object('failure', 'insufficient_stock', 'items', v_short);
      RAISE EXCEPTION USING ERRCODE = 'CW001';
    END IF;

    FOR v_discount_id IN
      SELECT d.value::int FROM jsonb_array_elements_text(p->'redeem') AS d(value) ORDER BY 1
    LOOP
      SELECT r.failure INTO v_reason
      FROM cw_redeem_discount(v_discount_id, p->>'customerKey', v_user_id, v_order_id, (p->>'now')::timestamptz) AS r;
      IF v_reason IS NOT NULL THEN
        v_failure := jsonb_build_object('failure', 'redeem_failed', 'discountId', v_discount_id, 'reason', v_reason);
        RAISE EXCEPTION USING ERRCODE = 'CW001';
      END IF;
    END LOOP;
  EXCEPTION WHEN SQLSTATE 'CW001' THEN
    -- everything this block wrote is rolled back
    RETURN v_failure;
  END;
  RETURN jsonb_build_object('createdAt', v_created);
END
$$;
