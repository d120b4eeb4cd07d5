import { z } from "zod";
import { adminActor } from "@/app/_shared/admin";
import { getProduct, productIdSchema, updateProduct } from "@/lib/admin/products";
import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json, parseWith, readJson } from "@/lib/http/handler";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: productIdSchema });

/** The product as an admin sees it: inactive ones too, with every variant, category and image. */
export const GET = handle(async (req: Request, ctx: Ctx) => {
  await requireAdmin(req);
  const { id } = parseWith(params, await ctx.params);
  return json({ product: await getProduct(prisma(), id) });
});

/** Any subset of the fields; `{ "isActive": false }` takes the product off the shop (products are never deleted). */
export const PATCH = handle(async (req: Request, ctx: Ctx) => {
  const actor = await adminActor(req);
  const { id } = parseWith(params, await ctx.params);
  const body = await readJson(req, z.unknown());
  return json({ product: await updateProduct(prisma(), id, body, actor) });
});
