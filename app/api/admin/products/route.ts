import { z } from "zod";
import { adminActor } from "@/app/_shared/admin";
import { createProduct } from "@/lib/admin/products";
import { prisma } from "@/lib/db";
import { handle, json, readJson } from "@/lib/http/handler";

/** { name, basePrice (minor units), slug?, description?, currency?, categoryIds?, images?, isActive? } -> 201 { product } */
export const POST = handle(async (req: Request) => {
  const actor = await adminActor(req);
  // the body is validated by createProduct (one schema for the API and the admin form)
  const body = await readJson(req, z.unknown());
  return json({ product: await createProduct(prisma(), body, actor) }, 201);
});
