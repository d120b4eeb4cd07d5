import { z } from "zod";
import { forgetAutomaticDiscounts } from "../discounts/automatic-cache";
import { Prisma, type Db } from "../db";
import {
  DISCOUNT_CLASSES,
  DISCOUNT_STATUSES,
  DISCOUNT_TYPES,
  discountClass,
  discountStatus,
  isPercentType,
  type CombinesWith,
  type DiscountType,
} from "../discounts/rules";
import { combinesColumns, toDiscountRule } from "../discounts/repository";
import { DomainError, fieldErrorsOf, notFound } from "../errors";
import { basisPointsToPercent, isCurrencyCode, percentToBasisPoints } from "../money";
import { currencyCodeSchema, isoDateTimeSchema, moneyAmountSchema } from "../money/schema";

// The admin side of discounts: one schema for the API and the admin form, and the create / read / update service.
// The API speaks in the units an admin thinks in: `value` is a percent (12.5) for PERCENTAGE and BUY_X_GET_Y and
// minor units for FIXED_AMOUNT; the table stores basis points for the percent types (see prisma/schema.prisma).
//
// PATCH rules: `type` cannot change (the meaning of `value`, the redemptions already made and every cart holding
// the code depend on it; create a new code instead). Sending the current type is accepted, so a client may send a
// whole discount back. `code` may change, as long as it stays unique. `id`, `usesCount` and `status` are read-only
// (refused as unknown keys). Every PATCH is validated as a whole: the merged result must pass the same rules as a
// create. There is no DELETE: deactivating (`isActive: false`) keeps the history of redemptions intact.

export const CODE_TAKEN_MESSAGE = "A discount with this code already exists.";

/** PostgreSQL INTEGER columns. */
const INT_MAX = 2_147_483_647;

const wholeNumber = (min: number, minMessage: string) =>
  z
    .number({ error: "Enter a whole number." })
    .int("Enter a whole number.")
    .min(min, minMessage)
    .max(INT_MAX, `Use at most ${INT_MAX}.`);

const dateTime = z
  .iso.datetime({ offset: true, error: "Use an ISO 8601 date-time with a time zone, e.g. 2026-01-01T00:00:00Z." })
  .transform((s) => new Date(s));

const productIds = (emptyMessage: string) =>
  z
    .array(z.number({ error: "Not a product id." }).int("Not a product id.").positive("Not a product id.").max(INT_MAX, "Not a product id."), {
      error: "Send a list of product ids, or null for all products.",
    })
    .min(1, emptyMessage)
    .max(1000, "Use at most 1000 products.")
    .transform((ids) => [...new Set(ids)])
    .nullable()
    .optional();

