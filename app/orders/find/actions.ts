"use server";

import { runAction } from "@/app/_shared/action";
import type { FormActionState } from "@/components/action-form";
import { prisma } from "@/lib/db";
import { assertCleanText } from "@/lib/http/handler";
import { requestOrderLookup } from "@/lib/mail/order-lookup";

export async function orderLookupAction(_: FormActionState, form: FormData): Promise<FormActionState> {
  const email = form.get("email");
  const r = await runAction(async () => {
    const input = { email: typeof email === "string" ? email : "" };
    assertCleanText(input);
    await requestOrderLookup(prisma(), input);
  });
  // the same answer whether or not the address placed orders
  return r.ok
    ? { ok: true, message: "If orders were placed with this address, we have sent it links to them." }
    : { ok: false, message: r.message, fieldErrors: r.fieldErrors };
}
