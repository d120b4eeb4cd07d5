import type { KvStore } from "../kv";
import { isKvUnavailable } from "../kv";
import { hitSlidingWindow } from "../rate-limit";

/** Mail-sending requests (password reset, order lookup) one client may make per window. */
export const MAIL_REQUESTS_PER_CLIENT = 10;
export const MAIL_REQUEST_WINDOW_SECONDS = 15 * 60;

/**
 * Whether this client may make one more request that sends mail. Beyond the limit the routes still answer 202 (the
 * contract's "always"), but nothing is sent: one client cannot flood many inboxes. The per-address limits (reset
 * tokens per hour, one lookup mail per window) hold regardless. An unreachable KV store skips this limit.
 */
export async function allowMailRequest(kv: KvStore, kind: "password-reset" | "order-lookup", client: string): Promise<boolean> {
  try {
    const r = await hitSlidingWindow(kv, `rl:mail:${kind}:${client}`, { limit: MAIL_REQUESTS_PER_CLIENT, windowSeconds: MAIL_REQUEST_WINDOW_SECONDS });
    return r.allowed;
  } catch (e) {
    if (isKvUnavailable(e)) return true;
    throw e;
  }
}
