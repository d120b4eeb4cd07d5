import { z } from "zod";
import { adminActor } from "@/app/_shared/admin";
import { createCategory } from "@/lib/admin/products";
import { prisma } from "@/lib/db";
import { handle, json, readJson } from "@/lib/http/handler";

/** { name, slug?, description? } -> 201 { category }; a slug already in use is 409 conflict. */
export const POST = handle(async (req: Request) => {
  const actor = await adminActor(req);
  const body = await readJson(req, z.unknown());
  return json({ category: await createCategory(prisma(), body, actor) }, 201);
});
