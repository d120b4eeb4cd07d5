-- The unpaid-order caps move to the end of the reserve step, next to the hot rows.
--
-- Until now cw_place_order took the caps' advisory locks (one per normalised e-mail, one per client) BEFORE it wrote
-- the order, so they were held across every write of the statement and its commit. Checkouts of one shopper were
-- serialised for the whole statement, and so were the checkouts of every shopper behind one address (an office, a
-- mobile carrier's NAT): a far longer hold than the hot rows', which are locked last. The counts also read every
-- PENDING_PAYMENT order of the key, however many there were. Now:
--   * cw_place_order calls cw_check_unpaid_orders after it has written the order and its recovery point, just
--     before the hot rows, so the advisory locks are held only from there to the commit, as the row locks are.
--     The order inserted by this statement is part of the count, so a cap of N refuses when the count passes N.
--     Correctness is the same as before: the count is a new statement taken after the lock, under READ COMMITTED,
--     so it sees every order committed by the previous holder of the lock (and this statement's own).
--   * each count stops at cap + 1 rows (LIMIT), so it costs at most the cap, not the key's whole history.
-- Lock order stays: advisory locks (ascending), then variants in id order, then discounts: no two checkouts can
-- deadlock.

-- u: { emailKey, clientKey (null: not known), perEmail, perClient } or NULL (no cap). Called by cw_place_order
-- after this checkout's order is inserted. Returns NULL when the order may be placed, else
-- { failure: "unpaid_limit", scope: "email" | "client", limit }.
CREATE OR REPLACE FUNCTION cw_check_unpaid_orders(u jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_email bigint;
  v_client bigint;
BEGIN
  IF u IS NULL OR jsonb_typeof(u) <> 'object' THEN
    RETURN NULL;
  END IF;
  v_email := hashtextextended('cw:unpaid:email:' || (u->>'emailKey'), 0);
  v_client := CASE WHEN u->>'clientKey' IS NULL THEN NULL ELSE hashtextextended('cw:unpaid:client:' || (u->>'clientKey'), 0) END;
  IF v_client IS NULL OR v_client = v_email THEN
    PERFORM pg_advisory_xact_lock(v_email);
  ELSE
    PERFORM pg_advisory_xact_lock(LEAST(v_email, v_client));
    PERFORM pg_advisory_xact_lock(GREATEST(v_email, v_client));
  END IF;
  -- this checkout's own order is counted: more than the cap means it would pass it (status::text: see below)
  IF (SELECT count(*) FROM (SELECT 1 FROM orders WHERE email_key = u->>'emailKey' AND status::text = 'PENDING_PAYMENT'
                            LIMIT (u->>'perEmail')::bigint + 1) AS pending) > (u->>'perEmail')::bigint THEN
    RETURN jsonb_build_object('failure', 'unpaid_limit', 'scope', 'email', 'limit', (u->>'perEmail')::bigint);
  END IF;
  IF v_client IS NOT NULL AND
     (SELECT count(*) FROM (SELECT 1 FROM orders WHERE client_key = u->>'clientKey' AND status::text = 'PENDING_PAYMENT'
                            LIMIT (u->>'perClient')::bigint + 1) AS pending) > (u->>'perClient')::bigint THEN
    RETURN jsonb_build_object('failure', 'unpaid_limit', 'scope', 'client', 'limit', (u->>'perClient')::bigint);
  END IF;
  RETURN NULL;
END
$$;

-- Its two counts keep their plan for the connection (PL/pgSQL's generic plan), so that plan must be right whatever
-- the table looked like when it was made: empty, never analyzed, or analyzed while empty (a new shop; a server
-- without autovacuum, where no later ANALYZE replaces the plan). Written plainly, a plan made then could pick another
-- index on PENDING_PAYMENT orders (orders_pending_reserved_until_idx) or a sequential scan and filter by the key,
-- reading every pending order of the shop at each checkout while holding the shopper's lock. So:
--   * `status::text = 'PENDING_PAYMENT'` does not imply the partial indexes' predicate: they are not candidates;
--   * enable_seqscan = off, for this function only: a sequential scan is not one either;
-- which leaves the key's own index (email_key, status) or (client_key, status). Measured: 2,000 calls on a table of
-- 5,000 pending orders, plans made on the empty table: written plainly 4.5 ms a call (9.5 s in all when the table was
-- analyzed while empty), planned at every call 0.29 ms, this way 0.08 ms (never analyzed, analyzed while empty,
-- analyzed full: 0.075-0.083 ms).
ALTER FUNCTION cw_check_unpaid_orders(jsonb) SET enable_seqscan = off;

-- cw_place_order: the LATEST body (20261207000000_bulk_codes) with one change, marked [20261207100000]: the call to
-- cw_check_unpaid_orders moved from before the order's INSERT to just before the hot rows.
CREATE OR REPLACE FUNCTION cw_place_order(p jsonb) RETURNS jsonb
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
  v_code_id int;
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
        RETURN jsonb_build_object('failure', CASE WHEN v_status = 'ACTIVE' THEN 'cart_changed' ELSE 'cart_not_active' END,
                                  'status', v_status);
      END IF;
    ELSE
      -- The cart's id is the primary key: of two checkouts of one guest cart, the second finds the row
      -- CHECKED_OUT. A cart restored after a failed payment has an ACTIVE row: it is checked out again with its
      -- current lines.
      INSERT INTO carts (id, user_id, session_id, status, currency, shipping_address, created_at, updated_at, expires_at, version)
      VALUES (v_cart_id, NULL, coalesce(c->>'sessionId', v_cart_id), 'CHECKED_OUT', c->>'currency', p->'address',
              (c->>'createdAt')::timestamptz, now(), (c->>'expiresAt')::timestamptz, (c->>'version')::int)
      ON CONFLICT (id) DO UPDATE
        SET status = 'CHECKED_OUT', currency = EXCLUDED.currency, shipping_address = EXCLUDED.shipping_address,
            updated_at = now(), expires_at = EXCLUDED.expires_at, version = EXCLUDED.version
        WHERE carts.status IN ('ACTIVE', 'ABANDONED') AND carts.user_id IS NULL AND carts.version < EXCLUDED.version
      RETURNING (xmax = 0) INTO v_inserted;
      IF NOT FOUND THEN
        SELECT status::text INTO v_status FROM carts WHERE id = v_cart_id;
        RETURN jsonb_build_object('failure', 'cart_not_active', 'status', v_status);
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
      -- [20261207000000] with the single-use code the shopper typed, if any (c.discountCodes: [{ discountId, codeId }])
      INSERT INTO cart_discounts (cart_id, discount_id, discount_code_id)
      SELECT v_cart_id, d.value::int,
             (SELECT (e->>'codeId')::int FROM jsonb_array_elements(coalesce(c->'discountCodes', '[]')) AS e
              WHERE (e->>'discountId')::int = d.value::int LIMIT 1)
      FROM jsonb_array_elements_text(c->'discountIds') AS d(value)
      ON CONFLICT DO NOTHING;
    END IF;

    -- [20261206040000] + email_key, client_key
    INSERT INTO orders (id, user_id, cart_id, email, status, currency, subtotal, discount_total, shipping_total,
                        shipping_tax, tax_total, total, shipping_address, discounts, order_token_hash, reserved_until,
                        payment_provider, payment_status, updated_at, email_key, client_key)
    VALUES (v_order_id, v_user_id, v_cart_id, o->>'email', 'PENDING_PAYMENT', o->>'currency',
            (o->>'subtotal')::int, (o->>'discountTotal')::int, (o->>'shippingTotal')::int, (o->>'shippingTax')::int,
            (o->>'taxTotal')::int, (o->>'total')::int, p->'address', o->'discounts', o->>'orderTokenHash',
            (o->>'reservedUntil')::timestamptz, o->>'paymentProvider', 'pending', now(),
            o->>'emailKey', o->>'clientKey')
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

    -- [20261207100000] the unpaid-order caps, here and no longer before the order is written: their advisory locks
    -- are taken with the hot rows, at the end, so checkouts of one shopper (or of many behind one address) are
    -- serialised only from here to the commit. The count includes this order.
    v_failure := cw_check_unpaid_orders(p->'unpaid');
    IF v_failure IS NOT NULL THEN
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
      -- [20261206120000] the amount this order takes with the discount (from order.discounts) counts against its budget
      SELECT r.failure INTO v_reason
      FROM cw_redeem_discount(v_discount_id, p->>'customerKey', v_user_id, v_order_id, (p->>'now')::timestamptz,
        coalesce((SELECT (e->>'amount')::int FROM jsonb_array_elements(p->'order'->'discounts') AS e
                  WHERE (e->>'discountId')::int = v_discount_id LIMIT 1), 0)) AS r;
      IF v_reason IS NOT NULL THEN
        v_failure := jsonb_build_object('failure', 'redeem_failed', 'discountId', v_discount_id, 'reason', v_reason);
        RAISE EXCEPTION USING ERRCODE = 'CW001';
      END IF;
      -- [20261207000000] a single-use (bulk) code: taken by this order in ONE conditional UPDATE, only while no
      -- order holds it. The discount's row lock (taken by cw_redeem_discount just above) already serialises the
      -- checkouts of this discount, and the row lock of the code makes the statement atomic on its own too: of two
      -- orders with one code, the second finds order_id set and is refused.
      v_code_id := (SELECT (e->>'codeId')::int FROM jsonb_array_elements(coalesce(p->'bulkCodes', '[]')) AS e
                    WHERE (e->>'discountId')::int = v_discount_id LIMIT 1);
      IF v_code_id IS NOT NULL THEN
        UPDATE discount_codes SET order_id = v_order_id, used_at = now()
        WHERE id = v_code_id AND discount_id = v_discount_id AND order_id IS NULL;
        IF NOT FOUND THEN
          v_failure := jsonb_build_object('failure', 'redeem_failed', 'discountId', v_discount_id, 'reason', 'usage_limit_reached');
          RAISE EXCEPTION USING ERRCODE = 'CW001';
        END IF;
      END IF;
    END LOOP;
  EXCEPTION WHEN SQLSTATE 'CW001' THEN
    -- everything this block wrote is rolled back
    RETURN v_failure;
  END;
  RETURN jsonb_build_object('createdAt', v_created);
END
$$;

-- The same for cw_redeem_discount's count of a customer's redemptions, which runs under the discount's row lock:
-- its only index is (discount_id, customer_key); without sequential scans a plan kept from an empty table cannot
-- read every redemption of the shop instead.
ALTER FUNCTION cw_redeem_discount(int, text, uuid, uuid, timestamptz, int) SET enable_seqscan = off;