const discountFields = {
  code: z
    .string({ error: "Enter a code." })
    .trim()
    .min(3, "Use at least 3 characters.")
    .max(32, "Use at most 32 characters.")
    .regex(/^[A-Za-z0-9_-]+$/, "Use only letters, digits, - and _.")
    .transform((s) => s.toUpperCase())
    .nullable()
    .optional(),
  /** automatic discounts apply to every qualifying cart without a code; `title` is what the shopper sees */
  automatic: z.boolean({ error: "Must be true or false." }).optional(),
  title: z
    .string({ error: "Enter a title." })
    .trim()
    .min(1, "Enter a title.")
    .max(100, "Use at most 100 characters.")
    .nullable()
    .optional(),
  type: z.enum(DISCOUNT_TYPES, { error: `Choose one of ${DISCOUNT_TYPES.join(", ")}.` }),
  /** percent (PERCENTAGE, BUY_X_GET_Y) or minor units (FIXED_AMOUNT); checked against the type below */
  value: z.number({ error: "Enter a number." }).nullable().optional(),
  currency: z
    .string({ error: "Use an ISO 4217 currency code such as USD." })
    .trim()
    .toUpperCase()
    .refine((c) => isCurrencyCode(c), "Use an ISO 4217 currency code such as USD.")
    .nullable()
    .optional(),
  minOrderAmount: wholeNumber(1, "Must be more than 0.").nullable().optional(),
  maxUses: wholeNumber(1, "Must be at least 1.").nullable().optional(),
  /** the budget: minor units of `currency` the discount may give away in total */
  maxDiscountAmount: wholeNumber(1, "Must be more than 0.").nullable().optional(),
  maxUsesPerCustomer: wholeNumber(1, "Must be at least 1.").nullable().optional(),
  validFrom: dateTime.nullable().optional(),
  validUntil: dateTime.nullable().optional(),
  applicableProductIds: productIds("Choose at least one product, or send null for all products."),
  /** BUY_X_GET_Y: the products the discounted units come from; null = the same products as the buy side */
  getProductIds: productIds("Choose at least one product, or send null for the buy side's products."),
  buyQuantity: wholeNumber(1, "Must be at least 1.").nullable().optional(),
  getQuantity: wholeNumber(1, "Must be at least 1.").nullable().optional(),
  maxApplications: wholeNumber(1, "Must be at least 1.").nullable().optional(),
  /** PERCENTAGE / FIXED_AMOUNT, sent instead of `value`: tier values in the same units as `value` */
  tiers: z
    .array(
      z.strictObject({
        minSubtotal: wholeNumber(1, "Must be more than 0.").optional(),
        minQuantity: wholeNumber(1, "Must be at least 1.").optional(),
        value: z.number({ error: "Enter a number." }),
      }),
      { error: "Send a list of tiers, or null for none." },
    )
    .min(1, "Send at least one tier, or null for none.")
    .max(20, "Use at most 20 tiers.")
    .nullable()
    .optional(),
  isActive: z.boolean({ error: "Must be true or false." }).optional(),
  /** the classes this discount may be applied together with; a missing class is false (it does not combine) */
  combinesWith: z
    .strictObject(
      {
        productDiscounts: z.boolean({ error: "Must be true or false." }).optional(),
        orderDiscounts: z.boolean({ error: "Must be true or false." }).optional(),
        shippingDiscounts: z.boolean({ error: "Must be true or false." }).optional(),
      },
      { error: "Send { productDiscounts, orderDiscounts, shippingDiscounts } as true or false." },
    )
    .transform(
      (c): CombinesWith => ({
        productDiscounts: c.productDiscounts ?? false,
        orderDiscounts: c.orderDiscounts ?? false,
        shippingDiscounts: c.shippingDiscounts ?? false,
      }),
    )
    .optional(),
};

const NO_COMBINATIONS: CombinesWith = { productDiscounts: false, orderDiscounts: false, shippingDiscounts: false };

/** A discount in API units with every field present (null = not set). What the type rules check. */
export type DiscountDraft = {
  code: string | null;
  automatic: boolean;
  title: string | null;
  type: DiscountType;
  value: number | null;
  currency: string | null;
  minOrderAmount: number | null;
  maxUses: number | null;
  maxDiscountAmount: number | null;
  maxUsesPerCustomer: number | null;
  validFrom: Date | null;
  validUntil: Date | null;
  applicableProductIds: number[] | null;
  getProductIds: number[] | null;
  buyQuantity: number | null;
  getQuantity: number | null;
  maxApplications: number | null;
  tiers: ApiTier[] | null;
  isActive: boolean;
  combinesWith: CombinesWith;
};

export type ApiTier = { minSubtotal?: number; minQuantity?: number; value: number };

type Issue = { path: keyof DiscountDraft; message: string };

/**
 * The rules that depend on the type and on more than one field. `usesCount` (on a PATCH) keeps maxUses from going
 * below the uses already made (the table refuses that too).
 */
