import { Prisma, type Db } from "../db";
import type { CombinesWith, DiscountRule, DiscountTier } from "./rules";

/** The columns of a `discounts` row that a rule is made of, as Prisma's generated model types them. */
type DiscountRow = Pick<Prisma.DiscountModel, Exclude<keyof DiscountRule, "combinesWith" | "code" | "tiers" | "getProductIds" | "budgetLeft">> &
  Partial<Pick<Prisma.DiscountModel, "tiers" | "getProductIds" | "maxDiscountAmount" | "discountGiven">> &
  Pick<Prisma.DiscountModel, "code"> &
  Pick<Prisma.DiscountModel, "combinesWithProduct" | "combinesWithOrder" | "combinesWithShipping">;

export function toDiscountRule(row: DiscountRow): DiscountRule {
  return {
    id: row.id,
    code: row.code ?? row.title ?? `#${row.id}`,
    automatic: row.automatic,
    title: row.title,
    tiers: parseTiers(row.tiers),
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
    getProductIds: row.getProductIds ?? [],
    budgetLeft:
      row.maxDiscountAmount == null ? null : Math.max(0, row.maxDiscountAmount - Number(row.discountGiven ?? 0n)),
    isActive: row.isActive,
    combinesWith: {
      productDiscounts: row.combinesWithProduct,
      orderDiscounts: row.combinesWithOrder,
      shippingDiscounts: row.combinesWithShipping,
    },
  };
}

/** The tiers column as rules: anything that is not a list of { minSubtotal | minQuantity, value } is no tiers. */
function parseTiers(raw: unknown): DiscountTier[] | null {
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const tiers: DiscountTier[] = [];
  for (const t of raw as Record<string, unknown>[]) {
    const int = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) ? v : null);
    const value = int(t?.value);
    if (value === null) return null;
    tiers.push({ minSubtotal: int(t.minSubtotal), minQuantity: int(t.minQuantity), value });
  }
  return tiers;
}

/** The `discounts` columns that hold a discount's combinations. */
export function combinesColumns(c: CombinesWith): { combinesWithProduct: boolean; combinesWithOrder: boolean; combinesWithShipping: boolean } {
  return { combinesWithProduct: c.productDiscounts, combinesWithOrder: c.orderDiscounts, combinesWithShipping: c.shippingDiscounts };
}

/**
 * The automatic discounts that may apply now: active, in their window. The rules (validateDiscount) still decide
 * per cart; this only keeps the list short.
 */
export async function findAutomaticDiscounts(db: Db, now: Date): Promise<DiscountRule[]> {
  // raw SQL: every cart view (without its short copy) and every checkout reads them, and Prisma compiles a findMany
  // per call
  const rows = await db.$queryRaw<DiscountRow[]>(automaticDiscountsSql(now));
  return rows.map(toDiscountRule);
}

/** A discount's columns as toDiscountRule reads them, for raw SQL (Prisma compiles a findMany per call). */
const DISCOUNT_COLUMNS = Prisma.sql`id, code, automatic, title, type::text AS type, value, currency, min_order_amount AS "minOrderAmount",
           max_uses AS "maxUses", max_uses_per_customer AS "maxUsesPerCustomer", uses_count AS "usesCount",
           valid_from AS "validFrom", valid_until AS "validUntil", applicable_product_ids AS "applicableProductIds",
           buy_quantity AS "buyQuantity", get_quantity AS "getQuantity", max_applications AS "maxApplications",
           is_active AS "isActive", combines_with_product_discounts AS "combinesWithProduct",
           combines_with_order_discounts AS "combinesWithOrder", combines_with_shipping_discounts AS "combinesWithShipping",
           max_discount_amount AS "maxDiscountAmount", tiers, discount_given AS "discountGiven", get_product_ids AS "getProductIds"`;

/** The statement behind findAutomaticDiscounts, for a caller that reads it as a part of a larger one (its rows as
 *  JSON: discountsFromJson). */
