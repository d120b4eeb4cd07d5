import { z } from "zod";
import { createDiscount, listDiscounts } from "@/lib/admin/discounts";
import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json, readJson } from "@/lib/http/handler";

export const GET = handle(async (req: Request) => {
  await requireAdmin(req);
  return json({ discounts: await listDiscounts(prisma(), new Date()) });
});

export const POST = handle(async (req: Request) => {
  await requireAdmin(req);
  // the body is validated by createDiscount (one schema for the API and the admin form)
  const body = await readJson(req, z.unknown());
  return json({ discount: await createDiscount(prisma(), body, new Date()) }, 201);
});
