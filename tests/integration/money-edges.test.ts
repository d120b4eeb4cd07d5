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

const ADDRESS = { name: "Test Shopper", line1: "1 Harbour Drive", city: "George Town", country: "KY", postalCode: "KY1-1000" };

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
  it("adding what takes a cart past 2^31-1 minor units is 422 amount_out_of_range, and the cart is unchanged", async () => {
    const variant = await makeVariant({ price: 2 ** 30, stock: 10 });
    const cartId = await guestCart([[variant, 1]]);
    const before = await carts.getCart(cartId, { userId: null });
    // a second unit: subtotal 2^31, one more than an int4 column (and so an order) holds
    await expectCode(carts.addItem(cartId, { userId: null }, { variantId: variant, quantity: 1 }), "amount_out_of_range");
    const item = before.items[0]!;
    await expectCode(carts.updateItemQuantity(cartId, { userId: null }, item.id, 2), "amount_out_of_range");
    const after = await carts.getCart(cartId, { userId: null });
    expect(after.items.map((l) => l.quantity)).toEqual([1]);
    expect(after.version).toBe(before.version);
  });

  it("a total of 2^31 minor units or more (with shipping and tax) is 422 amount_out_of_range before any stock moves", async () => {
    const variant = await makeVariant({ price: 2 ** 30 - 1, stock: 10 });
    const cartId = await guestCart([[variant, 2]]); // subtotal 2^31-2 fits; shipping and tax take the total past 2^31-1
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
    const err = await expectCode(placeOrder(deps, input(cartId, { shippingAddress: { name: "Test Shopper", line1: "1 Vaiaku Road", city: "Funafuti", country: "TV", postalCode: "1" } })), "amount_out_of_range");
    expect(err.details).toMatchObject({ amount: 10, min: 50 });
    expect(await stockOf(variant)).toBe(10);
  });
});

