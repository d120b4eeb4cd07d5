import { prisma } from "@/lib/db";
import { productQuerySchema, queryObject, searchProducts } from "@/lib/catalog/search";
import { handle, json, parseWith } from "@/lib/http/handler";

export const GET = handle(async (req: Request) => {
  const query = parseWith(productQuerySchema, queryObject(new URL(req.url).searchParams));
  return json(await searchProducts(prisma(), query));
});