export function discountRuleIssues(d: DiscountDraft, usesCount = 0, given = 0): Issue[] {
  const issues: Issue[] = [];
  const add = (path: keyof DiscountDraft, message: string) => issues.push({ path, message });
  if (d.automatic) {
    if (d.code != null) add("code", "An automatic discount has no code: shoppers get it without one.");
    if (d.title == null) add("title", "Enter the title shoppers see.");
  } else if (d.code == null) add("code", "Enter a code.");
  const tiered = d.tiers != null && d.tiers.length > 0;
  if (tiered) {
    if (d.type !== "PERCENTAGE" && d.type !== "FIXED_AMOUNT") add("tiers", "Only percentage and fixed-amount discounts have tiers.");
    if (d.value != null) add("value", "Send tiers instead of a value, not both.");
    const tiers = d.tiers!;
    const kinds = new Set(tiers.map((t) => (t.minSubtotal != null ? "s" : "q")));
    if (tiers.some((t) => (t.minSubtotal == null) === (t.minQuantity == null)))
      add("tiers", "Give each tier either minSubtotal or minQuantity.");
    else if (kinds.size > 1) add("tiers", "Use one kind of minimum for every tier.");
    const mins = tiers.map((t) => t.minSubtotal ?? t.minQuantity ?? 0);
    if (mins.some((m, i) => i > 0 && m <= mins[i - 1]!)) add("tiers", "List the tiers from the lowest minimum up, each higher than the one before.");
    for (const t of tiers) {
      if (d.type === "PERCENTAGE" && (!(t.value > 0 && t.value <= 100) || percentToBasisPoints(t.value) === null))
        add("tiers", "Each tier's value is a percent more than 0 and at most 100, with at most 2 decimals.");
      if (d.type === "FIXED_AMOUNT" && (!Number.isInteger(t.value) || t.value < 1 || t.value > INT_MAX))
        add("tiers", "Each tier's value is a positive whole number of minor units.");
    }
    if (kinds.has("s") && d.currency == null && d.type !== "FIXED_AMOUNT") add("currency", "Choose the currency of the tiers' minimums.");
  }
  switch (d.type) {
    case "PERCENTAGE":
    case "BUY_X_GET_Y":
      if (tiered) break;
      if (d.value == null) add("value", "Enter the percent off.");
      else if (!(d.value > 0 && d.value <= 100)) add("value", "Enter a percent more than 0 and at most 100.");
      else if (percentToBasisPoints(d.value) === null) add("value", "Use at most 2 decimals.");
      break;
    case "FIXED_AMOUNT":
      if (tiered) {
        if (d.currency == null) add("currency", "Choose the currency of the amount off.");
        break;
      }
      if (d.value == null) add("value", "Enter the amount off.");
      else if (!Number.isInteger(d.value) || d.value < 1 || d.value > INT_MAX)
        add("value", "The amount off is a positive whole number of minor units (500 = $5.00).");
      if (d.currency == null) add("currency", "Choose the currency of the amount off.");
      break;
    case "FREE_SHIPPING":
      if (d.value != null && d.value !== 0) add("value", "A free-shipping code has no value.");
      break;
  }
  if (d.maxDiscountAmount != null && d.currency == null && d.type !== "FIXED_AMOUNT")
    add("currency", "Choose the currency of the budget.");
  if (d.minOrderAmount != null && d.currency == null && d.type !== "FIXED_AMOUNT")
    add("currency", "Choose the currency of the minimum order.");
  if (d.type === "BUY_X_GET_Y") {
    if (d.buyQuantity == null) add("buyQuantity", "Enter how many units must be bought.");
    if (d.getQuantity == null) add("getQuantity", "Enter how many units are discounted.");
  } else {
    const only = "Only for buy-X-get-Y discounts.";
    if (d.buyQuantity != null) add("buyQuantity", only);
    if (d.getQuantity != null) add("getQuantity", only);
    if (d.maxApplications != null) add("maxApplications", only);
    if (d.getProductIds != null) add("getProductIds", only);
  }
  if (d.validFrom && d.validUntil && d.validFrom.getTime() >= d.validUntil.getTime())
    add("validUntil", "The end must be after the start.");
  if (d.maxDiscountAmount != null && d.maxDiscountAmount < given)
    add("maxDiscountAmount", `This discount has given ${given} already; the budget cannot be lower.`);
  if (d.maxUses != null && d.maxUses < usesCount)
    add("maxUses", `This code has been used ${usesCount} times already; the limit cannot be lower.`);
  return issues;
}

