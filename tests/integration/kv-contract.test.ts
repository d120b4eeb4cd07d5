import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { disconnectPrisma, prisma } from "@/lib/db";
import { closeKv, createKv, kv as processKv } from "@/lib/kv";
import { PostgresKvStore } from "@/lib/kv/postgres";
import { RedisKvStore } from "@/lib/kv/redis";
import { KvUnavailableError, type KvStore } from "@/lib/kv/types";
import { UpstashKvStore } from "@/lib/kv/upstash";
import { startUpstashBridge } from "@/tests/fakes/upstash-rest-bridge";
import { startTcpProxy } from "@/tests/support/net";

// One contract, three adapters: TCP Redis and Upstash REST (through the local bridge) against the real local Redis,
// and the PostgreSQL table against this run's migrated database. TTLs are short and the tests really wait.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const redisUrl = () => process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const runPrefix = () => process.env.KV_PREFIX ?? "cwtest:";
const TOKEN = "contract-test-token";

/** Raw access to what an adapter stored, by full key, to check prefixes and clean up. */
type Harness = {
  kind: KvStore["kind"];
  setup(): Promise<void>;
  store(prefix: string): KvStore;
  rawGet(fullKey: string): Promise<string | null>;
  cleanup(prefix: string): Promise<void>;
  teardown(): Promise<void>;
};

let raw: ReturnType<typeof createClient> | undefined;
async function rawRedis() {
  if (!raw) {
    raw = createClient({ url: redisUrl() });
    raw.on("error", () => {});
    await raw.connect();
  }
  return raw;
}
async function deleteRedisPrefix(prefix: string) {
  const r = await rawRedis();
  for await (const keys of r.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await r.del(keys);
}

const stores: KvStore[] = [];
const track = <T extends KvStore>(s: T): T => {
  stores.push(s);
  return s;
};

let bridge: Awaited<ReturnType<typeof startUpstashBridge>> | undefined;

const harnesses: Harness[] = [
  {
    kind: "redis",
    setup: async () => {},
    store: (prefix) => track(new RedisKvStore({ url: redisUrl(), prefix })),
    rawGet: async (k) => (await rawRedis()).get(k),
    cleanup: deleteRedisPrefix,
    teardown: async () => {},
  },
  {
    kind: "upstash",
    setup: async () => {
      bridge = await startUpstashBridge({ redisUrl: redisUrl(), token: TOKEN });
    },
    store: (prefix) => track(new UpstashKvStore({ url: bridge!.url, token: TOKEN, prefix })),
    rawGet: async (k) => (await rawRedis()).get(k),
    cleanup: deleteRedisPrefix,
    teardown: async () => {
      await bridge?.close();
      bridge = undefined;
    },
  },
  {
    kind: "postgres",
    setup: async () => {},
    store: (prefix) => track(new PostgresKvStore({ prefix })),
    rawGet: async (k) => {
      const rows = await prisma().$queryRaw<{ value: string }[]>`SELECT value FROM kv_entries WHERE key = ${k}`;
      return rows[0]?.value ?? null;
    },
    cleanup: async (prefix) => {
      await prisma().$executeRaw`DELETE FROM kv_entries WHERE starts_with(key, ${prefix})`;
    },
    teardown: async () => {},
  },
];

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await raw?.close();
  await disconnectPrisma();
});

