import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, SORT_MODES } from "@/lib/catalog/cursor";
import { DomainError } from "@/lib/errors";

const fieldOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).httpStatus).toBe(400);
    return Object.keys(((e as DomainError).details as { fieldErrors: Record<string, string[]> }).fieldErrors);
  }
  throw new Error("did not throw");
};

describe("catalog cursor codec", () => {
  it.each(SORT_MODES)("round-trips the keys exactly for sort %s, including the bigint extremes", (mode) => {
    for (const k1 of [0n, -1n, 2147483647n, -1764979200123n, 9223372036854775807n, -9223372036854775808n])
      for (const k2 of [1, -42, 2147483647, -2147483648]) expect(decodeCursor(encodeCursor({ mode, k1, k2 }), mode)).toEqual({ mode, k1, k2 });
  });

  it("is opaque, URL-safe text", () => {
    const c = encodeCursor({ mode: "price_asc", k1: 2800n, k2: 7 });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(new URLSearchParams({ cursor: c }).toString()).toBe(`cursor=${c}`);
  });

  it("refuses a cursor of another sort order", () => {
    const c = encodeCursor({ mode: "price_asc", k1: 2800n, k2: 7 });
    expect(fieldOf(() => decodeCursor(c, "price_desc"))).toEqual(["cursor"]);
  });

  it.each([
    ["garbage", "%%%"],
    ["not JSON", Buffer.from("hello").toString("base64url")],
    ["wrong version", Buffer.from(JSON.stringify({ v: 2, s: "default", k: "0", i: 1 })).toString("base64url")],
    ["float key", Buffer.from(JSON.stringify({ v: 1, s: "default", k: "0.5", i: 1 })).toString("base64url")],
    ["key beyond bigint", Buffer.from(JSON.stringify({ v: 1, s: "default", k: "9223372036854775808", i: 1 })).toString("base64url")],
    ["id not an int", Buffer.from(JSON.stringify({ v: 1, s: "default", k: "0", i: 1.5 })).toString("base64url")],
    ["unknown sort", Buffer.from(JSON.stringify({ v: 1, s: "cheapest", k: "0", i: 1 })).toString("base64url")],
    ["too long", "A".repeat(201)],
  ])("refuses %s as 400 on cursor", (_name, cursor) => {
    expect(fieldOf(() => decodeCursor(cursor, "default"))).toEqual(["cursor"]);
  });
});
