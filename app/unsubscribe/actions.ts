"use server";

import { runAction } from "@/app/_shared/action";
import type { FormActionState } from "@/components/action-form";
import { prisma } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { unsubscribe } from "@/lib/mail/cart-reminders";

export async function unsubscribeAction(_: FormActionState, form: FormData): Promise<FormActionState> {
  const r = await runAction(async () => {
    const email = await unsubscribe(prisma(), form.get("token"));
    if (!email) throw new DomainError("validation_failed", "This unsubscribe link is not valid.", { fieldErrors: { token: ["Not a valid link"] } });
    return email;
  });
  return r.ok ? { ok: true, message: `Done: ${r.data} will get no more cart reminders.` } : { ok: false, message: r.message };
}