describe.each(harnesses)("KvStore contract: $kind", (h) => {
  const prefix = `${runPrefix()}contract:${h.kind}:`;
  let kv: KvStore;

  beforeAll(async () => {
    await h.setup();
    kv = h.store(prefix);
  });
  afterAll(async () => {
    await h.cleanup(prefix);
    await h.teardown();
  });

  it("reports its kind and answers ping", async () => {
    expect(kv.kind).toBe(h.kind);
    await expect(kv.ping()).resolves.toBeUndefined();
  });

  it("get / set / overwrite", async () => {
    expect(await kv.get("basic")).toBeNull();
    await kv.set("basic", "one");
    expect(await kv.get("basic")).toBe("one");
    await kv.set("basic", "two");
    expect(await kv.get("basic")).toBe("two");
    const doc = JSON.stringify({ items: [{ sku: "TSHIRT-M", qty: 2 }], note: "héllo ✓ 🛒" });
    await kv.set("doc", doc);
    expect(await kv.get("doc")).toBe(doc);
    await kv.set("empty", "");
    expect(await kv.get("empty")).toBe("");
  });

  it("delete removes a key; deleting a missing key is fine", async () => {
    await kv.set("del", "x");
    await kv.delete("del");
    expect(await kv.get("del")).toBeNull();
    await expect(kv.delete("never-existed")).resolves.toBeUndefined();
  });

  it("ttl() reports the seconds left, null without a TTL or key; set without a TTL drops the old one", async () => {
    await kv.set("ttl", "v", { ttlSeconds: 10 });
    const t = await kv.ttl("ttl");
    expect(t).toBeGreaterThanOrEqual(9);
    expect(t).toBeLessThanOrEqual(10);
    await kv.set("ttl", "v2");
    expect(await kv.ttl("ttl")).toBeNull();
    expect(await kv.get("ttl")).toBe("v2");
    expect(await kv.ttl("ttl-missing")).toBeNull();
  });

  it("expire() sets a TTL on an existing key (true) and answers false for a missing one", async () => {
    await kv.set("exp", "v");
    expect(await kv.expire("exp", 30)).toBe(true);
    const t = await kv.ttl("exp");
    expect(t).toBeGreaterThanOrEqual(29);
    expect(t).toBeLessThanOrEqual(30);
    expect(await kv.expire("exp-missing", 30)).toBe(false);
    expect(await kv.get("exp-missing")).toBeNull();
  });

  it("keys really expire: set with TTL, expire(), incr's window (real waiting)", async () => {
    await kv.set("short", "v", { ttlSeconds: 1 });
    await kv.set("later", "v", { ttlSeconds: 30 });
    await kv.set("expire-me", "v");
    expect(await kv.expire("expire-me", 1)).toBe(true);
    expect(await kv.incr("counter-short", 1)).toBe(1);
    expect(await kv.incr("counter-short", 1)).toBe(2);
    expect(await kv.get("short")).toBe("v");

    await sleep(1300);

    expect(await kv.get("short")).toBeNull();
    expect(await kv.ttl("short")).toBeNull();
    expect(await kv.get("expire-me")).toBeNull();
    expect(await kv.expire("short", 10)).toBe(false); // expired keys are missing for expire() too
    expect(await kv.get("later")).toBe("v");
    expect(await kv.incr("counter-short", 1)).toBe(1); // a new window
    // an expired key is "missing" for update as well, and can be written again
    expect(await kv.update("short", (cur) => (cur === null ? "fresh" : `stale:${cur}`))).toBe("fresh");
    expect(await kv.get("short")).toBe("fresh");
    expect(await kv.ttl("short")).toBeNull();
  });

  it("incr counts from 1 and sets the TTL only when the key is created", async () => {
    expect(await kv.incr("hits", 60)).toBe(1);
    expect(await kv.incr("hits", 600)).toBe(2);
    const t = await kv.ttl("hits");
    expect(t).toBeGreaterThanOrEqual(59);
    expect(t).toBeLessThanOrEqual(60);
    expect(await kv.get("hits")).toBe("2");
  });

  it("incr is atomic: 50 concurrent calls give 1..50 exactly once and end at 50", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => kv.incr("concurrent-incr", 60)));
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await kv.get("concurrent-incr")).toBe("50");
    expect(await kv.ttl("concurrent-incr")).toBeGreaterThan(0);
  });

  it("update creates, rewrites and deletes, returning what was written", async () => {
    const seen: (string | null)[] = [];
    expect(
      await kv.update("upd", (cur) => {
        seen.push(cur);
        return "a";
      }),
    ).toBe("a");
    expect(seen).toEqual([null]);
    expect(await kv.update("upd", (cur) => `${cur}b`)).toBe("ab");
    expect(await kv.get("upd")).toBe("ab");
    expect(await kv.update("upd", () => null)).toBeNull();
    expect(await kv.get("upd")).toBeNull();
    expect(await kv.update("upd-missing", () => null)).toBeNull();
    expect(await kv.get("upd-missing")).toBeNull();
  });

  it("update with ttlSeconds sets the TTL; without it an existing TTL is kept", async () => {
    await kv.set("upd-ttl", "1", { ttlSeconds: 100 });
    await kv.update("upd-ttl", (cur) => String(Number(cur) + 1));
    const kept = await kv.ttl("upd-ttl");
    expect(kept).toBeGreaterThanOrEqual(98);
    expect(kept).toBeLessThanOrEqual(100);
    await kv.update("upd-ttl", (cur) => String(Number(cur) + 1), { ttlSeconds: 20 });
    const reset = await kv.ttl("upd-ttl");
    expect(reset).toBeGreaterThanOrEqual(19);
    expect(reset).toBeLessThanOrEqual(20);
    expect(await kv.get("upd-ttl")).toBe("3");
    await kv.update("upd-new", () => "x");
    expect(await kv.ttl("upd-new")).toBeNull();
  });

  it("update loses nothing: 30 concurrent writers each append to one JSON array", async () => {
    const key = "cart-doc";
    await kv.set(key, JSON.stringify({ items: [] }), { ttlSeconds: 60 });
    const writers = Array.from({ length: 30 }, (_, i) =>
      kv.update(
        key,
        (cur) => {
          const doc = JSON.parse(cur ?? '{"items":[]}') as { items: number[] };
          return JSON.stringify({ items: [...doc.items, i] });
        },
        { ttlSeconds: 60 },
      ),
    );
    const written = await Promise.all(writers);
    // each writer's own entry is in what it wrote
    written.forEach((w, i) => expect((JSON.parse(w!) as { items: number[] }).items).toContain(i));
    const final = JSON.parse((await kv.get(key))!) as { items: number[] };
    expect([...final.items].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it("update from a missing key under concurrency: 20 writers create-or-append, none lost", async () => {
    const key = "created-concurrently";
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        kv.update(key, (cur) => JSON.stringify([...((cur ? JSON.parse(cur) : []) as number[]), i])),
      ),
    );
    expect((JSON.parse((await kv.get(key))!) as number[]).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it("an error thrown by fn reaches the caller and writes nothing", async () => {
    await kv.set("fn-throws", "keep");
    await expect(
      kv.update("fn-throws", () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await kv.get("fn-throws")).toBe("keep");
  });

  it("keys are isolated by prefix, and stored under prefix + key", async () => {
    const other = h.store(`${prefix}other:`);
    await kv.set("shared-name", "mine");
    await other.set("shared-name", "theirs");
    expect(await kv.get("shared-name")).toBe("mine");
    expect(await other.get("shared-name")).toBe("theirs");
    expect(await h.rawGet(`${prefix}shared-name`)).toBe("mine");
    expect(await h.rawGet(`${prefix}other:shared-name`)).toBe("theirs");
    await other.delete("shared-name");
    expect(await kv.get("shared-name")).toBe("mine");
    expect(await other.incr("n", 60)).toBe(1);
    expect(await kv.get("n")).toBeNull();
    expect(await kv.expire("n", 10)).toBe(false);
  });

  it("rejects a TTL that is not a positive number", async () => {
    await expect(kv.set("bad-ttl", "v", { ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(kv.incr("bad-ttl", -1)).rejects.toThrow(RangeError);
    await expect(kv.expire("bad-ttl", Number.NaN)).rejects.toThrow(RangeError);
  });
});

describe("Redis TCP: the last-seen value as the compare-and-set's guess", () => {
  const prefix = `${runPrefix()}guess:${process.pid}:`;
  let a: RedisKvStore;
  let b: RedisKvStore;
  beforeAll(() => {
    a = track(new RedisKvStore({ url: redisUrl(), prefix }));
    b = track(new RedisKvStore({ url: redisUrl(), prefix }));
  });
  afterAll(async () => deleteRedisPrefix(prefix));

  /** The commands that reach Redis for `key` (MONITOR; commands run inside a script are left out). */
  async function commandsFor(key: string, run: () => Promise<unknown>): Promise<string[]> {
    const monitor = createClient({ url: redisUrl() });
    monitor.on("error", () => {});
    await monitor.connect();
    const seen: string[] = [];
    await monitor.monitor((line: string) => {
      if (!line.includes("lua]") && line.includes(`"${prefix}${key}"`)) seen.push(/\] "(\w+)"/.exec(line)?.[1]?.toLowerCase() ?? line);
    });
    try {
      await run();
      await sleep(100); // MONITOR lines arrive after the answers
    } finally {
      await monitor.close().catch(() => monitor.destroy());
    }
    return seen;
  }

  it("changing a key this process just read or wrote is ONE command; a key it has not seen is a read and a write", async () => {
    await a.set("one-trip", "v1");
    expect(await commandsFor("one-trip", () => a.update("one-trip", (cur) => `${cur}+a`))).toEqual(["eval"]);
    expect(await b.get("one-trip")).toBe("v1+a");
    const unseen = track(new RedisKvStore({ url: redisUrl(), prefix }));
    expect(await commandsFor("one-trip", () => unseen.update("one-trip", (cur) => `${cur}+u`))).toEqual(["get", "eval"]);
    expect(await b.get("one-trip")).toBe("v1+a+u");
  });

  it("a stale guess costs one refused write, answered with the current value, and nothing is lost", async () => {
    await a.set("stale", "a0");
    await b.update("stale", (cur) => `${cur}|b1`); // a's guess is now stale
    const calls: (string | null)[] = [];
    const cmds = await commandsFor("stale", async () => {
      expect(await a.update("stale", (cur) => (calls.push(cur), `${cur}|a1`))).toBe("a0|b1|a1");
    });
    expect(calls).toEqual(["a0", "a0|b1"]); // fn ran on the guess, then on what Redis answered: no read in between
    expect(cmds).toEqual(["eval", "eval"]);
    expect(await b.get("stale")).toBe("a0|b1|a1");
  });

  it("fn that refuses a stale guess is asked again with the real value; a deleted key is seen as missing", async () => {
    await a.set("refuse", "closed");
    await b.set("refuse", "open");
    const value = await a.update("refuse", (cur) => {
      if (cur === "closed") throw new Error("refused on a stale guess");
      return `${cur}!`;
    });
    expect(value).toBe("open!");
    await b.delete("refuse");
    expect(await a.update("refuse", (cur) => (cur === null ? "fresh" : `${cur}?`))).toBe("fresh");
    expect(await b.get("refuse")).toBe("fresh");
  });

  it("two processes' stores appending to one document at once (each with its own guesses) lose nothing", async () => {
    await a.set("race", "[]", { ttlSeconds: 60 });
    await b.get("race");
    const append = (s: RedisKvStore, n: number) =>
      s.update("race", (cur) => JSON.stringify([...(JSON.parse(cur ?? "[]") as number[]), n]), { ttlSeconds: 60 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => append(i % 2 ? a : b, i)));
    expect((JSON.parse((await a.get("race"))!) as number[]).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

describe("PostgreSQL adapter: expired rows", () => {
  const prefix = `${runPrefix()}pg-expiry:`;
  const kv = new PostgresKvStore({ prefix });
  const rowCount = async () =>
    Number(
      (
        await prisma().$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM kv_entries WHERE starts_with(key, ${prefix})`
      )[0]?.n ?? 0,
    );
  afterAll(async () => {
    await prisma().$executeRaw`DELETE FROM kv_entries WHERE starts_with(key, ${prefix})`;
  });

  it("are invisible, deleted by the get that meets them, and swept by purgeExpired()", async () => {
    await kv.set("a", "1", { ttlSeconds: 1 });
    await kv.set("b", "2", { ttlSeconds: 1 });
    await kv.set("c", "3");
    expect(await rowCount()).toBe(3);
    await sleep(1200);
    expect(await kv.get("a")).toBeNull();
    expect(await rowCount()).toBe(2); // "a" deleted lazily, "b" still a row but invisible
    expect(await kv.ttl("b")).toBeNull();
    expect(await kv.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await rowCount()).toBe(1);
    expect(await kv.get("c")).toBe("3");
  });
});

async function timed(p: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const start = performance.now();
  try {
    await p;
    return { ms: performance.now() - start, error: undefined };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

describe("when the store is down", () => {
  it("Redis TCP: calls fail fast with KvUnavailableError, and the client reconnects by itself", async () => {
    const proxy = await startTcpProxy(redisUrl());
    const kv = track(new RedisKvStore({ url: proxy.urlFor(redisUrl()), prefix: `${runPrefix()}outage:` }));
    try {
      await kv.set("k", "v", { ttlSeconds: 60 });
      expect(await kv.get("k")).toBe("v");

      await proxy.close();
      const ops: Array<() => Promise<unknown>> = [
        () => kv.get("k"),
        () => kv.set("k", "w"),
        () => kv.incr("c", 10),
        () => kv.update("k", () => "x"),
        () => kv.ping(),
      ];
      for (const op of ops) {
        const r = await timed(op());
        expect(r.error).toBeInstanceOf(KvUnavailableError);
        expect((r.error as KvUnavailableError).code).toBe("service_unavailable");
        expect((r.error as KvUnavailableError).httpStatus).toBe(503);
        expect(r.ms).toBeLessThan(1200);
      }

      await proxy.open();
      let value: string | null | undefined;
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        try {
          value = await kv.get("k");
          break;
        } catch (e) {
          expect(e).toBeInstanceOf(KvUnavailableError);
          await sleep(100);
        }
      }
      expect(value).toBe("v");
    } finally {
      await kv.delete("k").catch(() => {});
      await kv.close();
      await proxy.close();
    }
  });

  it("Redis TCP: a server that never answers fails fast too", async () => {
    const silent = createServer(() => {}); // accepts connections and says nothing
    const sockets = new Set<Socket>();
    silent.on("connection", (s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const kv = track(new RedisKvStore({ url: `redis://127.0.0.1:${(silent.address() as AddressInfo).port}` }));
    try {
      const r = await timed(kv.get("k"));
      expect(r.error).toBeInstanceOf(KvUnavailableError);
      expect(r.ms).toBeLessThan(1500);
    } finally {
      await kv.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("Redis TCP: nothing listening at all fails fast on first use", async () => {
    const kv = track(new RedisKvStore({ url: "redis://127.0.0.1:1" }));
    const r = await timed(kv.get("k"));
    expect(r.error).toBeInstanceOf(KvUnavailableError);
    expect(r.ms).toBeLessThan(1200);
    await kv.close();
  });

  it("Upstash REST: an unreachable endpoint or a wrong token is KvUnavailableError, fast", async () => {
    const b = await startUpstashBridge({ redisUrl: redisUrl(), token: TOKEN });
    const wrongToken = new UpstashKvStore({ url: b.url, token: "not-the-token", prefix: runPrefix() });
    const r1 = await timed(wrongToken.get("k"));
    expect(r1.error).toBeInstanceOf(KvUnavailableError);
    const url = b.url;
    await b.close();
    const down = new UpstashKvStore({ url, token: TOKEN, prefix: runPrefix() });
    const ops: Array<() => Promise<unknown>> = [() => down.get("k"), () => down.incr("c", 10), () => down.update("k", () => "x")];
    for (const op of ops) {
      const r = await timed(op());
      expect(r.error).toBeInstanceOf(KvUnavailableError);
      expect(r.ms).toBeLessThan(1200);
    }
  });
});

describe("kv() factory choice", () => {
  it("Upstash when its URL and token are set, else Redis with REDIS_URL, else the PostgreSQL table", async () => {
    const base = { KV_PREFIX: "x:", REDIS_URL: undefined, UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined };
    const up = createKv({ ...base, REDIS_URL: "redis://127.0.0.1:6379", UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1", UPSTASH_REDIS_REST_TOKEN: "t" });
    const re = createKv({ ...base, REDIS_URL: "redis://127.0.0.1:6379" });
    const pg = createKv(base);
    expect([up.kind, re.kind, pg.kind]).toEqual(["upstash", "redis", "postgres"]);
    await Promise.all([up.close(), re.close(), pg.close()]);
  });

  it("kv() is one instance per process (REDIS_URL is set in this environment); closeKv() starts over", async () => {
    const a = processKv();
    expect(a.kind).toBe("redis");
    expect(processKv()).toBe(a);
    await a.ping();
    await closeKv();
    const b = processKv();
    expect(b).not.toBe(a);
    await closeKv();
  });
});
