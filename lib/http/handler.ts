import type { z } from "zod";
import { DomainError, toErrorResponse, validationError } from "../errors";
import { logger } from "../observability/logger";
import { BODY_LIMITS, declaredLength, isJsonContentType, redactPath } from "./boundary";

/** Everything a route handler answers with goes through here: one error mapping for the whole API. */
export function handle<C>(fn: (req: Request, ctx: C) => Promise<Response>): (req: Request, ctx: C) => Promise<Response> {
  return async (req, ctx) => {
    try {
      return await fn(req, ctx);
    } catch (e) {
      const { status, body } = toErrorResponse(e);
      if (status >= 500)
        logger().error(
          { requestId: req.headers.get("x-request-id"), method: req.method, path: redactPath(new URL(req.url).pathname), status, err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) },
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

/** No API body comes close: a larger one is refused (the server refuses it while reading; this is the second line). */
export const MAX_JSON_BODY_BYTES = BODY_LIMITS.jsonApi;

const bodyTooLarge = (limit = MAX_JSON_BODY_BYTES) =>
  new DomainError("payload_too_large", "The request body is too large.", { fieldErrors: { "": [`At most ${limit} bytes`] } });

/** The body as UTF-8 text, read piece by piece and abandoned (413 payload_too_large) as soon as it passes `limit`. */
export async function readLimitedText(req: Request, limit: number): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > limit) {
      await reader.cancel().catch(() => {});
      throw bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * Reads and validates a JSON body: over the limit 413 payload_too_large, a non-empty body of another content type
 * 415 unsupported_media_type (an empty body needs none), malformed JSON and schema failures 400 validation_failed.
 */
export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  const declared = declaredLength(req.headers.get("content-length") ?? undefined);
  if (declared !== undefined && declared > MAX_JSON_BODY_BYTES) throw bodyTooLarge();
  const text = await readLimitedText(req, MAX_JSON_BODY_BYTES);
  if (text !== "" && !isJsonContentType(req.headers.get("content-type") ?? undefined))
    throw new DomainError("unsupported_media_type", "Send the body as application/json.", { fieldErrors: { "content-type": ["Must be application/json"] } });
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
