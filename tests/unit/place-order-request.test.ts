import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { z } from "zod";
import { placeOrderRequestSchema } from "@/lib/checkout/reserve-function";

// cw_place_order reads one JSON argument; placeOrderRequestSchema (lib/checkout/reserve-function.ts) is its one
// definition. Both sides are held to it: every field the function's latest body reads is in the schema, and every
// field of the schema is read by it, so neither side can drift without this test failing.

const migrations = new URL("../../prisma/migrations/", import.meta.url);

/** The latest CREATE ... FUNCTION cw_place_order body, and the bodies of the functions it hands the request to. */
function sqlBodies(): string {
  const dirs = readdirSync(migrations).filter((d) => /^\d{14}_/.test(d)).sort();
  const of = (name: string) => {
    let latest = "";
    for (const d of dirs) {
      const sql = readFileSync(new URL(`${d}/migration.sql`, migrations), "utf8");
      const at = sql.search(new RegExp(`FUNCTION ${name}\\(`));
      if (at < 0) continue;
      const start = sql.indexOf("$$", at);
      latest = sql.slice(start, sql.indexOf("$$", start + 2));
    }
    return latest;
  };
  return of("cw_place_order") + of("cw_check_unpaid_orders");
}

/** Every object key in a zod schema, at any depth. */
function schemaKeys(schema: z.ZodType, out = new Set<string>()): Set<string> {
  const def = (schema as unknown as { def: { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; innerType?: z.ZodType; options?: z.ZodType[] } }).def;
  if (def.type === "object") for (const [k, v] of Object.entries(def.shape!)) out.add(k), schemaKeys(v, out);
  if (def.element) schemaKeys(def.element, out);
  if (def.innerType) schemaKeys(def.innerType, out);
  for (const o of def.options ?? []) schemaKeys(o, out);
  return out;
}

/** The JSON keys the SQL reads: `->'key'`, `->>'key'`, and the columns of jsonb_to_recordset(...) AS i(...). */
function sqlKeys(sql: string): Set<string> {
  const keys = new Set<string>();
  for (const m of sql.matchAll(/->>?\s*'([A-Za-z]+)'/g)) keys.add(m[1]!);
  for (const m of sql.matchAll(/jsonb_to_recordset\([^)]*\)\s+AS\s+\w+\(([^)]*)\)/g))
    for (const col of m[1]!.split(",")) keys.add(col.trim().split(/\s+/)[0]!.replace(/"/g, ""));
  return keys;
}

describe("the cw_place_order request", () => {
  const sql = sqlBodies();
  const inSchema = schemaKeys(placeOrderRequestSchema);
  const read = sqlKeys(sql);

  it("finds the function's latest body", () => {
    expect(sql).toContain("cw_reserve_stock");
    expect(read.size).toBeGreaterThan(30);
  });

  it("every field the function reads is in the schema", () => {
    expect([...read].filter((k) => !inSchema.has(k)).sort()).toEqual([]);
  });

  it("every field of the schema is read by the function", () => {
    // `discounts` entries carry code and type for the order's own column (the function stores them as they are)
    const storedWhole = new Set(["code", "type"]);
    expect([...inSchema].filter((k) => !read.has(k) && !storedWhole.has(k)).sort()).toEqual([]);
  });

  it("refuses a request that is not the schema's (a float amount, a missing key)", () => {
    const bad = { cart: {}, order: { subtotal: 1.5 } };
    expect(placeOrderRequestSchema.safeParse(bad).success).toBe(false);
  });
});
