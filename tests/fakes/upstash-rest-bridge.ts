import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient, MultiErrorReply } from "redis";

/**
 * A local stand-in for Upstash's REST API, forwarding to a real Redis, so the @upstash/redis adapter runs the same
 * contract tests: POST / with one command as a JSON array, POST /pipeline and /multi-exec with an array of commands,
 * `Authorization: Bearer <token>` (401 otherwise). Answers `{ result }` / `{ error }` (one per command for the
 * batch paths); with `Upstash-Encoding: base64` (which @upstash/redis 1.39 sends by default) every string in a
 * result is base64-encoded, as the real service does.
 */
export async function startUpstashBridge(opts: { redisUrl: string; token: string }): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  const redis = createClient({ url: opts.redisUrl, RESP: 2 });
  redis.on("error", () => {}); // surfaced per request
  await redis.connect();

  type Reply = { result: unknown } | { error: string };
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const toArgs = (cmd: unknown): string[] => {
    if (!Array.isArray(cmd) || cmd.length === 0) throw new Error("ERR command must be a non-empty JSON array");
    return cmd.map((a) => (typeof a === "string" ? a : typeof a === "object" ? JSON.stringify(a) : String(a)));
  };
  const run = async (cmd: unknown): Promise<Reply> => {
    try {
      return { result: await redis.sendCommand(toArgs(cmd)) };
    } catch (e) {
      return { error: message(e) };
    }
  };
  const multiExec = async (cmds: unknown[]): Promise<Reply[]> => {
    const multi = redis.multi();
    for (const c of cmds) multi.addCommand(toArgs(c));
    try {
      return ((await multi.exec()) as unknown[]).map((result) => ({ result }));
    } catch (e) {
      if (!(e instanceof MultiErrorReply)) throw e;
      return e.replies.map((r: unknown) => (r instanceof Error ? { error: r.message } : { result: r }));
    }
  };
  const encode = (v: unknown): unknown =>
    typeof v === "string" ? Buffer.from(v, "utf8").toString("base64") : Array.isArray(v) ? v.map(encode) : v;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${opts.token}`) return send(res, 401, { error: "Unauthorized" });
    if (req.method !== "POST") return send(res, 405, { error: "Method not allowed" });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return send(res, 400, { error: "ERR invalid JSON body" });
    }
    const b64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const out = (r: Reply) => ("result" in r && b64 ? { result: encode(r.result) } : r);
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/" || path === "") {
      const r = await run(body);
      return send(res, "error" in r ? 400 : 200, out(r));
    }
    if ((path === "/pipeline" || path === "/multi-exec") && Array.isArray(body)) {
      const replies = path === "/pipeline" ? await Promise.all(body.map(run)) : await multiExec(body);
      return send(res, 200, replies.map(out));
    }
    return send(res, 404, { error: "Not found" });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, { error: message(e) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.close().catch(() => redis.destroy());
    },
  };
}
