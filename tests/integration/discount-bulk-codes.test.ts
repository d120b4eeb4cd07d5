import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createDiscount } from "@/lib/admin/discounts";
import { exportDiscountCodesCsv, generateDiscountCodes } from "@/lib/admin/discount-codes";
import { auditOf } from "@/lib/audit";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { viewCart } from "@/lib/cart/view";
import { DomainError } from "@/lib/errors";
import { forgetRateTables } from "@/lib/rates";
import { createTestProvider } from "@/lib/payments";
import { resetEnvCache } from "@/lib/env";
import { cancelOrder, placeOrder, type CheckoutDeps } from "@/lib/checkout";

// Bulk (single-use) codes through the real cart and checkout (PostgreSQL + Redis, no mocks): generation in one
// request, the CSV, a code used once under racing checkouts, a code given back by a cancel, a budget the cart
// predicts. Ships to New Zealand (no other file uses it).

// the route handlers are called as a headless admin client calls them
const TOKEN = "bulk-codes-test-token-0123456789";
process.env.ADMIN_API_TOKEN = TOKEN;
resetEnvCache();
const api = (path: string, method: string, body?: unknown) =>
  new Request(`http://test${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
const ctx = (id: number) => ({ params: Promise.resolve({ id: String(id) }) });

const ADDRESS = { name: "Bulk Shopper", line1: "1 Lambton Quay", city: "Wellington", country: "NZ", postalCode: "6011" };
let db: PrismaClient;
let kv: RedisKvStore;
let carts: CartService;
let deps: CheckoutDeps;
let variant: number;
const made: number[] = [];
const tag = randomUUID().slice(0, 6).toUpperCase();

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 12);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}bulk:` });
  carts = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD", discountFailuresPerCart: 1000, discountFailuresPerClient: 1000 });
  deps = { db, carts, provider: createTestProvider(), log: () => {}, maxLineQuantity: 99 };
  await db.shippingZoneCountry.upsert({ where: { country: "NZ" }, create: { country: "NZ", zone: "BULK_TEST" }, update: {} });
  await db.shippingRate.upsert({
    where: { zone_currency: { zone: "BULK_TEST", currency: "USD" } },
    create: { zone: "BULK_TEST", currency: "USD", amount: 700, freeOver: null },
    update: {},
  });
  forgetRateTables();
  const p = await db.product.create({
    data: {
      slug: `bulk-${tag.toLowerCase()}`,
      name: `Bulk Mug ${tag}`,
      basePrice: 4000,
      currency: "USD",
      variants: { create: [{ sku: `BULK-${tag}`, attributes: {}, stockQuantity: 10_000 }] },
    },
    include: { variants: true },
  });
  variant = p.variants[0]!.id;
});

afterAll(async () => {
  if (made.length) await db.discount.updateMany({ where: { id: { in: made } }, data: { isActive: false } });
  await kv.close();
  await db.$disconnect();
});

async function discount(input: Record<string, unknown>) {
  const d = await createDiscount(db, input, new Date());
  made.push(d.id);
  return d;
}

async function cartWith(code: string): Promise<string> {
  const c = await carts.createGuestCart();
  await carts.addItem(c.id, { userId: null }, { variantId: variant, quantity: 1 });
  await carts.applyDiscount(c.id, { userId: null }, code, `bulk-${c.id}`);
  return c.id;
}

const checkout = (cartId: string) =>
  placeOrder(deps, { cartId, email: `bulk-${randomUUID().slice(0, 8)}@example.test`, shippingAddress: ADDRESS, idempotencyKey: randomUUID(), actor: { userId: null } }).then(
    (r) => ({ ok: true as const, orderId: r.body.order.id as string, discount: r.body.order.summary.discount as number }),
    (e: unknown) => {
      if (!(e instanceof DomainError)) throw e;
      return { ok: false as const, code: e.code, reason: (e.details as { reason?: string } | undefined)?.reason, message: e.message };
    },
  );

