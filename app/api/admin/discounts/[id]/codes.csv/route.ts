import { z } from "zod";
import { exportDiscountCodesCsv } from "@/lib/admin/discount-codes";
import { discountIdSchema } from "@/lib/admin/discounts";
import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, parseWith } from "@/lib/http/handler";

type Ctx = { params: Promise<{ id: string }> };
const params = z.object({ id: discountIdSchema });

/** Every single-use code of the discount as CSV: code, used or unused, the order that used it, when. */
export const GET = handle(async (req: Request, ctx: Ctx) => {
  await requireAdmin(req);
  const { id } = parseWith(params, await ctx.params);
  const csv = await exportDiscountCodesCsv(prisma(), id);
  return new Response(csv, {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="discount-${id}-codes.csv"`,
      "cache-control": "no-store",
    },
  });
});
