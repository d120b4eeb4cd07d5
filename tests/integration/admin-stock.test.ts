import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import type { ZodError } from "zod";
import { DomainError, fieldErrorsOf } from "@/lib/errors";
import { updateVariant } from "@/lib/admin/variants";
import { createDiscountAudited, setDiscountActiveAudited, updateDiscountAudited } from "@/lib/admin/audited";
import { auditOf } from "@/lib/audit";

// Stock by delta (PATCH /api/admin/variants/{id} { stockDelta }) and the audit log of admin changes, against the
// real PostgreSQL of the run.

let db: PrismaClient;

beforeAll(() => {
  db = createPrismaClient(process.env.DATABASE_URL!, 30);
});
afterAll(async () => {
  await db.$disconnect();
});

async function variant(stock: number): Promise<number> {
  const tag = randomUUID().slice(0, 8);
  const p = await db.product.create({
    data: { slug: `stock-${tag}`, name: "Stock Tee", basePrice: 1000, currency: "USD", variants: { create: [{ sku: `STK-${tag}`, stockQuantity: stock }] } },
    include: { variants: true },
  });
  return p.variants[0]!.id;
}

async function rejection(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

const stockOf = async (id: number) => (await db.productVariant.findUniqueOrThrow({ where: { id } })).stockQuantity;

describe("stockDelta", () => {
  it("adds and removes; never below 0 (409, nothing changed); not together with stock", async () => {
    const id = await variant(5);
    expect((await updateVariant(db, id, { stockDelta: 7 }, "a@example.test")).stock).toBe(12);
    expect((await updateVariant(db, id, { stockDelta: -12, priceOverride: 900 }, "a@example.test")).stock).toBe(0);
    const e = await rejection(updateVariant(db, id, { stockDelta: -1, priceOverride: 100 }, "a@example.test"));
    expect(e.code).toBe("conflict");
    expect(await db.productVariant.findUniqueOrThrow({ where: { id } })).toMatchObject({ stockQuantity: 0, priceOverride: 900 });
    // the route maps this ZodError to 400 validation_failed on `stockDelta`
    const both = await updateVariant(db, id, { stock: 3, stockDelta: 1 }).then(() => null, (err: unknown) => err);
    expect(Object.keys(fieldErrorsOf(both as ZodError))).toEqual(["stockDelta"]);
  });

  it("40 concurrent -1 deltas on a stock of 25: exactly 25 succeed, the rest are 409, stock ends at 0", async () => {
    const id = await variant(25);
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => updateVariant(db, id, { stockDelta: -1 }, "race@example.test")));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(25);
    for (const r of results) if (r.status === "rejected") expect((r.reason as DomainError).code).toBe("conflict");
    expect(await stockOf(id)).toBe(0);
    // every change has its audit row, and each row's before/after differ by exactly the delta
    const rows = await auditOf(db, `variant:${id}`);
    expect(rows).toHaveLength(25);
    for (const r of rows) expect((r.before as { stock: number }).stock - (r.after as { stock: number }).stock).toBe(1);
  });

  it("mixed concurrent deltas: the stock is the sum of the accepted ones", async () => {
    const id = await variant(10);
    const deltas = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 4 : -3));
    const results = await Promise.allSettled(deltas.map((d) => updateVariant(db, id, { stockDelta: d }, "mix@example.test")));
    const accepted = deltas.filter((_, i) => results[i]!.status === "fulfilled").reduce((a, d) => a + d, 0);
    expect(await stockOf(id)).toBe(10 + accepted);
    expect(await stockOf(id)).toBeGreaterThanOrEqual(0);
  });
});

describe("audit log", () => {
  it("records variant and discount changes with the actor, before and after", async () => {
    const id = await variant(3);
    await updateVariant(db, id, { stock: 9, priceOverride: 1500 }, "boss@example.test (u1)");
    const [row] = await auditOf(db, `variant:${id}`);
    expect(row).toMatchObject({ actor: "boss@example.test (u1)", action: "variant.update", before: { stock: 3, priceOverride: null }, after: { stock: 9, priceOverride: 1500 } });

    const now = new Date();
    const d = await createDiscountAudited(db, { code: `AUD${randomUUID().slice(0, 6)}`, type: "PERCENTAGE", value: 10 }, now, "boss@example.test (u1)");
    await updateDiscountAudited(db, d.id, { value: 20 }, now, "boss@example.test (u1)");
    await setDiscountActiveAudited(db, d.id, false, now, "other@example.test (u2)");
    const rows = await auditOf(db, `discount:${d.id}`);
    expect(rows.map((r) => [r.action, r.actor])).toEqual([
      ["discount.create", "boss@example.test (u1)"],
      ["discount.update", "boss@example.test (u1)"],
      ["discount.deactivate", "other@example.test (u2)"],
    ]);
    expect(rows[1]).toMatchObject({ before: { value: 10 }, after: { value: 20 } });
    // a refused change writes nothing
    await rejection(updateDiscountAudited(db, d.id, { value: 0 }, now, "boss@example.test (u1)"));
    expect(await auditOf(db, `discount:${d.id}`)).toHaveLength(3);
  });
});
