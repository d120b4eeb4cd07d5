"use client";

import { useActionState, useState, useTransition } from "react";
import { applyDiscountAction, applyDiscountFormAction, removeDiscountAction, removeDiscountFormAction } from "@/app/cart/actions";
import { FieldError, fieldErrorProps } from "./field-error";

/** Apply a code. A form posted to a server action (works without JavaScript); with JavaScript it answers in place. */
export function DiscountForm() {
  const [state, formAction] = useActionState(applyDiscountFormAction, null);
  const [code, setCode] = useState(state?.values?.code ?? "");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const shownError = error ?? state?.fieldErrors?.code?.[0] ?? state?.message ?? null;
  return (
    <form
      className="inline-form"
      action={formAction}
      data-testid="discount-form"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        startTransition(async () => {
          const r = await applyDiscountAction({ code });
          if (r.ok) setCode("");
          else setError(r.fieldErrors?.code?.[0] ?? r.message);
        });
      }}
    >
      <div className="field">
        <label htmlFor="discount-code" className="sr-only">
          Discount code
        </label>
        <input id="discount-code" name="code" placeholder="Discount code" value={code} onChange={(e) => setCode(e.target.value)} maxLength={64} autoComplete="off" {...fieldErrorProps("discount-code", shownError)} />
        <FieldError inputId="discount-code" error={shownError} testId="discount-error" alert />
      </div>
      {/* not disabled while empty: without JavaScript nothing would ever enable it (the server says "Enter a code") */}
      <button type="submit" className="btn btn-secondary" disabled={pending}>
        Apply
      </button>
    </form>
  );
}

export function RemoveDiscountButton({ code }: { code: string }) {
  const [, formAction] = useActionState(removeDiscountFormAction, null);
  const [pending, startTransition] = useTransition();
  return (
    <form action={formAction} className="inline" onSubmit={(e) => (e.preventDefault(), startTransition(async () => void (await removeDiscountAction(code))))}>
      <input type="hidden" name="code" value={code} />
      <button type="submit" className="btn-link" aria-label={`Remove code ${code}`} disabled={pending}>
        ×
      </button>
    </form>
  );
}
