import { mkdtemp, mkdir, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { checkReadiness, pendingMigrations } from "@/lib/observability/readiness";
import { metrics, routeLabel } from "@/lib/observability/metrics";

let db: PrismaClient;
let kv: RedisKvStore;

beforeAll(() => {
  db = createPrismaClient(process.env.DATABASE_URL!, 2);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}ready:` });
});
afterAll(async () => {
  await kv.close();
  await db.$disconnect();
});

describe("readiness", () => {
  it("is ready when PostgreSQL, the migrations and Redis are all good", async () => {
    const r = await checkReadiness(db, kv);
    expect(r.ready).toBe(true);
    expect(r.checks.database.ok && r.checks.migrations.ok && r.checks.kv.ok).toBe(true);
  });

  it("names the KV store when it is unreachable, within about a second", async () => {
    const down = new RedisKvStore({ url: "redis://127.0.0.1:1", prefix: "x:" });
    try {
      const started = Date.now();
      const r = await checkReadiness(db, down);
      expect(r.ready).toBe(false);
      expect(r.checks.kv.ok).toBe(false);
      expect(r.checks.database.ok).toBe(true);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await down.close();
    }
  });

  it("names the database when it is unreachable", async () => {
    const bad = createPrismaClient("postgresql://postgres@127.0.0.1:1/none", 1);
    try {
      const r = await checkReadiness(bad, kv);
      expect(r.ready).toBe(false);
      expect(r.checks.database.ok).toBe(false);
      expect(r.checks.kv.ok).toBe(true);
    } finally {
      await bad.$disconnect();
    }
  });

  it("reports a committed migration the database has not applied", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "cw-mig-"));
    for (const m of await readdir("prisma/migrations", { withFileTypes: true })) if (m.isDirectory()) await mkdir(path.join(dir, m.name));
    await mkdir(path.join(dir, "29991231000000_not_applied"));
    expect(await pendingMigrations(db, dir)).toEqual(["29991231000000_not_applied"]);
    expect(await pendingMigrations(db)).toEqual([]);
  });
});

describe("metrics", () => {
  it("labels routes by pattern, not by id", () => {
    expect(routeLabel("/api/carts/qnTxTPtkYLwP88uotj4Tvg/items/46c2c441-26aa-40be-8036-085a08d0a9f1")).toBe("/api/carts/:id/items/:id");
    expect(routeLabel("/api/products/12")).toBe("/api/products/:id");
    expect(routeLabel("/products/classic-tee")).toBe("/products/classic-tee");
  });

  it("exposes the counters in Prometheus text format", async () => {
    metrics().checkouts.inc({ outcome: "placed" });
    const text = await metrics().registry.metrics();
    expect(text).toContain('cartwright_checkouts_total{outcome="placed"}');
    expect(text).toContain("cartwright_http_request_duration_seconds");
  });
});
