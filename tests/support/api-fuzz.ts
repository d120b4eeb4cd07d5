// What the property-based API fuzz specs (tests/e2e/api-fuzz.spec.ts, tests/e2e/api-fuzz-more.spec.ts) share:
// requests through node:http, signing in, the building blocks of their arbitraries, and the check that an answer is
// one GET /api/openapi.json documents. Each spec keeps its own samples (the strings, numbers, keys and broken JSON
// it throws at its routes), so a seed draws exactly the requests it drew before.
import http from "node:http";
import fc from "fast-check";
import { request as playwrightRequest } from "@playwright/test";

export type Json = unknown;
export type Reply = { status: number; headers: http.IncomingHttpHeaders; text: string; body: Json };
/** A request body as sent (undefined: none), and what kind it is, for the failure report. */
export type Body = { text: string | undefined; label: string };
export type DocumentedResponses = Record<string, { "x-error-codes"?: string[]; $ref?: string }>;
export type OpenApi = { paths: Record<string, Record<string, { responses: DocumentedResponses }>> };

// ---- requests -------------------------------------------------------------------------------------------------

export type HttpRequestOptions = {
  /** sent as application/json */
  body?: string;
  /** undefined values are not sent */
  headers?: Record<string, string | undefined>;
  agent?: http.Agent | false;
  /** the loopback address to send from */
  localAddress?: string;
};

/** node:http, so any header value the protocol allows can be sent (Playwright's request would normalise some). */
export function httpRequest(base: URL, method: string, path: string, opts: HttpRequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { accept: "application/json" };
    if (opts.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(opts.body);
    }
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = v;
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, headers, agent: opts.agent, localAddress: opts.localAddress, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: Json = undefined;
          try {
            body = JSON.parse(text);
          } catch {
            /* checked by the caller */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** The body of a set-up request's answer; any other status than the expected one fails the set-up. */
export function fixtureBody<T>(method: string, path: string, r: Reply, status: number): T {
  if (r.status !== status) throw new Error(`fixture: ${method} ${path} -> ${r.status} ${r.text.slice(0, 300)}`);
  return r.body as T;
}

/** Signs in through next-auth's credentials endpoint; the session cookie as a Cookie header value. */
export async function signInCookie(origin: string, email: string, password: string): Promise<string> {
  const ctx = await playwrightRequest.newContext({ baseURL: origin });
  try {
    const { csrfToken } = (await (await ctx.get("/api/auth/csrf")).json()) as { csrfToken: string };
    const res = await ctx.post("/api/auth/callback/credentials", { form: { csrfToken, email, password, json: "true" } });
    if (res.status() >= 400) throw new Error(`sign-in failed: ${res.status()}`);
    const cookies = (await ctx.storageState()).cookies.filter((c) => c.name.includes("next-auth.session-token"));
    if (!cookies.length) throw new Error("no session cookie after sign-in");
    return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  } finally {
    await ctx.dispose();
  }
}

// ---- arbitraries ----------------------------------------------------------------------------------------------

export const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Arrays and objects nested 50 to 3000 deep. */
export const deepValue = fc.integer({ min: 50, max: 3000 }).map((d) => {
  let v: Json = 1;
  for (let i = 0; i < d; i++) v = i % 2 ? [v] : { a: v };
  return v;
});

/** Random strings (binary ones too), the spec's own samples, and now and then a huge one. */
export const nastyStrings = (samples: readonly string[], huge: readonly string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
    { weight: 4, arbitrary: fc.constantFrom(...samples) },
    { weight: 1, arbitrary: fc.constantFrom(...huge) },
  );

/** Any integer or double, or one of the spec's samples (limits, fractions, the int4 edge...). */
export const nastyNumbers = (samples: readonly number[]) => fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(...samples));

/** The kinds of wrong value that are not strings: numbers, booleans, null, arrays, objects, deep nesting. */
export const nonStringValues = (numbers: fc.Arbitrary<number>): fc.Arbitrary<Json>[] => [
  numbers,
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 }),
  deepValue,
];

export type BodyOptions = {
  /** the route's fields, each maybe missing or wrong */
  record: fc.Arbitrary<Record<string, Json>>;
  /** keys the route does not know, to join the record (null: none) */
  unknownKeys: fc.Arbitrary<Record<string, Json> | null>;
  /** the text of an otherwise empty object that gets an own "__proto__" key */
  protoOfEmpty: string;
  /** well-formed bodies (with odd values inside), so the success paths and the checks behind validation run */
  plausible?: fc.Arbitrary<Record<string, Json>>;
  /** texts that are not JSON, besides random ones */
  notJson: readonly string[];
  /** bodies of 1000 to 20000 nested objects too */
  deepObject?: boolean;
};

