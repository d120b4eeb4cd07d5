import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, parseWith } from "@/lib/http/handler";
import { exportOrdersCsv, listOrdersQuerySchema } from "@/lib/orders";

/** The orders a filter selects (the list's filters, no paging) as CSV, newest first. */
export const GET = handle(async (req: Request) => {
  await requireAdmin(req);
  const { cursor: _cursor, limit: _limit, ...query } = parseWith(listOrdersQuerySchema, Object.fromEntries(new URL(req.url).searchParams));
  const csv = await exportOrdersCsv(prisma(), query);
  const day = new Date().toISOString().slice(0, 10);
  return new Response(csv, {
    status: 200,
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="orders-${day}.csv"`, "cache-control": "no-store" },
  });
});
