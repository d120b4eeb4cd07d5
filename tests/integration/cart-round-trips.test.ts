// How many round trips a cart change costs, counted (never timed): the KV store's operations through a counting
// wrapper around the real Redis store, and PostgreSQL's through the wire-protocol proxy of the bench
// (tests/bench/pg-trace-proxy.ts), which records every statement the server answered. A change that adds a read or a
// statement fails here.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore, type KvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { VariantInfoCache } from "@/lib/catalog/variant-cache";
import { placeOrder, type CheckoutDeps } from "@/lib/checkout";
import { createTestProvider } from "@/lib/payments";
import { forgetRateTables, loadRateTables } from "@/lib/rates";
import { startTraceProxy, type TraceProxy } from "../bench/pg-trace-proxy";

/** The real store, counting what reaches Redis: an update is one read per run of its function, and one write when
 *  that run returns a value to write (a function that throws writes nothing). */
class CountingKv implements KvStore {
  readonly kind = "redis" as const;
  reads = 0;
  writes = 0;
  constructor(private readonly inner: KvStore) {}
  reset() {
    this.reads = 0;
    this.writes = 0;
  }
  async get(key: string) {
    this.reads++;
    return this.inner.get(key);
  }
  async set(key: string, value: string, opts?: { ttlSeconds?: number }) {
    this.writes++;
    return this.inner.set(key, value, opts);
  }
  async delete(key: string) {
    this.writes++;
    return this.inner.delete(key);
  }
  async expire(key: string, ttlSeconds: number) {
    this.writes++;
    return this.inner.expire(key, ttlSeconds);
  }
  async ttl(key: string) {
    this.reads++;
    return this.inner.ttl(key);
  }
  async incr(key: string, ttlSeconds: number) {
    this.writes++;
    return this.inner.incr(key, ttlSeconds);
  }
  async update(key: string, fn: (current: string | null) => string | null, opts?: { ttlSeconds?: number }) {
    return this.inner.update(
      key,
      (current) => {
        this.reads++;
        const next = fn(current);
        if (!(current === null && next === null)) this.writes++;
        return next;
      },
      opts,
    );
  }
  ping() {
    return this.inner.ping();
  }
  close() {
    return this.inner.close();
  }
  get connectionEpoch() {
    return this.inner.connectionEpoch;
  }
}

let proxy: TraceProxy;
let db: PrismaClient;
let direct: PrismaClient;
let redis: RedisKvStore;
let kv: CountingKv;
let service: CartService;
let variantA: number;
let variantB: number;

/** Statements PostgreSQL answered since the last reset, over every pooled connection. */
const statements = () => proxy.connections().flat().map((r) => r.sql.trim().split(/\s+/).slice(0, 3).join(" "));

function resetCounts() {
  proxy.reset();
  kv.reset();
}

