import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMON_PASSWORD_MESSAGE, registerSchema, registerUser } from "@/lib/accounts";
import { registerWithLimit } from "@/lib/accounts/registration-limit";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { DomainError, toErrorResponse } from "@/lib/errors";
import { RedisKvStore } from "@/lib/kv/redis";
import { memorySlotStore } from "@/lib/rate-limit";

const run = randomBytes(4).toString("hex");
const uniqueEmail = (tag: string) => `${tag}-${randomBytes(5).toString("hex")}@example.test`;
let db: PrismaClient;
let kv: RedisKvStore;

beforeAll(() => {
  db = createPrismaClient(process.env.DATABASE_URL!, 20);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}register:${run}:` });
});

afterAll(async () => {
  await kv.close();
  await db.$disconnect();
});

async function failure(p: Promise<unknown>): Promise<{ status: number; code: string; fieldErrors?: Record<string, string[]> }> {
  const e = await p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: unknown) => err,
  );
  const { status, body } = toErrorResponse(e);
  return { status, code: body.error.code, fieldErrors: (body.error.details as { fieldErrors?: Record<string, string[]> } | undefined)?.fieldErrors };
}

describe("passwords", () => {
  it.each(["password123", "passwordpassword", "PassWord123", "qwertyuiop", "1234567890"])("refuses the common password %s: 400 on `password`", async (password) => {
    const email = uniqueEmail("weak");
    const f = await failure(registerUser(db, { email, password }));
    expect(f.status).toBe(400);
    expect(f.code).toBe("validation_failed");
    expect(f.fieldErrors?.password).toEqual([COMMON_PASSWORD_MESSAGE]);
    expect(await db.user.count({ where: { email } })).toBe(0);
  });

  it("refuses fewer than 10 characters and accepts a 10-character password that is not common", async () => {
    const short = await failure(registerUser(db, { email: uniqueEmail("short"), password: "nine-char" }));
    expect(short.status).toBe(400);
    expect(short.fieldErrors?.password).toEqual(["Use at least 10 characters."]);
    expect(registerSchema.safeParse({ email: "a@example.test", password: "tenchars-x" }).success).toBe(true);
    // the demo accounts' documented passwords still pass
    for (const password of ["admin-password-123", "shopper-password-123"])
      expect(registerSchema.safeParse({ email: "a@example.test", password }).success).toBe(true);
  });
});

describe("registration throttle per client", () => {
  const perHour = 10;

  it("the 11th registration from one client within an hour gets 429 rate_limited; another client is not affected", async () => {
    const client = `203.0.113.${Math.floor(Math.random() * 250)}-${run}`;
    const t0 = Date.UTC(2026, 11, 6, 9);
    const taken = uniqueEmail("taken");
    await registerUser(db, { email: taken, password: "taken-password-1" });
    // 9 new accounts and one attempt on an existing e-mail (409): all ten count
    for (let i = 0; i < 9; i++) await registerWithLimit(db, kv, { email: uniqueEmail(`r${i}`), password: "a-fine-password-1" }, client, { perHour, now: t0 + i * 1000 });
    expect((await failure(registerWithLimit(db, kv, { email: taken, password: "a-fine-password-1" }, client, { perHour, now: t0 + 9000 }))).status).toBe(409);
    const email = uniqueEmail("eleventh");
    const refused = await failure(registerWithLimit(db, kv, { email, password: "a-fine-password-1" }, client, { perHour, now: t0 + 10_000 }));
    expect(refused).toMatchObject({ status: 429, code: "rate_limited" });
    expect(await db.user.count({ where: { email } })).toBe(0);
    // another client registers; an hour after the first attempt the first client may again
    await registerWithLimit(db, kv, { email: uniqueEmail("other"), password: "a-fine-password-1" }, `${client}-other`, { perHour, now: t0 + 10_000 });
    await registerWithLimit(db, kv, { email, password: "a-fine-password-1" }, client, { perHour, now: t0 + 3_600_001 });
    expect(await db.user.count({ where: { email } })).toBe(1);
  });

  it("50 simultaneous registrations from one client: exactly 10 accounts are created, 40 get 429", async () => {
    const client = `198.51.100.${Math.floor(Math.random() * 250)}-${run}`;
    const emails = Array.from({ length: 50 }, (_, i) => uniqueEmail(`burst${i}`));
    const results = await Promise.allSettled(emails.map((email) => registerWithLimit(db, kv, { email, password: "a-fine-password-1" }, client, { perHour })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(perHour);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(rejected.every((r) => r.reason instanceof DomainError && r.reason.code === "rate_limited")).toBe(true);
    expect(await db.user.count({ where: { email: { in: emails } } })).toBe(perHour);
  }, 60_000);

  it("with the KV store down the throttle holds in memory", async () => {
    const down = new RedisKvStore({ url: "redis://127.0.0.1:1", prefix: "nowhere:" });
    const fallback = memorySlotStore();
    const client = `down-${run}`;
    try {
      for (let i = 0; i < perHour; i++) await registerWithLimit(db, down, { email: uniqueEmail(`d${i}`), password: "a-fine-password-1" }, client, { perHour, fallback });
      expect((await failure(registerWithLimit(db, down, { email: uniqueEmail("d-x"), password: "a-fine-password-1" }, client, { perHour, fallback }))).status).toBe(429);
    } finally {
      await down.close();
    }
  }, 60_000);
});
