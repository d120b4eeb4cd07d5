import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate, registerUser } from "@/lib/accounts";
import { authenticateWithLimits, progressiveDelayMs, SIGN_IN_LIMITS } from "@/lib/accounts/sign-in-limit";
import { createDiscount } from "@/lib/admin/discounts";
import { CartService } from "@/lib/cart/service";
import { createPrismaClient, type Db, type PrismaClient } from "@/lib/db";
import { DomainError } from "@/lib/errors";
import { PostgresKvStore } from "@/lib/kv/postgres";
import { RedisKvStore } from "@/lib/kv/redis";
import type { KvStore } from "@/lib/kv/types";
import { UpstashKvStore } from "@/lib/kv/upstash";
import { memorySlotStore, takeSlots } from "@/lib/rate-limit";
import { startUpstashBridge } from "@/tests/fakes/upstash-rest-bridge";

// Limits hold under bursts: a slot is taken before anything is evaluated, so N simultaneous attempts never get more
// than the limit evaluated (the old count-then-evaluate-then-record let 26 of 40 simultaneous passwords through a
// limit of 10).

const redisUrl = () => process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const TOKEN = "sign-in-burst-token";
const run = randomBytes(4).toString("hex");
const prefix = (name: string) => `${process.env.KV_PREFIX ?? "cwtest:"}burst:${run}:${name}:`;
const uniqueEmail = (tag: string) => `${tag}-${randomBytes(5).toString("hex")}@example.test`;
const noSleep = async () => {};

let db: PrismaClient;
let bridge: Awaited<ReturnType<typeof startUpstashBridge>>;
const stores: KvStore[] = [];

const adapters: { kind: string; burst: number; make: () => KvStore }[] = [
  { kind: "redis", burst: 400, make: () => new RedisKvStore({ url: redisUrl(), prefix: prefix("redis") }) },
  // the local REST bridge is a test fake that answers hundreds of simultaneous requests slowly on this shared
  // machine: a smaller burst and a long timeout keep this test about Upstash's atomic slot, not about the fallback
  // (tested below with a dead store)
  { kind: "upstash", burst: 100, make: () => new UpstashKvStore({ url: bridge.url, token: TOKEN, prefix: prefix("upstash"), requestTimeoutMs: 30_000 }) },
  { kind: "postgres", burst: 400, make: () => new PostgresKvStore({ prefix: prefix("postgres"), db }) },
];

function store(make: () => KvStore): KvStore {
  const s = make();
  stores.push(s);
  return s;
}

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 20);
  bridge = await startUpstashBridge({ redisUrl: redisUrl(), token: TOKEN });
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await bridge.close();
  await db.$executeRaw`DELETE FROM kv_entries WHERE starts_with(key, ${prefix("postgres")})`;
  await db.$disconnect();
});

/** authenticate() with a counter: how many passwords were actually checked. */
function counted() {
  const calls = { n: 0 };
  const evaluate = (d: Db, email: unknown, password: unknown) => {
    calls.n++;
    return authenticate(d, email, password);
  };
  return { calls, evaluate };
}

