import type { ReactNode } from "react";

type Messages = string | readonly string[] | null | undefined;

const text = (m: Messages): string => (typeof m === "string" ? m : (m ?? []).join(" ")).trim();

/** The id of the element that holds `inputId`'s error message. */
export const fieldErrorId = (inputId: string) => `${inputId}-error`;

/**
 * The attributes that tie an input to its error (and its hint): a screen reader announces the field as invalid and
 * reads the message with it, instead of leaving the shopper to find red text somewhere below.
 */
export function fieldErrorProps(inputId: string, error: Messages, hintId?: string): { "aria-invalid"?: true; "aria-describedby"?: string } {
  const invalid = text(error) !== "";
  const ids = [invalid ? fieldErrorId(inputId) : null, hintId ?? null].filter((x): x is string => x !== null);
  return { ...(invalid ? { "aria-invalid": true as const } : {}), ...(ids.length ? { "aria-describedby": ids.join(" ") } : {}) };
}

/** A field's error message, rendered only when there is one; its id is the one `fieldErrorProps` points at. */
export function FieldError({ inputId, error, testId, as = "span", alert = false }: { inputId: string; error: Messages; testId?: string; as?: "span" | "p" | "div"; alert?: boolean }): ReactNode {
  const message = text(error);
  if (!message) return null;
  const Tag = as;
  return (
    <Tag id={fieldErrorId(inputId)} className="field-error" data-testid={testId} role={alert ? "alert" : undefined}>
      {message}
    </Tag>
  );
}
