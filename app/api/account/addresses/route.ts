import { z } from "zod";
import { createAddress, listAddresses } from "@/lib/address-book";
import { requireUser } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { handle, json, readJson } from "@/lib/http/handler";

/** GET -> { addresses } (the default first, then newest first); 401 signed out. */
export const GET = handle(async () => {
  const user = await requireUser();
  return json({ addresses: await listAddresses(prisma(), user.id) });
});

/**
 * POST { name, line1, line2?, city, region?, postalCode, country, phone?, label?, isDefault? } -> 201 { address };
 * 400 validation_failed on the field; 409 conflict when the book already holds ADDRESS_BOOK_LIMIT addresses.
 */
export const POST = handle(async (req) => {
  const user = await requireUser();
  // the body is checked by lib/address-book's schema, so its field errors are the address's own
  const body = await readJson(req, z.unknown());
  return json({ address: await createAddress(prisma(), user.id, body) }, 201);
});
