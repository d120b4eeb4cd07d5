import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { DomainError } from "@/lib/errors";
import { forgetRateTables } from "@/lib/rates";
import { createTestProvider } from "@/lib/payments";
import { placeOrder, type CheckoutDeps, type PlaceOrderInput } from "@/lib/checkout";

// Money edges of checkout against the real PostgreSQL and Redis: amounts out of range, per-customer limits keyed
// by the normalised e-mail, order tokens never stored in clear, unpaid orders per e-mail and per client.

const ADDRESS = { country: "KY", postalCode: "KY1-1000" };

let db: PrismaClient;
let kv: RedisKvStore;
let carts: CartService;
let deps: CheckoutDeps;

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 20);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}money:` });
  carts = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
  deps = { db, carts, provider: createTestProvider(), log: () => {} };
  // the same zone as checkout.test.ts (KY, its own rates): other files' US rates neither affect nor are affected
  await db.shippingZoneCountry.upsert({ where: { country: "KY" }, create: { country: "KY", zone: "CHECKOUT_TEST" }, update: { zone: "CHECKOUT_TEST" } });
  await db.shippingRate.upsert({
    where: { zone_currency: { zone: "CHECKOUT_TEST", currency: "USD" } },
    create: { zone: "CHECKOUT_TEST", currency: "USD", amount: 500, freeOver: null },
    update: { amount: 500, freeOver: null },
  });
  await db.taxRate.upsert({
    where: { country_region: { country: "KY", region: "" } },
    create: { country: "KY", region: "", name: "Checkout test tax", ratePpm: 72500 },
    update: { ratePpm: 72500, taxesShipping: false },
  });
  forgetRateTables();
});

afterAll(async () => {
  await kv.close();
  await db.$disconnect();
});

async function attempt<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: DomainError }> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    if (e instanceof DomainError) return { ok: false, error: e };
    throw e;
  }
}

async function expectCode(p: Promise<unknown>, code: string): Promise<DomainError> {
  const r = await attempt(p);
  if (r.ok) throw new Error(`expected ${code}, got success`);
  expect(r.error.code).toBe(code);
  return r.error;
}

async function makeVariant(opts: { price?: number; stock?: number } = {}): Promise<number> {
  const tag = randomUUID().slice(0, 8);
  const p = await db.product.create({
    data: {
      slug: `me-${tag}`,
      name: `Money Edge ${tag}`,
      basePrice: opts.price ?? 2000,
      currency: "USD",
      variants: { create: [{ sku: `ME-${tag}`, attributes: {}, stockQuantity: opts.stock ?? 1000 }] },
    },
    include: { variants: true },
  });
  return p.variants[0]!.id;
}

async function guestCart(lines: [variantId: number, quantity: number][], codes: string[] = []): Promise<string> {
  const cart = await carts.createGuestCart();
  for (const [variantId, quantity] of lines) await carts.addItem(cart.id, { userId: null }, { variantId, quantity });
  for (const code of codes) await carts.applyDiscount(cart.id, { userId: null }, code, `client-${randomUUID()}`);
  return cart.id;
}

function input(cartId: string, extra: Partial<PlaceOrderInput> = {}): PlaceOrderInput {
  return {
    cartId,
    email: `shopper-${randomUUID().slice(0, 8)}@example.test`,
    shippingAddress: ADDRESS,
    idempotencyKey: randomUUID(),
    actor: { userId: null },
    ...extra,
  };
}

const stockOf = async (variantId: number) => (await db.productVariant.findUniqueOrThrow({ where: { id: variantId } })).stockQuantity;

describe("amounts out of range", () => {
  it("a total of 2^31 minor units is 422 amount_out_of_range before any stock moves", async () => {
    const variant = await makeVariant({ price: 2 ** 30, stock: 10 });
    const cartId = await guestCart([[variant, 2]]); // subtotal 2^31: one more than an int4 column holds
    const ordersBefore = await db.order.count();
    const err = await expectCode(placeOrder(deps, input(cartId)), "amount_out_of_range");
    expect(err.httpStatus).toBe(422);
    expect(await stockOf(variant)).toBe(10);
    expect(await db.order.count()).toBe(ordersBefore);
    expect((await db.cart.findUnique({ where: { id: cartId } }))?.status ?? "not in PostgreSQL").not.toBe("CHECKED_OUT");
  });

  it("a total above the provider's maximum (99,999,999) is refused the same way", async () => {
    const variant = await makeVariant({ price: 50_000_000, stock: 10 });
    const cartId = await guestCart([[variant, 2]]);
    const err = await expectCode(placeOrder(deps, input(cartId)), "amount_out_of_range");
    expect(err.details).toMatchObject({ max: 99_999_999, currency: "USD" });
    expect(await stockOf(variant)).toBe(10);
  });

  it("a total below the provider's minimum is refused before any stock moves", async () => {
    // free shipping from 1 cent in a zone of this test's own, no tax: the total is the 10-cent item
    await db.shippingZoneCountry.upsert({ where: { country: "TV" }, create: { country: "TV", zone: "MONEY_EDGE_TEST" }, update: { zone: "MONEY_EDGE_TEST" } });
    await db.shippingRate.upsert({
      where: { zone_currency: { zone: "MONEY_EDGE_TEST", currency: "USD" } },
      create: { zone: "MONEY_EDGE_TEST", currency: "USD", amount: 500, freeOver: 1 },
      update: { amount: 500, freeOver: 1 },
    });
    forgetRateTables();
    const variant = await makeVariant({ price: 10, stock: 10 });
    const cartId = await guestCart([[variant, 1]]);
    const err = await expectCode(placeOrder(deps, input(cartId, { shippingAddress: { country: "TV", postalCode: "1" } })), "amount_out_of_range");
    expect(err.details).toMatchObject({ amount: 10, min: 50 });
    expect(await stockOf(variant)).toBe(10);
  });
});
