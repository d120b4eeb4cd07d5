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
    const req = new Request("http://x/", { method: "POST", body: '{"code":"a\\u0000b"}', headers: { "content-type": "application/json" } });
    await expect(readJson(req, z.object({ code: z.string() }))).rejects.toMatchObject({ code: "validation_failed" });
  });
});

const jsonPost = (body: BodyInit, headers: Record<string, string> = { "content-type": "application/json" }) => new Request("http://x/", { method: "POST", body, headers, duplex: "half" } as RequestInit);

describe("body size", () => {
  it("refuses a JSON body over 64 KiB with 413 payload_too_large", async () => {
    const big = JSON.stringify({ code: "x".repeat(70 * 1024) });
    const err = await readJson(jsonPost(big), z.object({ code: z.string() })).catch((e: unknown) => e);
    expect(toErrorResponse(err)).toMatchObject({ status: 413, body: { error: { code: "payload_too_large", message: "The request body is too large." } } });
  });

  it("stops reading a streamed body as soon as it passes the limit (a 200 MiB stream is not read whole)", async () => {
    let pulled = 0;
    const chunk = new Uint8Array(16 * 1024).fill(0x20);
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        if (pulled > 200 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    await expect(readJson(jsonPost(endless), z.object({}))).rejects.toMatchObject({ code: "payload_too_large" });
    expect(pulled).toBeLessThan(1024 * 1024);
  });
});

describe("content type", () => {
  it("refuses a non-empty body that is not application/json with 415 unsupported_media_type", async () => {
    for (const ct of ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "application/jsonx"]) {
      const err = await readJson(jsonPost('{"code":"a"}', { "content-type": ct }), z.object({ code: z.string() })).catch((e: unknown) => e);
      expect(toErrorResponse(err), ct).toMatchObject({ status: 415, body: { error: { code: "unsupported_media_type" } } });
    }
  });

  it("accepts application/json with or without a UTF-8 charset, and an empty body with no content type", async () => {
    for (const ct of ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\""])
      await expect(readJson(jsonPost('{"code":"a"}', { "content-type": ct }), z.object({ code: z.string() })), ct).resolves.toEqual({ code: "a" });
    await expect(readJson(new Request("http://x/", { method: "POST" }), z.object({}))).resolves.toEqual({});
  });
});
