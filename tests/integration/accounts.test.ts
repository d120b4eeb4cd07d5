import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { authenticate, registerUser } from "@/lib/accounts";
import { authenticateWithLimits, SIGN_IN_LIMITS } from "@/lib/accounts/sign-in-limit";
import { RedisKvStore } from "@/lib/kv";
import { disconnectPrisma, prisma } from "@/lib/db";
import { DomainError } from "@/lib/errors";

const uniqueEmail = (tag: string) => `${tag}-${randomBytes(5).toString("hex")}@example.test`;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

afterAll(async () => {
  await disconnectPrisma();
});

describe("registerUser", () => {
  it("creates a CUSTOMER with a lower-cased, trimmed email and a hashed password", async () => {
    const email = uniqueEmail("New");
    const user = await registerUser(prisma(), { email: `  ${email.toUpperCase()} `, password: "correct-horse-1" });
    expect(user).toEqual({ id: expect.any(String), email: email.toLowerCase(), role: "CUSTOMER" });
    const row = await prisma().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^scrypt\$/);
    expect(row.passwordHash).not.toContain("correct-horse-1");
  });

  it("refuses the same email in another case with a 409 conflict", async () => {
    const email = uniqueEmail("dup");
    await registerUser(prisma(), { email, password: "password-one" });
    const err = await rejection(registerUser(prisma(), { email: email.toUpperCase(), password: "password-two" }));
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("conflict");
    expect((err as DomainError).httpStatus).toBe(409);
    expect((err as DomainError).message).toBe("An account with this email already exists.");
    expect(await prisma().user.count({ where: { email: email.toLowerCase() } })).toBe(1);
  });

  it("validates its input (bad email, short or long password) and writes nothing", async () => {
    const before = await prisma().user.count();
    for (const input of [
      { email: "not-an-email", password: "long-enough" },
      { email: uniqueEmail("short"), password: "7chars!" },
      { email: uniqueEmail("long"), password: "x".repeat(201) },
      { email: `${"a".repeat(250)}@example.test`, password: "long-enough" },
    ])
      await expect(registerUser(prisma(), input)).rejects.toThrow();
    expect(await prisma().user.count()).toBe(before);
  });

  it("lets exactly one of 10 concurrent registrations of one email through; the others get conflict", async () => {
    const email = uniqueEmail("race");
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        registerUser(prisma(), { email: i % 2 ? email.toUpperCase() : email, password: `password-${i}` }),
      ),
    );
    const ok = results.filter((r) => r.status === "fulfilled");
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(9);
    for (const f of failed) expect((f.reason as DomainError).code).toBe("conflict");
    expect(await prisma().user.count({ where: { email } })).toBe(1);
  });
});

describe("authenticate", () => {
  it("returns the user for the right password, whatever the email's case and surrounding spaces", async () => {
    const email = uniqueEmail("auth");
    const created = await registerUser(prisma(), { email, password: "s3cret-password" });
    const expected = { id: created.id, email, role: "CUSTOMER" };
    expect(await authenticate(prisma(), email, "s3cret-password")).toEqual(expected);
    expect(await authenticate(prisma(), ` ${email.toUpperCase()} `, "s3cret-password")).toEqual(expected);
  });

  it("returns null for a wrong password, an unknown email, and junk input", async () => {
    const email = uniqueEmail("wrong");
    await registerUser(prisma(), { email, password: "s3cret-password" });
    expect(await authenticate(prisma(), email, "s3cret-passwore")).toBeNull();
    expect(await authenticate(prisma(), email, "S3CRET-PASSWORD")).toBeNull();
    expect(await authenticate(prisma(), email, "")).toBeNull();
    expect(await authenticate(prisma(), uniqueEmail("nobody"), "s3cret-password")).toBeNull();
    expect(await authenticate(prisma(), "not an email", "s3cret-password")).toBeNull();
    expect(await authenticate(prisma(), undefined, undefined)).toBeNull();
    expect(await authenticate(prisma(), email, "x".repeat(10_000))).toBeNull();
  });

  it("returns the role stored for the account", async () => {
    const email = uniqueEmail("admin");
    const created = await registerUser(prisma(), { email, password: "admin-password" });
    await prisma().user.update({ where: { id: created.id }, data: { role: "ADMIN" } });
    expect(await authenticate(prisma(), email, "admin-password")).toMatchObject({ role: "ADMIN" });
  });

  it("takes about as long for an unknown email as for a wrong password (no cheap account probe)", async () => {
    const email = uniqueEmail("timing");
    await registerUser(prisma(), { email, password: "timing-password" });
    await authenticate(prisma(), uniqueEmail("warm"), "x-password"); // builds the dummy hash once
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    // fastest of three: noise on a shared machine only ever adds time
    const fastest = async (fn: () => Promise<unknown>) => Math.min(await time(fn), await time(fn), await time(fn));
    const wrong = await fastest(() => authenticate(prisma(), email, "not-the-password"));
    const unknown = await fastest(() => authenticate(prisma(), uniqueEmail("ghost"), "not-the-password"));
    // both run one scrypt; a missing user that skipped it would answer in a small fraction of the time
    expect(unknown).toBeGreaterThan(wrong / 3);
  });
});