export function automaticDiscountsSql(now: Date): Prisma.Sql {
  return Prisma.sql`
    SELECT ${DISCOUNT_COLUMNS}
    FROM discounts
    WHERE automatic AND is_active AND (valid_from IS NULL OR valid_from <= ${now}::timestamptz)
      AND (valid_until IS NULL OR valid_until > ${now}::timestamptz)
    ORDER BY id LIMIT 50`;
}

/** The rows of these discounts (unordered; whatever their state: the rules judge it), as a part of a larger statement. */
function discountsByIdsSql(ids: readonly number[]): Prisma.Sql {
  return Prisma.sql`SELECT ${DISCOUNT_COLUMNS} FROM discounts WHERE id = ANY(${[...new Set(ids)]}::int[])`;
}

/** Of these single-use code ids, the ones an order holds, as a part of a larger statement. */
function usedBulkCodesSql(ids: readonly number[]): Prisma.Sql {
  return Prisma.sql`SELECT id FROM discount_codes WHERE id = ANY(${[...new Set(ids)]}::int[]) AND order_id IS NOT NULL`;
}

/** Discount rows read back from JSON (json_agg of automaticDiscountsSql or discountsByIdsSql): the times are strings there. */
export function discountsFromJson(rows: DiscountJson): DiscountRule[] {
  return rows.map((r) =>
    toDiscountRule({ ...r, validFrom: r.validFrom === null ? null : new Date(r.validFrom), validUntil: r.validUntil === null ? null : new Date(r.validUntil) }),
  );
}

/** Discount rows as json_agg answers them. */
export type DiscountJson = (Omit<DiscountRow, "validFrom" | "validUntil"> & { validFrom: string | null; validUntil: string | null })[];

/** A code as a cart keeps it: its discount, and the single-use code it was typed as (if it was one). */
type CodeRef = { discountId: number; codeId?: number | null };

/** What a cart's codes are now: their rules, in the cart's order (one whose discount is gone is left out), and which
 *  of its single-use codes an order holds (another order took it). */
export type CartCodes = { codes: DiscountRule[]; usedCodes: Set<number> };

/** A cart's codes (CartCodes) as two JSON columns, `codes` and `used_codes`, of a larger statement. */
export type CartCodesJson = { codes: DiscountJson; used_codes: number[] };

const bulkCodeIdsOf = (refs: readonly CodeRef[]) => refs.flatMap((r) => (r.codeId != null ? [r.codeId] : []));

/** The columns of CartCodesJson, for a statement that reads a cart's codes with something else (checkout's catalog). */
export function cartCodesColumns(refs: readonly CodeRef[]): Prisma.Sql {
  const discountIds = refs.map((r) => r.discountId);
  const codeIds = bulkCodeIdsOf(refs);
  const none = Prisma.sql`'[]'::json`;
  return Prisma.sql`${discountIds.length ? Prisma.sql`COALESCE((SELECT json_agg(d) FROM (${discountsByIdsSql(discountIds)}) d), '[]'::json)` : none} AS codes,
    ${codeIds.length ? Prisma.sql`COALESCE((SELECT json_agg(c.id) FROM (${usedBulkCodesSql(codeIds)}) c), '[]'::json)` : none} AS used_codes`;
}

/** CartCodesJson read back. */
export function cartCodesFromJson(refs: readonly CodeRef[], row: CartCodesJson | undefined): CartCodes {
  const byId = new Map(discountsFromJson(row?.codes ?? []).map((r) => [r.id, r]));
  return { codes: refs.flatMap((r) => byId.get(r.discountId) ?? []), usedCodes: new Set(row?.used_codes ?? []) };
}

/** Whether this code of a cart is a single-use code another order holds: it cannot apply (the cart shows it as used
 *  up; checkout drops it). */
export const isUsedCode = (ref: CodeRef, usedCodes: ReadonlySet<number>) => ref.codeId != null && usedCodes.has(ref.codeId);

