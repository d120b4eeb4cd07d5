import { ZodError } from "zod";

/** Every machine-readable error code the app answers with, and its HTTP status (docs/ARCHITECTURE.md, HTTP contract). */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_signature: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  insufficient_stock: 409,
  prices_changed: 409,
  cart_not_active: 409,
  conflict: 409,
  idempotency_key_in_use: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  currency_mismatch: 422,
  discount_invalid: 422,
  cart_empty: 422,
  too_many_lines: 422,
  /** a total beyond the money columns (int4) or the payment provider's minimum/maximum */
  amount_out_of_range: 422,
  rate_limited: 429,
  internal_error: 500,
  payment_provider_error: 502,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorDetails = Record<string, unknown>;

/**
 * Marks a DomainError made by ANY copy of this module. Next bundles lib/ once per layer (route handlers, pages and
 * server actions), while the process-wide services (cartService(), kv(), paymentProvider()) live on globalThis and
 * were built by whichever layer asked first; so an error may come from another copy of this class, which
 * `instanceof` does not recognise (a 403 then went out as a 500).
 */
const DOMAIN_ERROR_BRAND = Symbol.for("cartwright.DomainError");

/** The one error type the domain throws. Route handlers and server actions map it in one place. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly details: ErrorDetails | undefined;

  /** httpStatus: only where the HTTP contract gives a code another status (the order desk's 422 validation_failed
   *  for a quantity beyond what is left); otherwise the code's own. */
  constructor(code: ErrorCode, message: string, details?: ErrorDetails, httpStatus?: number) {
    super(message);
    this.name = "DomainError";
    this.code = code;
    this.httpStatus = httpStatus ?? ERROR_STATUS[code];
    this.details = details;
    Object.defineProperty(this, DOMAIN_ERROR_BRAND, { value: true });
  }
}

/** A ZodError from any copy of zod (each bundle layer may carry its own). */
export function isZodError(e: unknown): e is ZodError {
  return e instanceof ZodError || (e instanceof Error && e.name === "ZodError" && Array.isArray((e as { issues?: unknown }).issues));
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError || (typeof e === "object" && e !== null && (e as { [DOMAIN_ERROR_BRAND]?: unknown })[DOMAIN_ERROR_BRAND] === true);
}

export type ErrorBody = { error: { code: ErrorCode; message: string; details?: ErrorDetails } };

/** `{ "a.b": ["msg"] }` from a ZodError, keyed by the dotted path of each issue ("" for the root). */
export function fieldErrorsOf(err: ZodError): Record<string, string[]> {
  // a Map, not an object literal: a field may be called "__proto__" or "constructor"
  const out = new Map<string, string[]>();
  for (const issue of err.issues) {
    const base = issue.path.map(String);
    // an unknown key is reported at that key, so a form or client can point at it
    const keys = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...base, k].join(".")) : [base.join(".")];
    for (const key of keys) {
      const list = out.get(key) ?? [];
      list.push(issue.code === "unrecognized_keys" ? "Unknown field" : issue.message);
      out.set(key, list);
    }
  }
  return Object.fromEntries(out);
}

export function validationError(err: ZodError, message = "The request is not valid."): DomainError {
  return new DomainError("validation_failed", message, { fieldErrors: fieldErrorsOf(err) });
}

/** Maps anything thrown to the documented JSON error. Unknown errors become a 500 that leaks nothing. */
export function toErrorResponse(e: unknown): { status: number; body: ErrorBody } {
  const err = isZodError(e) ? validationError(e) : e;
  if (isDomainError(err)) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = err.details;
    return { status: err.httpStatus, body };
  }
  if (isDependencyUnavailable(err))
    return {
      status: 503,
      body: { error: { code: "service_unavailable", message: "The shop is briefly unavailable. Please try again in a moment." } },
    };
  return {
    status: 500,
    body: { error: { code: "internal_error", message: "Something went wrong on our side. Please try again." } },
  };
}

const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EPIPE", "57P01", "57P03", "08006", "08001", "08003", "P1001", "P1002", "P1017", "P2024"]);
const UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connection is closed|Can't reach database server/i;

/** A database or other dependency that cannot be reached (anywhere in the error's cause chain). */
export function isDependencyUnavailable(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== "object" || depth > 5) return false;
  const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
  if (typeof message === "string" && UNAVAILABLE_MESSAGES.test(message)) return true;
  return isDependencyUnavailable(cause, depth + 1);
}

export const notFound = (what: string) => new DomainError("not_found", `${what} was not found.`);