/** A request body: an object of the route's fields (with unknown keys now and then), a plausible one, or no object at all. */
export function bodies(o: BodyOptions): fc.Arbitrary<Body> {
  const objectBody = fc.tuple(o.record, o.unknownKeys, fc.integer({ min: 0, max: 9 })).map(([r, extra, dice]) => {
    let text = JSON.stringify({ ...r, ...(extra ?? {}) });
    // an own "__proto__" key cannot be spread into an object literal: write it into the text
    if (dice === 0) text = text === "{}" ? o.protoOfEmpty : text.replace(/^\{/, '{"__proto__":{"isAdmin":true},');
    return { text, label: "object" };
  });
  const deepObject = { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((d) => ({ text: '{"a":'.repeat(d) + "1" + "}".repeat(d), label: "deep object" })) };
  return fc.oneof(
    { weight: 6, arbitrary: o.plausible ? o.plausible.map((r) => ({ text: JSON.stringify(r), label: "plausible" })) : objectBody },
    { weight: 10, arbitrary: objectBody },
    { weight: 1, arbitrary: anyJson.map((v) => ({ text: JSON.stringify(v) ?? "null", label: "json value" })) },
    { weight: 1, arbitrary: fc.constantFrom("null", "[]", "[{}]", '""', "0", "true", "{}").map((text) => ({ text, label: "scalar" })) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...o.notJson)).map((text) => ({ text, label: "not JSON" })) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((d) => ({ text: "[".repeat(d) + "]".repeat(d), label: "deep array" })) },
    ...(o.deepObject ? [deepObject] : []),
    { weight: 1, arbitrary: fc.constant<Body>({ text: "", label: "empty" }) },
    { weight: 1, arbitrary: fc.constant<Body>({ text: undefined, label: "no body" }) },
  );
}

/** encodeURIComponent, also for text with lone surrogates (sent as U+FFFD, as a browser would). */
export function encodeSegment(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "\ufffd"));
  }
}

/** A path segment that is not a fixture's id: a nasty string (encoded), a UUID, or one of the spec's own. Never empty. */
export const rawSegments = (nastyString: fc.Arbitrary<string>, own: fc.Arbitrary<string>[]) =>
  fc
    .oneof(nastyString.filter((s) => s.length > 0 && s !== "." && s !== ".." && s.length < 5000).map(encodeSegment), fc.uuid().map(String), ...own)
    .filter((s) => s.length > 0);

// ---- checks ---------------------------------------------------------------------------------------------------

/** The responses GET /api/openapi.json documents for an operation (a test error if it documents no such operation). */
export function documented(openapi: OpenApi, method: string, template: string): DocumentedResponses {
  const op = openapi.paths[template]?.[method.toLowerCase()];
  if (!op) throw new Error(`GET /api/openapi.json does not document ${method} ${template}`);
  return op.responses;
}

/** Where a body holds money (a key of `keys`) that is not a safe integer. */
export function moneyProblems(body: Json, keys: ReadonlySet<string>, at = "$", out: string[] = []): string[] {
  if (Array.isArray(body)) body.forEach((v, i) => moneyProblems(v, keys, `${at}[${i}]`, out));
  else if (body && typeof body === "object")
    for (const [k, v] of Object.entries(body)) {
      if (keys.has(k) && v !== null && typeof v !== "object" && !Number.isSafeInteger(v)) out.push(`${at}.${k}=${String(v)}`);
      moneyProblems(v, keys, `${at}.${k}`, out);
    }
  return out;
}

export type ErrorEnvelope = { code: string; message: string; details?: unknown };

/**
 * Why this reply breaks the documented contract, or null: never a 5xx; only a documented status, as JSON; an error
 * is the envelope with a code documented for its status (validation_failed with details.fieldErrors) and nothing
 * beside it; a success holds money only as integers. `errorProblem` adds the spec's own rules about an error.
 */
export function contractProblem(
  responses: DocumentedResponses,
  r: Reply,
  opts: { moneyKeys: ReadonlySet<string>; errorProblem?: (error: ErrorEnvelope, r: Reply) => string | null },
): string | null {
  if (r.status >= 500) return `a ${r.status}`;
  if (!(String(r.status) in responses)) return `status ${r.status} is not documented (documented: ${Object.keys(responses).join(", ")})`;
  if (!String(r.headers["content-type"] ?? "").includes("application/json")) return `content-type ${String(r.headers["content-type"])}`;
  if (r.body === undefined) return "the body is not JSON";
  if (r.status >= 400) {
    const e = (r.body as { error?: { code?: unknown; message?: unknown; details?: unknown } }).error;
    if (!e || typeof e !== "object") return "no error envelope";
    const codes = responses[String(r.status)]!["x-error-codes"] ?? [];
    if (typeof e.code !== "string" || !codes.includes(e.code)) return `error code ${String(e.code)} is not documented for ${r.status} (${codes.join(", ")})`;
    if (typeof e.message !== "string" || e.message.length === 0) return "no error message";
    if (e.details !== undefined && (e.details === null || typeof e.details !== "object" || Array.isArray(e.details))) return "details is not an object";
    if (e.code === "validation_failed") {
      const fe = (e.details as { fieldErrors?: unknown } | undefined)?.fieldErrors;
      if (!fe || typeof fe !== "object" || !Object.values(fe).every((m) => Array.isArray(m) && m.every((s) => typeof s === "string"))) return "validation_failed without details.fieldErrors";
    }
    const keys = Object.keys(r.body as object);
    if (keys.length !== 1) return `extra top-level keys ${keys.join(", ")}`;
    return opts.errorProblem?.(e as ErrorEnvelope, r) ?? null;
  }
  const money = moneyProblems(r.body, opts.moneyKeys);
  return money.length ? `money that is not an integer: ${money.join(", ")}` : null;
}

/** fast-check's report (seed, counterexample) followed by what the request and the answer were. */
export function failure(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? e.cause.message : e.cause === undefined ? "" : String(e.cause);
  return `${e.message}${cause ? `\n\nProblem: ${cause}` : ""}`;
}
