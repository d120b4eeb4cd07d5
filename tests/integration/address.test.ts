import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { shippingAddressSchema } from "@/lib/cart/schemas";
import { DomainError } from "@/lib/errors";
import { readJson } from "@/lib/http/handler";
import { forgetRateTables } from "@/lib/rates";
import { createTestProvider } from "@/lib/payments";
import { placeOrder, type CheckoutDeps } from "@/lib/checkout";
import { checkoutBodySchema } from "@/lib/checkout/schemas";

// The address rules at both doors: the estimate (PUT shipping-address parses its body with shippingAddressSchema,
// exactly as here) and checkout (placeOrder checks the full address, from the body or the cart).

let db: PrismaClient;
let kv: RedisKvStore;
let carts: CartService;
let deps: CheckoutDeps;
let variantId: number;

const FULL = { name: "Ada Shopper", line1: "1 Market St", line2: "Suite 5", city: "San Francisco", region: "CA", postalCode: "94105", country: "US", phone: "+1 415 555 0100" };

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 10);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}address:` });
  carts = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
  deps = { db, carts, provider: createTestProvider(), log: () => {} };
  await db.shippingZoneCountry.upsert({ where: { country: "US" }, create: { country: "US", zone: "DOMESTIC" }, update: {} });
  await db.shippingRate.upsert({
    where: { zone_currency: { zone: "DOMESTIC", currency: "USD" } },
    create: { zone: "DOMESTIC", currency: "USD", amount: 599, freeOver: null },
    update: {},
  });
  forgetRateTables();
  const tag = randomUUID().slice(0, 8);
  const p = await db.product.create({
    data: { slug: `addr-${tag}`, name: "Address Tee", basePrice: 2000, currency: "USD", variants: { create: [{ sku: `ADDR-${tag}`, stockQuantity: 50 }] } },
    include: { variants: true },
  });
  variantId = p.variants[0]!.id;
});

afterAll(async () => {
  await kv.close();
  await db.$disconnect();
});

async function fieldErrorsOf(p: Promise<unknown>): Promise<Record<string, string[]>> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  expect((e as DomainError).code).toBe("validation_failed");
  expect((e as DomainError).httpStatus).toBe(400);
  return ((e as DomainError).details as { fieldErrors: Record<string, string[]> }).fieldErrors;
}

const putBody = (body: unknown) =>
  readJson(new Request("http://shop.test/api/carts/x/shipping-address", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }), shippingAddressSchema);

async function cartWithLine(): Promise<string> {
  const cart = await carts.createGuestCart();
  await carts.addItem(cart.id, { userId: null }, { variantId, quantity: 1 });
  return cart.id;
}

const checkout = (cartId: string, shippingAddress?: unknown) =>
  placeOrder(deps, {
    cartId,
    email: "addr@example.test",
    // as the route would pass it: parsed by the body schema when present
    shippingAddress: shippingAddress === undefined ? undefined : (checkoutBodySchema.shape.shippingAddress.parse(shippingAddress) ?? undefined),
    idempotencyKey: randomUUID(),
    actor: { userId: null },
  });

describe("estimate (PUT /api/carts/{id}/shipping-address body)", () => {
  it("refuses a region that is not a subdivision of its country, on `region`", async () => {
    expect(Object.keys(await fieldErrorsOf(putBody({ country: "US", region: "ZZ", postalCode: "10001" })))).toEqual(["region"]);
    expect(Object.keys(await fieldErrorsOf(putBody({ country: "CA", region: "NY", postalCode: "M5V 2T6" })))).toEqual(["region"]);
  });

  it("checks postal codes where their format is known; an unknown country is refused", async () => {
    expect(Object.keys(await fieldErrorsOf(putBody({ country: "US", region: "NY", postalCode: "1001" })))).toEqual(["postalCode"]);
    expect(Object.keys(await fieldErrorsOf(putBody({ country: "GB", postalCode: "12345" })))).toEqual(["postalCode"]);
    expect(Object.keys(await fieldErrorsOf(putBody({ country: "ZZ", postalCode: "12345" })))).toEqual(["country"]);
    for (const ok of [
      { country: "US", region: "NY", postalCode: "10001-1234" },
      { country: "CA", region: "ON", postalCode: "m5v 2t6" },
      { country: "GB", postalCode: "SW1A 1AA" },
      { country: "DE", postalCode: "10115" },
      { country: "FR", postalCode: "75001" },
      { country: "JP", region: "13", postalCode: "100-0001" },
      { country: "AU", region: "NSW", postalCode: "2000" },
    ])
      await expect(putBody(ok)).resolves.toMatchObject({ country: ok.country });
  });

  it("accepts the estimate form and the full address; `US-CA` is stored as `CA`", async () => {
    await expect(putBody({ country: "us", region: "ca", postalCode: "94105" })).resolves.toMatchObject({ country: "US", region: "CA", name: null });
    await expect(putBody({ ...FULL, region: "US-CA" })).resolves.toEqual(FULL);
  });
});

describe("checkout needs the full address", () => {
  it('region "ZZ" is 400 at checkout too, on shippingAddress.region', async () => {
    const cartId = await cartWithLine();
    // through the body schema (what the route does) ...
    const body = checkoutBodySchema.safeParse({ cartId, email: "a@example.test", shippingAddress: { ...FULL, region: "ZZ" } });
    expect(body.success).toBe(false);
    expect(body.error!.issues.map((i) => i.path.join("."))).toEqual(["shippingAddress.region"]);
    // ... and an address saved on the cart before these rules is checked again
    await carts.setShippingAddress(cartId, { userId: null }, { ...FULL, region: "ZZ" });
    expect(Object.keys(await fieldErrorsOf(checkout(cartId)))).toEqual(["shippingAddress.region"]);
    expect(await db.order.count({ where: { cartId } })).toBe(0);
  });

  it("US without a region is 400 at checkout; a bad US zip is 400; each missing field is named", async () => {
    const cartId = await cartWithLine();
    expect(await fieldErrorsOf(checkout(cartId, { ...FULL, region: undefined }))).toEqual({ "shippingAddress.region": [expect.any(String)] });
    const badZip = checkoutBodySchema.safeParse({ cartId, email: "a@example.test", shippingAddress: { ...FULL, postalCode: "941" } });
    expect(badZip.error!.issues.map((i) => i.path.join("."))).toEqual(["shippingAddress.postalCode"]);
    await carts.setShippingAddress(cartId, { userId: null }, { ...FULL, postalCode: "941" });
    expect(Object.keys(await fieldErrorsOf(checkout(cartId)))).toEqual(["shippingAddress.postalCode"]);
    expect(await db.order.count({ where: { cartId } })).toBe(0);
  });

  it("an estimate on the cart is not enough: name, line1 and city are each reported", async () => {
    const cartId = await cartWithLine();
    await carts.setShippingAddress(cartId, { userId: null }, { country: "US", region: "CA", postalCode: "94105" });
    const errors = await fieldErrorsOf(checkout(cartId));
    expect(Object.keys(errors).sort()).toEqual(["shippingAddress.city", "shippingAddress.line1", "shippingAddress.name"]);
    expect(await db.order.count({ where: { cartId } })).toBe(0);
  });

  it("the order stores the full address and shows it", async () => {
    const cartId = await cartWithLine();
    const { body } = await checkout(cartId, FULL);
    expect(body.order.shippingAddress).toEqual(FULL);
    const row = await db.order.findUniqueOrThrow({ where: { id: body.order.id } });
    expect(row.shippingAddress).toEqual(FULL);
  });
});
