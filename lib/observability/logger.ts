import pino, { type Logger } from "pino";

const globalForLog = globalThis as unknown as { cartwrightLogger?: Logger };

/**
 * Structured JSON logs (one object per line on stdout). Secrets, passwords, card numbers and cookies are redacted
 * by path wherever they appear in a logged object; never put them in a message string.
 */
export function logger(): Logger {
  globalForLog.cartwrightLogger ??= pino({
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
      ],
      censor: "[redacted]",
    },
  });
  return globalForLog.cartwrightLogger;
}
