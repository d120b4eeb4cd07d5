import type { Db, Prisma } from "../db";
import type { DiscountRule } from "./rules";

/** The columns of a `discounts` row that a rule is made of, as Prisma's generated model types them. */
type DiscountRow = Pick<Prisma.DiscountModel, keyof DiscountRule>;

export function toDiscountRule(row: DiscountRow): DiscountRule {
  return {
    id: row.id,
    code: row.code,
    type: row.type,
    value: row.value,
    currency: row.currency,
    minOrderAmount: row.minOrderAmount,
    maxUses: row.maxUses,
    maxUsesPerCustomer: row.maxUsesPerCustomer,
    usesCount: row.usesCount,
    validFrom: row.validFrom,
    validUntil: row.validUntil,
    applicableProductIds: row.applicableProductIds,
    buyQuantity: row.buyQuantity,
    getQuantity: row.getQuantity,
    maxApplications: row.maxApplications,
    isActive: row.isActive,
  };
}

/** Codes are unique case-insensitively (a unique index on lower(code)). */
export async function findDiscountByCode(db: Db, code: string): Promise<DiscountRule | null> {
  const row = await db.discount.findFirst({ where: { code: { equals: code.trim(), mode: "insensitive" } } });
  return row ? toDiscountRule(row) : null;
}

export async function findDiscountsByIds(db: Db, ids: number[]): Promise<DiscountRule[]> {
  if (ids.length === 0) return [];
  const rows = await db.discount.findMany({ where: { id: { in: ids } } });
  const byId = new Map(rows.map((r) => [r.id, toDiscountRule(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Redemptions of one discount by one customer that still count (not released by a cancelled order). */
export async function countCustomerRedemptions(db: Db, discountId: number, customerKey: string): Promise<number> {
  return db.discountRedemption.count({ where: { discountId, customerKey, releasedAt: null } });
}

/** The key per-customer limits count by: the user id, or the lower-cased checkout email of a guest. */
export function customerKeyOf(input: { userId: string | null; email?: string | null }): string | null {
  if (input.userId) return `user:${input.userId}`;
  if (input.email) return `email:${input.email.trim().toLowerCase()}`;
  return null;
}
