import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db";
import type { Role } from "../db/generated/enums";

export type SessionUser = { id: string; email: string; role: Role };

/** As long as next-auth's JWT lives: a session row never outlives its cookie, nor the other way round. */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;
/** last_seen is a hint for "where am I signed in", not an audit log: written at most this often per session. */
const LAST_SEEN_EVERY_MS = 5 * 60 * 1000;

/** The row's id: the JWT's session id is a bearer secret and is never stored in clear. */
const rowId = (sid: string) => createHash("sha256").update(sid, "utf8").digest("hex");

const isSid = (sid: unknown): sid is string => typeof sid === "string" && /^[A-Za-z0-9_-]{32,128}$/.test(sid);

/** Starts a session for a user who just proved their password; returns the id the JWT carries. */
export async function createSession(db: Db, userId: string): Promise<string> {
  const sid = randomBytes(32).toString("base64url");
  // the user's sessions that can never be valid again go now, so the table stays proportional to live sessions
  // without a sweeper (a revoked row is kept until its cookie would have expired anyway: it is what refuses a replay)
  const cutoff = new Date(Date.now() - SESSION_MAX_AGE_SECONDS * 1000);
  await db.session.deleteMany({ where: { userId, createdAt: { lt: cutoff } } });
  await db.session.create({ data: { id: rowId(sid), userId } });
  return sid;
}

/**
 * The user behind a session id, read from the database on every call (no cache): null when the session is unknown,
 * revoked, older than SESSION_MAX_AGE_SECONDS, or its user is gone. The role is the one stored NOW, so a demotion
 * takes effect at the next request.
 */
export async function sessionUser(db: Db, sid: unknown, now: Date = new Date()): Promise<SessionUser | null> {
  if (!isSid(sid)) return null;
  const id = rowId(sid);
  const row = await db.session.findUnique({
    where: { id },
    select: { revokedAt: true, createdAt: true, lastSeenAt: true, user: { select: { id: true, email: true, role: true } } },
  });
  if (!row || row.revokedAt !== null) return null;
  if (now.getTime() - row.createdAt.getTime() > SESSION_MAX_AGE_SECONDS * 1000) return null;
  if (now.getTime() - row.lastSeenAt.getTime() > LAST_SEEN_EVERY_MS)
    await db.session.updateMany({ where: { id, revokedAt: null }, data: { lastSeenAt: now } });
  return row.user;
}

/** Ends one session (sign-out). Unknown or already revoked: nothing happens. */
export async function revokeSession(db: Db, sid: unknown): Promise<void> {
  if (!isSid(sid)) return;
  await db.session.updateMany({ where: { id: rowId(sid), revokedAt: null }, data: { revokedAt: new Date() } });
}

/** Ends every session of a user ("sign out everywhere"); returns how many were still live. */
export async function revokeAllSessions(db: Db, userId: string): Promise<number> {
  const { count } = await db.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  return count;
}
