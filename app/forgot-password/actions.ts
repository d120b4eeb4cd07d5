"use server";

import { runAction } from "@/app/_shared/action";
import { clientKey } from "@/app/_shared/shopper";
import type { FormActionState } from "@/components/action-form";
import { confirmPasswordReset, passwordResetRequestSchema, requestPasswordReset } from "@/lib/accounts/password-reset";
import { prisma } from "@/lib/db";
import { assertCleanText, parseWith } from "@/lib/http/handler";
import { kv } from "@/lib/kv";
import { allowMailRequest } from "@/lib/mail/request-limit";

// The password reset forms (/forgot-password, /reset-password): the same lib functions as the API routes.

function field(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}

function toState<T>(r: Awaited<ReturnType<typeof runAction<T>>>, message: string): FormActionState {
  return r.ok ? { ok: true, message } : { ok: false, message: r.message, fieldErrors: r.fieldErrors };
}

export async function requestPasswordResetAction(_: FormActionState, form: FormData): Promise<FormActionState> {
  const r = await runAction(async () => {
    const input = { email: field(form, "email") };
    const parsed = parseWith(passwordResetRequestSchema, input); // a malformed address is answered before counting
    if (await allowMailRequest(kv(), "password-reset", await clientKey())) await requestPasswordReset(prisma(), parsed);
  });
  // the same answer whether or not the address has an account
  return toState(r, "If an account uses this address, we have sent it a link to reset the password. It works for 30 minutes.");
}

export async function confirmPasswordResetAction(_: FormActionState, form: FormData): Promise<FormActionState> {
  const r = await runAction(async () => {
    const input = { token: field(form, "token"), password: field(form, "password") };
    assertCleanText(input);
    await confirmPasswordReset(prisma(), input);
  });
  return toState(r, "Your password has been changed. You can sign in with it now.");
}
