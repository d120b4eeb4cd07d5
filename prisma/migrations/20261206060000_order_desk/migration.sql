-- The order desk: fulfilment, refunds, an event history per order and an audit log of admin changes.
-- Money stays integer minor units; every counter has a CHECK so no code path can refund or ship more than the order.

ALTER TABLE orders
  ADD COLUMN fulfillment_status TEXT NOT NULL DEFAULT 'UNFULFILLED'
    CHECK (fulfillment_status IN ('UNFULFILLED', 'PARTIALLY_FULFILLED', 'FULFILLED')),
  ADD COLUMN refunded_amount INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN shipping_refunded BOOLEAN NOT NULL DEFAULT false,
  ADD CONSTRAINT orders_refunded_amount_range CHECK (refunded_amount >= 0 AND refunded_amount <= total);

ALTER TABLE order_items
  ADD COLUMN fulfilled_quantity INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN refunded_quantity INTEGER NOT NULL DEFAULT 0,
  ADD CONSTRAINT order_items_fulfilled_range CHECK (fulfilled_quantity >= 0 AND fulfilled_quantity <= quantity),
  ADD CONSTRAINT order_items_refunded_range CHECK (refunded_quantity >= 0 AND refunded_quantity <= quantity);

CREATE INDEX orders_created_at_id_idx ON orders (created_at DESC, id DESC);
CREATE INDEX order_items_sku_idx ON order_items (sku);

