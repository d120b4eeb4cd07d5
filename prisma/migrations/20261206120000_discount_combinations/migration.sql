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
