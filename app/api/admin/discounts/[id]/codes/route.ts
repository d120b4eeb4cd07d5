import { z } from "zod";
import { adminActor } from "@/app/_shared/admin";
import { generateCodesSchema, generateDiscountCodes } from "@/lib/admin/discount-codes";
import { discountIdSchema } from "@/lib/admin/discounts";
import { prisma } from "@/lib/db";
import { handle, json, parseWith, readJson } from "@/lib/http/handler";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: discountIdSchema });

/** { count (1..10000), prefix? } -> 201 { codes }: new single-use codes of the discount, in one batched insert. */
export const POST = handle(async (req: Request, ctx: Ctx) => {
  const actor = await adminActor(req);
  const { id } = parseWith(params, await ctx.params);
  const body = await readJson(req, generateCodesSchema);
  return json({ codes: await generateDiscountCodes(prisma(), id, body, actor) }, 201);
});