beforeAll(async () => {
  const url = new URL(process.env.DATABASE_URL!);
  proxy = await startTraceProxy({ host: url.hostname, port: Number(url.port || 5432) });
  const viaProxy = new URL(url);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  db = createPrismaClient(viaProxy.toString(), 10);
  direct = createPrismaClient(process.env.DATABASE_URL!, 4);
  redis = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}rt:` });
  kv = new CountingKv(redis);
  // the catalog read of add-to-cart goes through the per-process cache, as in the app (CATALOG_CACHE_MS)
  service = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD", variants: new VariantInfoCache(600_000) });
  const p = await direct.product.create({
    data: {
      slug: `round-trips-${randomUUID()}`,
      name: "Round Trip Tee",
      basePrice: 1500,
      currency: "USD",
      variants: {
        create: [
          { sku: `RT-A-${randomUUID()}`, attributes: { size: "S" }, stockQuantity: 500 },
          { sku: `RT-B-${randomUUID()}`, attributes: { size: "L" }, stockQuantity: 500 },
        ],
      },
    },
    include: { variants: { orderBy: { id: "asc" } } },
  });
  variantA = p.variants[0]!.id;
  variantB = p.variants[1]!.id;
  await service.variantInfo([variantA, variantB]); // the cache is warm, as in a running shop
  // a country of this file's own for checkout (Monaco), so no other file's rates matter
  await direct.shippingZoneCountry.upsert({ where: { country: "MC" }, create: { country: "MC", zone: "ROUND_TRIPS" }, update: { zone: "ROUND_TRIPS" } });
  await direct.shippingRate.upsert({
    where: { zone_currency: { zone: "ROUND_TRIPS", currency: "USD" } },
    create: { zone: "ROUND_TRIPS", currency: "USD", amount: 700, freeOver: null },
    update: { amount: 700, freeOver: null },
  });
  forgetRateTables();
});

afterAll(async () => {
  await redis.close();
  await db.$disconnect();
  await direct.$disconnect();
  await proxy.close();
});

beforeEach(() => resetCounts());

describe("add-to-cart round trips", () => {
  it("a guest cart: exactly one KV read and one KV write (the compare-and-set), no PostgreSQL", async () => {
    const cart = await service.createGuestCart();
    resetCounts();
    const first = await service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 1 });
    expect({ reads: kv.reads, writes: kv.writes, pg: statements() }).toEqual({ reads: 1, writes: 1, pg: [] });

    resetCounts();
    // the line merge happens inside the same compare-and-set
    const second = await service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 2 });
    expect({ reads: kv.reads, writes: kv.writes, pg: statements() }).toEqual({ reads: 1, writes: 1, pg: [] });
    expect(second.items).toHaveLength(1);
    expect(second.items[0]!.quantity).toBe(3);
    expect(second.version).toBe(first.version + 1);
    expect(JSON.parse((await redis.get(`cart:${cart.id}`))!).items[0].quantity).toBe(3);
  });

  it("a refused guest add (another currency) writes nothing", async () => {
    const cart = await service.createGuestCart();
    await service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 1 });
    const eur = await direct.product.create({
      data: { slug: `rt-eur-${randomUUID()}`, name: "Euro Tee", basePrice: 900, currency: "EUR", variants: { create: [{ sku: `RT-E-${randomUUID()}`, attributes: {}, stockQuantity: 5 }] } },
      include: { variants: true },
    });
    const before = await redis.get(`cart:${cart.id}`);
    resetCounts();
    await expect(service.addItem(cart.id, { userId: null }, { variantId: eur.variants[0]!.id, quantity: 1 })).rejects.toMatchObject({ code: "currency_mismatch" });
    expect(kv.writes).toBe(0);
    expect(await redis.get(`cart:${cart.id}`)).toBe(before);
  });

  it("a signed-in cart: two PostgreSQL statements (the cart read, the version-checked write), no transaction; the cache refreshed with one KV write", async () => {
    const user = await direct.user.create({ data: { email: `rt-${randomUUID()}@example.test`, passwordHash: "x" } });
    const cart = await service.cartForUser(user.id);
    await service.addItem(cart.id, { userId: user.id }, { variantId: variantA, quantity: 1 });
    resetCounts();
    const after = await service.addItem(cart.id, { userId: user.id }, { variantId: variantB, quantity: 2 });
    const sql = statements();
    expect(sql).toHaveLength(2);
    expect(sql[0]).toMatch(/^SELECT c\.id,/);
    expect(sql[1]).toMatch(/^WITH c AS/);
    expect(sql.some((s) => /^(BEGIN|COMMIT)/i.test(s))).toBe(false);
    // the probe of the key (a signed-in copy there: left alone) and the cache refresh (read, then the one write)
    expect({ reads: kv.reads, writes: kv.writes }).toEqual({ reads: 2, writes: 1 });
    expect(after.items.map((l) => [l.variantId, l.quantity])).toEqual([
      [variantA, 1],
      [variantB, 2],
    ]);
    const cached = JSON.parse((await redis.get(`cart:${cart.id}`))!);
    expect(cached.version).toBe(after.version);
  });

  it("another shopper's signed-in cart is 403 and changes nothing", async () => {
    const owner = await direct.user.create({ data: { email: `rt-o-${randomUUID()}@example.test`, passwordHash: "x" } });
    const cart = await service.cartForUser(owner.id);
    await expect(service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 1 })).rejects.toMatchObject({ code: "forbidden" });
    const row = await direct.cart.findUniqueOrThrow({ where: { id: cart.id }, include: { items: true } });
    expect(row.items).toHaveLength(0);
    expect(row.version).toBe(cart.version);
  });

  it("20 racing adds to one signed-in cart: the writes that lose the version race retry under the row lock, every add lands once", async () => {
    const user = await direct.user.create({ data: { email: `rt-r-${randomUUID()}@example.test`, passwordHash: "x" } });
    const cart = await service.cartForUser(user.id);
    const adds = Array.from({ length: 20 }, (_, i) =>
      service.addItem(cart.id, { userId: user.id }, { variantId: i % 2 ? variantA : variantB, quantity: 1, customOptions: i < 10 ? { personalization: `P${i % 5}` } : undefined }),
    );
    const settled = await Promise.allSettled(adds);
    expect(settled.filter((s) => s.status === "rejected")).toEqual([]);
    const row = await direct.cart.findUniqueOrThrow({ where: { id: cart.id }, include: { items: true } });
    // 20 writes, each counted once in the version and in the units
    expect(row.version).toBe(cart.version + 20);
    expect(row.items.reduce((n, l) => n + l.quantity, 0)).toBe(20);
    // lines: 5 personalisations x 2 variants for the first ten, then one plain line per variant
    expect(row.items).toHaveLength(12);
    const fresh = await service.users.loadFromDb(cart.id);
    expect(fresh!.items.reduce((n, l) => n + l.quantity, 0)).toBe(20);
  });
});

describe("checkout round trips", () => {
  it("a placed guest checkout: three PostgreSQL statements (the key claimed with the catalog read, the reserve step, the payment stored with the answer) and the cart's three KV steps", async () => {
    const deps: CheckoutDeps = { db, carts: service, provider: createTestProvider(), log: () => {} };
    await loadRateTables(db); // kept in memory for a minute, as in a running shop
    const cart = await service.createGuestCart();
    await service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 2 });
    await service.setShippingAddress(cart.id, { userId: null }, { name: "Rita Trip", line1: "1 Quai Antoine", city: "Monaco", country: "MC", postalCode: "98000" });
    resetCounts();
    const placed = await placeOrder(deps, { cartId: cart.id, email: "rita@example.test", idempotencyKey: randomUUID(), actor: { userId: null } });
    expect(placed.status).toBe(201);
    expect(placed.body.order.summary.total).toBe(2 * 1500 + 700);
    const sql = statements();
    expect(sql).toHaveLength(3);
    expect(sql[0]).toMatch(/^WITH claimed AS/);
    expect(sql[1]).toMatch(/^SELECT cw_place_order/);
    expect(sql[2]).toMatch(/^WITH paid AS/);
    // the cart read, its close at the priced version, and the close cleared once the order is written
    expect({ reads: kv.reads, writes: kv.writes }).toEqual({ reads: 3, writes: 2 });
    expect((await service.guests.load(cart.id))?.status).toBe("CHECKED_OUT");
  });
});
