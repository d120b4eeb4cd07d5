import { randomUUID } from "node:crypto";
import { z } from "zod";
import { hashPassword } from "../auth/password";
import { revokeAllSessions } from "../auth/sessions";
import type { PrismaClient } from "../db";
import { DomainError } from "../errors";
import { hashResetToken, passwordResetToken } from "../mail/links";
import { enqueueMail } from "../mail/outbox";
import { emailSchema, PASSWORD_MIN_LENGTH, registerSchema } from "./index";

export const RESET_TOKEN_TTL_MS = 30 * 60_000;
/** Reset mails per account per hour: enough for a lost message, too few to flood someone's inbox. */
export const RESET_REQUESTS_PER_HOUR = 3;
/** The contract's rule (at least 10 characters) on top of whatever the registration rule says. */
export const RESET_PASSWORD_MIN_LENGTH = Math.max(10, PASSWORD_MIN_LENGTH);

export const passwordResetRequestSchema = z.object({ email: emailSchema });

/** One schema for the reset form and POST /api/account/password-reset/confirm; the password rule is registration's. */
export const passwordResetConfirmSchema = z.object({
  token: z.string({ error: "The reset link is missing its token." }).min(1, "The reset link is missing its token.").max(512),
  password: registerSchema.shape.password.refine((p) => p.length >= RESET_PASSWORD_MIN_LENGTH, `Use at least ${RESET_PASSWORD_MIN_LENGTH} characters.`),
});

const clock = (now?: () => Date) => (now ? now() : new Date());

/**
 * Asks for a reset mail. Always succeeds the same way (the route answers 202 whatever happened), so it does not
 * tell whether an account exists. For an account: a token row (30 minutes, single use; only the token's sha-256 is
 * stored, the token itself is an HMAC of the row id made when the mail is rendered) and its mail, in one
 * transaction. At most RESET_REQUESTS_PER_HOUR per account; the account row is locked so that limit holds under
 * concurrent requests.
 */
export async function requestPasswordReset(db: PrismaClient, input: unknown, opts: { now?: () => Date } = {}): Promise<void> {
  const { email } = passwordResetRequestSchema.parse(input);
  const now = clock(opts.now);
  await db.$transaction(async (tx) => {
    const users = await tx.$queryRaw<{ id: string; email: string }[]>`SELECT id::text AS id, email FROM users WHERE email = ${email} FOR UPDATE`;
    const user = users[0];
    if (!user) return;
    const recent = await tx.passwordResetToken.count({ where: { userId: user.id, createdAt: { gt: new Date(now.getTime() - 60 * 60_000) } } });
    if (recent >= RESET_REQUESTS_PER_HOUR) return;
    const id = randomUUID();
    const row = await tx.passwordResetToken.create({
      data: { id, userId: user.id, tokenHash: hashResetToken(passwordResetToken(id)), expiresAt: new Date(now.getTime() + RESET_TOKEN_TTL_MS), createdAt: now },
      select: { id: true, expiresAt: true },
    });
    await enqueueMail(tx, {
      event: "password_reset",
      to: user.email,
      dedupeKey: row.id,
      data: { resetTokenId: row.id, expiresAt: row.expiresAt.toISOString() },
    });
  });
}

const INVALID_TOKEN = "This reset link is invalid, was already used or has expired. Ask for a new one.";

/**
 * Sets a new password with a reset token. The token is used up by one conditional UPDATE (unused and not expired),
 * so of two concurrent uses exactly one wins; the password changes in the same transaction, and every other
 * outstanding token of the account is spent with it. A bad, used or expired token is 400 validation_failed on
 * `token`. Returns the account's id (the caller may end its other sessions).
 */
export async function confirmPasswordReset(db: PrismaClient, input: unknown, opts: { now?: () => Date } = {}): Promise<{ userId: string }> {
  const { token, password } = passwordResetConfirmSchema.parse(input);
  const now = clock(opts.now);
  const passwordHash = await hashPassword(password);
  const userId = await db.$transaction(async (tx) => {
    const used = await tx.$queryRaw<{ user_id: string }[]>`
      UPDATE password_reset_tokens SET used_at = ${now}
      WHERE token_hash = ${hashResetToken(token)} AND used_at IS NULL AND expires_at > ${now}
      RETURNING user_id::text AS user_id`;
    const row = used[0];
    if (!row) return null;
    await tx.user.update({ where: { id: row.user_id }, data: { passwordHash } });
    await tx.passwordResetToken.updateMany({ where: { userId: row.user_id, usedAt: null }, data: { usedAt: now } });
    // whoever knew the old password (or holds a stolen cookie) is signed out everywhere with it
    await revokeAllSessions(tx, row.user_id);
    return row.user_id;
  });
  if (!userId) throw new DomainError("validation_failed", INVALID_TOKEN, { fieldErrors: { token: [INVALID_TOKEN] } });
  return { userId };
}
