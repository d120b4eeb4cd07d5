import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BODY_LIMITS,
  bodyLimitFor,
  isCrossSite,
  isJsonContentType,
  normalisePath,
  redactPath,
  routeKindOf,
} from "@/lib/http/boundary";
import { newNonce, pageCsp } from "@/lib/http/csp";
import { guardRequest } from "@/lib/http/request-guard";
import { createLogger } from "@/lib/observability/logger";
import { apiRoute, exportedMethods, matchApiRoute, scanApiRoutes, sortBySpecificity, type HttpMethod } from "@/lib/http/route-table";

const APP_DIR = path.join(process.cwd(), "app");

describe("paths and limits", () => {
  it("normalises a path the way it is routed: decoded, no repeated or trailing slashes", () => {
    expect(normalisePath("/api//carts/abc/?x=1")).toBe("/api/carts/abc");
    expect(normalisePath("/%61pi/carts")).toBe("/api/carts");
    expect(normalisePath("/")).toBe("/");
    expect(normalisePath("/api/%E0%A4%A")).toBeNull();
  });

  it("gives each kind of route its body limit", () => {
    expect(routeKindOf("/api/webhooks/stripe")).toBe("stripeWebhook");
    expect(routeKindOf("/api/auth/callback/credentials")).toBe("auth");
    expect(routeKindOf("/api/carts/abc/items")).toBe("jsonApi");
    expect(routeKindOf("/cart")).toBe("page");
    expect(routeKindOf("/apix")).toBe("page");
    expect(bodyLimitFor("/api/carts")).toBe(64 * 1024);
    expect(bodyLimitFor("/api/webhooks/stripe")).toBe(256 * 1024);
    expect(bodyLimitFor("/api/auth/signout")).toBeLessThanOrEqual(16 * 1024);
    expect(bodyLimitFor("/products/tee")).toBe(1024 * 1024);
  });

  it("accepts application/json with an optional UTF-8 charset, and nothing else", () => {
    for (const ok of ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON;charset=UTF-8", 'application/json; charset="utf-8"'])
      expect(isJsonContentType(ok), ok).toBe(true);
    for (const bad of [undefined, "", "text/plain", "text/plain;charset=UTF-8", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/json-patch+json", "application/jsonp"])
      expect(isJsonContentType(bad), String(bad)).toBe(false);
  });

  it("cuts cart ids in logged paths to their first 6 characters", () => {
    expect(redactPath("/api/carts/9f1c2a7e-1111-4222-8333-444455556666/items/abc")).toBe("/api/carts/9f1c2a…/items/abc");
    expect(redactPath("/api/carts")).toBe("/api/carts");
    expect(redactPath("/api/products/tee")).toBe("/api/products/tee");
  });
});

describe("cross-site requests", () => {
  const site = ["https://shop.example"];
  it("is cross-site with Sec-Fetch-Site: cross-site, or an Origin that is neither the Host nor the site", () => {
    expect(isCrossSite({ secFetchSite: "cross-site", host: "shop.example" }, site)).toBe(true);
    expect(isCrossSite({ origin: "https://evil.example", host: "shop.example" }, site)).toBe(true);
    expect(isCrossSite({ origin: "null", host: "shop.example" }, site)).toBe(true);
    expect(isCrossSite({ origin: "http://127.0.0.1:4000", host: "127.0.0.1:3000" }, [])).toBe(true);
    expect(isCrossSite({ origin: "https://shop.example.evil.example", host: "shop.example" }, site)).toBe(true);
    expect(isCrossSite({ origin: "https://shop.example, https://evil.example", host: "shop.example" }, site)).toBe(true);
  });
  it("is not cross-site for the same origin, the site's public origin behind a proxy, or a client that sends neither header", () => {
    expect(isCrossSite({ origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" }, [])).toBe(false);
    expect(isCrossSite({ origin: "https://shop.example", host: "10.0.0.5:3000" }, site)).toBe(false);
    expect(isCrossSite({ origin: "https://shop.example", host: "shop.example:443" }, [])).toBe(false);
    expect(isCrossSite({ secFetchSite: "same-origin", origin: "https://shop.example", host: "shop.example" }, site)).toBe(false);
    expect(isCrossSite({ host: "shop.example" }, site)).toBe(false);
    expect(isCrossSite({ secFetchSite: "none" }, site)).toBe(false);
  });
});

/** The route module's exported HTTP methods as the TypeScript compiler sees them. */
function compilerExports(file: string): HttpMethod[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found = new Set<string>();
  for (const st of source.statements) {
    const exported = ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isVariableStatement(st) && exported)
      for (const d of st.declarationList.declarations) {
        if (ts.isIdentifier(d.name)) found.add(d.name.text);
        else if (ts.isObjectBindingPattern(d.name)) for (const el of d.name.elements) if (ts.isIdentifier(el.name)) found.add(el.name.text);
      }
    if (ts.isFunctionDeclaration(st) && exported && st.name) found.add(st.name.text);
    if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) for (const el of st.exportClause.elements) found.add(el.name.text);
  }
  return (["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as HttpMethod[]).filter((m) => found.has(m));
}

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? routeFiles(path.join(dir, e.name)) : /^route\.(ts|tsx|js|mjs)$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

describe("the API route table", () => {
  const routes = scanApiRoutes(APP_DIR);

  it("has every route module under app/api, with exactly the methods the compiler sees it export", () => {
    const files = routeFiles(path.join(APP_DIR, "api"));
    expect(routes.length).toBe(files.length);
    for (const file of files) {
      const pattern = `/${path.relative(APP_DIR, path.dirname(file)).split(path.sep).join("/")}`;
      const route = routes.find((r) => r.pattern === pattern);
      expect(route, pattern).toBeDefined();
      const exported = compilerExports(file);
      expect(exported.length, `${pattern} exports a method`).toBeGreaterThan(0);
      expect(route!.exported, pattern).toEqual(exported);
    }
  });

  it("reads every way a module can export a method", () => {
    expect(exportedMethods("export const GET = handle(async () => x);\nexport async function POST(req) {}\nexport function PATCH() {}")).toEqual(["GET", "POST", "PATCH"]);
    expect(exportedMethods("const handler = NextAuth(o);\nexport { handler as GET, handler as POST };")).toEqual(["GET", "POST"]);
    expect(exportedMethods("export const { GET, DELETE: remove } = methods();")).toEqual(["GET"]);
    expect(exportedMethods("// export const PUT = x\n/* export const DELETE = y */\nexport const dynamic = 'force-dynamic';\nexport const GETTER = 1;")).toEqual([]);
    expect(() => exportedMethods('export { GET } from "./other";')).toThrow(/re-exports/);
  });

  it("allows HEAD wherever GET is and OPTIONS everywhere (Next answers both itself)", () => {
    const carts = matchApiRoute(routes, "/api/carts")!;
    expect(carts.allowed).toEqual(["POST", "OPTIONS"]);
    expect(matchApiRoute(routes, "/api/carts/abc")!.allowed).toEqual(["GET", "HEAD", "OPTIONS"]);
    expect(matchApiRoute(routes, "/api/auth/callback/credentials")!.allowed).toEqual(["GET", "HEAD", "POST", "OPTIONS"]);
  });

  it("matches a path to the most specific route: static segments before dynamic ones before catch-alls", () => {
    expect(matchApiRoute(routes, "/api/carts/c1/items/i1/save-for-later")!.pattern).toBe("/api/carts/[cartId]/items/[itemId]/save-for-later");
    expect(matchApiRoute(routes, "/api/saved-for-later")!.pattern).toBe("/api/saved-for-later");
    expect(matchApiRoute(routes, "/api/openapi.json")!.pattern).toBe("/api/openapi.json");
    expect(matchApiRoute(routes, "/api/carts/c1/nothing-here")).toBeNull();
    const table = sortBySpecificity([apiRoute("/api/x/[...rest]", ["GET"]), apiRoute("/api/x/[id]", ["POST"]), apiRoute("/api/x/new", ["PUT"]), apiRoute("/api/y/[[...o]]", ["GET"])]);
    expect(matchApiRoute(table, "/api/x/new")!.pattern).toBe("/api/x/new");
    expect(matchApiRoute(table, "/api/x/7")!.pattern).toBe("/api/x/[id]");
    expect(matchApiRoute(table, "/api/x/7/8")!.pattern).toBe("/api/x/[...rest]");
    expect(matchApiRoute(table, "/api/x")).toBeNull();
    expect(matchApiRoute(table, "/api/y")!.pattern).toBe("/api/y/[[...o]]");
  });
});

// ---- the guard in front of a real node:http server -------------------------------------------------------------

type Seen = { method: string; path: string; body: Buffer };

describe("the request guard (node:http)", () => {
  let server: http.Server;
  let base: string;
  const seen: Seen[] = [];
  const routes = [apiRoute("/api/carts", ["POST"]), apiRoute("/api/carts/[cartId]", ["GET"]), apiRoute("/api/webhooks/stripe", ["POST"]), apiRoute("/api/auth/[...nextauth]", ["GET", "POST"])];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const pathname = normalisePath(req.url ?? "/")!;
      guardRequest(req, res, pathname, { routes, siteOrigins: ["https://shop.example"], headers: { "x-content-type-options": "nosniff" } }, () => {
        // stands in for Next: reads the whole body the way any stream reader would
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          seen.push({ method: req.method!, path: pathname, body: Buffer.concat(chunks) });
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ bytes: Buffer.concat(chunks).length }));
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** A request whose body streams from a generator (chunked unless a content-length header is given). */
  function send(method: string, pathname: string, headers: Record<string, string>, body?: AsyncIterable<Buffer> | Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: any; sent: number }> {
    return new Promise((resolve, reject) => {
      let sent = 0;
      const req = http.request(`${base}${pathname}`, { method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode!, headers: res.headers, json: text ? JSON.parse(text) : undefined, sent });
          req.destroy(); // stop streaming the rest of the body
        });
      });
      req.on("error", (e: NodeJS.ErrnoException) => {
        // the server may cut the connection of a refused upload once it answered
        if (!["ECONNRESET", "EPIPE"].includes(e.code ?? "")) reject(e);
      });
      if (body === undefined) return void req.end();
      if (Buffer.isBuffer(body)) return void req.end(body);
      const source = Readable.from(
        (async function* () {
          for await (const c of body) {
            sent += c.length;
            yield c;
          }
        })(),
      );
      source.pipe(req);
      req.on("close", () => source.destroy());
    });
  }

  async function* megabytes(total: number, chunk = 64 * 1024): AsyncIterable<Buffer> {
    const piece = Buffer.alloc(chunk, 0x20);
    for (let sent = 0; sent < total; sent += chunk) yield piece;
  }

  it("refuses a chunked 200 MiB body with 413 while reading it, holding no more than the limit", async () => {
    const before = seen.length;
    const rssBefore = process.memoryUsage().rss;
    const r = await send("POST", "/api/carts", { "content-type": "application/json" }, megabytes(200 * 1024 * 1024));
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe("payload_too_large");
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.sent).toBeLessThan(32 * 1024 * 1024); // answered long before the client got far
    expect(seen.length).toBe(before); // the app never saw it
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(50 * 1024 * 1024);
  });

  it("refuses a declared Content-Length over the limit before reading any of it", async () => {
    const r = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/api/carts`, { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": String(10 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
        req.destroy();
      });
      req.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" ? undefined : reject(e)));
      req.flushHeaders(); // headers only: the answer must come without a byte of the body
    });
    expect(r).toBe(413);
  });

  it("gives the app a body within its limit byte for byte, chunked or not; the webhook and page limits are their own", async () => {
    const payload = Buffer.from(JSON.stringify({ currency: "USD", pad: "x".repeat(60 * 1024) }));
    async function* pieces() {
      for (let i = 0; i < payload.length; i += 1000) yield payload.subarray(i, i + 1000);
    }
    const chunked = await send("POST", "/api/carts", { "content-type": "application/json" }, pieces());
    expect(chunked.status).toBe(200);
    expect(seen.at(-1)!.body.equals(payload)).toBe(true);
    const plain = await send("POST", "/api/carts", { "content-type": "application/json", "content-length": String(payload.length) }, payload);
    expect(plain.json).toEqual({ bytes: payload.length });
    // the webhook takes 200 KiB of anything (the signature is checked over the raw bytes), not 300 KiB
    expect((await send("POST", "/api/webhooks/stripe", { "content-type": "text/plain" }, megabytes(200 * 1024, 1024))).status).toBe(200);
    expect((await send("POST", "/api/webhooks/stripe", { "content-type": "application/json" }, megabytes(300 * 1024, 1024))).status).toBe(413);
    // a page (server action) takes up to 1 MiB
    expect((await send("POST", "/cart", { "next-action": "abc", "content-type": "text/plain;charset=UTF-8" }, megabytes(900 * 1024))).status).toBe(200);
    expect((await send("POST", "/cart", { "next-action": "abc", "content-type": "text/plain;charset=UTF-8" }, megabytes(2 * BODY_LIMITS.page))).status).toBe(413);
  });

  it("refuses another content type than JSON on a JSON route (415), but not an empty body or next-auth's form posts", async () => {
    const before = seen.length;
    const text = await send("POST", "/api/carts", { "content-type": "text/plain" }, Buffer.from("{}"));
    expect(text.status).toBe(415);
    expect(text.json.error.code).toBe("unsupported_media_type");
    const chunkedText = await send("POST", "/api/carts", { "content-type": "text/plain" }, megabytes(10, 10));
    expect(chunkedText.status).toBe(415);
    expect(seen.length).toBe(before);
    expect((await send("POST", "/api/carts", {})).status).toBe(200);
    expect((await send("POST", "/api/carts", { "content-type": "text/plain" }, Buffer.alloc(0))).status).toBe(200);
    expect((await send("POST", "/api/auth/callback/credentials", { "content-type": "application/x-www-form-urlencoded" }, Buffer.from("email=a&password=b"))).status).toBe(200);
  });

  it("answers a wrong method with 405 in the JSON error shape and an Allow header", async () => {
    const r = await send("GET", "/api/carts", {});
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe("POST, OPTIONS");
    expect(r.json.error.code).toBe("method_not_allowed");
    expect((await send("DELETE", "/api/carts/abc", {})).headers.allow).toBe("GET, HEAD, OPTIONS");
    expect((await send("GET", "/api/carts/abc", {})).status).toBe(200);
  });

  it("refuses cross-site writes with 403 (route handlers, server actions, next-auth) but not the Stripe webhook, reads or API clients", async () => {
    const before = seen.length;
    const evil = { origin: "https://evil.example", "content-type": "application/json" };
    for (const [method, p, extra] of [
      ["POST", "/api/carts", {}],
      ["POST", "/cart", { "next-action": "abc", "content-type": "text/plain;charset=UTF-8" }],
      ["POST", "/api/auth/signout", { "content-type": "application/x-www-form-urlencoded" }],
    ] as const) {
      const r = await send(method, p, { ...evil, ...extra }, Buffer.from("{}"));
      expect(r.status, p).toBe(403);
      expect(r.json.error.code, p).toBe("forbidden");
    }
    expect((await send("POST", "/api/carts", { "sec-fetch-site": "cross-site", "content-type": "application/json" }, Buffer.from("{}"))).status).toBe(403);
    expect(seen.length).toBe(before);
    expect((await send("POST", "/api/webhooks/stripe", evil, Buffer.from("{}"))).status).toBe(200);
    expect((await send("GET", "/api/carts/abc", { origin: "https://evil.example", "sec-fetch-site": "cross-site" })).status).toBe(200);
    expect((await send("POST", "/api/carts", { "content-type": "application/json" }, Buffer.from("{}"))).status).toBe(200);
    expect((await send("POST", "/api/carts", { "content-type": "application/json", origin: "https://shop.example" }, Buffer.from("{}"))).status).toBe(200);
  });
});

describe("the pages' Content-Security-Policy", () => {
  const directives = (csp: string) => new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
  it("allows scripts only by this response's nonce (no 'unsafe-inline', no eval in production) and still allows Stripe.js", () => {
    const a = newNonce();
    const b = newNonce();
    expect(a).not.toBe(b);
    expect(Buffer.from(a, "base64").length).toBe(16);
    const d = directives(pageCsp(a, { dev: false }));
    expect(d.get("script-src")).toEqual(["'self'", `'nonce-${a}'`, "'strict-dynamic'", "https://js.stripe.com"]);
    expect(d.get("frame-src")).toEqual(["https://js.stripe.com", "https://hooks.stripe.com"]);
    expect(d.get("connect-src")).toContain("https://api.stripe.com");
    expect(d.get("frame-ancestors")).toEqual(["'none'"]);
    expect(d.get("object-src")).toEqual(["'none'"]);
    expect(directives(pageCsp(a, { dev: true })).get("script-src")).toContain("'unsafe-eval'");
  });
});

describe("log lines", () => {
  it("keep only the first 6 characters of a cart id, wherever the field is, and still redact secrets", () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line: string) => void lines.push(line) });
    log.level = "info"; // tests run silent by default
    const id = "9f1c2a7e-1111-4222-8333-444455556666";
    log.warn({ cartId: id, restore: { kind: "merged", cartId: id, intoCartId: "ckabcdefghijklmnop" }, password: "hunter2hunter2" }, "checkout: could not restore the cart's KV copy");
    const out = JSON.parse(lines[0]!);
    expect(out.cartId).toBe("9f1c2a…");
    expect(out.restore).toEqual({ kind: "merged", cartId: "9f1c2a…", intoCartId: "ckabcd…" });
    expect(out.password).toBe("[redacted]");
    expect(lines[0]).not.toContain(id);
  });
});
