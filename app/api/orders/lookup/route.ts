import { prisma } from "@/lib/db";
import { handle, json, readJson } from "@/lib/http/handler";
import { kv } from "@/lib/kv";
import { allowMailRequest } from "@/lib/mail/request-limit";
import { orderLookupSchema, requestOrderLookup } from "@/lib/mail/order-lookup";

/** POST { email } -> 202 always: mails links to that address's orders, if it has any (never revealed here). */
export const POST = handle(async (req) => {
  const input = await readJson(req, orderLookupSchema);
  const client = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || "unknown";
  if (await allowMailRequest(kv(), "order-lookup", client)) await requestOrderLookup(prisma(), input);
  return json({ accepted: true }, 202);
});
