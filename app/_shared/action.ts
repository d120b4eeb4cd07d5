import { toErrorResponse, type ErrorCode } from "@/lib/errors";
import { logger } from "@/lib/observability/logger";

/** What every server action returns: typed, never a bare string. */
export type ActionResult<T = undefined> =
  | { ok: true; data: T }
  | { ok: false; code: ErrorCode; message: string; fieldErrors?: Record<string, string[]>; details?: Record<string, unknown> };

/**
 * Runs an action body and maps any error the same way the API does (toErrorResponse: a ZodError becomes 400
 * validation_failed with its fieldErrors, by the one conversion, fieldErrorsOf). Actions parse their input with the
 * route handlers' parseWith (lib/http/handler.ts).
 */
export async function runAction<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (e) {
    const { body } = toErrorResponse(e);
    if (body.error.code === "internal_error") logger().error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) }, "server action failed");
    const fieldErrors = body.error.details?.fieldErrors as Record<string, string[]> | undefined;
    return { ok: false, code: body.error.code, message: body.error.message, ...(fieldErrors ? { fieldErrors } : {}), ...(body.error.details ? { details: body.error.details } : {}) };
  }
}

/**
 * What a server action bound to a `<form action>` answers when it does not redirect: without JavaScript the page is
 * rendered again from this state (useActionState), so the error shows where the shopper typed, with what they typed.
 */
export type FormState = {
  ok: false;
  code: ErrorCode;
  message: string;
  fieldErrors?: Record<string, string[]>;
  details?: Record<string, unknown>;
  /** the submitted text fields, to fill the form in again */
  values?: Record<string, string>;
} | null;

/** The text fields of a posted form; files and the framework's own `$ACTION_…` fields are left out. */
export function formText(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === "string" && !k.startsWith("$ACTION") && !(k in out)) out[k] = v;
  return out;
}

/**
 * A form field that should hold a whole number: its number when it is one, else the text itself, so the schema
 * (never a cast) refuses it with its own message.
 */
export function wholeNumberField(v: string | undefined): unknown {
  if (v === undefined) return undefined;
  const t = v.trim();
  return /^-?\d{1,12}$/.test(t) ? Number(t) : t;
}

export function toFormState(r: ActionResult<unknown>, values?: Record<string, string>): FormState {
  if (r.ok) return null;
  return { ...r, ...(values ? { values } : {}) };
}

const ADDRESS_KEYS = ["name", "line1", "line2", "city", "region", "postalCode", "country", "phone"] as const;

/** The address fields of a posted form; an empty optional field is left out, as the page's own form does. */
export function addressFields(t: Record<string, string>): Record<string, string> {
  const address: Record<string, string> = {};
  for (const k of ADDRESS_KEYS) {
    const v = t[k]?.trim();
    if (v || k === "postalCode" || k === "country") address[k] = v ?? "";
  }
  return address;
}

/** True when a posted form carries an address at all (a checkout form always does; a bare API-style post may not). */
export function hasAddressFields(t: Record<string, string>): boolean {
  return ADDRESS_KEYS.some((k) => (t[k] ?? "").trim() !== "");
}
