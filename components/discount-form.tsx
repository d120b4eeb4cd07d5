"use client";

import { useState, useTransition } from "react";
import { applyDiscountAction, removeDiscountAction } from "@/app/cart/actions";
import { FieldError, fieldErrorProps } from "./field-error";

export function DiscountForm() {
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <form
      className="inline-form"
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
        <input id="discount-code" placeholder="Discount code" value={code} onChange={(e) => setCode(e.target.value)} maxLength={64} autoComplete="off" {...fieldErrorProps("discount-code", error)} />
        <FieldError inputId="discount-code" error={error} testId="discount-error" alert />
      </div>
      <button type="submit" className="btn btn-secondary" disabled={pending || code.trim() === ""}>
        Apply
      </button>
    </form>
  );
}

export function RemoveDiscountButton({ code }: { code: string }) {
  const [pending, startTransition] = useTransition();
  return (
    <button type="button" className="btn-link" aria-label={`Remove code ${code}`} disabled={pending} onClick={() => startTransition(async () => void (await removeDiscountAction(code)))}>
      ×
    </button>
  );
}
