import type { z } from "zod";
import { DomainError, toErrorResponse, validationError } from "../errors";
import { logger } from "../observability/logger";

/** Everything a route handler answers with goes through here: one error mapping for the whole API. */
export function handle<C>(fn: (req: Request, ctx: C) => Promise<Response>): (req: Request, ctx: C) => Promise<Response> {
  return async (req, ctx) => {
    try {
      return await fn(req, ctx);
    } catch (e) {
      const { status, body } = toErrorResponse(e);
      if (status >= 500)
        logger().error(
          { requestId: req.headers.get("x-request-id"), method: req.method, path: new URL(req.url).pathname, status, err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) },
          "request failed",
        );
      return Response.json(body, { status, headers: { "cache-control": "no-store" } });
    }
  };
}

export function json(data: unknown, status = 200, headers?: HeadersInit): Response {
  return Response.json(data, { status, headers: { "cache-control": "no-store", ...headers } });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text the database cannot store (NUL) or that is not well-formed Unicode (a lone surrogate) is refused before any
 * schema sees it, wherever it hides in the input: first offending path wins.
 */
export function findBadText(value: unknown, path: string[] = [], depth = 0): string | null {
  if (depth > 64) return path.join(".");
  if (typeof value === "string") return value.includes("\u0000") || LONE_SURROGATE.test(value) ? path.join(".") : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBadText(value[i], [...path, String(i)], depth + 1);
      if (bad !== null) return bad;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const bad = findBadText(k, [...path, k], depth + 1) ?? findBadText(v, [...path, k], depth + 1);
      if (bad !== null) return bad;
    }
  }
  return null;
}

export function assertCleanText(value: unknown): void {
  const bad = findBadText(value);
  if (bad !== null)
    throw new DomainError("validation_failed", "The request contains characters that are not allowed.", {
      fieldErrors: { [bad]: ["Contains a character that is not allowed"] },
    });
}

/** No API body comes close: a larger one is refused before it is parsed. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

const bodyTooLarge = () =>
  new DomainError("validation_failed", "The request body is too large.", { fieldErrors: { "": [`At most ${MAX_JSON_BODY_BYTES} bytes`] } });

/** Reads and validates a JSON body; malformed JSON and schema failures are both 400 validation_failed. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > MAX_JSON_BODY_BYTES) throw bodyTooLarge();
  const text = await req.text();
  if (Buffer.byteLength(text) > MAX_JSON_BODY_BYTES) throw bodyTooLarge();
  try {
    raw = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new DomainError("validation_failed", "The request body is not valid JSON.", { fieldErrors: { "": ["Invalid JSON"] } });
  }
  assertCleanText(raw);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** Validates route params / query values the same way as bodies. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  assertCleanText(value);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
