import { listCategories, toApiCategory } from "@/lib/catalog/categories";
import { prisma } from "@/lib/db";
import { handle, json } from "@/lib/http/handler";

export const GET = handle(async () => json({ categories: (await listCategories(prisma())).map(toApiCategory) }));
