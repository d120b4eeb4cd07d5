import { EnvError, env } from "./env";

/**
 * Validates the environment when a server starts; an invalid one stops the process with one message naming the
 * variables (never their values). Next logs an error thrown by the instrumentation hook and goes on serving (every
 * request would then be a 500), so this exits instead: a misconfigured instance must never take traffic.
 */
export function assertEnvironmentOrExit(): void {
  try {
    env();
  } catch (e) {
    const message = e instanceof EnvError ? e.message : e instanceof Error ? e.message : String(e);
    // not the logger: its own settings (LOG_FORMAT, LOG_LEVEL) may be what is invalid, and this line must be seen
    // even with LOG_LEVEL=silent; it is the process's last word
    process.stderr.write(`[cartwright] cannot start: ${message}\n`);
    process.exit(1);
  }
}