CREATE TABLE fulfillments (
  id              UUID PRIMARY KEY,
  order_id        UUID NOT NULL REFERENCES orders(id) ON DELETE CASCADE ON UPDATE CASCADE,
  carrier         TEXT,
  tracking_number TEXT,
  -- [{ itemId, quantity }]
  items           JSONB NOT NULL,
  actor           TEXT NOT NULL,
  created_at      TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX fulfillments_order_id_created_at_idx ON fulfillments (order_id, created_at);

CREATE TABLE refunds (
  id                 UUID PRIMARY KEY,
  order_id           UUID NOT NULL REFERENCES orders(id) ON DELETE CASCADE ON UPDATE CASCADE,
  amount             INTEGER NOT NULL CHECK (amount >= 0),
  currency           CHAR(3) NOT NULL,
  -- [{ itemId, quantity }]
  items              JSONB NOT NULL DEFAULT '[]',
  shipping           BOOLEAN NOT NULL DEFAULT false,
  restock            BOOLEAN NOT NULL DEFAULT false,
  reason             TEXT,
  -- pending (the provider has not confirmed yet; retried) | succeeded
  status             TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded')),
  provider_refund_id TEXT,
  -- the admin request's Idempotency-Key: a retry after a crash finds this refund and finishes it
  idempotency_key    TEXT,
  actor              TEXT NOT NULL,
  created_at         TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  updated_at         TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX refunds_idempotency_key_key ON refunds (idempotency_key);
CREATE INDEX refunds_order_id_created_at_idx ON refunds (order_id, created_at);
CREATE INDEX refunds_pending_idx ON refunds (created_at) WHERE status = 'pending';

CREATE TABLE order_events (
  id       BIGSERIAL PRIMARY KEY,
  order_id UUID NOT NULL REFERENCES orders(id) ON DELETE CASCADE ON UPDATE CASCADE,
  -- placed | paid | payment_failed | fulfilled | refunded | cancelled | webhook | ...
  type     TEXT NOT NULL,
  -- an admin's user id or e-mail, "system", "shopper", "stripe"
  actor    TEXT NOT NULL,
  details  JSONB NOT NULL DEFAULT '{}',
  at       TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX order_events_order_id_id_idx ON order_events (order_id, id);

CREATE TABLE audit_log (
  id     BIGSERIAL PRIMARY KEY,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  before JSONB,
  after  JSONB,
  at     TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_log_target_id_idx ON audit_log (target, id);

-- Order events written by the database itself, so every path that changes an order (checkout's one-statement
-- reserve step, payment events, the expiry sweeper, the admin desk) leaves its row in the same transaction without
-- each of them having to remember. Who did it comes from the transaction-local setting cartwright.actor (set by the
-- order desk and the shopper's cancel); without one, a payment change is the provider's ("stripe", or "system" for
-- the built-in test provider) and anything else is "system".
CREATE FUNCTION cw_order_actor(p_provider text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('cartwright.actor', true), ''),
                  CASE WHEN p_provider = 'stripe' THEN 'stripe' ELSE 'system' END)
$$;

CREATE FUNCTION cw_order_placed_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO order_events (order_id, type, actor, details)
  VALUES (NEW.id, 'placed', 'shopper', jsonb_build_object('total', NEW.total, 'currency', NEW.currency));
  RETURN NULL;
END
$$;

CREATE TRIGGER orders_placed_event AFTER INSERT ON orders
FOR EACH ROW EXECUTE FUNCTION cw_order_placed_event();

CREATE FUNCTION cw_order_status_events() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_actor text := cw_order_actor(NEW.payment_provider);
BEGIN
  IF NEW.payment_status = 'failed' AND OLD.payment_status IS DISTINCT FROM 'failed' THEN
    INSERT INTO order_events (order_id, type, actor, details)
    VALUES (NEW.id, 'payment_failed', cw_order_actor(NEW.payment_provider),
            jsonb_build_object('declineCode', NEW.decline_code));
  END IF;
  IF NEW.status = 'PAID' AND OLD.status <> 'PAID' THEN
    INSERT INTO order_events (order_id, type, actor, details)
    VALUES (NEW.id, 'paid', v_actor, jsonb_build_object('amount', NEW.total, 'paymentId', NEW.payment_intent_id));
  END IF;
  IF NEW.status = 'CANCELLED' AND OLD.status <> 'CANCELLED' THEN
    INSERT INTO order_events (order_id, type, actor, details)
    VALUES (NEW.id, 'cancelled', coalesce(nullif(current_setting('cartwright.actor', true), ''), 'system'),
            jsonb_build_object('from', OLD.status::text, 'paymentStatus', NEW.payment_status));
  END IF;
  -- a payment that arrived after the order was cancelled went back to the shopper (lib/checkout)
  IF NEW.status = 'CANCELLED' AND NEW.payment_status = 'refunded' AND OLD.payment_status = 'refund_pending' THEN
    INSERT INTO order_events (order_id, type, actor, details)
    VALUES (NEW.id, 'refunded', 'system', jsonb_build_object('amount', NEW.total, 'reason', 'paid_after_cancellation'));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER orders_status_events AFTER UPDATE OF status, payment_status ON orders
FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.payment_status IS DISTINCT FROM NEW.payment_status)
EXECUTE FUNCTION cw_order_status_events();

-- A payment that arrived after its order was cancelled is refunded in full by lib/checkout (refund_pending ->
-- refunded): the order's refunded amount says so too, so the desk never shows "refunded" next to 0 refunded.
CREATE FUNCTION cw_order_late_refund_amount() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.refunded_amount := NEW.total;
  RETURN NEW;
END
$$;

CREATE TRIGGER orders_late_refund_amount BEFORE UPDATE OF payment_status ON orders
FOR EACH ROW
WHEN (NEW.status = 'CANCELLED' AND OLD.payment_status = 'refund_pending' AND NEW.payment_status = 'refunded')
EXECUTE FUNCTION cw_order_late_refund_amount();

-- Every provider event applied to an order (webhook deliveries, the test provider's confirmations).
CREATE FUNCTION cw_payment_event_recorded() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.order_id IS NOT NULL THEN
    INSERT INTO order_events (order_id, type, actor, details)
    VALUES (NEW.order_id, 'webhook', CASE WHEN NEW.provider = 'stripe' THEN 'stripe' ELSE 'system' END,
            jsonb_build_object('eventId', NEW.id, 'eventType', NEW.type, 'paymentId', NEW.payment_intent_id));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER payment_events_order_event AFTER INSERT ON payment_events
FOR EACH ROW EXECUTE FUNCTION cw_payment_event_recorded();
