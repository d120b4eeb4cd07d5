// The checks scripts/serve.ts makes where the bytes arrive, before Next's handler sees a request: a wrong method
// on an API route (405), a cross-site write (403), a JSON route sent another content type (415), and a body over
// its route's limit (413), refused while it is read, chunked or not, holding at most the limit in memory.
import type { IncomingMessage, ServerResponse } from "node:http";
import { DomainError, toErrorResponse, type ErrorCode, type ErrorDetails } from "../errors";
import {
  bodyLimitFor,
  crossSiteExempt,
  declaredLength,
  isApiPath,
  isCrossSite,
  isJsonContentType,
  requiresJsonBody,
} from "./boundary";
import { matchApiRoute, type ApiRoute } from "./route-table";

export type GuardOptions = {
  /** the API routes and their methods (route-table.ts scanApiRoutes) */
  routes: readonly ApiRoute[];
  /** the site's public origins (NEXTAUTH_URL's): a request from one of them is same-site whatever its Host */
  siteOrigins: readonly string[];
  /** headers every answer of the guard carries (the same security headers Next adds to its own) */
  headers?: Record<string, string>;
  /** how long a refused request's remaining body is read and thrown away before the connection is cut */
  lingerMs?: number;
  /** how many more bytes of a refused request are read and thrown away before the connection is cut */
  lingerBytes?: number;
};

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
};

/**
 * Answers a refused request with the JSON error shape. Whatever is left of its body is read and dropped for at
 * most `lingerMs`, so the client can read the answer before the connection is cut, and a client streaming without
 * end cannot keep it open.
 */
function refuse(req: IncomingMessage, res: ServerResponse, opts: GuardOptions, code: ErrorCode, message: string, details?: ErrorDetails, extra: Record<string, string> = {}): void {
  const { status, body } = toErrorResponse(new DomainError(code, message, details));
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...opts.headers,
    ...extra,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(payload)),
    "cache-control": "no-store",
  });
  // before the answer goes out: node may finish it (and close the connection) within res.end()
  if (!req.complete) lingerThenClose(req, opts.lingerMs ?? 2_000, opts.lingerBytes ?? 4 * 1024 * 1024);
  res.end(payload);
}

/**
 * Node closes a connection whose request body was not read as soon as the answer is sent; the client, still
 * sending, then gets a reset and may never read the answer. Instead the connection is half-closed after the answer
 * (the client sees its end) while what is still coming is read and dropped, until the body ends or `ms` passed;
 * past `bytes` more it is no longer read: on a fast link a client could push hundreds of MiB within `ms`.
 */
function lingerThenClose(req: IncomingMessage, ms: number, bytes: number): void {
  const socket = req.socket;
  const cut = setTimeout(() => socket.destroy(), ms);
  cut.unref();
  // the HTTP parser reads the socket itself (no 'data' events), so what arrives is watched by its byte count; past
  // `bytes` the socket stops being read (node's server stops its handle on 'pause'), so the client, its buffers
  // full, stops sending, and still reads the answer before the connection is cut
  const start = socket.bytesRead;
  const watch = setInterval(() => {
    if (socket.bytesRead - start > bytes) socket.pause();
  }, 5);
  watch.unref();
  const stop = () => {
    clearTimeout(cut);
    clearInterval(watch);
  };
  req.once("end", stop);
  socket.once("close", stop);
  socket.destroySoon = function destroySoon(this: typeof socket) {
    if (this.writable) this.end();
  };
}

const tooLarge = (limit: number) => ({ fieldErrors: { "": [`At most ${limit} bytes`] } });

/**
 * Runs the boundary checks on one request; calls `pass` (exactly once) when it may go on to Next, with its body
 * (if any) read in full and replayed to whoever reads the request next. Otherwise answers the request itself.
 * `pathname` is the normalised path (boundary.ts normalisePath).
 */
export function guardRequest(req: IncomingMessage, res: ServerResponse, pathname: string, opts: GuardOptions, pass: () => void): void {
  const method = (req.method ?? "GET").toUpperCase();

  if (isApiPath(pathname)) {
    const route = matchApiRoute(opts.routes, pathname);
    if (route && !route.allowed.includes(method as never))
      return refuse(req, res, opts, "method_not_allowed", `${method} is not allowed here.`, { allowed: route.allowed }, { allow: route.allowed.join(", ") });
  }

  if (!crossSiteExempt(method, pathname) && isCrossSite({ origin: header(req, "origin"), secFetchSite: header(req, "sec-fetch-site"), host: header(req, "host") }, opts.siteOrigins))
    return refuse(req, res, opts, "forbidden", "Cross-site requests are not allowed.");

  const length = declaredLength(header(req, "content-length"));
  const chunked = req.headers["transfer-encoding"] !== undefined;
  if (Number.isNaN(length))
    return refuse(req, res, opts, "validation_failed", "The Content-Length header is not valid.", { fieldErrors: { "content-length": ["Not a byte count"] } });
  const jsonOnly = requiresJsonBody(pathname);
  const contentType = header(req, "content-type");
  // a body needs the JSON content type on a JSON route; an empty one needs none (checked below once read)
  if (jsonOnly && (length ?? 0) > 0 && !isJsonContentType(contentType)) return unsupported(req, res, opts);

  const limit = bodyLimitFor(pathname);
  if ((length ?? 0) > limit) return refuse(req, res, opts, "payload_too_large", "The request body is too large.", tooLarge(limit));
  if (!chunked && !length) return pass();

  gateBody(req, limit, {
    over: () => refuse(req, res, opts, "payload_too_large", "The request body is too large.", tooLarge(limit)),
    complete: (bytes, replay) => {
      replay();
      if (jsonOnly && bytes > 0 && !isJsonContentType(contentType)) return unsupported(req, res, opts);
      pass();
    },
  });
}

function unsupported(req: IncomingMessage, res: ServerResponse, opts: GuardOptions): void {
  refuse(req, res, opts, "unsupported_media_type", "Send the body as application/json.", { fieldErrors: { "content-type": ["Must be application/json"] } });
}

/**
 * Holds the body back from the request's readers while counting it: node's HTTP parser hands each piece of the body
 * to `req.push`, so wrapping that one method on this request sees every byte as it arrives, whatever the framing.
 * Past `limit` the pieces are dropped and `over` is called once; at the end `complete` gets the size and a
 * `replay` that gives the held pieces (and the end) to the request's readers.
 */
export function gateBody(req: IncomingMessage, limit: number, on: { over: () => void; complete: (bytes: number, replay: () => void) => void }): void {
  const push = req.push.bind(req);
  const held: Buffer[] = [];
  let bytes = 0;
  let refused = false;
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    // once refused, the rest of the body is dropped as it arrives; the end still goes through, so the request ends
    if (refused) return chunk === null ? push(null) : true;
    if (chunk === null) {
      req.push = push;
      on.complete(bytes, () => {
        for (const c of held) push(c);
        held.length = 0;
        push(null);
      });
      return false;
    }
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding);
    bytes += buf.length;
    if (bytes > limit) {
      refused = true;
      held.length = 0;
      on.over();
      return true;
    }
    held.push(buf);
    return true;
  };
}
