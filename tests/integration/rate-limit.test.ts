import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectPrisma, prisma } from "@/lib/db";
import { PostgresKvStore } from "@/lib/kv/postgres";
import { RedisKvStore } from "@/lib/kv/redis";
import type { KvStore } from "@/lib/kv/types";
import { UpstashKvStore } from "@/lib/kv/upstash";
import { hitSlidingWindow, takeSlots, type SlotResult } from "@/lib/rate-limit";
import { metrics } from "@/lib/observability/metrics";
import { startUpstashBridge } from "@/tests/fakes/upstash-rest-bridge";

const redisUrl = () => process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const TOKEN = "rate-limit-test-token";
const MIN = 60_000;
// "the 11th wrong discount code for one cart within 15 minutes gets 429"
const DISCOUNT = { limit: 10, windowSeconds: 15 * 60 };

let bridge: Awaited<ReturnType<typeof startUpstashBridge>> | undefined;
const stores: KvStore[] = [];

const adapters: { kind: string; make: (prefix: string) => KvStore }[] = [
  { kind: "redis", make: (prefix) => new RedisKvStore({ url: redisUrl(), prefix }) },
  { kind: "upstash", make: (prefix) => new UpstashKvStore({ url: bridge!.url, token: TOKEN, prefix }) },
  { kind: "postgres", make: (prefix) => new PostgresKvStore({ prefix }) },
];

beforeAll(async () => {
  bridge = await startUpstashBridge({ redisUrl: redisUrl(), token: TOKEN });
});

afterAll(async () => {
  for (const s of stores) {
    // leave nothing behind in the shared Redis (the database is dropped after the run)
    if (s.kind !== "postgres") for (const key of usedKeys) await s.delete(key).catch(() => {});
    await s.close();
  }
  await bridge?.close();
  await prisma().$executeRaw`DELETE FROM kv_entries WHERE starts_with(key, ${process.env.KV_PREFIX ?? ""})`;
  await disconnectPrisma();
});

const usedKeys = new Set<string>();
const key = (name: string) => {
  usedKeys.add(name);
  return name;
};

describe.each(adapters)("sliding window rate limit on $kind", ({ kind, make }) => {
  let kv: KvStore;
  beforeAll(() => {
    kv = make(`${process.env.KV_PREFIX ?? "cwtest:"}rl:${kind}:`);
    stores.push(kv);
  });

  it("allows 10 wrong codes for one cart in 15 minutes and refuses the 11th with a Retry-After", async () => {
    const k = key("discount:cart:c1");
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) {
      const r = await hitSlidingWindow(kv, k, { ...DISCOUNT, now: t0 + i * MIN });
      expect(r).toEqual({ allowed: true, count: i + 1, retryAfterSeconds: 0 });
    }
    // 11th, 10 minutes after the first: refused until the first hit is 15 minutes old
    const refused = await hitSlidingWindow(kv, k, { ...DISCOUNT, now: t0 + 10 * MIN });
    expect(refused.allowed).toBe(false);
    expect(refused.count).toBe(10);
    expect(refused.retryAfterSeconds).toBe(5 * 60);
    // refused hits are not recorded: once the first hit is 15 minutes old, 9 are left and one more fits
    expect(await hitSlidingWindow(kv, k, { ...DISCOUNT, now: t0 + 15 * MIN })).toEqual({ allowed: true, count: 10, retryAfterSeconds: 0 });
  });

  it("is a true sliding window: room comes back one hit at a time as old hits age out", async () => {
    const k = key("discount:cart:slide");
    const t0 = Date.now();
    // 5 hits at t0, 5 hits at t0+10min
    for (let i = 0; i < 5; i++) expect((await hitSlidingWindow(kv, k, { ...DISCOUNT, now: t0 })).allowed).toBe(true);
    for (let i = 0; i < 5; i++)
      expect((await hitSlidingWindow(kv, k, { ...DISCOUNT, now: t0 + 10 * MIN })).allowed).toBe(true);
    // a fixed 15-minute window starting at t0 would reset at t0+15min and allow 10 more; a sliding window
    // lets exactly the 5 hits of t0 go, the t0+10min ones still count
    expect((await hitSlidingWindow(kv, k, { ...DISCOUNT, now: t0 + 15 * MIN - 1 })).allowed).toBe(false);
    const after = t0 + 15 * MIN + 1;
    for (let i = 0; i < 5; i++) expect((await hitSlidingWindow(kv, k, { ...DISCOUNT, now: after })).allowed).toBe(true);
    const r = await hitSlidingWindow(kv, k, { ...DISCOUNT, now: after });
    expect(r.allowed).toBe(false);
    expect(r.count).toBe(10);
    // the oldest counted hits (t0+10min) leave at t0+25min
    expect(r.retryAfterSeconds).toBe(Math.ceil((t0 + 25 * MIN - after) / 1000));
  });

  it("counts every concurrent hit: 25 at once with limit 10 -> exactly 10 allowed", async () => {
    const k = key("discount:cart:burst");
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 25 }, () => hitSlidingWindow(kv, k, { ...DISCOUNT, now })));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(results.filter((r) => !r.allowed).every((r) => r.retryAfterSeconds === 15 * 60)).toBe(true);
    expect(await hitSlidingWindow(kv, k, { ...DISCOUNT, now })).toEqual({ allowed: false, count: 10, retryAfterSeconds: 15 * 60 });
  });

  it("40 slot-takers racing on one client's window (limit 30): exactly 30 hold a slot, none fails, and all given back empty it", async () => {
    // the discount-code limit's shape: many shoppers behind one address apply codes at the same moment
    const k = key("discount:client:burst");
    const windows = [{ key: k, opts: { limit: 30, windowSeconds: 15 * 60 } }];
    const taken = await Promise.all(Array.from({ length: 40 }, () => takeSlots(kv, windows)));
    const held = taken.filter((t): t is Extract<SlotResult, { allowed: true }> => t.allowed);
    expect(held).toHaveLength(30);
    expect(taken.filter((t) => !t.allowed).every((t) => !t.allowed && t.retryAfterSeconds > 0)).toBe(true);
    expect(JSON.parse((await kv.get(k))!)).toHaveLength(30);
    await Promise.all(held.map((t) => t.release()));
    expect(await kv.get(k)).toBeNull();
  });

  it("a slot given back keeps the window's TTL", async () => {
    const k = key("discount:client:ttl");
    const windows = [{ key: k, opts: { limit: 5, windowSeconds: 120 } }];
    const first = await takeSlots(kv, windows);
    const second = await takeSlots(kv, windows);
    expect(first.allowed && second.allowed).toBe(true);
    if (first.allowed) await first.release();
    expect(JSON.parse((await kv.get(k))!)).toHaveLength(1);
    const t = await kv.ttl(k);
    expect(t).toBeGreaterThan(115);
    expect(t).toBeLessThanOrEqual(121);
  });

  it("keeps subjects apart (one cart's failures do not limit another cart)", async () => {
    const now = Date.now();
    for (let i = 0; i < 10; i++) await hitSlidingWindow(kv, key("discount:cart:a"), { ...DISCOUNT, now });
    expect((await hitSlidingWindow(kv, key("discount:cart:a"), { ...DISCOUNT, now })).allowed).toBe(false);
    expect((await hitSlidingWindow(kv, key("discount:cart:b"), { ...DISCOUNT, now })).allowed).toBe(true);
  });

  it("gives the key a TTL of about one window, and reads garbage as an empty window", async () => {
    const k = key("discount:cart:ttl");
    await hitSlidingWindow(kv, k, { limit: 3, windowSeconds: 60 });
    const t = await kv.ttl(k);
    expect(t).toBeGreaterThan(55);
    expect(t).toBeLessThanOrEqual(61);
    await kv.set(k, "not json");
    expect(await hitSlidingWindow(kv, k, { limit: 3, windowSeconds: 60 })).toEqual({
      allowed: true,
      count: 1,
      retryAfterSeconds: 0,
    });
  });

  it("works in real time with a short window", async () => {
    const k = key("realtime");
    const opts = { limit: 2, windowSeconds: 1 };
    expect((await hitSlidingWindow(kv, k, opts)).allowed).toBe(true);
    expect((await hitSlidingWindow(kv, k, opts)).allowed).toBe(true);
    const refused = await hitSlidingWindow(kv, k, opts);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await hitSlidingWindow(kv, k, opts)).allowed).toBe(true);
  });
});