describe.each(adapters)("slot-first limits on $kind", ({ make, burst }) => {
  it("takeSlots: 200 simultaneous takes with limit 10 -> exactly 10 granted; a release gives one back", async () => {
    const kv = store(make);
    const w = [{ key: "slots:one", opts: { limit: 10, windowSeconds: 900 } }];
    const results = await Promise.all(Array.from({ length: 200 }, () => takeSlots(kv, w)));
    const granted = results.filter((r) => r.allowed);
    expect(granted).toHaveLength(10);
    expect(results.filter((r) => !r.allowed).every((r) => !r.allowed && r.retryAfterSeconds > 0)).toBe(true);
    // a right answer gives its slot back: exactly one more can be taken, then the window is full again
    const first = granted[0]!;
    if (first.allowed) await first.release();
    expect((await takeSlots(kv, w)).allowed).toBe(true);
    expect((await takeSlots(kv, w)).allowed).toBe(false);
  });

  it("a burst of simultaneous wrong passwords (400; Upstash 100) for one account from one client: at most the limit are checked", async () => {
    const kv = store(make);
    const email = uniqueEmail("burst");
    await registerUser(db, { email, password: "the-right-password-1" });
    const { calls, evaluate } = counted();
    // a fallback of its own: were the store to fail, the slots taken in memory are counted by this test alone
    const fallback = memorySlotStore();
    const results = await Promise.all(
      Array.from({ length: burst }, (_, i) =>
        authenticateWithLimits(db, kv, { email, password: `wrong-password-${i}`, client: "203.0.113.5" }, { evaluate, sleep: noSleep, fallback }),
      ),
    );
    expect(calls.n).toBeLessThanOrEqual(SIGN_IN_LIMITS.perAccountClient.limit);
    expect(results.filter((r) => r.kind === "wrong")).toHaveLength(calls.n);
    expect(results.filter((r) => r.kind === "limited").length).toBe(burst - calls.n);
    // attempts refused for contention took no slot: one by one, the window fills to exactly the limit, and then even
    // the right password from that client is refused without being checked
    for (let i = 0; i < 20; i++)
      await authenticateWithLimits(db, kv, { email, password: `more-wrong-${i}`, client: "203.0.113.5" }, { evaluate, sleep: noSleep, fallback });
    expect(calls.n).toBe(SIGN_IN_LIMITS.perAccountClient.limit);
    expect(await authenticateWithLimits(db, kv, { email, password: "the-right-password-1", client: "203.0.113.5" }, { evaluate, sleep: noSleep, fallback })).toMatchObject({ kind: "limited" });
    expect(calls.n).toBe(SIGN_IN_LIMITS.perAccountClient.limit);
  }, 60_000);
});

describe("sign-in limits with the KV store down", () => {
  it("hold per instance: 400 simultaneous wrong passwords still get at most the limit checked, and the owner signs in", async () => {
    const down = store(() => new RedisKvStore({ url: "redis://127.0.0.1:1", prefix: "nowhere:" }));
    const email = uniqueEmail("down");
    await registerUser(db, { email, password: "the-right-password-1" });
    const { calls, evaluate } = counted();
    const fallback = memorySlotStore();
    const kvErrors: unknown[] = [];
    const opts = { evaluate, sleep: noSleep, fallback, onKvError: (e: unknown) => void kvErrors.push(e) };
    const results = await Promise.all(
      Array.from({ length: 400 }, (_, i) => authenticateWithLimits(db, down, { email, password: `wrong-password-${i}`, client: "203.0.113.9" }, opts)),
    );
    expect(kvErrors.length).toBeGreaterThan(0);
    expect(calls.n).toBe(SIGN_IN_LIMITS.perAccountClient.limit);
    expect(results.filter((r) => r.kind === "limited")).toHaveLength(400 - calls.n);
    expect(await authenticateWithLimits(db, down, { email, password: "the-right-password-1", client: "192.0.2.99" }, opts)).toMatchObject({ kind: "ok" });
  }, 60_000);
});

