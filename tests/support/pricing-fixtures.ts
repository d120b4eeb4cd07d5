import { legacyCombinesWith, type DiscountRule, type PricingLine } from "@/lib/discounts/rules";

// Builders shared by the pure pricing and discount-rule tests.

/** A 10% code with no limits; `o` overrides any field. */
export const rule = (o: Partial<DiscountRule> = {}): DiscountRule => ({
  id: 1,
  code: "SAVE10",
  automatic: false,
  title: null,
  type: "PERCENTAGE",
  value: 1000,
  currency: null,
  minOrderAmount: null,
  maxUses: null,
  maxUsesPerCustomer: null,
  usesCount: 0,
  validFrom: null,
  validUntil: null,
  applicableProductIds: [],
  buyQuantity: null,
  getQuantity: null,
  maxApplications: null,
  isActive: true,
  // today's stacking rule unless the test says otherwise
  combinesWith: legacyCombinesWith(o.type ?? "PERCENTAGE"),
  ...o,
});

/** A cart line; its variant id is derived from the product id. */
export const line = (itemId: string, productId: number, unitPrice: number, quantity: number): PricingLine => ({
  itemId,
  productId,
  variantId: productId * 100,
  unitPrice,
  quantity,
});
