import { listProducts } from "@/lib/catalog";
import { prisma } from "@/lib/db";
import { handle, json } from "@/lib/http/handler";

export const GET = handle(async () => json({ products: await listProducts(prisma()) }));
