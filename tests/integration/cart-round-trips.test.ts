// How many round trips a cart change costs, counted (never timed): the commands the real Redis store sent (its own
// per-operation metric), and PostgreSQL's statements through the wire-protocol proxy of the bench
// (tests/bench/pg-trace-proxy.ts), which records every statement the server answered. A change that adds a read or a
// statement fails here.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { metrics } from "@/lib/observability/metrics";
import { CartService } from "@/lib/cart/service";
import { VariantInfoCache } from "@/lib/catalog/variant-cache";
import { placeOrder, type CheckoutDeps } from "@/lib/checkout";
import { viewCart } from "@/lib/cart/view";
import { createTestProvider } from "@/lib/payments";
import { forgetRateTables, loadRateTables } from "@/lib/rates";
import { startTraceProxy, type TraceProxy } from "../bench/pg-trace-proxy";

/** What reached Redis since the last reset, counted by the store itself: every command it sends is observed once in
 *  cartwright_kv_latency_seconds under its operation (a compare-and-set is one "cas"). */
class RedisCommands {
  private base = new Map<string, number>();
  private static async now(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const v of (await metrics().kvLatency.get()).values)
      if (v.metricName?.endsWith("_count")) counts.set(String(v.labels.op), (counts.get(String(v.labels.op)) ?? 0) + v.value);
    return counts;
  }
  async reset() {
    this.base = await RedisCommands.now();
  }
  /** reads: GET (and PTTL); writes: every command that may change a key (a compare-and-set is one) */
  async counts(): Promise<{ reads: number; writes: number }> {
    const now = await RedisCommands.now();
    const sum = (ops: string[]) => ops.reduce((n, op) => n + (now.get(op) ?? 0) - (this.base.get(op) ?? 0), 0);
    return { reads: sum(["get", "ttl"]), writes: sum(["cas", "set", "delete", "expire", "incr"]) };
  }
}

let proxy: TraceProxy;
let db: PrismaClient;
let direct: PrismaClient;
let redis: RedisKvStore;
let kv: RedisCommands;
let service: CartService;
let variantA: number;
let variantB: number;

/** Statements PostgreSQL answered since the last reset, over every pooled connection. */
const statements = () => proxy.connections().flat().map((r) => r.sql.trim().split(/\s+/).slice(0, 3).join(" "));

async function resetCounts() {
  proxy.reset();
  await kv.reset();
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
  kv = new RedisCommands();
  // the catalog read of add-to-cart goes through the per-process cache, as in the app (CATALOG_CACHE_MS)
  service = new CartService(db, redis, { maxLineQuantity: 99, defaultCurrency: "USD", variants: new VariantInfoCache(600_000) });
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

/** A guest cart in Monaco with 2 x variant A (30.00), a 10% code and a single-use free-shipping code applied. */
async function guestCartWithCodes(prefix: string) {
  const tag = randomUUID().slice(0, 8).toUpperCase();
  const order10 = await direct.discount.create({ data: { code: `${prefix}10-${tag}`, type: "PERCENTAGE", value: 1000, combinesWithShipping: true } });
  const ship = await direct.discount.create({
    data: { code: `${prefix}SHIP-${tag}`, type: "FREE_SHIPPING", value: 0, combinesWithOrder: true, combinesWithProduct: true },
  });
  const single = await direct.discountCode.create({ data: { discountId: ship.id, code: `${prefix}SHIP-ONE-${tag}` } });
  const cart = await service.createGuestCart();
  await service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 2 });
  await service.setShippingAddress(cart.id, { userId: null }, { name: "Rita Trip", line1: "1 Quai Antoine", city: "Monaco", country: "MC", postalCode: "98000" });
  await service.applyDiscount(cart.id, { userId: null }, order10.code!, "round-trips");
  return { cart: await service.applyDiscount(cart.id, { userId: null }, single.code, "round-trips"), order10, single };
}

beforeEach(async () => resetCounts());

