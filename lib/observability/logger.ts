import pino, { type Logger } from "pino";
import { z } from "zod";
import { redactId } from "../http/boundary";

const globalForLog = globalThis as unknown as { cartwrightLogger?: Logger };

/** A cart id is a capability (whoever has it can read and change the cart): logs keep its first 6 characters. */
const CART_ID_KEYS = ["cartId", "intoCartId", "fromCartId", "guestCartId"];
const CART_ID_FIELDS = CART_ID_KEYS.flatMap((k) => [k, `*.${k}`]);
const CART_ID_FIELDS_SET = new Set(CART_ID_KEYS);

export type LogFormat = "json" | "pretty";

const LogFormatSetting = z.enum(["json", "pretty"]).optional();

/**
 * JSON for machines, readable lines for a person: a terminal (stdout is a TTY, e.g. `npm start` in a shell) gets
 * one short line per event, anything else (a pipe, a file, a container's log collector) gets one JSON object per
 * line. `LOG_FORMAT=json|pretty` overrides the guess, e.g. JSON in a terminal to copy a line into a bug report.
 */
export function chooseLogFormat(env: { LOG_FORMAT?: string | undefined }, stdoutIsTTY: boolean): LogFormat {
  const parsed = LogFormatSetting.safeParse(env.LOG_FORMAT === "" ? undefined : env.LOG_FORMAT);
  if (!parsed.success) throw new Error(`LOG_FORMAT must be "json" or "pretty" (got ${JSON.stringify(env.LOG_FORMAT)})`);
  return parsed.data ?? (stdoutIsTTY ? "pretty" : "json");
}

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: "TRACE", color: "\x1b[90m" },
  20: { name: "DEBUG", color: "\x1b[90m" },
  30: { name: "INFO ", color: "\x1b[36m" },
  40: { name: "WARN ", color: "\x1b[33m" },
  50: { name: "ERROR", color: "\x1b[31m" },
  60: { name: "FATAL", color: "\x1b[35m" },
};
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";
/** Fields every line carries in JSON that a person reading a terminal does not need. */
const QUIET_KEYS = new Set(["level", "time", "msg", "service", "pid", "hostname"]);

/**
 * Logged values come from clients (paths, e-mails, headers): on a terminal a raw ESC or carriage return could
 * recolour, overwrite or forge earlier lines, so control characters are printed escaped, as JSON would.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const plain = (s: string): string => s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
// JSON.stringify escapes C0 controls but not C1 (U+0080-U+009F, e.g. the 8-bit CSI): plain() catches those
const show = (v: unknown): string => (typeof v === "string" && /^[^\s="\u0000-\u001f\u007f-\u009f]+$/.test(v) ? v : plain(JSON.stringify(v) ?? String(v)));

/**
 * One pino JSON line as a person reads it: `12:04:05 INFO  listening on http://localhost:3000 port=3000`. A request
 * is one compact line (`12:04:06 GET /cart 200 14ms`); an error's stack follows on its own lines. The redaction has
 * already happened (pino serialises before this sees the line), so nothing secret can reappear here.
 */
export function formatLogLine(line: string, opts: { color: boolean }): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${plain(line.replace(/\n$/, ""))}\n`; // not pino's JSON: printed as it is, minus control characters
  }
  const paint = (code: string, s: string) => (opts.color && code ? `${code}${s}${RESET}` : s);
  const time = typeof o.time === "string" ? o.time.slice(11, 19) : typeof o.time === "number" ? new Date(o.time).toISOString().slice(11, 19) : "";
  const level = LEVELS[Number(o.level)] ?? { name: String(o.level), color: "" };
  if (o.msg === "request" && typeof o.method === "string") {
    const status = Number(o.status);
    const statusText = paint(status >= 500 ? LEVELS[50]!.color : status >= 400 ? LEVELS[40]!.color : "", String(o.status));
    return `${paint(DIM, time)} ${plain(o.method)} ${plain(String(o.path ?? o.route ?? ""))} ${statusText} ${paint(DIM, `${String(o.durationMs)}ms`)}\n`;
  }
  const extras: string[] = [];
  let stack = "";
  for (const [k, v] of Object.entries(o)) {
    if (QUIET_KEYS.has(k) || v === undefined) continue;
    if (k === "err" && v && typeof v === "object" && typeof (v as { stack?: unknown }).stack === "string") {
      stack = plain((v as { stack: string }).stack).replaceAll("\\u000a", "\n");
      extras.push(`err=${show((v as { message?: unknown }).message ?? "")}`);
      continue;
    }
    extras.push(`${k}=${show(v)}`);
  }
  const head = `${paint(DIM, time)} ${paint(level.color, level.name)} ${plain(String(o.msg ?? ""))}`;
  const tail = extras.length ? ` ${paint(DIM, extras.join(" "))}` : "";
  return `${head}${tail}\n${stack ? `${stack.replace(/^/gm, "    ")}\n` : ""}`;
}

/** A pino destination that writes readable lines to `out` instead of JSON. */
export function prettyDestination(out: { write: (s: string) => unknown }, opts: { color: boolean }): pino.DestinationStream {
  return { write: (line: string) => void out.write(formatLogLine(line, opts)) };
}

/**
 * The process's logger: structured JSON (one object per line on stdout), or readable lines on a terminal (see
 * chooseLogFormat). Secrets, passwords, card numbers and cookies are redacted by path wherever they appear in a
 * logged object; never put them in a message string.
 */
export function logger(): Logger {
  globalForLog.cartwrightLogger ??= createLogger(
    chooseLogFormat({ LOG_FORMAT: process.env.LOG_FORMAT }, process.stdout.isTTY === true) === "pretty" ? prettyDestination(process.stdout, { color: !process.env.NO_COLOR }) : undefined,
  );
  return globalForLog.cartwrightLogger;
}

/** A logger with the redaction rules, writing JSON lines to `destination` (stdout by default). */
export function createLogger(destination?: pino.DestinationStream): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
    base: { service: "cartwright" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "password",
        "*.password",
        "cardNumber",
        "*.cardNumber",
        "headers.authorization",
        "headers.cookie",
        "*.headers.authorization",
        "*.headers.cookie",
        "token",
        "*.token",
        "orderToken",
        "*.orderToken",
        "clientSecret",
        "*.clientSecret",
        ...CART_ID_FIELDS,
      ],
      censor: (value: unknown, path: string[]) => (CART_ID_FIELDS_SET.has(path[path.length - 1]!) && typeof value === "string" ? redactId(value) : "[redacted]"),
    },
  }, destination);
}
