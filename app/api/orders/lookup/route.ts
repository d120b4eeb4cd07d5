import { prisma } from "@/lib/db";
import { handle, json, readJson } from "@/lib/http/handler";
import { orderLookupSchema, requestOrderLookup } from "@/lib/mail/order-lookup";

/** POST { email } -> 202 always: mails links to that address's orders, if it has any (never revealed here). */
export const POST = handle(async (req) => {
  const input = await readJson(req, orderLookupSchema);
  await requestOrderLookup(prisma(), input);
  return json({ accepted: true }, 202);
});
