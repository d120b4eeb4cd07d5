// The production HTTP server (`npm start` runs it; so does every production deployment): one worker process per
// core by default (node:cluster, scripts/cluster.ts), each serving Next's handler behind a plain node:http server
// (scripts/serve-worker.ts). WEB_CONCURRENCY sets the number of workers; 1 (or --dev) is a single process with no
// cluster at all.
// Usage: tsx scripts/serve.ts [--dev] [--port 3000] [--host 0.0.0.0]
import cluster from "node:cluster";
import { env } from "../lib/env";
import { assertEnvironmentOrExit } from "../lib/startup";
import { runPrimary, workerCount } from "./cluster";

if (cluster.isPrimary) {
  const dev = process.argv.includes("--dev");
  // validated here, once, so a bad environment stops the server with one message instead of N crashing workers
  assertEnvironmentOrExit();
  const workers = workerCount(env().WEB_CONCURRENCY, dev);
  if (workers > 1) {
    runPrimary(workers);
  } else {
    await import("./serve-worker");
  }
} else {
  await import("./serve-worker");
}
