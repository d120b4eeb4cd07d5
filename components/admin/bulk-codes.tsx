"use client";

import { useActionState } from "react";
import { generateDiscountCodesAction, type BulkCodesState } from "@/app/admin/actions";

// Single-use codes of one discount: generate N with a prefix, download every code as CSV. A plain <form action>:
// it works without JavaScript too (the page is rendered again with the answer).

export function BulkCodes({ discountId, total, used }: { discountId: number; total: number; used: number }) {
  const [state, action, pending] = useActionState<BulkCodesState, FormData>(generateDiscountCodesAction, null);
  const errors = state && !state.ok ? (state.fieldErrors ?? {}) : {};
  const values = state && !state.ok ? state.values : { count: "100", prefix: "" };
  const described = (field: string) => ({
    "aria-invalid": errors[field] ? true : undefined,
    "aria-describedby": errors[field] ? `bulk-${field}-error` : undefined,
  });
  return (
    <section className="panel stack" aria-labelledby="bulk-codes-heading" data-testid="bulk-codes">
      <h2 id="bulk-codes-heading">Single-use codes</h2>
      <p className="muted" data-testid="bulk-codes-count">
        {total === 0 ? "No single-use codes yet." : `${total} ${total === 1 ? "code" : "codes"}, ${used} used.`} Each one works once, like this
        discount; a cancelled or fully refunded order gives its code back.
      </p>
      <form action={action} className="form-grid" noValidate key={state?.ok ? `done-${state.count}-${state.first[0]}` : "form"}>
        <input type="hidden" name="discountId" value={discountId} />
        <div className="field">
          <label htmlFor="bulk-count">How many</label>
          <input id="bulk-count" name="count" inputMode="numeric" defaultValue={values.count} required {...described("count")} />
          <span className="muted field-hint">1 to 10,000 at a time.</span>
          {errors.count && (
            <span className="field-error" id="bulk-count-error">
              {errors.count.join(" ")}
            </span>
          )}
        </div>
        <div className="field">
          <label htmlFor="bulk-prefix">Prefix</label>
          <input id="bulk-prefix" name="prefix" defaultValue={values.prefix} maxLength={16} autoComplete="off" spellCheck={false} {...described("prefix")} />
          <span className="muted field-hint">Optional, e.g. SPRING-; letters, digits, - and _.</span>
          {errors.prefix && (
            <span className="field-error" id="bulk-prefix-error">
              {errors.prefix.join(" ")}
            </span>
          )}
        </div>
        <div className="form-actions">
          <button type="submit" className="btn" disabled={pending}>
            {pending ? "Generating…" : "Generate codes"}
          </button>
        </div>
      </form>
      {state?.ok && (
        <p className="success" role="status" data-testid="bulk-codes-made">
          Made {state.count} {state.count === 1 ? "code" : "codes"} (first: {state.first.join(", ")}).
        </p>
      )}
      {state && !state.ok && (
        <p className="error" role="alert">
          {state.message}
        </p>
      )}
      {(total > 0 || state?.ok) && (
        <p>
          <a href={`/api/admin/discounts/${discountId}/codes.csv`} download data-testid="bulk-codes-csv">
            Download all codes (CSV)
          </a>
        </p>
      )}
    </section>
  );
}
