import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { matchApiRoute, scanApiRoutes, type HttpMethod } from "@/lib/http/route-table";
import { testRedisUrl } from "@/tests/support/test-database";
import { YOUNG_GENERATION_FLAG } from "@/scripts/node-options";
import {
  call,
  CookieJar,
  createDatabase,
  isErrorEnvelope,
  kvPrefixFor,
  makeProduct,
  METRICS_TOKEN,
  sqlPool,
  startInstance,
  type Instance,
  type TestDatabase,
} from "@/tests/support/system";

// The HTTP boundary of a production instance (scripts/serve.ts + proxy.ts): body limits while reading, content
// types, methods, cross-site writes, the pages' CSP nonce, what /api/ready shows, and the secrets file. One
// instance serves every test of this file (none of them changes what another checks).

const routes = scanApiRoutes(path.join(process.cwd(), "app"));
let app: Instance;
let db: TestDatabase;
let sql: pg.Pool;

beforeAll(async () => {
  db = await createDatabase();
  sql = sqlPool(db.url);
  app = await startInstance({ name: "http-boundary", databaseUrl: db.url, redisUrl: testRedisUrl(), kvPrefix: kvPrefixFor("http-boundary") });
});

afterAll(async () => {
  await app?.stop();
  await sql?.end();
  await db?.drop();
});

/** A URL for a route pattern: each dynamic segment filled with a value of the right shape. */
function samplePath(pattern: string): string {
  return pattern.replace(/\[\[?\.\.\.[^\]]+\]\]?/g, "callback/credentials").replace(/\[[^\]]+\]/g, "00000000-0000-4000-8000-000000000000");
}

/** The resident memory of the instance: tsx and the server process it runs (one process group). */
function rssBytes(groupId: number): number {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp !== groupId) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      total += Number(rss ?? 0) * 1024;
    } catch {
      // the process went away between the listing and the read
    }
  }
  return total;
}

/**
 * Streams `total` bytes as a chunked body (generated as it is sent, never held) and resolves with the answer as
 * soon as it comes, then stops sending.
 */
function upload(method: string, pathname: string, headers: Record<string, string>, total: number): Promise<{ status: number; body: any; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const source = Readable.from(
      (function* () {
        while (sent < total) {
          sent += piece.length;
          yield piece;
        }
      })(),
    );
    const req = http.request(`${app.url}${pathname}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        source.destroy();
        req.destroy();
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* left as text */
        }
        resolve({ status: res.statusCode!, body, sent });
      });
    });
    // once the server has answered it may cut the connection of a refused upload
    req.on("error", (e: NodeJS.ErrnoException) => (["ECONNRESET", "EPIPE"].includes(e.code ?? "") ? undefined : reject(e)));
    source.pipe(req);
  });
}

/** Every route and method that takes a body, and a page's server action. */
function bodyTargets(): { method: HttpMethod; path: string }[] {
  const out: { method: HttpMethod; path: string }[] = [];
  for (const r of routes) for (const m of r.exported) if (m === "POST" || m === "PUT" || m === "PATCH") out.push({ method: m, path: samplePath(r.pattern) });
  out.push({ method: "POST", path: "/cart" }); // a server action (a POST to a page with Next-Action)
  return out;
}

describe("body limits", () => {
  it("refuses a chunked 200 MiB body to every POST route while reading it (413), one by one and all at once, the server's memory staying flat", async () => {
    const targets = bodyTargets();
    expect(targets.length).toBeGreaterThanOrEqual(15);
    // a request to a route loads it: do that first, so the measurement sees the bodies and not the code
    for (const t of targets) await call(app.url, t.method, t.path, { json: {} });
    const before = rssBytes(app.process.pid!);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(app.process.pid!))), 25);
    try {
      const headers = { "content-type": "application/json", "next-action": "0".repeat(40), "stripe-signature": "t=1,v1=00" };
      const check = (t: { method: string; path: string }, r: { status: number; body: unknown; sent: number }) => {
        expect(r.status, `${t.method} ${t.path}`).toBe(413);
        expect(isErrorEnvelope(r.body, "payload_too_large"), `${t.method} ${t.path}: ${JSON.stringify(r.body)}`).toBe(true);
        expect(r.sent, `${t.method} ${t.path}: answered long before the end of the body`).toBeLessThan(64 * 1024 * 1024);
      };
      // one after the other, then all at once: each upload is held to its limit, so many together stay small too
      for (const t of targets) check(t, await upload(t.method, t.path, headers, 200 * 1024 * 1024));
      const together = await Promise.all(targets.map((t) => upload(t.method, t.path, headers, 200 * 1024 * 1024)));
      together.forEach((r, i) => check(targets[i]!, r));
    } finally {
      clearInterval(sampler);
    }
    const grown = Math.max(peak, rssBytes(app.process.pid!)) - before;
    // flat: 50 MiB, plus the young generation the server runs with (two semi-spaces), which the refused uploads'
    // short-lived buffers may fill before a scavenge frees them. One body of 200 MiB held in memory, let alone one
    // per route at once, is well over that.
    const semiSpaceMiB = Number(/--max-semi-space-size=(\d+)/.exec(YOUNG_GENERATION_FLAG)?.[1] ?? 16);
    const bound = (50 + 2 * semiSpaceMiB) * 1024 * 1024;
    expect(bound).toBeLessThan(200 * 1024 * 1024);
    expect(grown, `RSS grew by ${(grown / 1024 / 1024).toFixed(1)} MiB`).toBeLessThan(bound);
  });

  it("refuses a declared Content-Length over the limit before reading a byte of it", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${app.url}/api/carts`, { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": String(200 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
        req.destroy();
      });
      req.on("error", (e: NodeJS.ErrnoException) => (e.code === "ECONNRESET" ? undefined : reject(e)));
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });
});

