// Which methods each API route answers, read from the route modules' own exports (app/api/**/route.ts) when the
// server starts, so the 405 answers and their `Allow` headers cannot drift from the handlers.
// tests/unit/route-table.test.ts checks the reading against the TypeScript compiler's view of every route file.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const isMethod = (name: string): name is HttpMethod => (HTTP_METHODS as readonly string[]).includes(name);

type Segment = { kind: "static"; value: string } | { kind: "dynamic" } | { kind: "catchAll" } | { kind: "optionalCatchAll" };

export type ApiRoute = {
  /** the route as written in app/: /api/carts/[cartId]/items */
  pattern: string;
  segments: Segment[];
  /** what the module exports */
  exported: HttpMethod[];
  /** what Next answers: the exports, HEAD wherever GET is, and OPTIONS (Next implements both itself) */
  allowed: HttpMethod[];
};

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/**
 * The HTTP methods a route module exports: `export const GET = ...`, `export async function POST(...)`,
 * `export { handler as GET, handler as POST }` and `export const { GET, POST } = ...`. A re-export from another
 * module (`export * from`, `export { GET } from "..."`) cannot be read here and throws, so it is noticed at start.
 */
export function exportedMethods(source: string): HttpMethod[] {
  const code = stripComments(source);
  if (/export\s*\*\s*from/.test(code) || /export\s*\{[^}]*\}\s*from/.test(code))
    throw new Error("a route module re-exports from another module: its methods cannot be read");
  const found = new Set<HttpMethod>();
  for (const m of code.matchAll(/export\s+(?:const|let|var|async\s+function|function)\s+([A-Za-z_$][\w$]*)/g))
    if (isMethod(m[1]!)) found.add(m[1]!);
  const lists = [...code.matchAll(/export\s*\{([^}]*)\}/g), ...code.matchAll(/export\s+(?:const|let|var)\s*\{([^}]*)\}\s*=/g)];
  for (const m of lists)
    for (const part of m[1]!.split(",")) {
      // `handler as GET` exports GET; `GET: get` (destructuring) binds `get`, so only a bare name or an alias counts
      const name = part.includes(" as ") ? part.split(" as ")[1]!.trim() : part.includes(":") ? part.split(":")[1]!.trim() : part.trim();
      if (isMethod(name)) found.add(name);
    }
  return HTTP_METHODS.filter((m) => found.has(m));
}

/** What Next answers for a module exporting `exported`: it adds HEAD for GET and OPTIONS for every route. */
export function allowedMethods(exported: readonly HttpMethod[]): HttpMethod[] {
  const set = new Set<HttpMethod>(exported);
  if (set.has("GET")) set.add("HEAD");
  set.add("OPTIONS");
  return HTTP_METHODS.filter((m) => set.has(m));
}

function parseSegments(pattern: string): Segment[] {
  return pattern
    .split("/")
    .filter((s) => s !== "" && !/^\(.*\)$/.test(s) && !s.startsWith("@")) // route groups and slots are not in the URL
    .map((s): Segment => {
      if (/^\[\[\.\.\..+\]\]$/.test(s)) return { kind: "optionalCatchAll" };
      if (/^\[\.\.\..+\]$/.test(s)) return { kind: "catchAll" };
      if (/^\[.+\]$/.test(s)) return { kind: "dynamic" };
      return { kind: "static", value: s };
    });
}

export function apiRoute(pattern: string, exported: HttpMethod[]): ApiRoute {
  return { pattern, segments: parseSegments(pattern), exported, allowed: allowedMethods(exported) };
}

/** Every route.ts under `appDir` (the app/ folder) whose URL is under /api. */
export function scanApiRoutes(appDir: string): ApiRoute[] {
  const routes: ApiRoute[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/^route\.(ts|tsx|js|mjs)$/.test(entry.name)) {
        const pattern = `/${path.relative(appDir, dir).split(path.sep).join("/")}`;
        const route = apiRoute(pattern, exportedMethods(readFileSync(full, "utf8")));
        if (route.segments[0]?.kind === "static" && route.segments[0].value === "api") routes.push(route);
      }
    }
  };
  walk(path.join(appDir, "api"));
  return sortBySpecificity(routes);
}

const RANK: Record<Segment["kind"], number> = { static: 0, dynamic: 1, catchAll: 2, optionalCatchAll: 3 };

/** Static segments before dynamic ones before catch-alls, position by position: the order Next matches in. */
export function sortBySpecificity(routes: ApiRoute[]): ApiRoute[] {
  return [...routes].sort((a, b) => {
    const n = Math.max(a.segments.length, b.segments.length);
    for (let i = 0; i < n; i++) {
      const x = a.segments[i];
      const y = b.segments[i];
      if (!x || !y) return x ? -1 : 1; // the longer pattern is more specific when one is a prefix of the other
      if (RANK[x.kind] !== RANK[y.kind]) return RANK[x.kind] - RANK[y.kind];
    }
    return 0;
  });
}

function matches(segments: Segment[], parts: string[]): boolean {
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.kind === "catchAll") return parts.length > i;
    if (s.kind === "optionalCatchAll") return true;
    const part = parts[i];
    if (part === undefined) return false;
    if (s.kind === "static" && s.value !== part) return false;
  }
  return parts.length === segments.length;
}

/** The route a normalised path is served by, or null (then Next answers: 404, or a page). */
export function matchApiRoute(routes: readonly ApiRoute[], pathname: string): ApiRoute | null {
  const parts = pathname.split("/").filter((p) => p !== "");
  return routes.find((r) => matches(r.segments, parts)) ?? null;
}
