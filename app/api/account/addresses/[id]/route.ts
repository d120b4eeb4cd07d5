import { z } from "zod";
import { addressIdSchema, deleteAddress, updateAddress } from "@/lib/address-book";
import { requireUser } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json, parseWith, readJson } from "@/lib/http/handler";

type Ctx = { params: Promise<{ id: string }> };

/**
 * PATCH { any address fields, label?, isDefault? } -> { address }. Another user's address is 404 not_found (never
 * revealed); `isDefault: false` on the default is 409 conflict.
 */
export const PATCH = handle(async (req: Request, ctx: Ctx) => {
  const user = await requireUser();
  const id = parseWith(addressIdSchema, (await ctx.params).id);
  const body = await readJson(req, z.unknown());
  return json({ address: await updateAddress(prisma(), user.id, id, body) });
});

/** DELETE -> 204. Deleting the default makes the most recently created other address the default. */
export const DELETE = handle(async (_req: Request, ctx: Ctx) => {
  const user = await requireUser();
  const id = parseWith(addressIdSchema, (await ctx.params).id);
  await deleteAddress(prisma(), user.id, id);
  return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
});
