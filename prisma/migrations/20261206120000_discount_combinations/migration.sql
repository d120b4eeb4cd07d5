-- Discount combinations (Shopify's model): each discount says which classes of discount it combines with.
-- Two discounts combine only if each allows the other's class (product / order / shipping, derived from the row).
ALTER TABLE "discounts"
  ADD COLUMN "combines_with_product_discounts"  BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN "combines_with_order_discounts"    BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN "combines_with_shipping_discounts" BOOLEAN NOT NULL DEFAULT false;

-- Keep today's stacking rule for the discounts that exist: one free-shipping code plus one other code.
-- Free shipping combines with product and order discounts; every other discount combines with shipping only.
UPDATE "discounts" SET
  "combines_with_product_discounts"  = ("type" = 'FREE_SHIPPING'),
  "combines_with_order_discounts"    = ("type" = 'FREE_SHIPPING'),
  "combines_with_shipping_discounts" = ("type" <> 'FREE_SHIPPING');

-- Automatic discounts: no code to type, a title to show; they apply to every cart that qualifies.
ALTER TABLE "discounts"
  ADD COLUMN "automatic" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN "title" TEXT,
  ALTER COLUMN "code" DROP NOT NULL;
-- a code, or (automatic) a title and no code: never neither, never a typeable code on an automatic discount
ALTER TABLE "discounts" ADD CONSTRAINT "discounts_code_or_automatic"
  CHECK ((NOT "automatic" AND "code" IS NOT NULL) OR ("automatic" AND "code" IS NULL AND "title" IS NOT NULL));
CREATE INDEX "discounts_automatic_active_idx" ON "discounts" ("id") WHERE "automatic" AND "is_active";


-- Budgets: max_discount_amount is the money a discount may give away in total (in its currency); discount_given is
-- what its unreleased redemptions gave; each redemption records its amount so a release gives exactly that back.
ALTER TABLE "discounts"
  ADD COLUMN "max_discount_amount" INTEGER,
  ADD COLUMN "discount_given" BIGINT NOT NULL DEFAULT 0,
  ADD CONSTRAINT "discounts_max_discount_amount_positive" CHECK ("max_discount_amount" IS NULL OR "max_discount_amount" > 0),
  ADD CONSTRAINT "discounts_discount_given_in_budget" CHECK ("max_discount_amount" IS NULL OR "discount_given" <= "max_discount_amount");
ALTER TABLE "discount_redemptions" ADD COLUMN "amount" INTEGER NOT NULL DEFAULT 0;

-- cw_redeem_discount (20261124020000_checkout_functions) with the amount given: the same single conditional
-- UPDATE now also adds p_amount to discount_given, only while it stays within max_discount_amount, so the budget,
-- like max_uses, can never be exceeded under any concurrency (the row lock serialises redemptions of one
-- discount). A refusal for the budget answers 'budget_exhausted'. The five-argument version stays for callers
-- that give no amount (it redeems 0).
CREATE FUNCTION cw_redeem_discount(
  p_discount_id int, p_customer_key text, p_user_id uuid, p_order_id uuid, p_at timestamptz, p_amount int,
  OUT redemption_id uuid, OUT failure text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_at timestamptz := coalesce(p_at, now());
  v_amount int := greatest(coalesce(p_amount, 0), 0);
  v_limit int;
  d record;
BEGIN
  UPDATE discounts SET uses_count = uses_count + 1, discount_given = discount_given + v_amount, updated_at = now()
  WHERE id = p_discount_id AND is_active
    AND (valid_from IS NULL OR valid_from <= v_at)
    AND (valid_until IS NULL OR valid_until > v_at)
    AND (max_uses IS NULL OR uses_count < max_uses)
    AND (max_discount_amount IS NULL OR discount_given + v_amount <= max_discount_amount)
  RETURNING max_uses_per_customer INTO v_limit;
  IF NOT FOUND THEN
    SELECT is_active, coalesce(valid_from > v_at, false) AS early, coalesce(valid_until <= v_at, false) AS late,
           (max_uses IS NOT NULL AND uses_count >= max_uses) AS used_up
    INTO d FROM discounts WHERE id = p_discount_id;
    failure := CASE WHEN d IS NULL THEN 'unknown'
                    WHEN NOT d.is_active THEN 'inactive'
                    WHEN d.early THEN 'not_yet_valid'
                    WHEN d.late THEN 'expired'
                    WHEN d.used_up THEN 'usage_limit_reached'
                    ELSE 'budget_exhausted' END;
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
  INSERT INTO discount_redemptions (id, discount_id, order_id, user_id, customer_key, created_at, amount)
  VALUES (redemption_id, p_discount_id, p_order_id, p_user_id, p_customer_key, now(), v_amount);
END
$$;

-- cw_place_order: the LATEST body (20261206040000_money_hardening) with one change, marked [20261206120000]: each
-- discount is redeemed with the amount the order takes with it (its entry in order.discounts), so the budget holds.
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
      -- [20261206120000] the amount this order takes with the discount (from order.discounts) counts against its budget
      SELECT r.failure INTO v_reason
      FROM cw_redeem_discount(v_discount_id, p->>'customerKey', v_user_id, v_order_id, (p->>'now')::timestamptz,
        coalesce((SELECT (e->>'amount')::int FROM jsonb_array_elements(p->'order'->'discounts') AS e
                  WHERE (e->>'discountId')::int = v_discount_id LIMIT 1), 0)) AS r;
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


-- Tiers (PERCENTAGE, FIXED_AMOUNT): [{ "minSubtotal" | "minQuantity": int, "value": int }] in ascending order,
-- value in the stored units (basis points / minor units); the highest reached tier applies. NULL = no tiers.
ALTER TABLE "discounts" ADD COLUMN "tiers" JSONB;
