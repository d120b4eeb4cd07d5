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
