import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { chooseLogFormat, createLogger, formatLogLine, prettyDestination } from "@/lib/observability/logger";

const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
const CART_ID = "9f1c2a7e-1111-4222-8333-444455556666";

// What `npm start` logs: one request and one warning with a cart id and a password (both must stay hidden).
const SCRIPT = `import { logger } from "./lib/observability/logger.ts";
logger().info({ requestId: "r-1", method: "GET", route: "/cart", path: "/cart", status: 200, durationMs: 14 }, "request");
logger().warn({ cartId: "${CART_ID}", password: "hunter2hunter2" }, "could not restore the cart");`;
const childEnv = () => {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", LOG_LEVEL: "info", NO_COLOR: "1" };
  delete env.LOG_FORMAT;
  return env;
};

describe("log format choice", () => {
  it("is readable lines on a terminal and JSON when piped; LOG_FORMAT overrides either way", () => {
    expect(chooseLogFormat({}, true)).toBe("pretty");
    expect(chooseLogFormat({}, false)).toBe("json");
    expect(chooseLogFormat({ LOG_FORMAT: "" }, false)).toBe("json");
    expect(chooseLogFormat({ LOG_FORMAT: "json" }, true)).toBe("json");
    expect(chooseLogFormat({ LOG_FORMAT: "pretty" }, false)).toBe("pretty");
  });

  it("refuses an unknown LOG_FORMAT, naming the variable", () => {
    expect(() => chooseLogFormat({ LOG_FORMAT: "yaml" }, true)).toThrow(/LOG_FORMAT/);
  });
});

describe("readable log lines", () => {
  it("print a request as one compact line, without the request id or the JSON keys", () => {
    const json = JSON.stringify({ level: 30, time: "2026-12-06T10:04:06.123Z", service: "cartwright", requestId: "r-1", method: "POST", route: "/api/checkout", path: "/api/checkout", status: 201, durationMs: 87, msg: "request" });
    expect(formatLogLine(json, { color: false })).toBe("10:04:06 POST /api/checkout 201 87ms\n");
  });

  it("print other events as time, level, message and key=value pairs, with an error's stack indented below", () => {
    const warn = JSON.stringify({ level: 40, time: "2026-12-06T10:04:06.123Z", service: "cartwright", inFlight: 2, msg: "in-flight requests did not finish in time" });
    expect(formatLogLine(warn, { color: false })).toBe("10:04:06 WARN  in-flight requests did not finish in time inFlight=2\n");
    const err = JSON.stringify({ level: 50, time: "2026-12-06T10:04:06.123Z", err: { type: "Error", message: "boom", stack: "Error: boom\n    at place (x.ts:1:1)" }, msg: "route handler failed" });
    expect(formatLogLine(err, { color: false })).toBe('10:04:06 ERROR route handler failed err=boom\n    Error: boom\n        at place (x.ts:1:1)\n');
    expect(formatLogLine(warn, { color: true })).toContain("\x1b[33mWARN ");
  });

  it("keep the redaction: a logger writing readable lines still hides passwords and shortens cart ids", () => {
    const out: string[] = [];
    const log = createLogger(prettyDestination({ write: (s: string) => out.push(s) }, { color: false }));
    log.level = "info"; // tests run silent by default
    log.warn({ cartId: CART_ID, restore: { cartId: CART_ID }, password: "hunter2hunter2", token: "t0ps3cret" }, "checkout: could not restore");
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d WARN  checkout: could not restore /);
    expect(out[0]).toContain("cartId=9f1c2a… restore={\"cartId\":\"9f1c2a…\"}");
    expect(out[0]).toContain("password=[redacted]");
    expect(out[0]).not.toContain(CART_ID);
    expect(out[0]).not.toContain("hunter2");
    expect(out[0]).not.toContain("t0ps3cret");
    expect(out[0]).not.toContain("{\"level\"");
  });
});

describe("the process logger (the one `npm start` uses)", () => {
  it("writes one JSON object per line when stdout is a pipe", () => {
    const r = spawnSync(process.execPath, [tsxCli, "--eval", SCRIPT], { cwd: process.cwd(), env: childEnv(), encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual(["request", "could not restore the cart"]);
    expect(lines[0]).toMatchObject({ level: 30, method: "GET", path: "/cart", status: 200, requestId: "r-1" });
    expect(lines[1]).toMatchObject({ cartId: "9f1c2a…", password: "[redacted]" });
  }, 60_000); // a child process with tsx: seconds on a busy machine

  // util-linux `script` gives the child a pseudo-terminal, as a shell would
  const hasScript = spawnSync("script", ["--version"]).status === 0;
  it.skipIf(!hasScript)("writes readable lines, one short line per request, when stdout is a terminal", () => {
    const quoted = `'${SCRIPT.replaceAll("'", "'\\''")}'`;
    const r = spawnSync("script", ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(tsxCli)} --eval ${quoted}`, "/dev/null"], {
      cwd: process.cwd(),
      env: childEnv(),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.replaceAll("\r", "").trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d GET \/cart 200 14ms$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d WARN  could not restore the cart cartId=9f1c2a… password=\[redacted\]$/);
    expect(r.stdout).not.toContain("{\"level\"");
  }, 60_000);
});

describe("readable log lines on a terminal", () => {
  it("cannot carry terminal control sequences from logged values (a path or e-mail could recolour or forge lines)", () => {
    const evil = "/cart\u001b[2J\u001b[1;31mFAKE\rERROR\u009b31m\u0007";
    const request = JSON.stringify({ level: 30, time: "2026-12-06T10:04:06.123Z", method: "GET", path: evil, status: 404, durationMs: 3, msg: "request" });
    const event = JSON.stringify({ level: 40, time: "2026-12-06T10:04:06.123Z", email: evil, nested: { path: evil }, msg: `sign-in for ${evil}` });
    for (const line of [formatLogLine(request, { color: false }), formatLogLine(event, { color: false }), formatLogLine(evil, { color: false })]) {
      expect(line.endsWith("\n")).toBe(true);
      // eslint-disable-next-line no-control-regex
      expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      expect(line).toContain("\\u001b[2J");
    }
    expect(formatLogLine(request, { color: false })).toBe("10:04:06 GET /cart\\u001b[2J\\u001b[1;31mFAKE\\u000dERROR\\u009b31m\\u0007 404 3ms\n");
  });
});
