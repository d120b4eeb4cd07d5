import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { PostgresKvStore, RedisKvStore, type KvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { cartKey, parseCart } from "@/lib/cart/guest-store";
import { GUEST_CLOSE_STALE_MS } from "@/lib/cart/guest-close";
import type { CartRecord } from "@/lib/cart/model";
import { MAX_CART_LINES } from "@/lib/cart/mutations";
import { DomainError } from "@/lib/errors";
import { forgetRateTables } from "@/lib/rates";
import { createTestProvider } from "@/lib/payments";
import { cancelOrder, placeOrder, type CheckoutDeps, type PlaceOrderInput } from "@/lib/checkout";
import { combines, MAX_CODES_PER_CART } from "@/lib/discounts/rules";
import { viewCart } from "@/lib/cart/view";
import { findCartCodes } from "@/lib/discounts/repository";

// Issue 11: one cart, one writer. Every test here races requests against one cart and asserts the invariant after
// the race: no interleaving leaves more than five codes on a cart or a non-combinable set applied (or redeems one),
// and every cart change answered 2xx is in the order or in an ACTIVE cart afterwards. Real PostgreSQL and Redis, no mocks.

const ADDRESS = { name: "Test Shopper", line1: "1 Front Street", city: "Hamilton", country: "BM", postalCode: "HM 11" };
const MAX_Q = 99;

let db: PrismaClient;
let kv: RedisKvStore;
let carts: CartService;
let deps: CheckoutDeps;

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 20);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}races:` });
  carts = new CartService(db, kv, { maxLineQuantity: MAX_Q, defaultCurrency: "USD" });
  deps = { db, carts, provider: createTestProvider(), log: () => {}, maxLineQuantity: MAX_Q };
  // a country and zone of this file's own, so other files' rates neither affect nor are affected
  await db.shippingZoneCountry.upsert({ where: { country: "BM" }, create: { country: "BM", zone: "RACES_TEST" }, update: { zone: "RACES_TEST" } });
  await db.shippingRate.upsert({
    where: { zone_currency: { zone: "RACES_TEST", currency: "USD" } },
    create: { zone: "RACES_TEST", currency: "USD", amount: 500, freeOver: null },
    update: { amount: 500, freeOver: null },
  });
  forgetRateTables();
});

afterAll(async () => {
  await kv.close();
  await db.$disconnect();
});

// ---- helpers -------------------------------------------------------------------------------------------------

type Outcome<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/** A DomainError becomes a value; anything else (a 500, a deadlock) fails the test. */
async function attempt<T>(p: Promise<T>): Promise<Outcome<T>> {
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

async function makeProduct(variants: { stock: number }[], price = 3000) {
  const tag = randomUUID().slice(0, 8);
  const p = await db.product.create({
    data: {
      slug: `race-${tag}`,
      name: `Race Tee ${tag}`,
      basePrice: price,
      currency: "USD",
      variants: { create: variants.map((v, i) => ({ sku: `RC-${tag}-${i}`, attributes: { n: String(i) }, stockQuantity: v.stock })) },
    },
    include: { variants: { orderBy: { id: "asc" } } },
  });
  return p.variants.map((v) => v.id);
}

async function makeUser(): Promise<string> {
  return (await db.user.create({ data: { email: `race-${randomUUID()}@example.test`, passwordHash: "x" } })).id;
}

function input(cartId: string, extra: Partial<PlaceOrderInput> = {}): PlaceOrderInput {
  return { cartId, email: `race-${cartId.slice(0, 6)}@example.test`, shippingAddress: ADDRESS, idempotencyKey: randomUUID(), actor: { userId: null }, ...extra };
}

const checkout = (cartId: string, extra: Partial<PlaceOrderInput> = {}) => placeOrder(deps, input(cartId, extra));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const stockOf = async (variantId: number) => (await db.productVariant.findUniqueOrThrow({ where: { id: variantId } })).stockQuantity;

/** At most five codes are kept, and the set the cart shows as applied combines pairwise (lib/discounts/rules.ts). */
async function expectCombinable(cart: CartRecord): Promise<void> {
  expect(cart.discounts.length).toBeLessThanOrEqual(MAX_CODES_PER_CART);
  const { codes: rules } = await findCartCodes(db, cart.discounts);
  expect(rules).toHaveLength(cart.discounts.length);
  if (cart.status !== "ACTIVE") return;
  const view = await viewCart(db, cart);
  const applied = rules.filter((r) => view.discounts.some((d) => d.applied && d.code === r.code));
  for (const a of applied) for (const b of applied) if (a !== b) expect(combines(a, b)).toBe(true);
}

// ---- codes applied at the same moment ---------------------------------------------------------------------------

describe("codes applied to one cart at the same moment", () => {
  let codes: string[];
  let variant: number;

  beforeAll(async () => {
    [variant] = (await makeProduct([{ stock: 10_000 }])) as [number];
    const tag = randomUUID().slice(0, 8);
    // two 50% codes, a $10-off code and four 1% codes: order discounts that combine only with shipping ones, so
    // any two of them clash; seven codes, two more than a cart may hold
    codes = [`HALF-A-${tag}`, `HALF-B-${tag}`, `TENOFF-${tag}`, ...[1, 2, 3, 4].map((i) => `ONE-${i}-${tag}`)];
    const alone = { combinesWithShipping: true };
    await db.discount.createMany({
      data: [
        { code: codes[0]!, type: "PERCENTAGE", value: 5000, ...alone },
        { code: codes[1]!, type: "PERCENTAGE", value: 5000, ...alone },
        { code: codes[2]!, type: "FIXED_AMOUNT", value: 1000, currency: "USD", ...alone },
        ...codes.slice(3).map((code) => ({ code, type: "PERCENTAGE" as const, value: 100, ...alone })),
      ],
    });
  });

  /** One trial: seven codes at once, then checkout. */
  async function trial(cartId: string, userId: string | null, n: number): Promise<void> {
    const actor = { userId };
    const applies = await Promise.all(codes.map((code) => attempt(carts.applyDiscount(cartId, actor, code, `race-client-${n}`))));
    const landed = applies.filter((r) => r.ok);
    // every refusal is the five-code limit, and exactly five of the seven are kept
    for (const r of applies) if (!r.ok) expect(r.error.details).toMatchObject({ reason: "too_many_codes" });
    expect(landed).toHaveLength(MAX_CODES_PER_CART);
    const cart = await carts.getCart(cartId, actor);
    expect(cart.discounts).toHaveLength(MAX_CODES_PER_CART);
    await expectCombinable(cart);
    const view = await viewCart(db, cart);
    const shownApplied = view.discounts.filter((d) => d.applied);
    expect(shownApplied).toHaveLength(1);
    for (const d of view.discounts.filter((x) => !x.applied)) expect(d).toMatchObject({ reason: "not_combinable", conflictsWith: shownApplied[0]!.code });

    const placed = await checkout(cartId, { actor });
    const row = await db.order.findUniqueOrThrow({ where: { id: placed.body.order.id } });
    const redeemed = row.discounts as { discountId: number; code: string }[];
    // checkout redeems exactly the set the cart showed as applied
    expect(redeemed.map((d) => d.code)).toEqual([shownApplied[0]!.code]);
    expect(await db.discountRedemption.count({ where: { orderId: row.id } })).toBe(1);
    // 2 x 3000: 50% is 3000, $10 is 1000, 1% is 60; never two of them together
    expect([3000, 1000, 60]).toContain(row.discountTotal);
    expect(row.discountTotal).toBe(view.summary.discount);
  }

  it("guest carts: 30 trials of seven codes at once never keep more than five, never apply a non-combinable set, and no order redeems one", async () => {
    for (let n = 0; n < 30; n++) {
      const cart = await carts.createGuestCart();
      await carts.addItem(cart.id, { userId: null }, { variantId: variant, quantity: 2 });
      await trial(cart.id, null, n);
    }
  });

  it("signed-in carts: 30 trials of seven codes at once never keep more than five, never apply a non-combinable set, and no order redeems one", async () => {
    for (let n = 0; n < 30; n++) {
      const uid = await makeUser();
      const cart = await carts.cartForUser(uid);
      await carts.addItem(cart.id, { userId: uid }, { variantId: variant, quantity: 2 });
      await trial(cart.id, uid, 100 + n);
    }
  });

  it("three codes applied while the cart checks out (20 trials, guest and signed-in): the order redeems at most one, and a code answered 200 is in the order or on the cart", async () => {
    const three = codes.slice(0, 3);
    for (let n = 0; n < 20; n++) {
      const userId = n % 2 === 0 ? null : await makeUser();
      const actor = { userId };
      const cart = userId ? await carts.cartForUser(userId) : await carts.createGuestCart();
      await carts.addItem(cart.id, actor, { variantId: variant, quantity: 2 });
      const applies = three.map((code) => sleep(Math.random() * 30).then(() => attempt(carts.applyDiscount(cart.id, actor, code, `race-co-${n}`))));
      const [placed, ...results] = await Promise.all([attempt(checkout(cart.id, { actor })), ...applies]);
      const after = await carts.getCart(cart.id, actor);
      await expectCombinable(after);
      const redeemed = placed.ok ? ((await db.order.findUniqueOrThrow({ where: { id: placed.value.body.order.id } })).discounts as { code: string }[]) : [];
      expect(redeemed.length).toBeLessThanOrEqual(1);
      if (placed.ok) expect(await db.discountRedemption.count({ where: { orderId: placed.value.body.order.id } })).toBe(redeemed.length);
      else expect(placed.error.code).toBe("conflict");
      results.forEach((r, i) => {
        if (!r.ok) {
          // refused: the checkout had closed the cart
          expect(r.error.code).toBe("cart_not_active");
          return;
        }
        // kept: redeemed, or still on the cart (an ACTIVE one, or the closed one the order came from, where it lost
        // to a better code that the order did redeem)
        const onCart = after.discounts.some((d) => d.code === three[i]);
        const where = redeemed.some((d) => d.code === three[i]) || (onCart && (after.status === "ACTIVE" || redeemed.length === 1));
        expect(where, `${three[i]} answered 200 but is neither in the order nor on the cart`).toBe(true);
      });
    }
  });

  it("checkout redeems exactly the best compatible set of a cart holding clashing codes: the other codes stay, unredeemed", async () => {
    const ids = (await db.discount.findMany({ where: { code: { in: codes.slice(0, 3) } }, orderBy: { id: "asc" } })).map((d) => ({ discountId: d.id, code: d.code! }));

    // a guest cart holding both 50% codes: the same total either way, so the smaller id is the one applied
    const guest = await carts.createGuestCart();
    await carts.addItem(guest.id, { userId: null }, { variantId: variant, quantity: 2 });
    await carts.applyDiscount(guest.id, { userId: null }, ids[1]!.code, "race-best");
    await carts.applyDiscount(guest.id, { userId: null }, ids[0]!.code, "race-best");
    const placed = await checkout(guest.id);
    const row = await db.order.findUniqueOrThrow({ where: { id: placed.body.order.id } });
    expect(row.discounts).toEqual([expect.objectContaining({ code: ids[0]!.code, amount: 3000 })]);
    expect(await db.discountRedemption.findMany({ where: { orderId: row.id }, select: { discountId: true } })).toEqual([{ discountId: ids[0]!.discountId }]);

    // a signed-in cart holding $10 off and 50%: 50% (3000) beats $10 (1000) whatever the order they were applied in
    const uid = await makeUser();
    const mine = await carts.cartForUser(uid);
    await carts.addItem(mine.id, { userId: uid }, { variantId: variant, quantity: 2 });
    await carts.applyDiscount(mine.id, { userId: uid }, ids[2]!.code, "race-best");
    await carts.applyDiscount(mine.id, { userId: uid }, ids[0]!.code, "race-best");
    const placed2 = await checkout(mine.id, { actor: { userId: uid } });
    expect(placed2.body.order.summary.discount).toBe(3000);
    expect(await db.discountRedemption.count({ where: { orderId: placed2.body.order.id } })).toBe(1);
  });
});

// ---- adds racing a guest checkout -------------------------------------------------------------------------------

describe("changes racing a guest checkout", () => {
  it("10 adds racing a guest checkout (20 trials): every add answered 2xx is in the order or in an ACTIVE cart", async () => {
    const [base, added] = (await makeProduct([{ stock: 10_000 }, { stock: 10_000 }])) as [number, number];
    let inOrder = 0;
    let refused = 0;
    for (let trial = 0; trial < 20; trial++) {
      const cart = await carts.createGuestCart();
      await carts.addItem(cart.id, { userId: null }, { variantId: base, quantity: 1 });
      // each add is its own line (its own personalization), so it can be found afterwards
      const adds = Array.from({ length: 10 }, (_, i) =>
        sleep(Math.random() * 40).then(() =>
          attempt(carts.addItem(cart.id, { userId: null }, { variantId: added, quantity: 1, customOptions: { personalization: `t${trial}-add${i}` } })),
        ),
      );
      const [placed, ...results] = await Promise.all([attempt(checkout(cart.id)), ...adds]);
      const after = await carts.getCart(cart.id, { userId: null });
      const orderItems = placed.ok ? (await db.orderItem.findMany({ where: { orderId: placed.value.body.order.id } })) : [];
      const orderTags = new Set(orderItems.map((i) => (i.customOptions as { personalization?: string }).personalization));
      const cartTags = new Set(after.status === "ACTIVE" ? after.items.map((l) => l.customOptions.personalization) : []);
      if (placed.ok) expect(after.status).toBe("CHECKED_OUT");
      else {
        // only a cart that kept changing under the checkout may stop it; then the cart is the shopper's again
        expect(placed.error.code).toBe("conflict");
        expect(after.status).toBe("ACTIVE");
      }
      results.forEach((r, i) => {
        const tag = `t${trial}-add${i}`;
        if (r.ok) {
          expect(orderTags.has(tag) || cartTags.has(tag), `${tag} answered 201 but is neither in the order nor in an ACTIVE cart`).toBe(true);
          if (orderTags.has(tag)) inOrder += 1;
        } else {
          expect(r.error.code).toBe("cart_not_active");
          refused += 1;
        }
      });
    }
    // the race was real: some adds made it into orders, some came after the close
    expect(inOrder).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it.each([["guest", false], ["signed-in", true]])("every change after a %s checkout gets 409 cart_not_active and leaves the cart as it was", async (_kind, signedIn) => {
    const [v] = (await makeProduct([{ stock: 100 }])) as [number];
    const code = `AFTER-${randomUUID().slice(0, 8)}`;
    await db.discount.create({ data: { code, type: "PERCENTAGE", value: 1000 } });
    const actor = { userId: signedIn ? await makeUser() : null };
    const cart = actor.userId ? await carts.cartForUser(actor.userId) : await carts.createGuestCart();
    const c = await carts.addItem(cart.id, actor, { variantId: v, quantity: 2 });
    const itemId = c.items[0]!.id;
    await checkout(cart.id, { actor });
    await expectCode(carts.addItem(cart.id, actor, { variantId: v, quantity: 1 }), "cart_not_active");
    await expectCode(carts.updateItemQuantity(cart.id, actor, itemId, 1), "cart_not_active");
    await expectCode(carts.removeItem(cart.id, actor, itemId), "cart_not_active");
    await expectCode(carts.applyDiscount(cart.id, actor, code, "after-client"), "cart_not_active");
    await expectCode(carts.setShippingAddress(cart.id, actor, ADDRESS), "cart_not_active");
    const after = await carts.getCart(cart.id, actor);
    expect(after.status).toBe("CHECKED_OUT");
    expect(after.items.map((l) => l.quantity)).toEqual([2]);
    expect(after.discounts).toEqual([]);
  });

  it("checkouts that fail after closing the guest cart (a code used up meanwhile) reopen it with every line", async () => {
    const [v] = (await makeProduct([{ stock: 1000 }])) as [number];
    const rounds = 8;
    const pairs = await Promise.all(
      Array.from({ length: rounds }, async () => {
        const code = `ONCE-${randomUUID().slice(0, 8)}`;
        await db.discount.create({ data: { code, type: "FIXED_AMOUNT", value: 500, currency: "USD", maxUses: 1 } });
        const ids: string[] = [];
        for (let i = 0; i < 2; i++) {
          const cart = await carts.createGuestCart();
          await carts.addItem(cart.id, { userId: null }, { variantId: v, quantity: 1 + i });
          await carts.applyDiscount(cart.id, { userId: null }, code, "once-client");
          ids.push(cart.id);
        }
        return ids;
      }),
    );
    const results = await Promise.all(pairs.flat().map((id) => attempt(checkout(id))));
    expect(results.filter((r) => r.ok)).toHaveLength(rounds);
    for (const [i, id] of pairs.flat().entries()) {
      const r = results[i]!;
      const cart = await carts.getCart(id, { userId: null });
      if (r.ok) {
        expect(cart.status).toBe("CHECKED_OUT");
        continue;
      }
      expect(r.error.details).toMatchObject({ reason: "usage_limit_reached" });
      // the loser's cart is ACTIVE again with its line, without the code, and takes changes
      expect(cart.status).toBe("ACTIVE");
      expect(cart.items).toHaveLength(1);
      expect(cart.discounts).toEqual([]);
      const more = await carts.addItem(id, { userId: null }, { variantId: v, quantity: 1 });
      expect(more.items[0]!.quantity).toBe(cart.items[0]!.quantity + 1);
    }
  });

  it("a guest cart left closed by a checkout that died is settled by PostgreSQL: reopened when no order exists, and that checkout's late statement writes nothing", async () => {
    const [v] = (await makeProduct([{ stock: 100 }])) as [number];
    const cart = await carts.createGuestCart();
    await carts.addItem(cart.id, { userId: null }, { variantId: v, quantity: 1 });
    const priced = (await carts.getCart(cart.id, { userId: null })).version;
    const orderId = randomUUID();
    // the dead checkout closed the cart long enough ago
    const closed = (await carts.guests.close(cart.id, priced, orderId, new Date(Date.now() - GUEST_CLOSE_STALE_MS - 1000)))!;
    expect(closed.status).toBe("CHECKED_OUT");

    // the next change settles it and goes ahead
    const after = await carts.addItem(cart.id, { userId: null }, { variantId: v, quantity: 1 });
    expect(after).toMatchObject({ status: "ACTIVE" });
    expect(after.items[0]!.quantity).toBe(2);
    expect((await db.cart.findUniqueOrThrow({ where: { id: cart.id } })).status).toBe("ABANDONED");

    // the dead checkout's statement arriving late finds a row that is not older than its close: nothing written
    const late = {
      cart: { id: cart.id, source: "kv", version: closed.version, sessionId: cart.id, currency: "USD", createdAt: closed.createdAt, expiresAt: closed.expiresAt, items: [], discountIds: [] },
      address: ADDRESS,
      order: {},
      items: [],
      key: { scope: "checkout", key: "late", lockedAt: new Date().toISOString() },
      stock: { ids: [v], quantities: [1] },
      redeem: [],
      customerKey: "late@example.test",
      now: new Date().toISOString(),
    };
    const [answer] = await db.$queryRaw<{ answer: { failure?: string; status?: string } }[]>`SELECT cw_place_order(${JSON.stringify(late)}::jsonb) AS answer`;
    expect(answer!.answer).toEqual({ failure: "cart_not_active", status: "ABANDONED" });
    expect(await db.order.count({ where: { cartId: cart.id } })).toBe(0);
    expect(await stockOf(v)).toBe(100);

    // and the shopper's own checkout of the reopened cart goes through, with both units
    const placed = await checkout(cart.id);
    expect(placed.body.order.items.map((i) => i.quantity)).toEqual([2]);
    expect((await carts.getCart(cart.id, { userId: null })).status).toBe("CHECKED_OUT");
  });

  it("a closed guest cart whose order WAS written is settled as CHECKED_OUT, never reopened", async () => {
    const [v] = (await makeProduct([{ stock: 100 }])) as [number];
    const cart = await carts.createGuestCart();
    await carts.addItem(cart.id, { userId: null }, { variantId: v, quantity: 1 });
    await checkout(cart.id);
    // the close a placed checkout leaves on the document, once stale (the first reader after GUEST_CLOSE_STALE_MS settles it)
    const doc = parseCart(await kv.get(cartKey(cart.id)))!;
    await kv.set(cartKey(cart.id), JSON.stringify({ ...doc, closing: { orderId: randomUUID(), at: new Date(Date.now() - GUEST_CLOSE_STALE_MS - 1000).toISOString() } }));
    await expectCode(carts.addItem(cart.id, { userId: null }, { variantId: v, quantity: 1 }), "cart_not_active");
    const settled = parseCart(await kv.get(cartKey(cart.id)))!;
    expect(settled.status).toBe("CHECKED_OUT");
    expect(settled.closing ?? null).toBeNull();
    expect((await db.cart.findUniqueOrThrow({ where: { id: cart.id } })).status).toBe("CHECKED_OUT");
  });
});

// ---- restoring a cart after a cancelled order -------------------------------------------------------------------

describe("a cancelled order's cart comes back without dropping lines added meanwhile", () => {
  it("signed-in: the lines of the user's newer cart are never reduced or removed by the merge, even when stock fell", async () => {
    const uid = await makeUser();
    const [a, b] = (await makeProduct([{ stock: 10 }, { stock: 10 }])) as [number, number];
    const first = await carts.cartForUser(uid);
    await carts.addItem(first.id, { userId: uid }, { variantId: a, quantity: 1 });
    await carts.addItem(first.id, { userId: uid }, { variantId: b, quantity: 1 });
    const { body } = await checkout(first.id, { actor: { userId: uid } });
    // meanwhile: a newer cart with 5 of a and 3 of b, then a is sold out and b is withdrawn
    const newer = await carts.cartForUser(uid);
    expect(newer.id).not.toBe(first.id);
    await carts.addItem(newer.id, { userId: uid }, { variantId: a, quantity: 5 });
    await carts.addItem(newer.id, { userId: uid }, { variantId: b, quantity: 3 });
    await db.productVariant.update({ where: { id: a }, data: { stockQuantity: 0 } });
    await db.productVariant.update({ where: { id: b }, data: { isActive: false } });

    expect((await cancelOrder(deps, body.order.id, { paymentStatus: "canceled" })).outcome).toBe("cancelled");
    const active = await carts.cartForUser(uid);
    expect(active.id).toBe(newer.id);
    const qty = new Map(active.items.map((l) => [l.variantId, l.quantity]));
    // a: only the order's 1 unit is back in stock, less than the 5 added meanwhile: those 5 stay (the incoming unit
    // gives way); b: withdrawn, but the 3 added meanwhile stay (checkout will say so, the merge never drops them)
    expect(qty.get(a)).toBe(5);
    expect(qty.get(b)).toBe(3);
  });

  it("guest: changes are refused while the order awaits payment, and the cancelled order's cart comes back with exactly its lines", async () => {
    const [v, w] = (await makeProduct([{ stock: 10 }, { stock: 10 }])) as [number, number];
    const cart = await carts.createGuestCart();
    await carts.addItem(cart.id, { userId: null }, { variantId: v, quantity: 2 });
    const { body } = await checkout(cart.id);
    const racing = await Promise.all(
      Array.from({ length: 5 }, () => attempt(carts.addItem(cart.id, { userId: null }, { variantId: w, quantity: 1 }))),
    );
    for (const r of racing) expect(r.ok ? "ok" : r.error.code).toBe("cart_not_active");
    await cancelOrder(deps, body.order.id, { paymentStatus: "canceled" });
    const back = await carts.getCart(cart.id, { userId: null });
    expect(back.status).toBe("ACTIVE");
    expect(back.items.map((l) => [l.variantId, l.quantity])).toEqual([[v, 2]]);
    // and it takes changes again, and checks out again
    await carts.addItem(cart.id, { userId: null }, { variantId: w, quantity: 1 });
    const again = await checkout(cart.id);
    expect(again.body.order.items.map((i) => i.quantity).sort()).toEqual([1, 2]);
  });

  it("guest: a restore finding the KV copy ACTIVE with new lines keeps them and adds back only what it lacks", async () => {
    const [v, w] = (await makeProduct([{ stock: 10 }, { stock: 10 }])) as [number, number];
    const cart = await carts.createGuestCart();
    await carts.addItem(cart.id, { userId: null }, { variantId: v, quantity: 2 });
    const { body } = await checkout(cart.id);
    // as if a reader had repaired the copy to ACTIVE and the shopper had added a line since
    const doc = parseCart(await kv.get(cartKey(cart.id)))!;
    await kv.set(cartKey(cart.id), JSON.stringify({ ...doc, status: "ACTIVE" }));
    await carts.addItem(cart.id, { userId: null }, { variantId: w, quantity: 1 });
    await cancelOrder(deps, body.order.id, { paymentStatus: "canceled" });
    const back = await carts.getCart(cart.id, { userId: null });
    expect(back.status).toBe("ACTIVE");
    expect(back.items.map((l) => [l.variantId, l.quantity]).sort()).toEqual([[v, 2], [w, 1]].sort());
  });
});

// ---- limits -----------------------------------------------------------------------------------------------------

describe("cart limits", () => {
  /** 100 lines over two variants (50 each, told apart by personalization), 10 changes at a time. */
  async function fill(cartId: string, actor: { userId: string | null }, variants: [number, number]): Promise<void> {
    for (let batch = 0; batch < MAX_CART_LINES / 10; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => {
          const i = batch * 10 + j;
          return carts.addItem(cartId, actor, { variantId: variants[i % 2]!, quantity: 1, customOptions: { personalization: `L${i}` } });
        }),
      );
    }
  }

  it(`the ${MAX_CART_LINES + 1}st line is 422 too_many_lines (guest and signed-in, also when racing); more of an existing line still fits`, async () => {
    const [a, b, c] = (await makeProduct([{ stock: 10_000 }, { stock: 10_000 }, { stock: 10_000 }])) as [number, number, number];
    for (const userId of [null, await makeUser()]) {
      const actor = { userId };
      const cart = userId ? await carts.cartForUser(userId) : await carts.createGuestCart();
      await fill(cart.id, actor, [a, b]);
      expect((await carts.getCart(cart.id, actor)).items).toHaveLength(MAX_CART_LINES);
      const e = await expectCode(carts.addItem(cart.id, actor, { variantId: c, quantity: 1 }), "too_many_lines");
      expect(e.httpStatus).toBe(422);
      // five new lines racing: all refused, the cart still has 100 lines
      const racing = await Promise.all(Array.from({ length: 5 }, (_, i) => attempt(carts.addItem(cart.id, actor, { variantId: c, quantity: 1, customOptions: { giftMessage: `r${i}` } }))));
      for (const r of racing) expect(r.ok ? "ok" : r.error.code).toBe("too_many_lines");
      const more = await carts.addItem(cart.id, actor, { variantId: a, quantity: 2, customOptions: { personalization: "L0" } });
      expect(more.items).toHaveLength(MAX_CART_LINES);
      expect(more.items.find((l) => l.customOptions.personalization === "L0")!.quantity).toBe(3);
    }
  });

  it(`units of one variant over all its lines are capped at CART_MAX_LINE_QUANTITY (${MAX_Q}): add and PATCH answer 400 on quantity, racing adds never pass it`, async () => {
    const [v] = (await makeProduct([{ stock: 10_000 }])) as [number];
    for (const userId of [null, await makeUser()]) {
      const actor = { userId };
      const cart = userId ? await carts.cartForUser(userId) : await carts.createGuestCart();
      const c1 = await carts.addItem(cart.id, actor, { variantId: v, quantity: 60 });
      const plain = c1.items[0]!.id;
      const e = await expectCode(carts.addItem(cart.id, actor, { variantId: v, quantity: 40, customOptions: { giftWrap: true } }), "validation_failed");
      expect(e.details).toEqual({ fieldErrors: { quantity: [`At most ${MAX_Q}`] } });
      const c2 = await carts.addItem(cart.id, actor, { variantId: v, quantity: 39, customOptions: { giftWrap: true } });
      expect(c2.items.reduce((n, l) => n + l.quantity, 0)).toBe(MAX_Q);
      await expectCode(carts.updateItemQuantity(cart.id, actor, plain, 61), "validation_failed");
      // a decrease is always allowed, and frees units for the other line
      await carts.updateItemQuantity(cart.id, actor, plain, 50);
      const wrapped = c2.items.find((l) => l.customOptions.giftWrap)!.id;
      // 20 adds of 1 unit racing on new lines: only the 10 units left fit
      const racing = await Promise.all(
        Array.from({ length: 20 }, (_, i) => attempt(carts.addItem(cart.id, actor, { variantId: v, quantity: 1, customOptions: { giftMessage: `m${i}` } }))),
      );
      expect(racing.filter((r) => r.ok)).toHaveLength(10);
      for (const r of racing) if (!r.ok) expect(r.error.code).toBe("validation_failed");
      const after = await carts.getCart(cart.id, actor);
      expect(after.items.reduce((n, l) => n + l.quantity, 0)).toBe(MAX_Q);
      await expectCode(carts.updateItemQuantity(cart.id, actor, wrapped, 40), "validation_failed");
    }
  });

  it("merge at sign-in caps the incoming units at the per-variant maximum over all lines, and keeps the user's own lines", async () => {
    const [v] = (await makeProduct([{ stock: 10_000 }])) as [number];
    const uid = await makeUser();
    const mine = await carts.cartForUser(uid);
    await carts.addItem(mine.id, { userId: uid }, { variantId: v, quantity: 70, customOptions: { giftWrap: true } });
    const guest = await carts.createGuestCart();
    await carts.addItem(guest.id, { userId: null }, { variantId: v, quantity: 60 });
    const { cart, capped, merged } = await carts.mergeGuestCart(guest.id, uid);
    expect(merged).toBe(true);
    expect(capped).toEqual([expect.objectContaining({ variantId: v, requested: 60, kept: 29 })]);
    expect(cart.items.map((l) => [l.customOptions.giftWrap ?? false, l.quantity]).sort()).toEqual([[false, 29], [true, 70]].sort());
  });
});

describe("one address, many shoppers", () => {
  // on Redis (the window rule runs as one Lua script) and on the embedded default's PostgreSQL table (it runs through
  // the table's compare-and-set update, retried under contention)
  const stores: [string, () => { store: KvStore; done: () => Promise<void> }][] = [
    ["Redis", () => ({ store: kv, done: async () => {} })],
    [
      "the PostgreSQL KV table",
      () => {
        const store = new PostgresKvStore({ db, prefix: `${process.env.KV_PREFIX}races-pg-${randomUUID()}:` });
        return { store, done: async () => void (await db.$executeRaw`DELETE FROM kv_entries WHERE key LIKE ${`${store.prefix}%`}`) };
      },
    ],
  ];
  it.each(stores)(
    "30 shoppers behind one address apply a valid code at the same moment on %s: every one lands (no 503, no 429), and the address's failure window is empty after",
    async (_name, open) => {
      const { store, done } = open();
      const shop = new CartService(db, store, { maxLineQuantity: MAX_Q, defaultCurrency: "USD" });
      try {
        const [v] = (await makeProduct([{ stock: 10_000 }])) as [number];
        const code = `CROWD-${randomUUID().slice(0, 8)}`;
        await db.discount.create({ data: { code, type: "PERCENTAGE", value: 1000 } });
        const shoppers = await Promise.all(
          Array.from({ length: 30 }, async () => {
            const cart = await shop.createGuestCart();
            await shop.addItem(cart.id, { userId: null }, { variantId: v, quantity: 1 });
            return cart.id;
          }),
        );
        const client = `crowd-${randomUUID()}`;
        for (let trial = 0; trial < 3; trial++) {
          const applied = await Promise.all(shoppers.map((id) => attempt(shop.applyDiscount(id, { userId: null }, code, client))));
          expect(applied.filter((r) => !r.ok).map((r) => !r.ok && `${r.error.code}: ${r.error.message}`)).toEqual([]);
          for (const id of shoppers) expect((await shop.getCart(id, { userId: null })).discounts.map((d) => d.code)).toEqual([code]);
          // a right code gives its slot back: nothing counts against the address
          expect(await store.get(`rl:discount:client:${client}`)).toBeNull();
          await Promise.all(shoppers.map((id) => shop.removeDiscount(id, { userId: null }, code)));
        }
      } finally {
        await done();
      }
    },
  );
});
