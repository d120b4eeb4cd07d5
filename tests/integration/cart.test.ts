import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { cartKey } from "@/lib/cart/guest-store";
import { DomainError, toErrorResponse } from "@/lib/errors";
import { addItemSchema, updateQuantitySchema } from "@/lib/cart/schemas";
import { viewCart } from "@/lib/cart/view";

let db: PrismaClient;
let kv: RedisKvStore;
let service: CartService;
let productId: number;
let variantA: number; // stock 5, price 2000
let variantB: number; // stock 50, override 2500
let userId: string;

async function makeUser(): Promise<string> {
  const u = await db.user.create({ data: { email: `u-${randomUUID()}@example.test`, passwordHash: "x" } });
  return u.id;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<DomainError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(DomainError);
  expect((e as DomainError).code).toBe(code);
  return e as DomainError;
}

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 20);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}cart:` });
  service = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
  const p = await db.product.create({
    data: {
      slug: `cart-test-${randomUUID()}`,
      name: "Cart Test Tee",
      basePrice: 2000,
      currency: "USD",
      variants: {
        create: [
          { sku: `CT-A-${randomUUID()}`, attributes: { size: "M" }, stockQuantity: 5 },
          { sku: `CT-B-${randomUUID()}`, attributes: { size: "XXL" }, stockQuantity: 50, priceOverride: 2500 },
        ],
      },
    },
    include: { variants: { orderBy: { id: "asc" } } },
  });
  productId = p.id;
  variantA = p.variants[0]!.id;
  variantB = p.variants[1]!.id;
  userId = await makeUser();
});

afterAll(async () => {
  await kv.close();
  await db.$disconnect();
});

describe("guest carts (KV store)", () => {
  it("live 30 days and the TTL slides on every write", async () => {
    const cart = await service.createGuestCart();
    const ttl0 = await kv.ttl(cartKey(cart.id));
    expect(ttl0).toBeGreaterThan(30 * 24 * 3600 - 10);
    await kv.expire(cartKey(cart.id), 60); // as if the cart had sat for almost 30 days
    await service.addItem(cart.id, { userId: null }, { variantId: variantB, quantity: 1 });
    expect(await kv.ttl(cartKey(cart.id))).toBeGreaterThan(30 * 24 * 3600 - 10);
  });

  it("captures the unit price at add time and keeps it when the price changes", async () => {
    const cart = await service.createGuestCart();
    const after = await service.addItem(cart.id, { userId: null }, { variantId: variantB, quantity: 2 });
    expect(after.items[0]!.unitPrice).toBe(2500);
    await db.productVariant.update({ where: { id: variantB }, data: { priceOverride: 2700 } });
    try {
      const again = await service.addItem(cart.id, { userId: null }, { variantId: variantB, quantity: 1 });
      expect(again.items).toHaveLength(1);
      expect(again.items[0]!.quantity).toBe(3);
      expect(again.items[0]!.unitPrice).toBe(2500);
    } finally {
      await db.productVariant.update({ where: { id: variantB }, data: { priceOverride: 2500 } });
    }
  });

  it("refuses more than the stock, counting what is already in the cart, and says how many are available", async () => {
    const cart = await service.createGuestCart();
    await service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 3 });
    const e = await expectCode(service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 3 }), "insufficient_stock");
    expect(e.details).toEqual({ items: [{ variantId: variantA, requested: 6, available: 5 }] });
    // a line with other options shares the same stock
    await expectCode(service.addItem(cart.id, { userId: null }, { variantId: variantA, quantity: 3, customOptions: { giftWrap: true } }), "insufficient_stock");
    const view = await service.getCart(cart.id, { userId: null });
    expect(view.items.map((l) => l.quantity)).toEqual([3]);
  });

  it("makes a new line for different custom options and merges equal ones", async () => {
    const cart = await service.createGuestCart();
    await service.addItem(cart.id, { userId: null }, { variantId: variantB, quantity: 1, customOptions: { giftWrap: true, giftMessage: "Hi" } });
    await service.addItem(cart.id, { userId: null }, { variantId: variantB, quantity: 1 });
    const c = await service.addItem(cart.id, { userId: null }, { variantId: variantB, quantity: 1, customOptions: { giftMessage: "Hi", giftWrap: true } });
    expect(c.items).toHaveLength(2);
    expect(c.items.find((l) => l.customOptions.giftWrap)?.quantity).toBe(2);
  });

  it("two concurrent adds of the same line both count (no lost update)", async () => {
    const cart = await service.createGuestCart();
    await Promise.all(Array.from({ length: 10 }, () => service.addItem(cart.id, { userId: null }, { variantId: variantB, quantity: 1 })));
    const c = await service.getCart(cart.id, { userId: null });
    expect(c.items[0]!.quantity).toBe(10);
  });

  it("updates, removes and refuses another currency", async () => {
    const cart = await service.createGuestCart();
    let c = await service.addItem(cart.id, { userId: null }, { variantId: variantB, quantity: 2 });
    const itemId = c.items[0]!.id;
    c = await service.updateItemQuantity(cart.id, { userId: null }, itemId, 4);
    expect(c.items[0]!.quantity).toBe(4);
    c = await service.updateItemQuantity(cart.id, { userId: null }, itemId, 0);
    expect(c.items).toHaveLength(0);
    await expectCode(service.removeItem(cart.id, { userId: null }, itemId), "not_found");
    // an empty cart adopts the currency of its first item; after that, another currency is refused
    const eur = await service.createGuestCart("EUR");
    const adopted = await service.addItem(eur.id, { userId: null }, { variantId: variantB, quantity: 1 });
    expect(adopted.currency).toBe("USD");
    const eurProduct = await db.product.create({
      data: { slug: `eur-${randomUUID()}`, name: "Euro Scarf", basePrice: 5900, currency: "EUR", variants: { create: [{ sku: `EUR-${randomUUID()}`, stockQuantity: 5 }] } },
      include: { variants: true },
    });
    const e = await expectCode(service.addItem(eur.id, { userId: null }, { variantId: eurProduct.variants[0]!.id, quantity: 1 }), "currency_mismatch");
    expect(e.details).toMatchObject({ cartCurrency: "USD", itemCurrency: "EUR" });
  });

  it("refuses adding quantity 0 (400 validation_failed on quantity) and changes nothing, while setting 0 removes the line", async () => {
    const cart = await service.createGuestCart();
    const before = await service.addItem(cart.id, { userId: null }, { variantId: variantB, quantity: 1 });
    // the boundary schema (API route and server actions) refuses it first...
    const parsed = addItemSchema(99).safeParse({ variantId: variantB, quantity: 0 });
    expect(parsed.success).toBe(false);
    const fromSchema = toErrorResponse(parsed.error);
    expect(fromSchema.status).toBe(400);
    expect(fromSchema.body.error.code).toBe("validation_failed");
    expect(fromSchema.body.error.details?.fieldErrors).toHaveProperty("quantity");
    // ...and the service refuses it too, for a caller that skips the schema
    for (const quantity of [0, -1]) {
      const e = await expectCode(service.addItem(cart.id, { userId: null }, { variantId: variantB, quantity }), "validation_failed");
      expect(toErrorResponse(e).status).toBe(400);
      expect(e.details).toMatchObject({ fieldErrors: { quantity: expect.any(Array) } });
    }
    const after = await service.getCart(cart.id, { userId: null });
    expect(after.items.map((l) => l.quantity)).toEqual([1]);
    expect(after.version).toBe(before.version);
    // 0 in an update still means "remove the line"
    expect(updateQuantitySchema(99).parse({ quantity: 0 }).quantity).toBe(0);
    const removed = await service.updateItemQuantity(cart.id, { userId: null }, before.items[0]!.id, 0);
    expect(removed.items).toHaveLength(0);
  });

  it("an unknown cart id is not found", async () => {
    await expectCode(service.getCart("no-such-cart", { userId: null }), "not_found");
  });
});

describe("signed-in carts (PostgreSQL + KV cache)", () => {
  it("one active cart per user, even when created concurrently", async () => {
    const uid = await makeUser();
    const carts = await Promise.all(Array.from({ length: 5 }, () => service.cartForUser(uid)));
    expect(new Set(carts.map((c) => c.id)).size).toBe(1);
    expect(await db.cart.count({ where: { userId: uid, status: "ACTIVE" } })).toBe(1);
  });

  it("is served from the cache, correct after every write, and survives a flushed cache", async () => {
    const cart = await service.cartForUser(userId);
    await service.addItem(cart.id, { userId }, { variantId: variantB, quantity: 1 });
    const first = await service.users.load(cart.id);
    expect(first.fromCache).toBe(true);
    expect(first.cart!.items[0]!.quantity).toBe(1);
    await service.addItem(cart.id, { userId }, { variantId: variantB, quantity: 2 });
    const second = await service.users.load(cart.id);
    expect(second.fromCache).toBe(true);
    expect(second.cart!.items[0]!.quantity).toBe(3);
    const rows = await db.cartItem.findMany({ where: { cartId: cart.id } });
    expect(rows.map((r) => r.quantity)).toEqual([3]);
    await kv.delete(cartKey(cart.id)); // flushed
    const third = await service.users.load(cart.id);
    expect(third.fromCache).toBe(false);
    expect(third.cart!.items[0]!.quantity).toBe(3);
    // "no address" is stored as SQL NULL, not as some JSON stand-in
    expect(third.cart!.shippingAddress).toBeNull();
    expect((await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM carts WHERE id = ${cart.id} AND shipping_address IS NULL`)[0]!.n).toBe(1);
    expect((await service.users.load(cart.id)).fromCache).toBe(true);
  });

  it("another user's cart is forbidden", async () => {
    const cart = await service.cartForUser(userId);
    const other = await makeUser();
    await expectCode(service.getCart(cart.id, { userId: other }), "forbidden");
    await expectCode(service.getCart(cart.id, { userId: null }), "forbidden");
    await expectCode(service.addItem(cart.id, { userId: other }, { variantId: variantB, quantity: 1 }), "forbidden");
  });

  it("keeps working through PostgreSQL when the KV store is unreachable", async () => {
    const uid = await makeUser();
    const down = new RedisKvStore({ url: "redis://127.0.0.1:1", prefix: `${process.env.KV_PREFIX}down:` });
    const offline = new CartService(db, down, { maxLineQuantity: 99, defaultCurrency: "USD" });
    try {
      const cart = await offline.cartForUser(uid);
      const c = await offline.addItem(cart.id, { userId: uid }, { variantId: variantB, quantity: 2 });
      expect(c.items[0]!.quantity).toBe(2);
      const read = await offline.getCart(cart.id, { userId: uid });
      expect(read.items[0]!.quantity).toBe(2);
      // the cache write that failed is queued, so a stale copy can never be trusted later
      expect(await db.pendingCacheInvalidation.count({ where: { key: cartKey(cart.id) } })).toBe(1);
      // guests cannot be served without the KV store: a clear 503
      await expectCode(offline.createGuestCart(), "service_unavailable");
      // a stale copy sits in the store; an instance that (re)connects applies the queue before trusting the cache
      await kv.set(cartKey(cart.id), JSON.stringify({ ...c, version: 0, items: [] }));
      const reconnected = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
      const back = await reconnected.getCart(cart.id, { userId: uid });
      expect(back.items[0]!.quantity).toBe(2);
      expect(await db.pendingCacheInvalidation.count({ where: { key: cartKey(cart.id) } })).toBe(0);
    } finally {
      await down.close();
    }
  });

  it("concurrent adds to a signed-in cart all count", async () => {
    const uid = await makeUser();
    const cart = await service.cartForUser(uid);
    await Promise.all(Array.from({ length: 8 }, () => service.addItem(cart.id, { userId: uid }, { variantId: variantB, quantity: 1 })));
    const c = await service.users.loadFromDb(cart.id);
    expect(c!.items[0]!.quantity).toBe(8);
  });

  it("saves for later and moves back with the price captured again", async () => {
    const uid = await makeUser();
    const cart = await service.cartForUser(uid);
    let c = await service.addItem(cart.id, { userId: uid }, { variantId: variantB, quantity: 2, customOptions: { personalization: "AB" } });
    const saved = await service.saveForLater(cart.id, { userId: uid }, c.items[0]!.id);
    expect(saved.cart.items).toHaveLength(0);
    expect(saved.savedForLater).toHaveLength(1);
    await expectCode(service.saveForLater(cart.id, { userId: null }, "x"), "unauthorized");
    await db.productVariant.update({ where: { id: variantB }, data: { priceOverride: 2600 } });
    try {
      const moved = await service.moveSavedToCart(uid, saved.savedForLater[0]!.id);
      expect(moved.savedForLater).toHaveLength(0);
      c = moved.cart;
      expect(c.items[0]!.quantity).toBe(2);
      expect(c.items[0]!.unitPrice).toBe(2600);
      expect(c.items[0]!.customOptions).toEqual({ personalization: "AB" });
    } finally {
      await db.productVariant.update({ where: { id: variantB }, data: { priceOverride: 2500 } });
    }
  });
});

