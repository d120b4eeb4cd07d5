import type { Db } from "./db";
import { Prisma } from "./db";

// The audit log of admin changes (orders, stock, prices, discounts): who, what, on what, before and after. Written
// in the transaction of the change where there is one, so a change and its audit row commit together.

export type AuditEntry = {
  /** the admin: a user's e-mail, or "admin-api-token" */
  actor: string;
  /** e.g. "order.refund", "variant.update", "discount.create" */
  action: string;
  /** e.g. "order:<uuid>", "variant:12", "discount:3" */
  target: string;
  before?: unknown;
  after?: unknown;
};

const json = (v: unknown) => (v === undefined || v === null ? Prisma.DbNull : (JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue));

export async function recordAudit(db: Db, e: AuditEntry): Promise<void> {
  await db.auditLog.create({ data: { actor: e.actor, action: e.action, target: e.target, before: json(e.before), after: json(e.after) } });
}

/** The audit rows of one target, oldest first. */
export async function auditOf(db: Db, target: string) {
  const rows = await db.auditLog.findMany({ where: { target }, orderBy: { id: "asc" } });
  return rows.map((r) => ({ actor: r.actor, action: r.action, target: r.target, before: r.before, after: r.after, at: r.at.toISOString() }));
}
