import type { z } from "zod";
import { fieldErrorsOf, isZodError, toErrorResponse, type ErrorCode } from "@/lib/errors";
import { logger } from "@/lib/observability/logger";
import { assertCleanText } from "@/lib/http/handler";

/** What every server action returns: typed, never a bare string. */
export type ActionResult<T = undefined> =
  | { ok: true; data: T }
  | { ok: false; code: ErrorCode; message: string; fieldErrors?: Record<string, string[]>; details?: Record<string, unknown> };

/** Runs an action body and maps any error the same way the API does. */
export async function runAction<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (e) {
    const { body } = toErrorResponse(e);
    if (body.error.code === "internal_error") logger().error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) }, "server action failed");
    const fieldErrors = isZodError(e) ? fieldErrorsOf(e) : (body.error.details?.fieldErrors as Record<string, string[]> | undefined);
    return { ok: false, code: body.error.code, message: body.error.message, ...(fieldErrors ? { fieldErrors } : {}), ...(body.error.details ? { details: body.error.details } : {}) };
  }
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  assertCleanText(input);
  return schema.parse(input);
}