describe("sign-in lockout never keeps the owner out", () => {
  it("an attacker locked out on one client; the owner signs in from another client (after the progressive delay)", async () => {
    const kv = store(() => new RedisKvStore({ url: redisUrl(), prefix: prefix("owner") }));
    const email = uniqueEmail("owner");
    await registerUser(db, { email, password: "owner-password-1" });
    const attacker = "198.51.100.66";
    for (let i = 0; i < SIGN_IN_LIMITS.perAccountClient.limit; i++)
      expect(await authenticateWithLimits(db, kv, { email, password: `guess-password-${i}`, client: attacker }, { sleep: noSleep })).toEqual({ kind: "wrong" });
    expect(await authenticateWithLimits(db, kv, { email, password: "owner-password-1", client: attacker }, { sleep: noSleep })).toMatchObject({ kind: "limited" });

    const waits: number[] = [];
    const owner = await authenticateWithLimits(db, kv, { email, password: "owner-password-1", client: "192.0.2.10" }, { sleep: async (ms) => void waits.push(ms) });
    expect(owner).toMatchObject({ kind: "ok", user: { email } });
    // the e-mail has failed 10 times: the owner's attempt waited, it was not refused
    expect(waits).toEqual([progressiveDelayMs(10)]);
    expect(waits[0]).toBeGreaterThan(0);
    // a success clears the e-mail's failures: the next sign-in does not wait
    const again: number[] = [];
    expect(await authenticateWithLimits(db, kv, { email, password: "owner-password-1", client: "192.0.2.10" }, { sleep: async (ms) => void again.push(ms) })).toMatchObject({ kind: "ok" });
    expect(again).toEqual([]);
  });

  it("the delay grows with the e-mail's failures and is capped", () => {
    const d = SIGN_IN_LIMITS.delay;
    expect(progressiveDelayMs(0)).toBe(0);
    expect(progressiveDelayMs(d.freeFailures - 1)).toBe(0);
    expect(progressiveDelayMs(d.freeFailures)).toBe(d.baseMs);
    expect(progressiveDelayMs(d.freeFailures + 1)).toBe(2 * d.baseMs);
    expect(progressiveDelayMs(1000)).toBe(d.maxMs);
  });

  it("one client trying many e-mails is refused after the per-client limit, before any password is checked", async () => {
    const kv = store(() => new RedisKvStore({ url: redisUrl(), prefix: prefix("client") }));
    const { calls, evaluate } = counted();
    const client = "203.0.113.77";
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        authenticateWithLimits(db, kv, { email: uniqueEmail(`spray${i}`), password: "spray-password-1", client }, { evaluate, sleep: noSleep }),
      ),
    );
    expect(calls.n).toBeLessThanOrEqual(SIGN_IN_LIMITS.perClient.limit);
    expect(results.filter((r) => r.kind === "limited").length).toBe(100 - calls.n);
  }, 60_000);
});

describe("wrong discount codes under a burst", () => {
  it("400 simultaneous wrong codes on one cart: at most the limit are evaluated, the rest get 429", async () => {
    const kv = store(() => new RedisKvStore({ url: redisUrl(), prefix: prefix("codes") }));
    const lookups = { n: 0 };
    // counts the code look-ups (each evaluation of a code reads it once)
    const countingDb = db.$extends({
      query: {
        discount: {
          async findFirst({ args, query }) {
            lookups.n++;
            return query(args);
          },
        },
      },
    }) as unknown as PrismaClient;
    const service = new CartService(countingDb, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
    const cart = await service.createGuestCart();
    const results = await Promise.allSettled(
      Array.from({ length: 400 }, (_, i) => service.applyDiscount(cart.id, { userId: null }, `NOPE-${run}-${i}`, `client-${i}`)),
    );
    const codes = results.map((r) => (r.status === "rejected" ? (r.reason as DomainError).code : "ok"));
    expect(lookups.n).toBeLessThanOrEqual(10);
    expect(codes.filter((c) => c === "discount_invalid")).toHaveLength(lookups.n);
    expect(codes.filter((c) => c === "rate_limited")).toHaveLength(400 - lookups.n);
  }, 60_000);

  it("a right code gives its slot back: valid codes never use up the window", async () => {
    const kv = store(() => new RedisKvStore({ url: redisUrl(), prefix: prefix("right-code") }));
    const service = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD", discountFailuresPerCart: 2 });
    const code = `OK${run}`.toUpperCase();
    await createDiscount(db, { code, type: "FREE_SHIPPING" }, new Date());
    const product = await db.product.create({
      data: { slug: `burst-${run}`, name: "Burst Tee", basePrice: 1500, currency: "USD", variants: { create: [{ sku: `BURST-${run}`, attributes: {}, stockQuantity: 5 }] } },
      include: { variants: true },
    });
    const cart = await service.createGuestCart();
    await service.addItem(cart.id, { userId: null }, { variantId: product.variants[0]!.id, quantity: 1 });
    for (let i = 0; i < 5; i++) await service.applyDiscount(cart.id, { userId: null }, code, "198.51.100.1");
    // both wrong-code slots are still free
    for (let i = 0; i < 2; i++)
      await expect(service.applyDiscount(cart.id, { userId: null }, `WRONG-${run}-${i}`, "198.51.100.1")).rejects.toMatchObject({ code: "discount_invalid" });
    await expect(service.applyDiscount(cart.id, { userId: null }, `WRONG-${run}-x`, "198.51.100.1")).rejects.toMatchObject({ code: "rate_limited" });
  });
});
