import { bearerMatches } from "../http/bearer";
import { getToken } from "next-auth/jwt";
import { nextAuthCookies } from "./cookie-names";
import { cookies } from "next/headers";
import { connection } from "next/server";
import { prisma, type Db } from "../db";
import { env } from "../env";
import { DomainError } from "../errors";
import { authSecret } from "./options";
import { sessionUser, type SessionUser } from "./sessions";

export type { SessionUser };
/** Who passed requireAdmin: a signed-in ADMIN, or a headless client holding ADMIN_API_TOKEN. */
export type AdminPrincipal = { kind: "user"; user: SessionUser } | { kind: "api_token" };

const SESSION_COOKIE = /^(__Host-|__Secure-)?next-auth\.session-token(\.\d+)?$/;

/**
 * The signed-in user from the session cookie (server components, route handlers, server actions), or null. Every
 * call reads the session row and the user's role from the database (no cache): a signed-out, revoked or deleted
 * session is anonymous, and a demoted admin is a customer at their next request.
 */
export async function currentUser(): Promise<SessionUser | null> {
  // A session is per request: this makes a page that shows it render per request instead of being prerendered
  // at build time (where there is no request, and no secret or database to read).
  await connection();
  // No session cookie (every guest request): nothing to decode and no database read. next-auth names it
  // next-auth.session-token, with the __Host- prefix over https (cookie-names.ts), and splits a large one into .0, .1, ...
  const all = (await cookies()).getAll();
  if (!all.some((c) => SESSION_COOKIE.test(c.name))) return null;
  return userFromSessionCookies(Object.fromEntries(all.map((c) => [c.name, c.value])));
}

/** currentUser's work on plain cookies (name -> value): decode next-auth's JWT, then check its session row. */
export async function userFromSessionCookies(jar: Record<string, string>, db: Db = prisma()): Promise<SessionUser | null> {
  // headers: {} so that only the cookie is read (getToken would otherwise also accept an Authorization header)
  const token = await getToken({ req: { cookies: jar, headers: {} } as unknown as Parameters<typeof getToken>[0]["req"], secret: authSecret(), cookieName: nextAuthCookies().sessionToken.name });
  return token ? sessionUser(db, token.sid) : null;
}

/** The signed-in user, or 401 unauthorized. */
export async function requireUser(): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) throw new DomainError("unauthorized", "Please sign in.");
  return user;
}

/**
 * An ADMIN session, or `Authorization: Bearer <ADMIN_API_TOKEN>` (headless clients; pass the request).
 * Neither: 401. Signed in without the ADMIN role: 403.
 */
export async function requireAdmin(req?: Request): Promise<AdminPrincipal> {
  const token = env().ADMIN_API_TOKEN;
  if (req && token && bearerMatches(req, token)) return { kind: "api_token" };
  return { kind: "user", user: assertAdmin(await currentUser()) };
}

/** requireAdmin's rule on a user already read from the database: none 401, not ADMIN 403. */
export function assertAdmin(user: SessionUser | null): SessionUser {
  if (!user) throw new DomainError("unauthorized", "Please sign in.");
  if (user.role !== "ADMIN") throw new DomainError("forbidden", "This needs an administrator account.");
  return user;
}

/** True when the request carries `Authorization: Bearer <secret>` (cron routes). An unset secret never matches. */
export function hasCronSecret(req: Request, secret: string | undefined): boolean {
  return bearerMatches(req, secret);
}
