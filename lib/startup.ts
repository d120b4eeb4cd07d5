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
    console.error(`[cartwright] cannot start: ${message}`);
    process.exit(1);
  }
}
