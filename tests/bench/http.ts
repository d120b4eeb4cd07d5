// A small HTTP client for the benchmark's setup and its custom load loop: node:http with one keep-alive agent
// (lighter than fetch on a machine where the load generator shares the cores with the app), plus a cookie jar.
import http from "node:http";

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

export type Reply = { status: number; headers: http.IncomingHttpHeaders; text: string; ms: number };

export type RequestOptions = { headers?: Record<string, string>; body?: unknown; form?: Record<string, string> };

/** One request; JSON bodies (body) or form bodies (form). Never throws on a status, only on a network error. */
export function request(method: string, url: string, opts: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  let payload: string | undefined;
  if (opts.form) {
    payload = new URLSearchParams(opts.form).toString();
    headers["content-type"] = "application/x-www-form-urlencoded";
  } else if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers["content-type"] = "application/json";
  }
  if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started }),
      );
      res.on("error", reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

export function json<T>(reply: Reply): T {
  try {
    return JSON.parse(reply.text) as T;
  } catch {
    throw new Error(`expected JSON, got ${reply.status}: ${reply.text.slice(0, 200)}`);
  }
}

/** Fails with the answer's text unless the status is the expected one. */
export function expectStatus(reply: Reply, status: number | number[], what: string): Reply {
  const ok = Array.isArray(status) ? status.includes(reply.status) : reply.status === status;
  if (!ok) throw new Error(`${what}: expected ${String(status)}, got ${reply.status}: ${reply.text.slice(0, 300)}`);
  return reply;
}

/** The cookies a client holds (name -> value); enough for next-auth's and the app's cookies on one host. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(reply: Reply): this {
    const set = reply.headers["set-cookie"] ?? [];
    for (const line of set) {
      const [pair] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === "" || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return this;
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  has(predicate: (name: string) => boolean): boolean {
    return [...this.cookies.keys()].some(predicate);
  }

  /** The Cookie header, optionally only some cookies. */
  header(only?: (name: string) => boolean): string {
    return [...this.cookies]
      .filter(([n]) => !only || only(n))
      .map(([n, v]) => `${n}=${v}`)
      .join("; ");
  }
}

/** Runs `fn` over the items with at most `concurrency` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

export function closeAgent(): void {
  agent.destroy();
}
