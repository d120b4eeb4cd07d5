import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldErrorsOf, toErrorResponse } from "@/lib/errors";
import { assertCleanText, findBadText, readJson } from "@/lib/http/handler";

describe("fieldErrorsOf", () => {
  it("reports unknown keys at their own path, even keys named like Object.prototype members", () => {
    const schema = z.strictObject({ a: z.number() });
    const r = schema.safeParse(JSON.parse('{"a":"x","__proto__":1,"constructor":2,"toString":3}'));
    expect(r.success).toBe(false);
    const fe = fieldErrorsOf(r.error!);
    expect(Object.keys(fe).sort()).toEqual(["__proto__", "a", "constructor", "toString"].sort());
    expect(fe.constructor).toEqual(["Unknown field"]);
    expect(JSON.parse(JSON.stringify(fe)).a).toHaveLength(1);
  });
});

describe("text the database cannot hold", () => {
  it("finds NUL and lone surrogates anywhere, and passes ordinary text (emoji included)", () => {
    expect(findBadText({ a: ["ok", { b: "x\u0000y" }] })).toBe("a.1.b");
    expect(findBadText({ c: "\ud800" })).toBe("c");
    expect(findBadText({ d: "tail\udc00" })).toBe("d");
    expect(findBadText({ ["k\u0000"]: 1 })).toBe("k\u0000");
    expect(findBadText({ e: "gift 🎁 für Jürgen", f: [1, null, true] })).toBeNull();
  });

  it("becomes a 400 validation_failed naming the field", async () => {
    let err: unknown;
    try {
      assertCleanText({ customOptions: { giftMessage: "a\u0000b" } });
    } catch (e) {
      err = e;
    }
    const { status, body } = toErrorResponse(err);
    expect(status).toBe(400);
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details).toEqual({ fieldErrors: { "customOptions.giftMessage": ["Contains a character that is not allowed"] } });
    const req = new Request("http://x/", { method: "POST", body: '{"code":"a\\u0000b"}' });
    await expect(readJson(req, z.object({ code: z.string() }))).rejects.toMatchObject({ code: "validation_failed" });
  });
});

describe("body size", () => {
  it("refuses a JSON body over 64 KiB with 400 validation_failed", async () => {
    const big = JSON.stringify({ code: "x".repeat(70 * 1024) });
    await expect(readJson(new Request("http://x/", { method: "POST", body: big }), z.object({ code: z.string() }))).rejects.toMatchObject({
      code: "validation_failed",
      message: "The request body is too large.",
    });
  });
});