describe("content types and methods", () => {
  it("refuses text/plain on JSON routes (415) and creates nothing; an empty body needs no content type", async () => {
    const plain = await call(app.url, "POST", "/api/carts", { raw: "{}", headers: { "content-type": "text/plain;charset=UTF-8" } });
    expect(plain.status).toBe(415);
    expect(isErrorEnvelope(plain.body, "unsupported_media_type")).toBe(true);
    expect(plain.headers.getSetCookie()).toEqual([]); // no cart was made
    const empty = await call(app.url, "POST", "/api/carts");
    expect(empty.status).toBe(201);
  });

  it("answers a wrong method on every API route with 405 in the JSON shape and the Allow header Next itself reports", async () => {
    expect(routes.length).toBeGreaterThanOrEqual(27);
    for (const route of routes) {
      const p = samplePath(route.pattern);
      expect(matchApiRoute(routes, p)?.pattern, p).toBe(route.pattern);
      // Next's own answer to OPTIONS lists the methods the module really has: the table must agree
      const options = await call(app.url, "OPTIONS", p);
      const nextAllow = (options.headers.get("allow") ?? "").split(",").map((m) => m.trim()).filter(Boolean).sort();
      expect(nextAllow, `${route.pattern}: Next's Allow`).toEqual([...route.allowed].sort());
      const wrong = (["GET", "POST", "PUT", "PATCH", "DELETE"] as HttpMethod[]).filter((m) => !route.allowed.includes(m));
      expect(wrong.length, route.pattern).toBeGreaterThan(0);
      for (const m of wrong) {
        const r = await call(app.url, m, p);
        expect(r.status, `${m} ${p}`).toBe(405);
        expect(isErrorEnvelope(r.body, "method_not_allowed"), `${m} ${p}`).toBe(true);
        expect(r.headers.get("allow"), `${m} ${p}`).toBe(route.allowed.join(", "));
      }
    }
  });
});

