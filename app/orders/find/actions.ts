"use server";

import { runAction } from "@/app/_shared/action";
import { clientKey } from "@/app/_shared/shopper";
import type { FormActionState } from "@/components/action-form";
import { prisma } from "@/lib/db";
import { parseWith } from "@/lib/http/handler";
import { kv } from "@/lib/kv";
import { orderLookupSchema, requestOrderLookup } from "@/lib/mail/order-lookup";
import { allowMailRequest } from "@/lib/mail/request-limit";

export async function orderLookupAction(_: FormActionState, form: FormData): Promise<FormActionState> {
  const email = form.get("email");
  const r = await runAction(async () => {
    const input = { email: typeof email === "string" ? email : "" };
    const parsed = parseWith(orderLookupSchema, input); // a malformed address is answered before counting
    if (await allowMailRequest(kv(), "order-lookup", await clientKey())) await requestOrderLookup(prisma(), parsed);
  });
  // the same answer whether or not the address placed orders
  return r.ok
    ? { ok: true, message: "If orders were placed with this address, we have sent it links to them." }
    : { ok: false, message: r.message, fieldErrors: r.fieldErrors };
}
