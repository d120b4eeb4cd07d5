"use server";

import { revalidatePath } from "next/cache";
import { runAction, type ActionResult } from "@/app/_shared/action";
import { createDiscount, discountIdSchema, setDiscountActive, updateDiscount, type DiscountJson } from "@/lib/admin/discounts";
import { setUserRole, type AdminUserJson } from "@/lib/admin/users";
import { updateVariant, variantIdSchema, type AdminVariantJson } from "@/lib/admin/variants";
import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { parseWith } from "@/lib/http/handler";
import { z } from "zod";

// Admin server actions: the same lib/admin functions as /api/admin/*, behind the same requireAdmin check.

const activeSchema = z.boolean({ error: "Must be true or false." });

export async function createDiscountAction(input: unknown): Promise<ActionResult<DiscountJson>> {
  return runAction(async () => {
    await requireAdmin();
    const discount = await createDiscount(prisma(), input, new Date());
    revalidatePath("/admin", "layout");
    return discount;
  });
}

export async function updateDiscountAction(id: unknown, patch: unknown): Promise<ActionResult<DiscountJson>> {
  return runAction(async () => {
    await requireAdmin();
    const discount = await updateDiscount(prisma(), parseWith(discountIdSchema, id), patch, new Date());
    // carts holding the code reprice on their next read; the shop's pages render per request
    revalidatePath("/", "layout");
    return discount;
  });
}

export async function setDiscountActiveAction(id: unknown, isActive: unknown): Promise<ActionResult<DiscountJson>> {
  return runAction(async () => {
    await requireAdmin();
    const discount = await setDiscountActive(prisma(), parseWith(discountIdSchema, id), parseWith(activeSchema, isActive), new Date());
    revalidatePath("/", "layout");
    return discount;
  });
}

export async function updateVariantAction(id: unknown, input: unknown): Promise<ActionResult<AdminVariantJson>> {
  return runAction(async () => {
    await requireAdmin();
    const variant = await updateVariant(prisma(), parseWith(variantIdSchema, id), input);
    revalidatePath("/", "layout");
    return variant;
  });
}

export async function setUserRoleAction(id: unknown, role: unknown): Promise<ActionResult<AdminUserJson>> {
  return runAction(async () => {
    // requireAdmin reads the acting admin's role from the database: a just-demoted admin cannot use this either
    await requireAdmin();
    const user = await setUserRole(prisma(), parseWith(z.string({ error: "Not a user id." }), id), { role });
    revalidatePath("/admin/users");
    return user;
  });
}