/** Which of a cart's codes can still apply (isUsedCode), in the cart's order. */
export function usableCodes(refs: readonly CodeRef[], { codes, usedCodes }: CartCodes): DiscountRule[] {
  return codes.filter((rule) => !refs.some((r) => r.discountId === rule.id && isUsedCode(r, usedCodes)));
}

/** A cart's codes (CartCodes) in one statement; none when it holds no code. */
export async function findCartCodes(db: Db, refs: readonly CodeRef[]): Promise<CartCodes> {
  if (refs.length === 0) return { codes: [], usedCodes: new Set() };
  const [row] = await db.$queryRaw<CartCodesJson[]>`SELECT ${cartCodesColumns(refs)}`;
  return cartCodesFromJson(refs, row);
}

/** A single-use code of a discount (discount_codes) as a cart holds it. */
export type BulkCode = { id: number; code: string; /** the order holding it; null = free */ orderId: string | null };

/**
 * The discount a typed code names: a discount's own code, else one of its single-use (bulk) codes. Both are unique
 * case-insensitively, each found through its unique index on lower(code) (no scan, whatever the number of codes).
 */
export async function findDiscountByCode(db: Db, code: string): Promise<{ rule: DiscountRule; bulk: BulkCode | null } | null> {
  const typed = code.trim();
  const row = await db.discount.findFirst({ where: { code: { equals: typed, mode: "insensitive" } } });
  if (row) return { rule: toDiscountRule(row), bulk: null };
  // the same expression as the index discount_codes_code_lower_key, so PostgreSQL uses it
  const found = await db.$queryRaw<{ id: number; code: string; order_id: string | null; discount_id: number }[]>`
    SELECT id, code, order_id::text AS order_id, discount_id FROM discount_codes WHERE lower(code) = lower(${typed})`;
  const bulk = found[0];
  if (!bulk) return null;
  const parent = await db.discount.findUnique({ where: { id: bulk.discount_id } });
  if (!parent || parent.automatic) return null;
  return { rule: toDiscountRule(parent), bulk: { id: bulk.id, code: bulk.code, orderId: bulk.order_id } };
}

/**
 * An e-mail as a per-customer key: trimmed, lower-cased, and without a `+tag` in the local part, so
 * "Ann+promo@Example.com" and "ann@example.com" are one customer (the same mailbox).
 */
export function normalizeCustomerEmail(email: string): string {
  const lower = email.trim().toLowerCase();
  const at = lower.lastIndexOf("@");
  if (at <= 0) return lower;
  const local = lower.slice(0, at);
  const plus = local.indexOf("+");
  return plus > 0 ? `${local.slice(0, plus)}${lower.slice(at)}` : lower;
}

/**
 * The key per-customer limits count by: `email:<normalised e-mail>`, for a guest their checkout e-mail and for a
 * signed-in shopper their ACCOUNT's e-mail, so a guest's redemptions count against the account with that e-mail
 * and the reverse. With only a user id it is `user:<id>`, a reference that countCustomerRedemptions resolves to
 * the account's e-mail key (redemptions are always stored under the e-mail key).
 */
export function customerKeyOf(input: { userId: string | null; email?: string | null }): string | null {
  if (input.email) return `email:${normalizeCustomerEmail(input.email)}`;
  if (input.userId) return `user:${input.userId}`;
  return null;
}

/** A signed-in shopper's key: their account's e-mail key (`user:<id>` only if the account is gone). */
export async function accountCustomerKey(db: Db, userId: string): Promise<string> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { email: true } });
  return user ? customerKeyOf({ userId, email: user.email })! : `user:${userId}`;
}

/** Redemptions of one discount by one customer that still count (not released by a cancelled order). */
export async function countCustomerRedemptions(db: Db, discountId: number, customerKey: string): Promise<number> {
  const key = customerKey.startsWith("user:") ? await accountCustomerKey(db, customerKey.slice("user:".length)) : customerKey;
  return db.discountRedemption.count({ where: { discountId, customerKey: key, releasedAt: null } });
}
