import { z } from "zod";
import { hashPassword, verifyPassword } from "../auth/password";
import { Prisma, type Db } from "../db";
import type { Role } from "../db/generated/enums";
import { DomainError } from "../errors";
import { isCommonPassword } from "./common-passwords";

export const EMAIL_MAX_LENGTH = 254;
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

/** Emails are compared case-insensitively: stored trimmed and lower-cased, so the unique index enforces it. */
export const emailSchema = z
  .string({ error: "Enter your email address." })
  .trim()
  .toLowerCase()
  .max(EMAIL_MAX_LENGTH, `Use at most ${EMAIL_MAX_LENGTH} characters.`)
  .pipe(z.email("Enter a valid email address."))
  .meta({ format: "email", description: "Compared case-insensitively (stored trimmed, lower-cased)" });

export const COMMON_PASSWORD_MESSAGE = "This password is one of the most common ones. Choose another.";

/** A new password: long enough, and not one of the passwords attackers try first (lib/accounts/common-passwords.txt). */
export const newPasswordSchema = z
  .string({ error: "Enter a password." })
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`)
  .refine((p) => !isCommonPassword(p), COMMON_PASSWORD_MESSAGE);

/** One schema for the sign-up form and POST /api/account/register. */
export const registerSchema = z.object({
  email: emailSchema,
  password: newPasswordSchema,
});

export type RegisterInput = z.input<typeof registerSchema>;
export type AccountUser = { id: string; email: string; role: Role };

export const EMAIL_TAKEN_MESSAGE = "An account with this email already exists.";

/**
 * Creates a CUSTOMER account. There is no "does it exist?" read first: the unique index on email decides, so two
 * concurrent registrations of one address end with exactly one user and one 409 conflict.
 */
export async function registerUser(db: Db, input: RegisterInput): Promise<AccountUser> {
  const { email, password } = registerSchema.parse(input);
  const passwordHash = await hashPassword(password);
  try {
    return await db.user.create({
      data: { email, passwordHash, role: "CUSTOMER" },
      select: { id: true, email: true, role: true },
    });
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002")
      throw new DomainError("conflict", EMAIL_TAKEN_MESSAGE, { fieldErrors: { email: [EMAIL_TAKEN_MESSAGE] } });
    throw e;
  }
}

// Verifying against a real-looking hash when the email is unknown keeps the answer time close to a wrong
// password's, so response times do not tell which emails have accounts. Computed once per process.
let dummyHash: Promise<string> | undefined;
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword("cartwright-no-such-user-placeholder");
  return dummyHash;
}

/** The account for this email and password, or null (unknown email and wrong password look the same). */
export async function authenticate(db: Db, email: unknown, password: unknown): Promise<AccountUser | null> {
  if (typeof email !== "string" || typeof password !== "string") return null;
  // No valid password is longer than the register limit: refuse early rather than hash a huge input.
  if (password.length === 0 || password.length > PASSWORD_MAX_LENGTH) return null;
  const parsedEmail = emailSchema.safeParse(email);
  const user = parsedEmail.success
    ? await db.user.findUnique({
        where: { email: parsedEmail.data },
        select: { id: true, email: true, role: true, passwordHash: true },
      })
    : null;
  if (!user) {
    await verifyPassword(password, await dummyPasswordHash());
    return null;
  }
  if (!(await verifyPassword(password, user.passwordHash))) return null;
  return { id: user.id, email: user.email, role: user.role };
}