describe("sliding window rate limit on redis: round trips", () => {
  /** the store's own count of what it sent, by operation (cartwright_kv_latency_seconds observes every command once) */
  const sent = async () => {
    const counts = new Map<string, number>();
    for (const v of (await metrics().kvLatency.get()).values)
      if (v.metricName?.endsWith("_count")) counts.set(String(v.labels.op), (counts.get(String(v.labels.op)) ?? 0) + v.value);
    return counts;
  };

  it("a burst of 40 on one key costs each taker one command to take its slot and one to give it back: no read, no retry", async () => {
    const kv = new RedisKvStore({ url: redisUrl(), prefix: `${process.env.KV_PREFIX ?? "cwtest:"}rl:trips:` });
    stores.push(kv);
    const k = key("discount:client:trips");
    const windows = [{ key: k, opts: { limit: 100, windowSeconds: 60 } }];
    const before = await sent();
    const taken = await Promise.all(Array.from({ length: 40 }, () => takeSlots(kv, windows)));
    await Promise.all(taken.map((t) => (t.allowed ? t.release() : undefined)));
    const after = await sent();
    const delta = new Map([...after].map(([op, n]) => [op, n - (before.get(op) ?? 0)]));
    expect(taken.every((t) => t.allowed)).toBe(true);
    expect(Object.fromEntries([...delta].filter(([, n]) => n > 0))).toEqual({ window_hit: 40, window_unhit: 40 });
    expect(await kv.get(k)).toBeNull();
  });
});

describe("rate limit options", () => {
  it("refuses a limit or window that makes no sense", async () => {
    const kv = new PostgresKvStore({ prefix: `${process.env.KV_PREFIX ?? "cwtest:"}rl-opts:` });
    await expect(hitSlidingWindow(kv, "x", { limit: 0, windowSeconds: 60 })).rejects.toThrow(RangeError);
    await expect(hitSlidingWindow(kv, "x", { limit: 1.5, windowSeconds: 60 })).rejects.toThrow(RangeError);
    await expect(hitSlidingWindow(kv, "x", { limit: 1, windowSeconds: 0 })).rejects.toThrow(RangeError);
  });
});
