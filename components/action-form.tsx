"use client";

import { useActionState } from "react";
import { FieldError, fieldErrorProps } from "./field-error";

export type FormActionState = { ok: true; message: string } | { ok: false; message: string; fieldErrors?: Record<string, string[]> } | null;

export type ActionFormField = {
  name: string;
  label: string;
  type: "email" | "password" | "text";
  autoComplete?: string;
  hint?: string;
  minLength?: number;
};

/**
 * A form posted to a server action: it works without JavaScript (a plain form submission), shows the action's
 * field errors next to their fields and its message once done. `hidden` values travel with the form.
 */
export function ActionForm(props: {
  action: (state: FormActionState, form: FormData) => Promise<FormActionState>;
  fields: ActionFormField[];
  hidden?: Record<string, string>;
  submitLabel: string;
  pendingLabel: string;
  testId: string;
}) {
  const [state, formAction, pending] = useActionState(props.action, null);
  const fieldErrors = state && !state.ok ? (state.fieldErrors ?? {}) : {};
  if (state?.ok)
    return (
      <p className="notice" role="status" data-testid={`${props.testId}-done`}>
        {state.message}
      </p>
    );
  return (
    <form action={formAction} data-testid={props.testId} noValidate>
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {props.fields.map((f) => {
        const id = `${props.testId}-${f.name}`;
        const errors = fieldErrors[f.name];
        return (
          <div className="field" key={f.name}>
            <label htmlFor={id}>{f.label}</label>
            <input
              id={id}
              name={f.name}
              type={f.type}
              autoComplete={f.autoComplete}
              minLength={f.minLength}
              required
              {...fieldErrorProps(id, errors, f.hint ? `${id}-hint` : undefined)}
            />
            {f.hint && (
              <span className="muted" id={`${id}-hint`}>
                {f.hint}
              </span>
            )}
            <FieldError inputId={id} error={errors} as="p" />
          </div>
        );
      })}
      {state && !state.ok && !Object.keys(fieldErrors).some((k) => props.fields.some((f) => f.name === k)) && (
        <p className="field-error" role="alert">
          {state.message}
        </p>
      )}
      <button type="submit" className="btn btn-block" disabled={pending}>
        {pending ? props.pendingLabel : props.submitLabel}
      </button>
    </form>
  );
}
