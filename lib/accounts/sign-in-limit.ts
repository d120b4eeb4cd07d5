import type { Db } from "../db";
import { isKvUnavailable, type KvStore } from "../kv";
import { takeSlotsHeld, type HoldOptions, type SlidingWindowOptions } from "../rate-limit";
import { authenticate, type AccountUser } from "./index";

/**
 * Sign-in attempts allowed within a sliding 15 minutes. A slot is taken BEFORE the password is checked and given
 * back when it is right, so only wrong passwords use up a window and a burst can never get more than the limit
 * evaluated:
 * - perAccountClient: one e-mail from one client (the socket address, or the first X-Forwarded-For hop with
 *   TRUST_PROXY). Keyed by e-mail AND client so that an attacker who exhausts it locks out only themselves: the
 *   owner, signing in from their own client, is not refused.
 * - perClient: one client across all e-mails, against one client trying many accounts.
 * Guessing one account from many clients is slowed by the progressive delay per e-mail (below) instead of a lockout.
 */
export const SIGN_IN_LIMITS: {
  perAccountClient: SlidingWindowOptions;
  perClient: SlidingWindowOptions;
  /** failures per e-mail (any client) before each attempt for it waits; the wait doubles per failure up to maxMs */
  delay: { freeFailures: number; baseMs: number; maxMs: number; windowSeconds: number };
} = {
  perAccountClient: { limit: 10, windowSeconds: 15 * 60 },
  perClient: { limit: 30, windowSeconds: 15 * 60 },
  delay: { freeFailures: 5, baseMs: 250, maxMs: 4000, windowSeconds: 15 * 60 },
};

/** The error next-auth hands back to the sign-in form (`signIn(...).error`) when attempts are refused. */
export const SIGN_IN_RATE_LIMITED = "TooManySignInAttempts";

export type SignInAttempt = { email: unknown; password: unknown; client: string };
export type SignInResult = { kind: "ok"; user: AccountUser } | { kind: "wrong" } | { kind: "limited"; retryAfterSeconds: number };

type Options = HoldOptions & {
  limits?: typeof SIGN_IN_LIMITS;
  /** the password check; tests wrap it to count how many attempts were evaluated */
  evaluate?: (db: Db, email: unknown, password: unknown) => Promise<AccountUser | null>;
  /** how the progressive delay waits; tests pass a recorder */
  sleep?: (ms: number) => Promise<void>;
};

const normalisedEmail = (email: unknown) => (typeof email === "string" ? email.trim().toLowerCase().slice(0, 320) : "");

/** The wait before checking a password for an e-mail that has failed `failures` times in the window. */
export function progressiveDelayMs(failures: number, delay = SIGN_IN_LIMITS.delay): number {
  if (failures < delay.freeFailures) return 0;
  return Math.min(delay.maxMs, delay.baseMs * 2 ** Math.min(failures - delay.freeFailures, 20));
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * authenticate() behind the sign-in limits. When the KV store is unavailable (down, timing out, too contended)
 * signing in keeps working through PostgreSQL and the slots are taken in this process's memory instead, so the
 * limits hold per instance (the failure is reported through onKvError): making the store slow must never be the way
 * around the limit. The progressive delay needs the store and is skipped without it.
 */
export async function authenticateWithLimits(db: Db, kv: KvStore, attempt: SignInAttempt, options: Options = {}): Promise<SignInResult> {
  const limits = options.limits ?? SIGN_IN_LIMITS;
  const evaluate = options.evaluate ?? authenticate;
  const email = normalisedEmail(attempt.email);
  const failuresKey = `rl:signin:email-failures:${email}`;
  const skipOnOutage = <T>(e: unknown, fallback: T): T => {
    if (!isKvUnavailable(e)) throw e;
    options.onKvError?.(e);
    return fallback;
  };

  const windows = [
    { key: `rl:signin:account-client:${email}|${attempt.client}`, opts: limits.perAccountClient },
    { key: `rl:signin:client:${attempt.client}`, opts: limits.perClient },
  ];
  // the KV store unreachable, timing out or too contended: the limits hold per instance (in memory)
  const slots = await takeSlotsHeld(kv, windows, options);
  if (!slots.allowed) return { kind: "limited", retryAfterSeconds: slots.retryAfterSeconds };

  const failures = await kv.get(failuresKey).then(
    (v) => Number(v ?? 0) || 0,
    (e: unknown) => skipOnOutage(e, 0),
  );
  const wait = progressiveDelayMs(failures, limits.delay);
  if (wait > 0) await (options.sleep ?? sleepMs)(wait);

  const user = await evaluate(db, attempt.email, attempt.password);
  if (user) {
    await Promise.all([slots.release(), kv.delete(failuresKey)]).catch((e: unknown) => skipOnOutage(e, undefined));
    return { kind: "ok", user };
  }
  await kv.incr(failuresKey, limits.delay.windowSeconds).catch((e: unknown) => skipOnOutage(e, 0));
  return { kind: "wrong" };
}