describe("merge at sign-in", () => {
  it("sums equal lines, caps at stock, keeps options, removes the guest cart, and is harmless twice", async () => {
    const uid = await makeUser();
    const userCart = await service.cartForUser(uid);
    await service.addItem(userCart.id, { userId: uid }, { variantId: variantA, quantity: 3 });
    const guest = await service.createGuestCart();
    await service.addItem(guest.id, { userId: null }, { variantId: variantA, quantity: 4 });
    await service.addItem(guest.id, { userId: null }, { variantId: variantB, quantity: 1, customOptions: { giftWrap: true } });
    const [r1, r2] = await Promise.all([service.mergeGuestCart(guest.id, uid), service.mergeGuestCart(guest.id, uid)]);
    const merged = [r1, r2].filter((r) => r.merged);
    expect(merged).toHaveLength(1);
    const result = merged[0]!;
    expect(result.capped).toEqual([expect.objectContaining({ variantId: variantA, requested: 7, kept: 5 })]);
    const c = await service.getCart(userCart.id, { userId: uid });
    expect(c.items.find((l) => l.variantId === variantA)?.quantity).toBe(5);
    expect(c.items.find((l) => l.variantId === variantB)?.customOptions).toEqual({ giftWrap: true });
    expect(await kv.get(cartKey(guest.id))).toBeNull();
    const again = await service.mergeGuestCart(guest.id, uid);
    expect(again.merged).toBe(false);
    expect((await service.getCart(userCart.id, { userId: uid })).items.find((l) => l.variantId === variantA)?.quantity).toBe(5);
  });
});

