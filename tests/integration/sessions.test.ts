import { randomBytes } from "node:crypto";
import { encode } from "next-auth/jwt";
import type { JWT } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "@/lib/accounts";
import { authOptions, authSecret } from "@/lib/auth/options";
import { assertAdmin, userFromSessionCookies } from "@/lib/auth/session";
import { createSession, revokeAllSessions, sessionUser } from "@/lib/auth/sessions";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { DomainError } from "@/lib/errors";

// Sessions are checked on the server: the JWT cookie is only a pointer to a `sessions` row, read on every request
// together with the user's current role.

const uniqueEmail = (tag: string) => `${tag}-${randomBytes(5).toString("hex")}@example.test`;
let db: PrismaClient;

beforeAll(() => {
  db = createPrismaClient(process.env.DATABASE_URL!, 20);
});
afterAll(async () => {
  await db.$disconnect();
});

/** What next-auth does at sign-in: the jwt callback with the authorized user, then the encrypted cookie. */
async function signIn(user: { id: string; email: string; role: "CUSTOMER" | "ADMIN" }): Promise<{ token: JWT; cookies: Record<string, string> }> {
  const jwt = authOptions.callbacks!.jwt!;
  const token = (await jwt({ token: { sub: user.id }, user, account: null, trigger: "signIn" } as Parameters<typeof jwt>[0])) as JWT;
  const value = await encode({ token, secret: authSecret() });
  return { token, cookies: { "next-auth.session-token": value } };
}

async function signOut(token: JWT) {
  await authOptions.events!.signOut!({ token, session: undefined as never });
}

async function newUser(tag: string, role: "CUSTOMER" | "ADMIN" = "CUSTOMER") {
  const u = await registerUser(db, { email: uniqueEmail(tag), password: "session-password-1" });
  if (role === "ADMIN") await db.user.update({ where: { id: u.id }, data: { role } });
  return { ...u, role };
}

describe("server-side sessions", () => {
  it("a signed-in cookie is the user; after sign-out the same cookie, replayed, is anonymous", async () => {
    const user = await newUser("replay");
    const { token, cookies } = await signIn(user);
    expect(token.sid).toEqual(expect.any(String));
    expect(token.role).toBeUndefined();
    expect(await userFromSessionCookies(cookies, db)).toEqual({ id: user.id, email: user.email, role: "CUSTOMER" });
    await signOut(token);
    expect(await userFromSessionCookies(cookies, db)).toBeNull();
    // GET /api/auth/session says the same
    const session = await authOptions.callbacks!.session!({ session: { expires: "x" } as never, token } as never);
    expect((session as { user?: unknown }).user).toBeUndefined();
  });

  it("a session id is stored only as its hash", async () => {
    const user = await newUser("hash");
    const { token } = await signIn(user);
    const rows = await db.session.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).not.toBe(token.sid);
    expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a cookie without a session id (issued before sessions existed, or forged without one) is anonymous", async () => {
    const user = await newUser("nosid");
    const value = await encode({ token: { sub: user.id, id: user.id, email: user.email, role: "ADMIN" }, secret: authSecret() });
    expect(await userFromSessionCookies({ "next-auth.session-token": value }, db)).toBeNull();
  });

  it("sign out everywhere revokes every session of the user and no other user's", async () => {
    const user = await newUser("everywhere");
    const bystander = await newUser("bystander");
    const a = await signIn(user);
    const b = await signIn(user);
    const c = await signIn(bystander);
    expect(await revokeAllSessions(db, user.id)).toBe(2);
    expect(await userFromSessionCookies(a.cookies, db)).toBeNull();
    expect(await userFromSessionCookies(b.cookies, db)).toBeNull();
    expect(await userFromSessionCookies(c.cookies, db)).toMatchObject({ id: bystander.id });
  });

  it("race: 10 sign-ins and 40 session reads while signing out everywhere; afterwards no session of the user is live", async () => {
    const user = await newUser("race");
    const before = await Promise.all(Array.from({ length: 5 }, () => createSession(db, user.id)));
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) ops.push(createSession(db, user.id));
    for (let i = 0; i < 40; i++) ops.push(sessionUser(db, before[i % 5], new Date(Date.now() + 10 * 60_000)));
    ops.push(revokeAllSessions(db, user.id));
    const settled = await Promise.all(ops);
    const created = settled.slice(0, 10) as string[];
    // sessions created before the revocation are revoked; one created in the race may be live (it came after), and
    // a second revocation ends it: the invariant is that revoked sessions stay revoked, whatever ran alongside
    for (const sid of before) expect(await sessionUser(db, sid)).toBeNull();
    await revokeAllSessions(db, user.id);
    for (const sid of [...before, ...created]) expect(await sessionUser(db, sid, new Date(Date.now() + 10 * 60_000))).toBeNull();
    expect(await db.session.count({ where: { userId: user.id, revokedAt: null } })).toBe(0);
  });

  it("a session older than 30 days is anonymous, and its row goes at the user's next sign-in", async () => {
    const user = await newUser("old");
    const sid = await createSession(db, user.id);
    expect(await sessionUser(db, sid, new Date(Date.now() + 31 * 24 * 3600 * 1000))).toBeNull();
    expect(await sessionUser(db, sid)).toMatchObject({ id: user.id });
    await db.session.updateMany({ where: { userId: user.id }, data: { createdAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) } });
    expect(await sessionUser(db, sid)).toBeNull();
    const fresh = await createSession(db, user.id);
    expect(await db.session.count({ where: { userId: user.id } })).toBe(1);
    expect(await sessionUser(db, fresh)).toMatchObject({ id: user.id });
  });
});

describe("admin rights come from the database on every request", () => {
  it("a demoted admin's next admin request is 403; a deleted admin's is 401", async () => {
    const admin = await newUser("demoted", "ADMIN");
    const { cookies } = await signIn(admin);
    expect(assertAdmin(await userFromSessionCookies(cookies, db))).toMatchObject({ id: admin.id, role: "ADMIN" });

    // demoted directly in the database (PATCH /api/admin/users does the same update): same cookie, next request
    await db.user.update({ where: { id: admin.id }, data: { role: "CUSTOMER" } });
    const demoted = await userFromSessionCookies(cookies, db);
    expect(demoted).toMatchObject({ id: admin.id, role: "CUSTOMER" });
    expect(() => assertAdmin(demoted)).toThrow(DomainError);
    expect(() => assertAdmin(demoted)).toThrow(expect.objectContaining({ code: "forbidden", httpStatus: 403 }));

    await db.user.delete({ where: { id: admin.id } });
    const u = await userFromSessionCookies(cookies, db);
    expect(u).toBeNull();
    expect(() => assertAdmin(u)).toThrow(expect.objectContaining({ httpStatus: 401 }));
  });
});
