import { recordAudit } from "../audit";
import type { PrismaClient } from "../db";
import { createDiscount, getDiscount, setDiscountActive, updateDiscount, type DiscountJson } from "./discounts";

// Discount edits with their audit row (who, before, after). The discount functions stay as they are (they own their
// rules and transactions); the audit row is written right after the change commits, so a crash between the two can
// lose an audit row but never records a change that did not happen.

export async function createDiscountAudited(db: PrismaClient, input: unknown, now: Date, actor: string): Promise<DiscountJson> {
  const d = await createDiscount(db, input, now);
  await recordAudit(db, { actor, action: "discount.create", target: `discount:${d.id}`, after: d });
  return d;
}

export async function updateDiscountAudited(db: PrismaClient, id: number, input: unknown, now: Date, actor: string): Promise<DiscountJson> {
  const before = await getDiscount(db, id, now);
  const d = await updateDiscount(db, id, input, now);
  await recordAudit(db, { actor, action: "discount.update", target: `discount:${id}`, before, after: d });
  return d;
}

export async function setDiscountActiveAudited(db: PrismaClient, id: number, isActive: boolean, now: Date, actor: string): Promise<DiscountJson> {
  const before = await getDiscount(db, id, now);
  const d = await setDiscountActive(db, id, isActive, now);
  await recordAudit(db, { actor, action: isActive ? "discount.activate" : "discount.deactivate", target: `discount:${id}`, before, after: d });
  return d;
}