const draftOf = (input: Partial<DiscountDraft> & Pick<DiscountDraft, "type">): DiscountDraft => ({
  code: input.code ?? null,
  automatic: input.automatic ?? false,
  title: input.title ?? null,
  type: input.type,
  value: input.value ?? null,
  currency: input.currency ?? null,
  minOrderAmount: input.minOrderAmount ?? null,
  maxUses: input.maxUses ?? null,
  maxDiscountAmount: input.maxDiscountAmount ?? null,
  maxUsesPerCustomer: input.maxUsesPerCustomer ?? null,
  validFrom: input.validFrom ?? null,
  validUntil: input.validUntil ?? null,
  applicableProductIds: input.applicableProductIds ?? null,
  getProductIds: input.getProductIds ?? null,
  buyQuantity: input.buyQuantity ?? null,
  getQuantity: input.getQuantity ?? null,
  maxApplications: input.maxApplications ?? null,
  tiers: input.tiers ?? null,
  isActive: input.isActive ?? true,
  combinesWith: input.combinesWith ?? NO_COMBINATIONS,
});

/** POST /api/admin/discounts and the "New discount" form. Unknown keys are refused. */
export const createDiscountSchema = z
  .strictObject(discountFields)
  .transform((input) => draftOf(input))
  .superRefine((d, ctx) => {
    for (const i of discountRuleIssues(d)) ctx.addIssue({ code: "custom", path: [i.path], message: i.message });
  });

/** PATCH /api/admin/discounts/{id}: any non-empty subset of the fields; null clears an optional one. */
export const patchDiscountSchema = z
  .strictObject({
    ...discountFields,
    code: discountFields.code.optional(),
    type: discountFields.type.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), {
    message: "Send at least one field to change.",
    when: (payload) => payload.issues.length === 0,
  })
  // what the refinement above checks, stated for the JSON Schema of the OpenAPI document
  .meta({ minProperties: 1 });

export type CreateDiscountInput = z.input<typeof createDiscountSchema>;
export type PatchDiscountInput = z.input<typeof patchDiscountSchema>;

const VALUE_MEANING =
  "PERCENTAGE: percent off (0 < value <= 100, up to 2 decimals, e.g. 12.5); FIXED_AMOUNT: minor units of `currency`; FREE_SHIPPING: unused; BUY_X_GET_Y: percent off the Y units (100 = free)";
const positiveOrNull = z.number().int().min(1).nullable();

/** The `discount` of docs/ARCHITECTURE.md (HTTP contract), plus `status`. Unset fields are null. */
export const discountJsonSchema = z
  .object({
    id: z.number().int(),
    code: z.string().nullable().describe("Stored upper-case; null for an automatic discount"),
    automatic: z.boolean().describe("Applies to every qualifying cart without a code"),
    title: z.string().nullable().describe("What shoppers see for an automatic discount"),
    type: z.enum(DISCOUNT_TYPES),
    value: z.number().describe(VALUE_MEANING),
    currency: currencyCodeSchema.nullable(),
    minOrderAmount: moneyAmountSchema.nullable(),
    maxUses: positiveOrNull,
    maxUsesPerCustomer: positiveOrNull,
    usesCount: z.number().int().min(0),
    maxDiscountAmount: moneyAmountSchema.nullable().describe("The budget: money it may give away in total, in currency; null = none"),
    discountGiven: moneyAmountSchema.describe("What its unreleased redemptions gave"),
    validFrom: isoDateTimeSchema.nullable(),
    validUntil: isoDateTimeSchema.nullable(),
    applicableProductIds: z.array(z.number().int()).nullable().describe("null = every product"),
    getProductIds: z
      .array(z.number().int())
      .nullable()
      .describe("BUY_X_GET_Y: the products the discounted units come from; null = the same products as the buy side"),
    buyQuantity: positiveOrNull,
    getQuantity: positiveOrNull,
    maxApplications: positiveOrNull,
    tiers: z
      .array(z.object({ minSubtotal: moneyAmountSchema.optional(), minQuantity: z.number().int().min(1).optional(), value: z.number() }))
      .nullable()
      .describe("PERCENTAGE / FIXED_AMOUNT: the highest reached tier's value applies (in the units of `value`); below the first, nothing"),
    isActive: z.boolean(),
    class: z.enum(DISCOUNT_CLASSES).describe("Derived: product when it lists products, shipping for FREE_SHIPPING, else order"),
    combinesWith: z
      .object({ productDiscounts: z.boolean(), orderDiscounts: z.boolean(), shippingDiscounts: z.boolean() })
      .describe("The classes it may be applied together with; two discounts combine only if each allows the other's class"),
    status: z.enum(DISCOUNT_STATUSES).describe("Derived from the dates, uses and isActive"),
  })
  .meta({ id: "Discount", description: "Unset fields are null" });