describe("bulk codes", () => {
  it("10,000 codes are made in one request (201): all unique, prefixed, random; the CSV lists every one, unused; the generation is audited", async () => {
    const d = await discount({ code: `BULKTEN${tag}`, type: "PERCENTAGE", value: 10 });
    const { POST } = await import("@/app/api/admin/discounts/[id]/codes/route");
    const res = await POST(api(`/api/admin/discounts/${d.id}/codes`, "POST", { count: 10_000, prefix: `x${tag}-` }), ctx(d.id));
    expect(res.status).toBe(201);
    const { codes } = (await res.json()) as { codes: string[] };
    expect(codes).toHaveLength(10_000);
    expect(new Set(codes.map((c) => c.toLowerCase())).size).toBe(10_000);
    for (const c of codes) expect(c).toMatch(new RegExp(`^X${tag}-[A-HJ-NP-Z2-9]{10}$`));
    expect(await db.discountCode.count({ where: { discountId: d.id } })).toBe(10_000);

    const { GET } = await import("@/app/api/admin/discounts/[id]/codes.csv/route");
    const csvRes = await GET(api(`/api/admin/discounts/${d.id}/codes.csv`, "GET"), ctx(d.id));
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get("content-type")).toMatch(/^text\/csv/);
    const rows = (await csvRes.text()).trimEnd().split("\r\n");
    expect(rows[0]).toBe("code,status,order_id,used_at,created_at");
    expect(rows).toHaveLength(10_001);
    expect(new Set(rows.slice(1).map((r) => r.split(",")[0]))).toEqual(new Set(codes));
    expect(rows.slice(1).every((r) => r.split(",")[1] === "unused")).toBe(true);

    const audit = await auditOf(db, `discount:${d.id}`);
    expect(audit.at(-1)).toMatchObject({ actor: "admin-api-token", action: "discount.codes.generate", after: { count: 10_000, prefix: `X${tag}-` } });

    // over the limit through the route: 400, nothing made
    const tooMany = await POST(api(`/api/admin/discounts/${d.id}/codes`, "POST", { count: 10_001 }), ctx(d.id));
    expect(tooMany.status).toBe(400);
    expect(await db.discountCode.count({ where: { discountId: d.id } })).toBe(10_000);
  });

  it("bad requests change nothing: count 0 or 10,001, a bad prefix, an automatic discount, an unknown discount", async () => {
    const d = await discount({ code: `BULKBAD${tag}`, type: "PERCENTAGE", value: 10 });
    for (const body of [{ count: 0 }, { count: 10_001 }, { count: 5, prefix: "no spaces" }, { count: 1.5 }, { count: 5, extra: 1 }])
      await expect(generateDiscountCodes(db, d.id, body, "a")).rejects.toMatchObject({ name: "ZodError" });
    const auto = await discount({ automatic: true, title: `Auto bulk ${tag}`, type: "PERCENTAGE", value: 5, isActive: false });
    await expect(generateDiscountCodes(db, auto.id, { count: 5 }, "a")).rejects.toMatchObject({ code: "conflict" });
    await expect(generateDiscountCodes(db, 2_000_000_000, { count: 5 }, "a")).rejects.toMatchObject({ code: "not_found" });
    expect(await db.discountCode.count({ where: { discountId: { in: [d.id, auto.id] } } })).toBe(0);
  });

  it("a bulk code applies like its discount (shown by the code typed, any case) and the order records it", async () => {
    const d = await discount({ code: `BULKAPPLY${tag}`, type: "FIXED_AMOUNT", value: 500, currency: "USD" });
    const [code] = await generateDiscountCodes(db, d.id, { count: 1, prefix: "WELCOME" }, "a");
    const cartId = await cartWith(code!.toLowerCase());
    const view = await viewCart(db, await carts.getCart(cartId, { userId: null }));
    expect(view.discounts).toEqual([expect.objectContaining({ code, applied: true, amount: 500 })]);
    const placed = await checkout(cartId);
    expect(placed).toMatchObject({ ok: true, discount: 500 });
    const order = await db.order.findUniqueOrThrow({ where: { id: placed.ok ? placed.orderId : "" } });
    expect(order.discounts).toEqual([expect.objectContaining({ code, discountId: d.id, amount: 500 })]);
    expect(await db.discountCode.findFirstOrThrow({ where: { code: code! } })).toMatchObject({ orderId: order.id });
    // applying it again is refused: it has been used
    const again = await carts.createGuestCart();
    await carts.addItem(again.id, { userId: null }, { variantId: variant, quantity: 1 });
    await expect(carts.applyDiscount(again.id, { userId: null }, code!, "bulk-again")).rejects.toMatchObject({
      code: "discount_invalid",
      details: { reason: "usage_limit_reached" },
    });
  });

  it("one bulk code in two concurrent checkouts is used once", async () => {
    const d = await discount({ code: `BULKTWO${tag}`, type: "PERCENTAGE", value: 20 });
    const [code] = await generateDiscountCodes(db, d.id, { count: 1 }, "a");
    const ids = await Promise.all([cartWith(code!), cartWith(code!)]);
    const results = await Promise.all(ids.map(checkout));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const loser = results.find((r) => !r.ok)!;
    expect(loser).toMatchObject({ code: "discount_invalid", reason: "usage_limit_reached", message: "This code has already been used." });
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).usesCount).toBe(1);
  });

  it("10 concurrent checkouts with one bulk code: exactly one order redeems it, the others get 422 discount_invalid with a reason; a cancel gives it back and it can be used again", async () => {
    const d = await discount({ code: `BULKRACE${tag}`, type: "FIXED_AMOUNT", value: 1000, currency: "USD" });
    const [code] = await generateDiscountCodes(db, d.id, { count: 3 }, "a");
    const ids = await Promise.all(Array.from({ length: 10 }, () => cartWith(code!)));
    const results = await Promise.all(ids.map(checkout));
    const winners = results.flatMap((r) => (r.ok ? [r] : []));
    expect(winners).toHaveLength(1);
    expect(winners[0]!.discount).toBe(1000);
    for (const r of results) if (!r.ok) expect([r.code, r.reason]).toEqual(["discount_invalid", "usage_limit_reached"]);
    // the invariant after the race: one order holds the code, one use and one redemption counted
    const row = await db.discountCode.findFirstOrThrow({ where: { code: code! } });
    expect(row.orderId).toBe(winners[0]!.orderId);
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).usesCount).toBe(1);
    expect(await db.discountRedemption.count({ where: { discountId: d.id, releasedAt: null } })).toBe(1);
    expect(await db.order.count({ where: { discounts: { array_contains: [{ code: code! }] } } })).toBe(1);
    // the losers' carts no longer hold it
    for (const [i, id] of ids.entries()) if (!results[i]!.ok) expect((await carts.getCart(id, { userId: null })).discounts).toEqual([]);

    const csvUsed = (await exportDiscountCodesCsv(db, d.id)).split("\r\n").find((l) => l.startsWith(`${code},`))!;
    expect(csvUsed.split(",").slice(1, 3)).toEqual(["used", winners[0]!.orderId]);

    // cancelled: free again, and the use given back
    await cancelOrder(deps, winners[0]!.orderId, { paymentStatus: "canceled" });
    expect(await db.discountCode.findFirstOrThrow({ where: { code: code! } })).toMatchObject({ orderId: null, usedAt: null });
    expect((await db.discount.findUniqueOrThrow({ where: { id: d.id } })).usesCount).toBe(0);
    expect((await exportDiscountCodesCsv(db, d.id)).split("\r\n").find((l) => l.startsWith(`${code},`))!.split(",")[1]).toBe("unused");
    const reused = await checkout(await cartWith(code!));
    expect(reused).toMatchObject({ ok: true, discount: 1000 });
    expect((await db.discountCode.findFirstOrThrow({ where: { code: code! } })).orderId).toBe(reused.ok ? reused.orderId : "");
  });

  it("a signed-in cart keeps the bulk code it was given (stored with the cart's discount row)", async () => {
    const d = await discount({ code: `BULKUSER${tag}`, type: "PERCENTAGE", value: 15 });
    const [code] = await generateDiscountCodes(db, d.id, { count: 1 }, "a");
    const user = await db.user.create({ data: { email: `bulk-${tag.toLowerCase()}@example.test`, passwordHash: "x" } });
    const cart = await carts.cartForUser(user.id);
    await carts.addItem(cart.id, { userId: user.id }, { variantId: variant, quantity: 2 });
    await carts.applyDiscount(cart.id, { userId: user.id }, code!, "bulk-user");
    const stored = await carts.users.loadFromDb(cart.id);
    expect(stored!.discounts).toEqual([expect.objectContaining({ discountId: d.id, code })]);
    const placed = await placeOrder(deps, { cartId: cart.id, email: user.email, shippingAddress: ADDRESS, idempotencyKey: randomUUID(), actor: { userId: user.id } });
    expect(await db.discountCode.findFirstOrThrow({ where: { code: code! } })).toMatchObject({ orderId: placed.body.order.id });
  });
});

describe("budgets seen before checkout", () => {
  it("a discount whose remaining budget is below what it would give shows applied:false, reason budget_exhausted; checkout refuses it the same way", async () => {
    const d = await discount({ code: `BUDGETV${tag}`, type: "FIXED_AMOUNT", value: 1000, currency: "USD", maxDiscountAmount: 1500 });
    const first = await checkout(await cartWith(d.code!));
    expect(first).toMatchObject({ ok: true, discount: 1000 });
    // 500 left, the code would give 1000
    const cartId = await cartWith(d.code!);
    const view = await viewCart(db, await carts.getCart(cartId, { userId: null }));
    expect(view.discounts).toEqual([expect.objectContaining({ code: d.code, applied: false, reason: "budget_exhausted" })]);
    expect(view.summary.discount).toBe(0);
    expect(await checkout(cartId)).toMatchObject({ ok: false, code: "discount_invalid", reason: "budget_exhausted" });
  });
});
