-- Money hardening (per-customer keys, unpaid-order caps, payment event records).

-- Per-customer discount limits count by the normalised e-mail (trimmed, lower-cased, `+tag` removed from the
-- local part): a signed-in shopper by their account's e-mail, a guest by the checkout e-mail, so the two count
-- together (lib/discounts/repository.ts customerKeyOf). Redemptions stored under the old keys ("user:<id>", or a
-- guest's e-mail with its +tag) are rewritten so they keep counting.
UPDATE "discount_redemptions" r
SET "customer_key" = 'email:' || regexp_replace(lower(btrim(u."email")), '^([^@+]+)\+[^@]*@', '\1@')
FROM "users" u
WHERE r."customer_key" = 'user:' || u."id"::text;

UPDATE "discount_redemptions"
SET "customer_key" = 'email:' || regexp_replace(lower(btrim(substr("customer_key", 7))), '^([^@+]+)\+[^@]*@', '\1@')
WHERE "customer_key" LIKE 'email:%';

-- Unpaid orders holding stock: at most UNPAID_ORDERS_PER_EMAIL PENDING_PAYMENT orders per (normalised) e-mail and
-- UNPAID_ORDERS_PER_CLIENT per client (a keyed hash of the IP), else checkout answers 429 rate_limited: without
-- a cap, one script could hold a shop's whole stock in unpaid orders. The keys are stored on the order.
ALTER TABLE "orders" ADD COLUMN "email_key" TEXT;
ALTER TABLE "orders" ADD COLUMN "client_key" TEXT;
CREATE INDEX "orders_email_key_status_idx" ON "orders"("email_key", "status");
CREATE INDEX "orders_client_key_status_idx" ON "orders"("client_key", "status");
-- orders already waiting for payment count against their e-mail from the start (their client is not known)
UPDATE "orders"
SET "email_key" = 'email:' || regexp_replace(lower(btrim("email")), '^([^@+]+)\+[^@]*@', '\1@')
WHERE "status" = 'PENDING_PAYMENT';

-- u: { emailKey, clientKey (null: not known), perEmail, perClient } or NULL (no cap). Returns NULL when the order
-- may be placed, else { failure: "unpaid_limit", scope: "email" | "client", limit }.
-- Concurrent checkouts of one e-mail or one client are serialised by transaction-level advisory locks (taken in
-- ascending order, so two keys never deadlock), held to the commit of the order: the count that follows, a new
-- statement under READ COMMITTED, sees every order committed by the previous holder, so racing checkouts can
-- never pass the cap. They are taken before the hot rows (stock, discounts) and only ever wait on the same
-- shopper.
CREATE FUNCTION cw_check_unpaid_orders(u jsonb) RETURNS jsonb
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
  IF (SELECT count(*) FROM orders WHERE email_key = u->>'emailKey' AND status = 'PENDING_PAYMENT') >= (u->>'perEmail')::bigint THEN
    RETURN jsonb_build_object('failure', 'unpaid_limit', 'scope', 'email', 'limit', (u->>'perEmail')::bigint);
  END IF;
  IF v_client IS NOT NULL AND
     (SELECT count(*) FROM orders WHERE client_key = u->>'clientKey' AND status = 'PENDING_PAYMENT') >= (u->>'perClient')::bigint THEN
    RETURN jsonb_build_object('failure', 'unpaid_limit', 'scope', 'client', 'limit', (u->>'perClient')::bigint);
  END IF;
  RETURN NULL;
END
$$;

-- cw_place_order (20261124020000_checkout_functions) with two changes, marked [20261206040000]: it calls
-- cw_check_unpaid_orders(p->'unpaid') just before inserting the order (a failure answers like the others, with
-- nothing written), and it writes order.emailKey / order.clientKey into the new columns. Nothing else differs.
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

    -- [20261206040000] the unpaid-order caps, before the order is written (p.unpaid; absent: no cap)
    v_failure := cw_check_unpaid_orders(p->'unpaid');
    IF v_failure IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'CW001';
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

-- Payment events keep what they said and what was done with them, for the order's admin view: the amount and
-- currency the provider reported, the outcome (paid, mismatch, refunded, recorded...) and a detail (why a
-- payment did not match, a dispute's state).
ALTER TABLE "payment_events" ADD COLUMN "amount" INTEGER;
ALTER TABLE "payment_events" ADD COLUMN "currency" TEXT;
ALTER TABLE "payment_events" ADD COLUMN "outcome" TEXT;
ALTER TABLE "payment_events" ADD COLUMN "detail" TEXT;
CREATE INDEX "payment_events_order_id_received_at_idx" ON "payment_events"("order_id", "received_at");