export type DiscountJson = z.output<typeof discountJsonSchema>;

type DiscountRow = Parameters<typeof toDiscountRule>[0] & Pick<Prisma.DiscountModel, "maxDiscountAmount" | "discountGiven" | "getProductIds">;

export function toDiscountJson(row: DiscountRow, now: Date): DiscountJson {
  const rule = toDiscountRule(row);
  return {
    id: rule.id,
    code: row.code,
    automatic: rule.automatic,
    title: rule.title,
    type: rule.type,
    value: isPercentType(rule.type) ? basisPointsToPercent(rule.value) : rule.type === "FREE_SHIPPING" ? 0 : rule.value,
    currency: rule.currency,
    minOrderAmount: rule.minOrderAmount,
    maxUses: rule.maxUses,
    maxUsesPerCustomer: rule.maxUsesPerCustomer,
    usesCount: rule.usesCount,
    maxDiscountAmount: row.maxDiscountAmount,
    discountGiven: Number(row.discountGiven),
    validFrom: rule.validFrom?.toISOString() ?? null,
    validUntil: rule.validUntil?.toISOString() ?? null,
    applicableProductIds: rule.applicableProductIds.length === 0 ? null : [...rule.applicableProductIds],
    getProductIds: row.getProductIds.length === 0 ? null : [...row.getProductIds],
    buyQuantity: rule.buyQuantity,
    getQuantity: rule.getQuantity,
    maxApplications: rule.maxApplications,
    tiers: rule.tiers
      ? rule.tiers.map((t) => ({
          ...(t.minSubtotal != null ? { minSubtotal: t.minSubtotal } : { minQuantity: t.minQuantity ?? 0 }),
          value: isPercentType(rule.type) ? basisPointsToPercent(t.value) : t.value,
        }))
      : null,
    isActive: rule.isActive,
    class: discountClass(rule),
    combinesWith: { ...rule.combinesWith },
    status: discountStatus(rule, now),
  };
}

function draftOfRow(row: DiscountRow): DiscountDraft {
  const { class: _derived, ...json } = toDiscountJson(row, new Date(0));
  return {
    ...json,
    // a tiered discount stores its first tier's value in `value` (the column's range checks); it was sent no value
    value: row.type === "FREE_SHIPPING" || json.tiers ? null : json.value,
    validFrom: row.validFrom,
    validUntil: row.validUntil,
  };
}

/** The stored `tiers` column: values in stored units (basis points for a percent); DbNull for none. */
function storedTiers(type: DiscountType, tiers: ApiTier[] | null): Prisma.InputJsonValue | typeof Prisma.DbNull {
  if (!tiers || tiers.length === 0) return Prisma.DbNull;
  return tiers.map((t) => ({ ...(t.minSubtotal != null ? { minSubtotal: t.minSubtotal } : { minQuantity: t.minQuantity }), value: storedValue(type, t.value) }));
}

/** The stored `value` column for a type and an API value (already checked by discountRuleIssues). */
function storedValue(type: DiscountType, value: number | null): number {
  if (value == null || type === "FREE_SHIPPING") return 0;
  if (isPercentType(type)) {
    const bps = percentToBasisPoints(value);
    if (bps === null) throw new RangeError(`unchecked percent ${value}`);
    return bps;
  }
  return value;
}

/**
 * A create whose fields failed parsing never reaches the type rules (zod stops there); so that a form shows every
 * problem at once, the rules also run over the fields that did parse, for the fields without an error yet.
 */
function withRuleIssues(error: z.ZodError, input: unknown): DomainError {
  const fieldErrors = fieldErrorsOf(error);
  const raw = input && typeof input === "object" ? (input as Record<string, unknown>) : {};
  const partial: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(discountFields)) {
    const r = schema.safeParse(raw[key]);
    if (r.success) partial[key] = r.data;
  }
  if (typeof partial.type === "string") {
    const draft = draftOf({ ...partial, type: partial.type as DiscountType });
    for (const i of discountRuleIssues(draft)) if (!fieldErrors[i.path]) fieldErrors[i.path] = [i.message];
  }
  return new DomainError("validation_failed", "The request is not valid.", { fieldErrors });
}

