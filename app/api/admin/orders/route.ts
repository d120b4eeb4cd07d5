import { requireAdmin } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json, parseWith } from "@/lib/http/handler";
import { listOrders, listOrdersQuerySchema } from "@/lib/orders";

/** ?status=&fulfillment=&payment=&q=&from=&to=&cursor=&limit= -> { orders, nextCursor } (newest first). */
export const GET = handle(async (req: Request) => {
  await requireAdmin(req);
  const query = parseWith(listOrdersQuerySchema, Object.fromEntries(new URL(req.url).searchParams));
  return json(await listOrders(prisma(), query));
});
