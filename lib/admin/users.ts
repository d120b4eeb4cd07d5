import { recordAudit } from "../audit";
import { z } from "zod";
import type { Db, PrismaClient } from "../db";
import { Prisma } from "../db";
import type { Role } from "../db/generated/enums";
import { DomainError, notFound } from "../errors";
import { isoDateTimeSchema } from "../money/schema";

// Who is an administrator. The role is read from the database on every admin request (lib/auth/session.ts), so a
// change here ends or grants admin access at the user's next request; no session needs to be touched.

export const adminUserSchema = z.object({ id: z.uuid(), email: z.string(), role: z.enum(["ADMIN", "CUSTOMER"]), createdAt: isoDateTimeSchema }).meta({ id: "AdminUser" });
export type AdminUserJson = z.output<typeof adminUserSchema>;

export const userIdSchema = z.uuid({ error: "Not a user id." });

/** PATCH /api/admin/users/{id} */
export const setUserRoleSchema = z.strictObject({
  role: z.enum(["ADMIN", "CUSTOMER"], { error: 'Use "ADMIN" or "CUSTOMER".' }),
});

export const LAST_ADMIN_MESSAGE = "This is the last administrator: promote someone else first.";

const toJson = (u: { id: string; email: string; role: Role; createdAt: Date }): AdminUserJson => ({
  id: u.id,
  email: u.email,
  role: u.role,
  createdAt: u.createdAt.toISOString(),
});

/** Every account, administrators first, then newest first. */
export async function listUsers(db: Db, limit = 500): Promise<AdminUserJson[]> {
  const rows = await db.user.findMany({
    select: { id: true, email: true, role: true, createdAt: true },
    orderBy: [{ role: "desc" }, { createdAt: "desc" }],
    take: limit,
  });
  return rows.map(toJson);
}

/**
 * Sets a user's role; 404 for an unknown id. Demoting the last ADMIN is 409 conflict, and stays so under any
 * concurrency: the admins' rows are locked (FOR UPDATE) before counting, so two admins demoting each other at once
 * are serialised and the second sees only one admin left.
 */
export async function setUserRole(db: PrismaClient, id: string, input: unknown, actor: string): Promise<AdminUserJson> {
  const userId = userIdSchema.parse(id);
  const { role } = setUserRoleSchema.parse(input);
  return db.$transaction(async (tx) => {
    if (role === "CUSTOMER") {
      // locks every admin row (the target's included); a concurrent demotion waits here, then re-reads
      const admins = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE role = 'ADMIN' ORDER BY id FOR UPDATE`;
      if (admins.some((a) => a.id === userId) && admins.length <= 1) throw new DomainError("conflict", LAST_ADMIN_MESSAGE);
    }
    const before = await tx.user.findUnique({ where: { id: userId }, select: { role: true } });
    if (!before) throw notFound("User");
    try {
      const user = toJson(await tx.user.update({ where: { id: userId }, data: { role }, select: { id: true, email: true, role: true, createdAt: true } }));
      if (before.role !== role) await recordAudit(tx, { actor, action: "user.role", target: `user:${userId}`, before, after: { role } });
      return user;
    } catch (e) {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2025") throw notFound("User");
      throw e;
    }
  });
}