describe("authenticateWithLimits (real Redis)", () => {
  const kvStore = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}signin:${randomBytes(4).toString("hex")}:` });
  const limits = {
    ...SIGN_IN_LIMITS,
    perAccountClient: { limit: 3, windowSeconds: 900 },
    perClient: { limit: 5, windowSeconds: 900 },
  };
  afterAll(async () => {
    await kvStore.close();
  });

  it("refuses an account on one client after its failures, before checking the password, until the window has passed", async () => {
    const email = uniqueEmail("Limited");
    await registerUser(prisma(), { email, password: "right-password-1" });
    const t0 = Date.UTC(2026, 10, 24, 12);
    const at = (client: string, password: string, now = t0) =>
      authenticateWithLimits(prisma(), kvStore, { email, password, client }, { limits, now, sleep: async () => {} });
    for (let i = 0; i < 3; i++) expect(await at("10.0.0.1", "wrong-password")).toEqual({ kind: "wrong" });
    // the 4th attempt from that client is refused even with the right password, and says when to come back
    expect(await at("10.0.0.1", "right-password-1")).toEqual({ kind: "limited", retryAfterSeconds: 900 });
    expect(await at("10.0.0.1", "right-password-1", t0 + 600_000)).toEqual({ kind: "limited", retryAfterSeconds: 300 });
    // the limit is keyed by e-mail AND client: the owner on another client is not locked out
    expect(await at("10.0.0.2", "right-password-1", t0 + 600_000)).toMatchObject({ kind: "ok" });
    // a window later the account can sign in again from the first client; the email is matched as the user types it
    const later = await authenticateWithLimits(prisma(), kvStore, { email: ` ${email.toUpperCase()}`, password: "right-password-1", client: "10.0.0.1" }, { limits, now: t0 + 900_001 });
    expect(later).toMatchObject({ kind: "ok", user: { email: email.toLowerCase() } });
  });

  it("refuses a client that fails on many accounts, and only counts failures", async () => {
    const client = `192.0.2.${Math.floor(Math.random() * 250)}`;
    const good = uniqueEmail("Good");
    await registerUser(prisma(), { email: good, password: "right-password-1" });
    const now = Date.UTC(2026, 10, 24, 13);
    for (let i = 0; i < 8; i++)
      expect(await authenticateWithLimits(prisma(), kvStore, { email: good, password: "right-password-1", client }, { limits, now })).toMatchObject({ kind: "ok" });
    for (let i = 0; i < 5; i++)
      expect(await authenticateWithLimits(prisma(), kvStore, { email: uniqueEmail("Nobody"), password: "guess-1234", client }, { limits, now })).toEqual({ kind: "wrong" });
    expect(await authenticateWithLimits(prisma(), kvStore, { email: good, password: "right-password-1", client }, { limits, now })).toMatchObject({ kind: "limited" });
    // another client is not affected
    expect(await authenticateWithLimits(prisma(), kvStore, { email: good, password: "right-password-1", client: "198.51.100.7" }, { limits, now })).toMatchObject({ kind: "ok" });
  });

  it("with the KV store unreachable, signs in through PostgreSQL (limits held in memory) and reports it", async () => {
    const down = new RedisKvStore({ url: "redis://127.0.0.1:1", prefix: "nowhere:" });
    const email = uniqueEmail("NoKv");
    await registerUser(prisma(), { email, password: "right-password-1" });
    const errors: unknown[] = [];
    try {
      const r = await authenticateWithLimits(prisma(), down, { email, password: "right-password-1", client: "10.1.1.1" }, { limits, onKvError: (e) => errors.push(e) });
      expect(r).toMatchObject({ kind: "ok" });
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await down.close();
    }
  });
});