/** The id of a server action in the build, and the page (pattern) that serves it. */
function serverAction(name: string): { id: string; page: string } {
  const manifest = JSON.parse(readFileSync(path.join(process.cwd(), inject("systemDistDir"), "server", "server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { workers: Record<string, unknown>; exportedName?: string; filename?: string }>;
  };
  for (const [id, entry] of Object.entries(manifest.node)) {
    if (entry.exportedName !== name && !JSON.stringify(entry).includes(`"${name}"`)) continue;
    const worker = Object.keys(entry.workers).find((w) => w.startsWith("app/") && w.endsWith("/page"));
    if (worker) return { id, page: worker.replace(/^app/, "").replace(/\/page$/, "") || "/" };
  }
  throw new Error(`no server action ${name} on a page of the build`);
}

describe("cross-site requests", () => {
  it("refuses a cross-site POST to a cart route and to a server action (403) and changes nothing; an API client with no Origin is served", async () => {
    const { productId, variantIds } = await makeProduct(sql, { stocks: [10] });
    const slug = (await sql.query<{ slug: string }>(`SELECT slug FROM products WHERE id = $1`, [productId])).rows[0]!.slug;
    const variantId = variantIds[0]!;
    const jar = new CookieJar();
    const created = await call(app.url, "POST", "/api/carts", { json: {}, jar });
    expect(created.status).toBe(201);
    const cartId = created.body.cart.id as string;
    const items = async () => ((await call(app.url, "GET", `/api/carts/${cartId}`)).body.cart.items as unknown[]).length;

    for (const headers of [{ origin: "https://evil.example" }, { "sec-fetch-site": "cross-site" }, { origin: "null" }] as Record<string, string>[]) {
      const r = await call(app.url, "POST", `/api/carts/${cartId}/items`, { json: { variantId, quantity: 1 }, headers });
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(isErrorEnvelope(r.body, "forbidden")).toBe(true);
    }
    const action = serverAction("addToCartAction");
    const page = action.page.replace(/\[[^\]]+\]/g, slug); // the product page: /products/[slug]
    const actionCall = (headers: Record<string, string>) =>
      call(app.url, "POST", page, {
        raw: JSON.stringify([{ variantId, quantity: 1 }]),
        jar,
        headers: { "content-type": "text/plain;charset=UTF-8", accept: "text/x-component", "next-action": action.id, ...headers },
      });
    const refused = await actionCall({ origin: "https://evil.example" });
    expect(refused.status).toBe(403);
    expect(isErrorEnvelope(refused.body, "forbidden")).toBe(true);
    expect(await items()).toBe(0);

    // the same requests from the site itself, or from a client that sends no Origin, go through
    expect((await actionCall({ origin: app.url })).status).toBe(200);
    expect(await items()).toBe(1);
    const direct = await call(app.url, "POST", `/api/carts/${cartId}/items`, { json: { variantId, quantity: 1 } });
    expect(direct.status).toBe(201);
    expect(await items()).toBe(1); // the same variant: one line, quantity 2
    expect((await call(app.url, "GET", `/api/carts/${cartId}`)).body.cart.items[0].quantity).toBe(2);
  });
});

describe("pages", () => {
  it("carry a CSP whose script nonce differs per response, and every script tag carries it", async () => {
    const nonces: string[] = [];
    for (const p of ["/", "/", "/cart"]) {
      const res = await fetch(`${app.url}${p}`);
      expect(res.status, p).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      const scriptSrc = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src ")) ?? "";
      expect(scriptSrc, p).not.toContain("'unsafe-inline'");
      expect(scriptSrc, p).toContain("https://js.stripe.com");
      expect(csp, p).toContain("frame-ancestors 'none'");
      const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(scriptSrc)?.[1];
      expect(nonce, p).toBeDefined();
      nonces.push(nonce!);
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length, p).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag, p).toContain(`nonce="${nonce}"`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    }
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});

describe("operations", () => {
  it("/api/ready shows only { status } without the metrics token, and the checks with it", async () => {
    const anonymous = await call(app.url, "GET", "/api/ready");
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toEqual({ status: "ready" });
    const wrong = await call(app.url, "GET", "/api/ready", { headers: { authorization: "Bearer not-the-metrics-token-0000" } });
    expect(wrong.body).toEqual({ status: "ready" });
    const operator = await call(app.url, "GET", "/api/ready", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(operator.status).toBe(200);
    expect(operator.body).toMatchObject({ status: "ready", failing: [], checks: { database: { ok: true }, migrations: { ok: true }, kv: { ok: true } } });
  });

  it("the start-up script writes the secrets file with mode 0600 even under umask 000", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cw-sys-secrets-"));
    try {
      const tsx = createRequire(import.meta.url).resolve("tsx/cli");
      const script = `import { ensureSecrets } from "./scripts/runtime-setup.ts"; process.umask(0); ensureSecrets(${JSON.stringify(dir)});`;
      const r = spawnSync(process.execPath, [tsx, "--eval", script], { encoding: "utf8", env: { ...process.env, NEXTAUTH_SECRET: "", CRON_SECRET: "", ADMIN_API_TOKEN: "" } });
      expect(r.status, r.stderr).toBe(0);
      expect(statSync(path.join(dir, "secrets.json")).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual(["secrets.json"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
