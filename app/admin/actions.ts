"use server";

import { revalidatePath } from "next/cache";
import { runAction, type ActionResult } from "@/app/_shared/action";
import { discountIdSchema, type DiscountJson } from "@/lib/admin/discounts";
import { createDiscountAudited, setDiscountActiveAudited, updateDiscountAudited } from "@/lib/admin/audited";
import { generateDiscountCodes } from "@/lib/admin/discount-codes";
import { setUserRole, type AdminUserJson } from "@/lib/admin/users";
import { updateVariant, variantIdSchema, type AdminVariantJson } from "@/lib/admin/variants";
import {
  createCategory,
  createProduct,
  createVariant,
  getProduct,
  productFormToInput,
  productIdSchema,
  updateProduct,
  variantFormToInput,
  type AdminCategoryJson,
  type AdminProductJson,
} from "@/lib/admin/products";
import { assertCleanText } from "@/lib/http/handler";
import { adminActor } from "@/app/_shared/admin";
import { prisma } from "@/lib/db";
import { parseWith } from "@/lib/http/handler";
import { z } from "zod";

// Admin server actions: the same lib/admin functions as /api/admin/*, behind the same requireAdmin check (adminActor),
// each change written to the audit log under the admin's name.

const activeSchema = z.boolean({ error: "Must be true or false." });

export async function createDiscountAction(input: unknown): Promise<ActionResult<DiscountJson>> {
  return runAction(async () => {
    const actor = await adminActor();
    const discount = await createDiscountAudited(prisma(), input, new Date(), actor);
    revalidatePath("/admin", "layout");
    return discount;
  });
}

export async function updateDiscountAction(id: unknown, patch: unknown): Promise<ActionResult<DiscountJson>> {
  return runAction(async () => {
    const actor = await adminActor();
    const discount = await updateDiscountAudited(prisma(), parseWith(discountIdSchema, id), patch, new Date(), actor);
    // carts holding the code reprice on their next read; the shop's pages render per request
    revalidatePath("/", "layout");
    return discount;
  });
}

export async function setDiscountActiveAction(id: unknown, isActive: unknown): Promise<ActionResult<DiscountJson>> {
  return runAction(async () => {
    const actor = await adminActor();
    const discount = await setDiscountActiveAudited(prisma(), parseWith(discountIdSchema, id), parseWith(activeSchema, isActive), new Date(), actor);
    revalidatePath("/", "layout");
    return discount;
  });
}

export async function updateVariantAction(id: unknown, input: unknown): Promise<ActionResult<AdminVariantJson>> {
  return runAction(async () => {
    const actor = await adminActor();
    const variant = await updateVariant(prisma(), parseWith(variantIdSchema, id), input, actor);
    revalidatePath("/", "layout");
    return variant;
  });
}

export async function setUserRoleAction(id: unknown, role: unknown): Promise<ActionResult<AdminUserJson>> {
  return runAction(async () => {
    // adminActor reads the acting admin's role from the database: a just-demoted admin cannot use this either
    const actor = await adminActor();
    const user = await setUserRole(prisma(), parseWith(z.string({ error: "Not a user id." }), id), { role }, actor);
    revalidatePath("/admin/users");
    return user;
  });
}

// The catalog forms send prices as typed, in major units ("19.99"): lib/admin/products turns them into minor units of
// the product's currency (never through a float) and validates with the same schemas as /api/admin/products.

export async function createProductAction(form: unknown): Promise<ActionResult<AdminProductJson>> {
  return runAction(async () => {
    const actor = await adminActor();
    assertCleanText(form);
    const product = await createProduct(prisma(), productFormToInput(form), actor);
    revalidatePath("/", "layout");
    return product;
  });
}

export async function updateProductAction(id: unknown, form: unknown): Promise<ActionResult<AdminProductJson>> {
  return runAction(async () => {
    const actor = await adminActor();
    assertCleanText(form);
    const productId = parseWith(productIdSchema, id);
    const current = await getProduct(prisma(), productId);
    const product = await updateProduct(prisma(), productId, productFormToInput(form, current.currency), actor);
    revalidatePath("/", "layout");
    return product;
  });
}

export async function createVariantAction(productId: unknown, form: unknown): Promise<ActionResult<AdminVariantJson>> {
  return runAction(async () => {
    const actor = await adminActor();
    assertCleanText(form);
    const id = parseWith(productIdSchema, productId);
    const product = await getProduct(prisma(), id);
    const variant = await createVariant(prisma(), id, variantFormToInput(form, product.currency), actor);
    revalidatePath("/", "layout");
    return variant;
  });
}

export async function setVariantActiveAction(id: unknown, isActive: unknown): Promise<ActionResult<AdminVariantJson>> {
  return runAction(async () => {
    const actor = await adminActor();
    const variant = await updateVariant(prisma(), parseWith(variantIdSchema, id), { isActive: parseWith(activeSchema, isActive) }, actor);
    revalidatePath("/", "layout");
    return variant;
  });
}

export async function createCategoryAction(form: unknown): Promise<ActionResult<AdminCategoryJson>> {
  return runAction(async () => {
    const actor = await adminActor();
    assertCleanText(form);
    const category = await createCategory(prisma(), form, actor);
    revalidatePath("/", "layout");
    return category;
  });
}

/** What the bulk-codes form shows after a submit (with JavaScript or without: the page renders it again). */
export type BulkCodesState =
  | { ok: true; count: number; first: string[] }
  | { ok: false; message: string; fieldErrors?: Record<string, string[]>; values: { count: string; prefix: string } }
  | null;

/** The discount page's "Generate codes" form: the same lib function and audit row as POST /api/admin/discounts/{id}/codes. */
export async function generateDiscountCodesAction(_prev: BulkCodesState, form: FormData): Promise<BulkCodesState> {
  const values = { count: String(form.get("count") ?? ""), prefix: String(form.get("prefix") ?? "") };
  const r = await runAction(async () => {
    const actor = await adminActor();
    const id = parseWith(discountIdSchema, form.get("discountId"));
    const count = /^\d{1,6}$/.test(values.count.trim()) ? Number(values.count.trim()) : values.count;
    return generateDiscountCodes(prisma(), id, { count, prefix: values.prefix }, actor);
  });
  if (!r.ok) return { ok: false, message: r.fieldErrors ? "Please correct the marked fields." : r.message, fieldErrors: r.fieldErrors, values };
  revalidatePath("/admin/discounts", "layout");
  return { ok: true, count: r.data.length, first: r.data.slice(0, 5) };
}