describe("abandonment sweeper", () => {
  it("marks idle signed-in carts ABANDONED, and the shopper coming back gets the cart again", async () => {
    const uid = await makeUser();
    const cart = await service.cartForUser(uid);
    await service.addItem(cart.id, { userId: uid }, { variantId: variantB, quantity: 1 });
    await db.cart.update({ where: { id: cart.id }, data: { updatedAt: new Date(Date.now() - 20 * 86400_000) } });
    const n = await service.sweepAbandoned(14);
    expect(n).toBeGreaterThanOrEqual(1);
    expect((await db.cart.findUniqueOrThrow({ where: { id: cart.id } })).status).toBe("ABANDONED");
    const back = await service.cartForUser(uid);
    expect(back.id).toBe(cart.id);
    expect(back.status).toBe("ACTIVE");
    expect(back.items).toHaveLength(1);
  });
});

describe("the cart view", () => {
  it("prices lines, says 'calculated at checkout' (null) without an address, and adds shipping and tax with one", async () => {
    await db.shippingRate.upsert({ where: { zone_currency: { zone: "DOMESTIC", currency: "USD" } }, create: { zone: "DOMESTIC", currency: "USD", amount: 599, freeOver: 7500 }, update: {} });
    await db.shippingZoneCountry.upsert({ where: { country: "US" }, create: { country: "US", zone: "DOMESTIC" }, update: {} });
    await db.taxRate.upsert({ where: { country_region: { country: "US", region: "CA" } }, create: { country: "US", region: "CA", name: "CA", ratePpm: 72500 }, update: {} });
    const cart = await service.createGuestCart();
    await service.addItem(cart.id, { userId: null }, { variantId: variantB, quantity: 1 });
    let v = await viewCart(db, await service.getCart(cart.id, { userId: null }));
    expect(v.summary).toMatchObject({ subtotal: 2500, discount: 0, shipping: null, tax: null, total: 2500 });
    const withAddress = await service.setShippingAddress(cart.id, { userId: null }, { country: "us", region: "ca", postalCode: "94105" });
    v = await viewCart(db, withAddress);
    // 2500 + 599 shipping; tax 7.25% of 2500 = 181.25 -> 181 (shipping not taxed in CA)
    expect(v.summary).toMatchObject({ subtotal: 2500, shipping: 599, shippingTax: 0, tax: 181, total: 3280 });
    void productId;
  });
});