function validationFailed(issues: Issue[]): DomainError {
  const fieldErrors: Record<string, string[]> = {};
  for (const i of issues) (fieldErrors[i.path] ??= []).push(i.message);
  return new DomainError("validation_failed", "The request is not valid.", { fieldErrors });
}

/** Every id must be a product that exists (inactive products included: a code may be prepared before a launch). */
async function checkProductsExist(
  db: Db,
  ids: number[] | null | undefined,
  path: "applicableProductIds" | "getProductIds" = "applicableProductIds",
): Promise<void> {
  if (!ids || ids.length === 0) return;
  const found = new Set((await db.product.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((p) => p.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw validationFailed([{ path, message: `No product with id ${missing.join(", ")}.` }]);
}

const isUniqueViolation = (e: unknown) => (e as { code?: unknown } | null)?.code === "P2002";

const codeTaken = () => new DomainError("conflict", CODE_TAKEN_MESSAGE, { fieldErrors: { code: [CODE_TAKEN_MESSAGE] } });

/** Newest first, with status and usage. */
export async function listDiscounts(db: Db, now: Date): Promise<DiscountJson[]> {
  const rows = await db.discount.findMany({ orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  return rows.map((r) => toDiscountJson(r, now));
}

export async function getDiscount(db: Db, id: number, now: Date): Promise<DiscountJson> {
  const row = await db.discount.findUnique({ where: { id } });
  if (!row) throw notFound("Discount");
  return toDiscountJson(row, now);
}

/**
 * Creates a code (stored upper-cased). There is no "does it exist?" read first: the unique index on lower(code)
 * decides, so two concurrent creates of "SUMMER" and "summer" end with one code and one 409 conflict.
 */
export async function createDiscount(db: Db, input: unknown, now: Date): Promise<DiscountJson> {
  const parsed = createDiscountSchema.safeParse(input);
  if (!parsed.success) throw withRuleIssues(parsed.error, input);
  const d = parsed.data;
  await checkProductsExist(db, d.applicableProductIds);
  await checkProductsExist(db, d.getProductIds, "getProductIds");
  try {
    const row = await db.discount.create({
      data: {
        code: d.code,
        automatic: d.automatic,
        title: d.title,
        type: d.type,
        value: storedValue(d.type, d.value ?? d.tiers?.[0]?.value ?? null),
        currency: d.currency,
        minOrderAmount: d.minOrderAmount,
        maxUses: d.maxUses,
        maxDiscountAmount: d.maxDiscountAmount,
        maxUsesPerCustomer: d.maxUsesPerCustomer,
        validFrom: d.validFrom,
        validUntil: d.validUntil,
        applicableProductIds: d.applicableProductIds ?? [],
        getProductIds: d.getProductIds ?? [],
        buyQuantity: d.buyQuantity,
        getQuantity: d.getQuantity,
        maxApplications: d.maxApplications,
        tiers: storedTiers(d.type, d.tiers),
        isActive: d.isActive,
        ...combinesColumns(d.combinesWith),
      },
    });
    forgetAutomaticDiscounts(); // cart views in this process see it at once
    return toDiscountJson(row, now);
  } catch (e) {
    if (isUniqueViolation(e)) throw codeTaken();
    throw e;
  }
}

/**
 * Applies a PATCH. Only the fields sent are written, after the merged discount passed the create rules. The write
 * is conditional on the uses made so far (`uses_count <= new max_uses`), so a checkout redeeming the code at the
 * same moment cannot make the new limit invalid in between.
 */
export async function updateDiscount(db: Db, id: number, input: unknown, now: Date): Promise<DiscountJson> {
  const patch = patchDiscountSchema.parse(input);
  const row = await db.discount.findUnique({ where: { id } });
  if (!row) throw notFound("Discount");
  const current = draftOfRow(row);
  if (patch.automatic !== undefined && patch.automatic !== current.automatic)
    throw validationFailed([{ path: "automatic", message: "A code cannot become automatic or the reverse. Create a new discount instead." }]);
  if (patch.type !== undefined && patch.type !== current.type)
    throw validationFailed([{ path: "type", message: "The type of a discount cannot be changed. Create a new code instead." }]);

  const merged: DiscountDraft = { ...current };
  for (const [key, value] of Object.entries(patch) as [keyof DiscountDraft, unknown][])
    if (value !== undefined) (merged as Record<keyof DiscountDraft, unknown>)[key] = value;
  const issues = discountRuleIssues(merged, row.usesCount, Number(row.discountGiven));
  if (issues.length > 0) throw validationFailed(issues);
  await checkProductsExist(db, patch.applicableProductIds);
  await checkProductsExist(db, patch.getProductIds, "getProductIds");

  const sent = (key: keyof typeof patch) => patch[key] !== undefined;
  const data = {
    ...(sent("code") && { code: merged.code }),
    ...(sent("title") && { title: merged.title }),
    ...(sent("value") && { value: storedValue(merged.type, merged.value) }),
    ...(sent("currency") && { currency: merged.currency }),
    ...(sent("minOrderAmount") && { minOrderAmount: merged.minOrderAmount }),
    ...(sent("maxUses") && { maxUses: merged.maxUses }),
    ...(sent("maxDiscountAmount") && { maxDiscountAmount: merged.maxDiscountAmount }),
    ...(sent("maxUsesPerCustomer") && { maxUsesPerCustomer: merged.maxUsesPerCustomer }),
    ...(sent("validFrom") && { validFrom: merged.validFrom }),
    ...(sent("validUntil") && { validUntil: merged.validUntil }),
    ...(sent("applicableProductIds") && { applicableProductIds: merged.applicableProductIds ?? [] }),
    ...(sent("getProductIds") && { getProductIds: merged.getProductIds ?? [] }),
    ...(sent("buyQuantity") && { buyQuantity: merged.buyQuantity }),
    ...(sent("getQuantity") && { getQuantity: merged.getQuantity }),
    ...(sent("maxApplications") && { maxApplications: merged.maxApplications }),
    ...(sent("tiers") && { tiers: storedTiers(merged.type, merged.tiers) }),
    ...(sent("tiers") && !sent("value") && merged.tiers?.[0] && { value: storedValue(merged.type, merged.tiers[0].value) }),
    ...(sent("isActive") && { isActive: merged.isActive }),
    ...(sent("combinesWith") && combinesColumns(merged.combinesWith)),
  };
  if (Object.keys(data).length === 0) return toDiscountJson(row, now); // only `type`, unchanged, was sent

  try {
    const updated = await db.discount.updateManyAndReturn({
      where: {
        id,
        ...(merged.maxUses != null ? { usesCount: { lte: merged.maxUses } } : {}),
        // and the budget never below what was given meanwhile (the table refuses that too)
        ...(merged.maxDiscountAmount != null ? { discountGiven: { lte: merged.maxDiscountAmount } } : {}),
      },
      data,
    });
    const result = updated[0];
    forgetAutomaticDiscounts(); // cart views in this process see the change at once
    if (result) return toDiscountJson(result, now);
  } catch (e) {
    if (isUniqueViolation(e)) throw codeTaken();
    throw e;
  }
  // nothing matched: deleted meanwhile, or redeemed past the new limit meanwhile
  const again = await db.discount.findUnique({ where: { id } });
  if (!again) throw notFound("Discount");
  throw validationFailed([
    { path: "maxUses", message: `This code has been used ${again.usesCount} times already; the limit cannot be lower.` },
  ]);
}

/** Deactivate / reactivate: the same as PATCH { isActive }. */
export function setDiscountActive(db: Db, id: number, isActive: boolean, now: Date): Promise<DiscountJson> {
  return updateDiscount(db, id, { isActive }, now);
}

/** Route and form ids: a positive INTEGER, as a number or as its decimal digits ("12"; not "0x0c", not "1e1"). */
export const discountIdSchema = z
  .union([z.number(), z.string().regex(/^\d{1,10}$/).transform(Number)], { error: "Not a discount id." })
  .pipe(z.number().int("Not a discount id.").positive("Not a discount id.").max(INT_MAX, "Not a discount id."));
