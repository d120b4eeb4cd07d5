import pino, { type Logger } from "pino";
import { redactId } from "../http/boundary";

const globalForLog = globalThis as unknown as { cartwrightLogger?: Logger };

/** A cart id is a capability (whoever has it can read and change the cart): logs keep its first 6 characters. */
const CART_ID_KEYS = ["cartId", "intoCartId", "fromCartId", "guestCartId"];
const CART_ID_FIELDS = CART_ID_KEYS.flatMap((k) => [k, `*.${k}`]);
const CART_ID_FIELDS_SET = new Set(CART_ID_KEYS);

/**
 * Structured JSON logs (one object per line on stdout). Secrets, passwords, card numbers and cookies are redacted
 * by path wherever they appear in a logged object; never put them in a message string.
 */
export function logger(): Logger {
  globalForLog.cartwrightLogger ??= createLogger();
  return globalForLog.cartwrightLogger;
}

/** A logger with the redaction rules, writing to `destination` (stdout by default). */
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
