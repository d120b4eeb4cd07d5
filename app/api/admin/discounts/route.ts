import { z } from "zod";
import { adminActor } from "@/app/_shared/admin";
import { createDiscountAudited } from "@/lib/admin/audited";
import { listDiscounts } from "@/lib/admin/discounts";
import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json, readJson } from "@/lib/http/handler";

export const GET = handle(async (req: Request) => {
  await requireAdmin(req);
  return json({ discounts: await listDiscounts(prisma(), new Date()) });
});

export const POST = handle(async (req: Request) => {
  const actor = await adminActor(req);
  // the body is validated by createDiscount (one schema for the API and the admin form)
  const body = await readJson(req, z.unknown());
  return json({ discount: await createDiscountAudited(prisma(), body, new Date(), actor) }, 201);
});
