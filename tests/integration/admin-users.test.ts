import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "@/lib/accounts";
import { auditOf } from "@/lib/audit";
import { LAST_ADMIN_MESSAGE, listUsers, setUserRole } from "@/lib/admin/users";
import { assertAdmin, userFromSessionCookies } from "@/lib/auth/session";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { DomainError, toErrorResponse } from "@/lib/errors";
import { encode } from "next-auth/jwt";
import { authOptions, authSecret } from "@/lib/auth/options";
import type { JWT } from "next-auth/jwt";

const uniqueEmail = (tag: string) => `${tag}-${randomBytes(5).toString("hex")}@example.test`;
let db: PrismaClient;

beforeAll(() => {
  db = createPrismaClient(process.env.DATABASE_URL!, 20);
});
afterAll(async () => {
  await db.$disconnect();
});

async function newUser(tag: string, role: "CUSTOMER" | "ADMIN" = "CUSTOMER") {
  const u = await registerUser(db, { email: uniqueEmail(tag), password: "users-password-1" });
  if (role === "ADMIN") await db.user.update({ where: { id: u.id }, data: { role } });
  return { ...u, role };
}

async function sessionCookies(user: { id: string; email: string; role: "CUSTOMER" | "ADMIN" }) {
  const jwt = authOptions.callbacks!.jwt!;
  const token = (await jwt({ token: { sub: user.id }, user, account: null, trigger: "signIn" } as Parameters<typeof jwt>[0])) as JWT;
  return { "next-auth.session-token": await encode({ token, secret: authSecret() }) };
}

const statusOf = (e: unknown) => toErrorResponse(e).status;

describe("PATCH /api/admin/users/{id} (setUserRole)", () => {
  it("promotes and demotes; the demoted admin's next admin request is 403", async () => {
    const boss = await newUser("boss", "ADMIN");
    const target = await newUser("target");
    const cookies = await sessionCookies({ ...target, role: "CUSTOMER" });
    const promoted = await setUserRole(db, target.id, { role: "ADMIN" }, "admin@test (audit)");
    expect(promoted).toEqual({ id: target.id, email: target.email, role: "ADMIN", createdAt: expect.any(String) });
    // the same session is an admin at once (the role is read from the database, not from the cookie)
    expect(assertAdmin(await userFromSessionCookies(cookies, db)).role).toBe("ADMIN");
    await setUserRole(db, target.id, { role: "CUSTOMER" }, "admin@test (audit)");
    // both changes are in the audit log, with who made them
    expect((await auditOf(db, `user:${target.id}`)).map((a) => [a.action, a.actor, a.before, a.after])).toEqual([
      ["user.role", "admin@test (audit)", { role: "CUSTOMER" }, { role: "ADMIN" }],
      ["user.role", "admin@test (audit)", { role: "ADMIN" }, { role: "CUSTOMER" }],
    ]);
    const u = await userFromSessionCookies(cookies, db);
    let status = 0;
    try {
      assertAdmin(u);
    } catch (e) {
      status = statusOf(e);
    }
    expect(status).toBe(403);
    await setUserRole(db, boss.id, { role: "CUSTOMER" }, "admin@test (audit)").catch(() => {}); // tidy: other admins may exist
  });

  it("validates: 400 on a bad role or an unknown field, 400 on a malformed id, 404 on an unknown id", async () => {
    const u = await newUser("validate");
    for (const body of [{ role: "ROOT" }, {}, { role: "ADMIN", extra: 1 }, null]) {
      const e = await setUserRole(db, u.id, body, "admin@test (audit)").catch((err: unknown) => err);
      expect(statusOf(e)).toBe(400);
    }
    expect(statusOf(await setUserRole(db, "not-a-uuid", { role: "ADMIN" }, "admin@test (audit)").catch((e: unknown) => e))).toBe(400);
    expect(statusOf(await setUserRole(db, randomUUID(), { role: "ADMIN" }, "admin@test (audit)").catch((e: unknown) => e))).toBe(404);
    expect((await db.user.findUniqueOrThrow({ where: { id: u.id } })).role).toBe("CUSTOMER");
  });

  it("race: every admin demoted at once -> exactly one admin remains and the others' demotions went through; 409 for the last", async () => {
    for (let i = 0; i < 4; i++) await newUser(`racer${i}`, "ADMIN");
    const admins = await db.user.findMany({ where: { role: "ADMIN" }, select: { id: true } });
    expect(admins.length).toBeGreaterThanOrEqual(4);
    const results = await Promise.allSettled(admins.map((a) => setUserRole(db, a.id, { role: "CUSTOMER" }, "admin@test (audit)")));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused).toHaveLength(1);
    expect(statusOf(refused[0]!.reason)).toBe(409);
    expect((refused[0]!.reason as DomainError).message).toBe(LAST_ADMIN_MESSAGE);
    expect(await db.user.count({ where: { role: "ADMIN" } })).toBe(1);
    // the one left cannot demote themselves either
    const last = await db.user.findFirstOrThrow({ where: { role: "ADMIN" } });
    expect(statusOf(await setUserRole(db, last.id, { role: "CUSTOMER" }, "admin@test (audit)").catch((e: unknown) => e))).toBe(409);
    // promoting again works, and then the other can go
    const next = await newUser("successor");
    await setUserRole(db, next.id, { role: "ADMIN" }, "admin@test (audit)");
    await setUserRole(db, last.id, { role: "CUSTOMER" }, "admin@test (audit)");
    expect(await db.user.count({ where: { role: "ADMIN" } })).toBe(1);
  });

  it("lists users with e-mail, role and creation time, admins first", async () => {
    const a = await newUser("listed-admin", "ADMIN");
    const c = await newUser("listed-customer");
    const users = await listUsers(db);
    const ia = users.findIndex((u) => u.id === a.id);
    const ic = users.findIndex((u) => u.id === c.id);
    expect(ia).toBeGreaterThanOrEqual(0);
    expect(ic).toBeGreaterThan(ia);
    expect(users[ic]).toEqual({ id: c.id, email: c.email, role: "CUSTOMER", createdAt: expect.any(String) });
  });
});
