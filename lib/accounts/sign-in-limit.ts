import type { Db } from "../db";
import { isKvUnavailable, type KvStore } from "../kv";
import { countSlidingWindow, hitSlidingWindow, type SlidingWindowOptions } from "../rate-limit";
import { authenticate, type AccountUser } from "./index";

/**
 * Failed sign-ins allowed within a sliding 15 minutes before further attempts are refused without checking the
 * password: per account (the email, as typed, trimmed and lower-cased) against guessing one account's password, and
 * per client (the socket address, or the first X-Forwarded-For hop with TRUST_PROXY) against trying many accounts.
 * Only failures count, so a shopper who signs in successfully never uses up anything.
 */
export const SIGN_IN_LIMITS: { perAccount: SlidingWindowOptions; perClient: SlidingWindowOptions } = {
  perAccount: { limit: 10, windowSeconds: 15 * 60 },
  perClient: { limit: 30, windowSeconds: 15 * 60 },
};

/** The error next-auth hands back to the sign-in form (`signIn(...).error`) when attempts are refused. */
export const SIGN_IN_RATE_LIMITED = "TooManySignInAttempts";

export type SignInAttempt = { email: unknown; password: unknown; client: string };
export type SignInResult = { kind: "ok"; user: AccountUser } | { kind: "wrong" } | { kind: "limited"; retryAfterSeconds: number };

type Options = { now?: Date | number; limits?: typeof SIGN_IN_LIMITS; onKvError?: (e: unknown) => void };

const windows = (attempt: SignInAttempt, limits: typeof SIGN_IN_LIMITS) => {
  const email = typeof attempt.email === "string" ? attempt.email.trim().toLowerCase().slice(0, 320) : "";
  return [
    { key: `rl:signin:account:${email}`, opts: limits.perAccount },
    { key: `rl:signin:client:${attempt.client}`, opts: limits.perClient },
  ];
};

/**
 * authenticate() behind the sign-in limits. When the KV store is unreachable the limits are not applied (signing
 * in keeps working through PostgreSQL; the failure is reported through onKvError).
 */
export async function authenticateWithLimits(db: Db, kv: KvStore, attempt: SignInAttempt, options: Options = {}): Promise<SignInResult> {
  const limits = options.limits ?? SIGN_IN_LIMITS;
  const ws = windows(attempt, limits);
  const guarded = async <T>(fn: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (!isKvUnavailable(e)) throw e;
      options.onKvError?.(e);
      return fallback;
    }
  };
  const states = await guarded(() => Promise.all(ws.map((w) => countSlidingWindow(kv, w.key, { ...w.opts, now: options.now }))), []);
  const refused = states.filter((s) => !s.allowed);
  if (refused.length) return { kind: "limited", retryAfterSeconds: Math.max(...refused.map((s) => s.retryAfterSeconds)) };

  const user = await authenticate(db, attempt.email, attempt.password);
  if (user) return { kind: "ok", user };
  await guarded(() => Promise.all(ws.map((w) => hitSlidingWindow(kv, w.key, { ...w.opts, now: options.now }))), []);
  return { kind: "wrong" };
}
