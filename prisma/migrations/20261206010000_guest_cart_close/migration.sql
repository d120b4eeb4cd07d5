-- Guest carts are closed at the version checkout priced (issue 11): lib/checkout closes the guest cart's KV document
-- before this statement runs, so a change made while the order is being written is refused instead of answered 2xx
-- and then lost. This replaces cw_place_order so that the guest row it writes carries the closed document's version
-- and an existing guest row is only taken over when it is older (see below), and so that cart_not_active says what
-- the row's status is (CHECKED_OUT: an order holds the cart; otherwise the closed cart is reopened).

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
--   cart_not_active (+ status of the row) | cart_changed | key_lost | insufficient_stock (+ items) |
--   redeem_failed (+ discountId, reason).
-- A guest cart (source "kv"): cart.version is the version of the KV document as checkout CLOSED it (the app closes
-- the document at the version it priced before calling this), and the row gets exactly that version. An existing
-- guest row is taken over only when it is OLDER: an ACTIVE row (the cart came back after a failed payment) or an
-- ABANDONED one (left by lib/cart/guest-close.ts when a closed cart was reopened because nobody knew whether its
-- order had been written: a late call of that checkout then finds a row that is not older, and writes nothing).
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