describe("add-to-cart round trips", () => {
  it("a guest cart: one KV command (the compare-and-set against the copy this process last saw), no PostgreSQL; from another process, one read and that write", async () => {
    const cart = await service.createGuestCart();
    await resetCounts();
    const first = await service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 1 });
    expect({ ...(await kv.counts()), pg: statements() }).toEqual({ reads: 0, writes: 1, pg: [] });

    await resetCounts();
    // the line merge happens inside the same compare-and-set
    const second = await service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 2 });
    expect({ ...(await kv.counts()), pg: statements() }).toEqual({ reads: 0, writes: 1, pg: [] });
    expect(second.items).toHaveLength(1);
    expect(second.items[0]!.quantity).toBe(3);
    expect(second.version).toBe(first.version + 1);
    expect(JSON.parse((await redis.get(`cart:${cart.id}`))!).items[0].quantity).toBe(3);

    // another process (its own store) has never seen this cart: it reads it once, then writes
    const other = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}rt:` });
    try {
      const elsewhere = new CartService(db, other, { maxLineQuantity: 99, defaultCurrency: "USD", variants: new VariantInfoCache(600_000) });
      await elsewhere.variantInfo([variantA, variantB]);
      await resetCounts();
      const third = await elsewhere.addItem(cart.id, { userId: null }, { variantId: variantB, quantity: 1 });
      expect({ ...(await kv.counts()), pg: statements() }).toEqual({ reads: 1, writes: 1, pg: [] });
      expect(third.version).toBe(second.version + 1);
      // and this process's copy is now stale: its compare-and-set is refused with the current value, then written
      await resetCounts();
      const fourth = await service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 1 });
      expect({ ...(await kv.counts()), pg: statements() }).toEqual({ reads: 0, writes: 2, pg: [] });
      expect(fourth.items.map((l) => [l.variantId, l.quantity])).toEqual([
        [variantA, 4],
        [variantB, 1],
      ]);
    } finally {
      await other.close();
    }
  });

  it("a refused guest add (another currency) writes nothing", async () => {
    const cart = await service.createGuestCart();
    await service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 1 });
    const eur = await direct.product.create({
      data: { slug: `rt-eur-${randomUUID()}`, name: "Euro Tee", basePrice: 900, currency: "EUR", variants: { create: [{ sku: `RT-E-${randomUUID()}`, attributes: {}, stockQuantity: 5 }] } },
      include: { variants: true },
    });
    const before = await redis.get(`cart:${cart.id}`);
    await resetCounts();
    await expect(service.addItem(cart.id, { userId: null }, { variantId: eur.variants[0]!.id, quantity: 1 })).rejects.toMatchObject({ code: "currency_mismatch" });
    expect((await kv.counts()).writes).toBe(0);
    expect(await redis.get(`cart:${cart.id}`)).toBe(before);
  });

  it("a signed-in cart: two PostgreSQL statements (the cart read, the version-checked write), no transaction; the cache refreshed with one KV write", async () => {
    const user = await direct.user.create({ data: { email: `rt-${randomUUID()}@example.test`, passwordHash: "x" } });
    const cart = await service.cartForUser(user.id);
    await service.addItem(cart.id, { userId: user.id }, { variantId: variantA, quantity: 1 });
    await resetCounts();
    const after = await service.addItem(cart.id, { userId: user.id }, { variantId: variantB, quantity: 2 });
    const sql = statements();
    expect(sql).toHaveLength(2);
    expect(sql[0]).toMatch(/^SELECT c\.id,/);
    expect(sql[1]).toMatch(/^WITH c AS/);
    expect(sql.some((s) => /^(BEGIN|COMMIT)/i.test(s))).toBe(false);
    // the probe of the key (a signed-in copy there: left alone; a guess is never enough to refuse, so it is read)
    // and the cache refresh (one compare-and-set against what the probe read)
    expect(await kv.counts()).toEqual({ reads: 1, writes: 1 });
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
  it("a placed guest checkout: three PostgreSQL statements (the key claimed with the catalog read, the reserve step, the payment stored with the answer) and the cart's two KV steps", async () => {
    const deps: CheckoutDeps = { db, carts: service, provider: createTestProvider(), log: () => {} };
    await loadRateTables(db); // kept in memory for a minute, as in a running shop
    const cart = await service.createGuestCart();
    await service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 2 });
    await service.setShippingAddress(cart.id, { userId: null }, { name: "Rita Trip", line1: "1 Quai Antoine", city: "Monaco", country: "MC", postalCode: "98000" });
    await resetCounts();
    const placed = await placeOrder(deps, { cartId: cart.id, email: "rita@example.test", idempotencyKey: randomUUID(), actor: { userId: null } });
    expect(placed.status).toBe(201);
    expect(placed.body.order.summary.total).toBe(2 * 1500 + 700);
    const sql = statements();
    expect(sql).toHaveLength(3);
    expect(sql[0]).toMatch(/^WITH claimed AS/);
    expect(sql[1]).toMatch(/^SELECT cw_place_order/);
    expect(sql[2]).toMatch(/^WITH paid AS/);
    // the cart read and its close at the priced version (a compare-and-set against the copy just read); the close
    // marker stays until a reader after GUEST_CLOSE_STALE_MS asks PostgreSQL
    expect(await kv.counts()).toEqual({ reads: 1, writes: 1 });
    const doc = await service.guests.load(cart.id);
    expect(doc?.status).toBe("CHECKED_OUT");
    expect(doc?.closing?.orderId).toBe(placed.body.order.id);
  });

  it("with a code and a single-use code on the cart: still three statements (their rules and whether an order holds the single-use one come with the catalog read), and both redeemed", async () => {
    const deps: CheckoutDeps = { db, carts: service, provider: createTestProvider(), log: () => {} };
    await loadRateTables(db);
    const { cart, single } = await guestCartWithCodes("RT");
    await resetCounts();
    const placed = await placeOrder(deps, { cartId: cart.id, email: "rita@example.test", idempotencyKey: randomUUID(), actor: { userId: null } });
    expect(placed.status).toBe(201);
    // 10% off 30.00, and the 7.00 shipping free
    expect(placed.body.order.summary).toMatchObject({ subtotal: 3000, total: 3000 - 300 });
    const sql = statements();
    expect(sql).toHaveLength(3);
    expect(sql[0]).toMatch(/^WITH claimed AS/);
    expect(sql[1]).toMatch(/^SELECT cw_place_order/);
    expect(await direct.discountCode.findUniqueOrThrow({ where: { id: single.id } })).toMatchObject({ orderId: placed.body.order.id });
    expect(await direct.discountRedemption.count({ where: { orderId: placed.body.order.id } })).toBe(2);
  });
});

describe("cart view round trips", () => {
  it("a cart with a code and a single-use code: their rules and whether an order holds the single-use one are one statement", async () => {
    const { cart: withCodes, order10, single } = await guestCartWithCodes("RTV");
    await loadRateTables(db);
    await resetCounts();
    // the automatic discounts come from the app's per-process copy (none here), so only the codes reach PostgreSQL
    const view = await viewCart(db, withCodes, new Date(), async () => []);
    expect(statements()).toEqual([expect.stringMatching(/^SELECT COALESCE\(\(SELECT/)]);
    expect(view.discounts.filter((d) => d.applied).map((d) => d.code).sort()).toEqual([order10.code, single.code].sort());
    expect(view.summary).toMatchObject({ subtotal: 3000, discount: 300, shipping: 0 });
  });
});
