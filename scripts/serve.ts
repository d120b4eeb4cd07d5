// The production HTTP server: Next's request handler behind a plain node:http server, so the app knows the real
// connecting address (App Router handlers cannot see the socket) and can shut down gracefully.
// Usage: tsx scripts/serve.ts [--dev] [--port 3000] [--host 0.0.0.0]
import http from "node:http";
import next from "next";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dev = args.includes("--dev");
const port = Number(arg("--port") ?? process.env.PORT ?? 3000);
const hostname = arg("--host") ?? process.env.HOST ?? "0.0.0.0";
const trustProxy = ["1", "true", "yes"].includes(process.env.TRUST_PROXY ?? "");

const app = next({ dev, dir: process.cwd(), hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  // Behind a trusted proxy the first X-Forwarded-For hop is the client; otherwise a client could write any value
  // there, so it is replaced by the socket's address before the app sees it (rate limits count per client).
  if (!trustProxy) req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
  void handle(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(port, hostname, () => console.log(`[cartwright] listening on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`));

let stopping = false;
function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`[cartwright] ${signal}: finishing in-flight requests`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 25_000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
