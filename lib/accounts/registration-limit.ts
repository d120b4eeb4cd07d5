import type { Db } from "../db";
import { DomainError } from "../errors";
import type { KvStore } from "../kv";
import { takeSlotsHeld, type HoldOptions } from "../rate-limit";
import { registerUser, type AccountUser, type RegisterInput } from "./index";

type Options = HoldOptions & {
  /** REGISTRATIONS_PER_CLIENT_PER_HOUR */
  perHour: number;
};

/**
 * registerUser() behind a per-client limit: at most `perHour` registration attempts per client (the same client
 * key as every other limiter) in a sliding hour, then 429 rate_limited. The slot is taken before the account is
 * created and never given back: a registration of an e-mail that has an account answers 409 (the sign-up form must
 * say so), so every attempt, successful or not, is what the limit counts; probing which e-mails have accounts then
 * costs an hour per `perHour` guesses per client. Input that fails validation is refused before a slot is taken (it
 * tells nothing about any account).
 */
export async function registerWithLimit(db: Db, kv: KvStore, input: RegisterInput, client: string, options: Options): Promise<AccountUser> {
  const windows = [{ key: `rl:register:client:${client}`, opts: { limit: options.perHour, windowSeconds: 60 * 60 } }];
  const slots = await takeSlotsHeld(kv, windows, options);
  if (!slots.allowed)
    throw new DomainError("rate_limited", "Too many new accounts from your network. Please try again later.", {
      retryAfterSeconds: slots.retryAfterSeconds,
    });
  return registerUser(db, input);
}
