-- The KV cache of a signed-in cart carries this version and only ever moves forward, so a slow reader can never
-- put an older copy over a newer one.
ALTER TABLE "carts" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
