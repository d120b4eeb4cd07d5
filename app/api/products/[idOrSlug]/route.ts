import { z } from "zod";
import { findProduct, productRefSchema } from "@/lib/catalog";
import { prisma } from "@/lib/db";
import { notFound } from "@/lib/errors";
import { handle, json, parseWith } from "@/lib/http/handler";

const params = z.object({ idOrSlug: productRefSchema });

export const GET = handle(async (_req: Request, ctx: { params: Promise<{ idOrSlug: string }> }) => {
  const { idOrSlug } = parseWith(params, await ctx.params);
  const product = await findProduct(prisma(), idOrSlug);
  if (!product) throw notFound("Product");
  return json({ product });
});