describe("per-customer limits keyed by the normalised e-mail", () => {
  async function oncePerCustomerCode(): Promise<string> {
    const code = `ONCE${randomUUID().slice(0, 8).toUpperCase()}`;
    await db.discount.create({ data: { code, type: "PERCENTAGE", value: 1000, maxUsesPerCustomer: 1 } });
    return code;
  }

  async function userCart(userId: string, variant: number, code: string): Promise<string> {
    const cart = await carts.cartForUser(userId);
    await carts.addItem(cart.id, { userId }, { variantId: variant, quantity: 1 });
    await carts.applyDiscount(cart.id, { userId }, code, `client-${randomUUID()}`);
    return cart.id;
  }

  const redemptionsOf = async (code: string) =>
    db.discountRedemption.count({ where: { discount: { code }, releasedAt: null } });

  it("a guest cannot reuse a once-per-customer code with a +tag or another case", async () => {
    const code = await oncePerCustomerCode();
    const variant = await makeVariant();
    const local = `ann${randomUUID().slice(0, 6)}`;
    await placeOrder(deps, input(await guestCart([[variant, 1]], [code]), { email: `${local}@example.test` }));
    for (const email of [`${local}+again@example.test`, ` ${local.toUpperCase()}+X@Example.TEST `]) {
      const err = await expectCode(placeOrder(deps, input(await guestCart([[variant, 1]], [code]), { email })), "discount_invalid");
      expect(err.details).toMatchObject({ reason: "customer_limit_reached" });
    }
    expect(await redemptionsOf(code)).toBe(1);
  });

  it("a guest cannot reuse it after using it signed in, nor the account after the guest", async () => {
    const variant = await makeVariant();
    const local = `bob${randomUUID().slice(0, 6)}`;
    const user = await db.user.create({ data: { email: `${local}@example.test`, passwordHash: "x" } });

    const first = await oncePerCustomerCode();
    // signed in, checking out with another e-mail: the account's e-mail is what counts
    await placeOrder(deps, input(await userCart(user.id, variant, first), { actor: { userId: user.id }, email: "elsewhere@example.test" }));
    const asGuest = await expectCode(
      placeOrder(deps, input(await guestCart([[variant, 1]], [first]), { email: `${local}+guest@example.test` })),
      "discount_invalid",
    );
    expect(asGuest.details).toMatchObject({ reason: "customer_limit_reached" });

    const second = await oncePerCustomerCode();
    await placeOrder(deps, input(await guestCart([[variant, 1]], [second]), { email: `${local}@example.test` }));
    // the account is told when it applies the code already, and checkout refuses it too
    const cart = await carts.cartForUser(user.id);
    for (const l of cart.items) await carts.removeItem(cart.id, { userId: user.id }, l.id);
    await carts.addItem(cart.id, { userId: user.id }, { variantId: variant, quantity: 1 });
    const atApply = await attempt(carts.applyDiscount(cart.id, { userId: user.id }, second, `client-${randomUUID()}`));
    expect(atApply.ok ? "applied" : atApply.error.details).toMatchObject({ reason: "customer_limit_reached" });
    expect(await redemptionsOf(first)).toBe(1);
    expect(await redemptionsOf(second)).toBe(1);
  });

  it("ten racing guests with +tag variants of one e-mail redeem a once-per-customer code once", async () => {
    const code = await oncePerCustomerCode();
    const variant = await makeVariant();
    const local = `race${randomUUID().slice(0, 6)}`;
    const cartIds = await Promise.all(Array.from({ length: 10 }, () => guestCart([[variant, 1]], [code])));
    const results = await Promise.all(
      cartIds.map((cartId, i) => attempt(placeOrder(deps, input(cartId, { email: `${local}+${i}@example.test` })))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect([r.error.code, r.error.details?.reason]).toEqual(["discount_invalid", "customer_limit_reached"]);
    expect(await redemptionsOf(code)).toBe(1);
  });
});

describe("order tokens are never stored in clear", () => {
  it("the stored idempotent answer holds no token, and a replay still answers the same token", async () => {
    const { getOrderForViewer } = await import("@/lib/checkout");
    const variant = await makeVariant();
    const first = input(await guestCart([[variant, 1]]));
    const placed = await placeOrder(deps, first);
    const token = placed.body.orderToken;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const rows = await db.$queryRaw<{ body: string }[]>`
      SELECT response_body::text AS body FROM idempotency_keys WHERE key = ${first.idempotencyKey}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.body).toContain(placed.body.order.id); // it is the answer...
    expect(rows[0]!.body).not.toContain(token); // ...without the token
    expect(placed.body.payment.clientSecret).toBeTruthy();
    expect(rows[0]!.body).not.toContain(placed.body.payment.clientSecret!); // and the payment's client secret sealed
    const orderRows = await db.$queryRaw<{ row: string }[]>`SELECT to_jsonb(o)::text AS row FROM orders o WHERE id = ${placed.body.order.id}::uuid`;
    expect(orderRows[0]!.row).not.toContain(token);

    const replayed = await placeOrder(deps, first);
    expect(replayed.replayed).toBe(true);
    expect(replayed.body.orderToken).toBe(token);
    expect(replayed.body.payment).toEqual(placed.body.payment);
    expect(JSON.stringify(replayed.body)).toBe(JSON.stringify(placed.body));
    expect(replayed.body.order).toEqual(placed.body.order);
    expect((await getOrderForViewer(db, placed.body.order.id, { userId: null, token: replayed.body.orderToken })).id).toBe(placed.body.order.id);
  });

  it("each order has its own token; one order's token opens no other", async () => {
    const { getOrderForViewer } = await import("@/lib/checkout");
    const variant = await makeVariant();
    const a = await placeOrder(deps, input(await guestCart([[variant, 1]])));
    const b = await placeOrder(deps, input(await guestCart([[variant, 1]])));
    expect(a.body.orderToken).not.toBe(b.body.orderToken);
    await expectCode(getOrderForViewer(db, b.body.order.id, { userId: null, token: a.body.orderToken }), "not_found");
  });
});

describe("unpaid orders holding stock", () => {
  const capped = (perEmail: number, perClient: number): CheckoutDeps => ({ ...deps, unpaidOrdersPerEmail: perEmail, unpaidOrdersPerClient: perClient });
  const pendingFor = (email: string) => db.order.count({ where: { email, status: "PENDING_PAYMENT" } });

  it("the 6th unpaid order for one e-mail is 429 rate_limited, before any stock moves; paying or cancelling frees a slot", async () => {
    const { cancelOrder } = await import("@/lib/checkout");
    const capDeps = capped(5, 1000);
    const variant = await makeVariant({ stock: 100 });
    const email = `cap-${randomUUID().slice(0, 8)}@example.test`;
    const placed = [];
    for (let i = 0; i < 5; i++) placed.push(await placeOrder(capDeps, input(await guestCart([[variant, 1]]), { email })));
    const stockBefore = await stockOf(variant);
    const sixthCart = await guestCart([[variant, 1]]);
    // a +tag is the same mailbox
    const err = await expectCode(placeOrder(capDeps, input(sixthCart, { email: email.replace("@", "+more@") })), "rate_limited");
    expect(err.httpStatus).toBe(429);
    expect(err.details).toMatchObject({ scope: "email", limit: 5 });
    expect(await stockOf(variant)).toBe(stockBefore);
    expect(await pendingFor(email)).toBe(5);

    await cancelOrder(capDeps, placed[0]!.body.order.id, { paymentStatus: "canceled" });
    // the same cart (still ACTIVE) and a new key: now it goes through
    const seventh = await placeOrder(capDeps, input(sixthCart, { email }));
    expect(seventh.body.order.status).toBe("PENDING_PAYMENT");
  });

  it("10 racing checkouts for one e-mail: never more than 5 pending", async () => {
    const capDeps = capped(5, 1000);
    const variant = await makeVariant({ stock: 100 });
    const email = `race-${randomUUID().slice(0, 8)}@example.test`;
    const cartIds = await Promise.all(Array.from({ length: 10 }, () => guestCart([[variant, 1]])));
    const results = await Promise.all(cartIds.map((cartId) => attempt(placeOrder(capDeps, input(cartId, { email })))));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    for (const r of results) if (!r.ok) expect(r.error.code).toBe("rate_limited");
    expect(await pendingFor(email)).toBe(5);
    expect(await stockOf(variant)).toBe(95);
  });

  it("a cap lowered below the orders already pending: the next checkout is refused, and nothing is written", async () => {
    const variant = await makeVariant({ stock: 100 });
    const email = `lowered-${randomUUID().slice(0, 8)}@example.test`;
    for (let i = 0; i < 7; i++) await placeOrder(capped(10, 1000), input(await guestCart([[variant, 1]]), { email }));
    const cartId = await guestCart([[variant, 1]]);
    const ordersBefore = await db.order.count();
    const err = await expectCode(placeOrder(capped(3, 1000), input(cartId, { email })), "rate_limited");
    expect(err.details).toMatchObject({ scope: "email", limit: 3 });
    expect(await pendingFor(email)).toBe(7);
    expect(await db.order.count()).toBe(ordersBefore);
    expect(await stockOf(variant)).toBe(93);
  });

  it("a checkout waiting for its shopper's cap lock has already written its order and does not hold the hot row", async () => {
    const variant = await makeVariant({ stock: 100 });
    const email = `waiting-${randomUUID().slice(0, 8)}@example.test`;
    const cartId = await guestCart([[variant, 1]]);
    const lockKey = `cw:unpaid:email:email:${email}`;
    let placing: Promise<{ ok: boolean }> | undefined;
    const seen = await db.$transaction(
      async (tx) => {
        // another checkout of the same shopper holds the cap's lock until this transaction ends
        await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))::text AS locked`;
        placing = attempt(placeOrder(capped(5, 1000), input(cartId, { email })));
        let waiting: number | undefined;
        for (let i = 0; i < 200 && waiting === undefined; i++) {
          const rows = await db.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`;
          waiting = rows[0]?.pid;
          if (waiting === undefined) await new Promise((r) => setTimeout(r, 25));
        }
        if (waiting === undefined) throw new Error("the checkout never waited for the shopper's lock");
        const held = await db.$queryRaw<{ rel: string }[]>`
          SELECT relation::regclass::text AS rel FROM pg_locks
          WHERE pid = ${waiting} AND locktype = 'relation' AND mode = 'RowExclusiveLock' AND granted`;
        // the hot row is free meanwhile: another checkout's stock lock (FOR NO KEY UPDATE, cw_reserve_stock) is
        // taken without waiting (the waiting order's items only hold the key share their foreign key takes)
        const free = await db.$transaction(async (t2) => t2.$queryRaw<{ id: number }[]>`SELECT id FROM product_variants WHERE id = ${variant} FOR NO KEY UPDATE NOWAIT`);
        return { written: held.map((r) => r.rel), hotRowFree: free.length === 1 };
      },
      { timeout: 20_000 },
    );
    expect(seen.written).toEqual(expect.arrayContaining(["orders", "order_items"]));
    expect(seen.hotRowFree).toBe(true);
    expect((await placing!).ok).toBe(true);
    expect(await pendingFor(email)).toBe(1);
  });

  it("per client: the cap counts a keyed hash of the IP (never the IP itself), across e-mails", async () => {
    const capDeps = capped(1000, 3);
    const variant = await makeVariant({ stock: 100 });
    const client = `203.0.113.${Math.floor(Math.random() * 250)}-${randomUUID().slice(0, 4)}`;
    const cartIds = await Promise.all(Array.from({ length: 8 }, () => guestCart([[variant, 1]])));
    const results = await Promise.all(cartIds.map((cartId) => attempt(placeOrder(capDeps, input(cartId, { client })))));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    for (const r of results) if (!r.ok) expect([r.error.code, r.error.details?.scope]).toEqual(["rate_limited", "client"]);
    const placed = results.flatMap((r) => (r.ok ? [r.value.body.order.id] : []));
    const rows = await db.order.findMany({ where: { id: { in: placed } }, select: { clientKey: true } });
    expect(new Set(rows.map((r) => r.clientKey)).size).toBe(1);
    expect(rows[0]!.clientKey).toMatch(/^[0-9a-f]{32}$/);
    expect(rows[0]!.clientKey).not.toContain("203.0.113");
    // another client is not affected
    await placeOrder(capDeps, input(await guestCart([[variant, 1]]), { client: "198.51.100.7" }));
  });
});

describe("the migration of stored per-customer keys", () => {
  it("rewrites user:<id> and +tag e-mail keys to the normalised e-mail key, so old redemptions keep counting", async () => {
    const { readFileSync } = await import("node:fs");
    const sql = readFileSync(new URL("../../prisma/migrations/20261206040000_money_hardening/migration.sql", import.meta.url), "utf8");
    // the migration's two UPDATEs of discount_redemptions, run again over rows written the old way
    const updates = sql
      .split(";")
      .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
      .filter((s) => s.startsWith('UPDATE "discount_redemptions"'));
    expect(updates).toHaveLength(2);

    const local = `legacy${randomUUID().slice(0, 6)}`;
    const user = await db.user.create({ data: { email: `${local}+shop@example.test`, passwordHash: "x" } });
    const discount = await db.discount.create({ data: { code: `LEG${randomUUID().slice(0, 8)}`, type: "PERCENTAGE", value: 1000, maxUsesPerCustomer: 5 } });
    const old = [`user:${user.id}`, `email:${local}+guest@example.test`, `email:${local}@example.test`];
    for (const customerKey of old) await db.discountRedemption.create({ data: { discountId: discount.id, customerKey, userId: null } });

    for (const u of updates) await db.$executeRawUnsafe(u);

    const keys = (await db.discountRedemption.findMany({ where: { discountId: discount.id }, select: { customerKey: true } })).map((r) => r.customerKey);
    expect(keys).toEqual([`email:${local}@example.test`, `email:${local}@example.test`, `email:${local}@example.test`]);
    const { countCustomerRedemptions } = await import("@/lib/discounts/repository");
    expect(await countCustomerRedemptions(db, discount.id, `user:${user.id}`)).toBe(3);
  });
});
