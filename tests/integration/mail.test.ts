import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createSession, sessionUser } from "@/lib/auth/sessions";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { RedisKvStore } from "@/lib/kv";
import { CartService } from "@/lib/cart/service";
import { DomainError, isZodError } from "@/lib/errors";
import { forgetRateTables } from "@/lib/rates";
import { createTestProvider, TEST_CARDS } from "@/lib/payments";
import { applyPaymentEvent, confirmTestPayment, placeOrder, type CheckoutDeps, type PlaceOrderInput } from "@/lib/checkout";
import { hashPassword } from "@/lib/auth/password";
import { authenticate } from "@/lib/accounts";
import { confirmPasswordReset, requestPasswordReset, RESET_REQUESTS_PER_HOUR } from "@/lib/accounts/password-reset";
import { enqueueMail, enqueueOrderRefunded, enqueueOrderShipped } from "@/lib/mail/outbox";
import { backoffMs, deliverMail, resendMail, type MailDeps } from "@/lib/mail/worker";
import { MailboxTransport, SmtpTransport } from "@/lib/mail/transport";
import { restoreFromReminder, reminderStats, sendCartReminders, unsubscribe } from "@/lib/mail/cart-reminders";
import { requestOrderLookup } from "@/lib/mail/order-lookup";
import { allowMailRequest, MAIL_REQUESTS_PER_CLIENT } from "@/lib/mail/request-limit";
import { orderForAccessLink } from "@/lib/mail/order-access";
import { cancelOrderByShopper } from "@/lib/orders";
import { JobScheduler, claimPeriod, lastRuns, periodStartOf, type Job } from "@/lib/jobs/scheduler";
import { renderMail } from "@/emails/render";
import { startSmtpServer, type TestSmtpServer } from "@/tests/support/smtp";

// Mail and jobs against the real PostgreSQL and Redis of the run, with a real SMTP server (smtp-server) in this
// process: nodemailer talks SMTP to it over TCP. Times that matter (backoff, idle carts, token expiry) come from
// clocks passed in.

const BASE = "http://shop.test";
// the Faroe Islands: a zone of this file's own (other files set rates and taxes for their own countries, in the same database)
const ADDRESS = { name: "Test Shopper", line1: "Niels Finsens gota 1", city: "Torshavn", country: "FO", postalCode: "100" };

let db: PrismaClient;
let db2: PrismaClient;
let kv: RedisKvStore;
let carts: CartService;
let smtp: TestSmtpServer;
let deps: CheckoutDeps;
const quiet = () => {};

beforeAll(async () => {
  db = createPrismaClient(process.env.DATABASE_URL!, 10);
  db2 = createPrismaClient(process.env.DATABASE_URL!, 10);
  kv = new RedisKvStore({ url: process.env.REDIS_URL!, prefix: `${process.env.KV_PREFIX}mail:` });
  carts = new CartService(db, kv, { maxLineQuantity: 99, defaultCurrency: "USD" });
  deps = { db, carts, provider: createTestProvider(), log: quiet };
  smtp = await startSmtpServer();
  await db.shippingZoneCountry.upsert({ where: { country: "FO" }, create: { country: "FO", zone: "MAIL_TEST" }, update: { zone: "MAIL_TEST" } });
  await db.shippingRate.upsert({
    where: { zone_currency: { zone: "MAIL_TEST", currency: "USD" } },
    create: { zone: "MAIL_TEST", currency: "USD", amount: 500, freeOver: null },
    update: { amount: 500, freeOver: null },
  });
  forgetRateTables();
});

afterAll(async () => {
  await smtp.stop();
  await kv.close();
  await db.$disconnect();
  await db2.$disconnect();
});

function mailDeps(opts: { client?: PrismaClient; now?: () => Date; maxAttempts?: number; transport?: "smtp" | "mailbox" } = {}): MailDeps {
  const client = opts.client ?? db;
  return {
    db: client,
    transport: opts.transport === "mailbox" ? new MailboxTransport(client) : new SmtpTransport(smtp.url, { timeoutMs: 3000 }),
    render: renderMail,
    from: "Cartwright <no-reply@localhost>",
    baseUrl: BASE,
    now: opts.now,
    maxAttempts: opts.maxAttempts,
    log: quiet,
  };
}

async function makeVariant(stock = 10, price = 2500): Promise<number> {
  const tag = randomUUID().slice(0, 8);
  const p = await db.product.create({
    data: { slug: `mail-${tag}`, name: `Mail Tee ${tag}`, basePrice: price, currency: "USD", variants: { create: [{ sku: `MAIL-${tag}`, stockQuantity: stock }] } },
    include: { variants: true },
  });
  return p.variants[0]!.id;
}

const email = (what: string) => `${what}-${randomUUID().slice(0, 8)}@example.test`;

function input(cartId: string, to: string, extra: Partial<PlaceOrderInput> = {}): PlaceOrderInput {
  return { cartId, email: to, shippingAddress: ADDRESS, idempotencyKey: randomUUID(), actor: { userId: null }, ...extra };
}

async function guestOrder(to: string, variantId: number, quantity = 1) {
  const cart = await carts.createGuestCart();
  await carts.addItem(cart.id, { userId: null }, { variantId, quantity });
  const { body } = await placeOrder(deps, input(cart.id, to));
  return { cartId: cart.id, order: body.order, orderToken: body.orderToken };
}

const linkIn = (html: string, path: string) => {
  const m = new RegExp(`href="(${BASE.replace(/[.]/g, "\\.")}${path}[^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${path} link in the message`);
  return new URL(m[1]!.replace(/&amp;/g, "&"));
};

async function caught(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError");
}

describe("order mail", () => {
  it("a paid order delivers exactly one confirmation although its payment event arrives 5 times and two workers deliver at once", async () => {
    const to = email("paid");
    const { order } = await guestOrder(to, await makeVariant(), 2);
    const row = await db.order.findUniqueOrThrow({ where: { id: order.id }, select: { paymentIntentId: true } });
    const event = createTestProvider().confirmTestCard(row.paymentIntentId!, order.id, TEST_CARDS.success);

    // the same event delivered 5 times, all at once
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => applyPaymentEvent(deps, event)));
    expect(outcomes.filter((o) => o.outcome === "paid")).toHaveLength(1);
    expect(await db.mailOutbox.count({ where: { recipient: to, event: "order_paid" } })).toBe(1);

    // two workers, two connection pools, racing for the outbox
    const [a, b] = await Promise.all([deliverMail(mailDeps()), deliverMail(mailDeps({ client: db2 }))]);
    expect(a + b).toBeGreaterThanOrEqual(1);
    // and again: nothing left to send for this order
    await Promise.all([deliverMail(mailDeps()), deliverMail(mailDeps({ client: db2 }))]);

    const got = smtp.to(to);
    expect(got).toHaveLength(1);
    expect(got[0]!.headers["x-cartwright-event"]).toBe("order_paid");
    expect(got[0]!.subject).toContain(order.id.slice(0, 8));
    expect(got[0]!.headers["message-id"]).toMatch(/@cartwright\.mail>$/);
    // money in the order's currency, formatted by lib/money: 2 × $25.00 + $5.00 shipping
    expect(got[0]!.html).toContain("$50.00");
    expect(got[0]!.html).toContain("$55.00");
    // the link opens the order on any device
    const link = linkIn(got[0]!.html, `/orders/${order.id}`);
    expect((await orderForAccessLink(db, order.id, link.searchParams.get("access")))?.status).toBe("PAID");
    expect(await orderForAccessLink(db, order.id, `${link.searchParams.get("access")}x`)).toBeNull();
    const stored = await db.mailOutbox.findFirstOrThrow({ where: { recipient: to } });
    expect(stored).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("a declined payment mails payment_failed once per decline event; an expired order mails order_cancelled", async () => {
    const to = email("declined");
    const { order } = await guestOrder(to, await makeVariant());
    const row = await db.order.findUniqueOrThrow({ where: { id: order.id }, select: { paymentIntentId: true } });
    const declined = createTestProvider().confirmTestCard(row.paymentIntentId!, order.id, TEST_CARDS.insufficientFunds);
    await Promise.all([applyPaymentEvent(deps, declined), applyPaymentEvent(deps, declined)]);
    const outbox = await db.mailOutbox.findMany({ where: { recipient: to } });
    expect(outbox.map((m) => m.event)).toEqual(["payment_failed"]);
    // the order still waits for payment: another card declined again is another event, another message
    const again = createTestProvider().confirmTestCard(row.paymentIntentId!, order.id, TEST_CARDS.genericDecline, undefined, 1);
    await Promise.all([applyPaymentEvent(deps, again), applyPaymentEvent(deps, again)]);
    expect((await db.mailOutbox.findMany({ where: { recipient: to } })).map((m) => m.event)).toEqual(["payment_failed", "payment_failed"]);

    const to2 = email("expired");
    const second = await guestOrder(to2, await makeVariant());
    await db.$executeRaw`UPDATE orders SET reserved_until = now() - interval '1 minute' WHERE id = ${second.order.id}::uuid`;
    const { expireReservations } = await import("@/lib/checkout");
    await Promise.all([expireReservations(deps), expireReservations(deps)]);
    expect((await db.mailOutbox.findMany({ where: { recipient: to2 } })).map((m) => m.event)).toEqual(["order_cancelled"]);
  });

  it("shipped and refunded mails (for the order desk) are one per fulfillment and per refund, with tracking and the amount", async () => {
    const to = email("desk");
    const { order, orderToken } = await guestOrder(to, await makeVariant(10, 1999));
    await confirmTestPayment(deps, { orderId: order.id, cardNumber: TEST_CARDS.success }, { userId: null, token: orderToken });
    const ship = { orderId: order.id, fulfillmentId: randomUUID(), carrier: "UPS", trackingNumber: "1Z999AA10123456784", items: [{ name: "Mail Tee", sku: "MAIL", quantity: 1 }] };
    const refund = { orderId: order.id, refundId: randomUUID(), amount: 1999, refundedTotal: 1999 };
    for (let i = 0; i < 2; i++)
      await db.$transaction(async (tx) => {
        await enqueueOrderShipped(tx, ship);
        await enqueueOrderRefunded(tx, refund);
      });
    await deliverMail(mailDeps());
    const shipped = smtp.to(to, "order_shipped");
    const refunded = smtp.to(to, "order_refunded");
    expect(shipped).toHaveLength(1);
    expect(refunded).toHaveLength(1);
    expect(shipped[0]!.html).toContain("1Z999AA10123456784");
    expect(shipped[0]!.subject).toContain(order.id.slice(0, 8));
    expect(refunded[0]!.subject).toContain("$19.99");
    expect(smtp.to(to, "order_paid")).toHaveLength(1);
  });
});

describe("delivery with retries", () => {
  it("SMTP down for a minute loses nothing: attempts back off (30 s, then 60 s) and the message goes out once the server is back", async () => {
    const to = email("outage");
    await db.$transaction((tx) => enqueueMail(tx, { event: "order_lookup", to, dedupeKey: "outage", data: { orders: [{ orderId: randomUUID(), createdAt: new Date().toISOString(), status: "PAID", currency: "JPY", total: 1500 }] } }));
    const t0 = Date.now() + 1000;
    let now = t0;
    const d = mailDeps({ now: () => new Date(now) });
    const row = () => db.mailOutbox.findFirstOrThrow({ where: { recipient: to } });

    await smtp.stop();
    try {
      expect(await deliverMail(d)).toBe(0);
      expect(await row()).toMatchObject({ status: "pending", attempts: 1 });
      expect((await row()).nextAttemptAt.getTime()).toBe(t0 + backoffMs(1));
      expect((await row()).lastError).toBeTruthy();

      now = t0 + 10_000; // not due yet: not even tried
      await deliverMail(d);
      expect((await row()).attempts).toBe(1);

      now = t0 + 30_000; // second attempt, still down
      expect(await deliverMail(d)).toBe(0);
      expect(await row()).toMatchObject({ status: "pending", attempts: 2 });
      expect((await row()).nextAttemptAt.getTime()).toBe(now + backoffMs(2));
    } finally {
      now = t0 + 60_000; // a minute later the server is back
      await smtp.start();
    }
    await deliverMail(d);
    expect(smtp.to(to)).toHaveLength(0); // not due until t0 + 90 s
    now = t0 + 90_000;
    await deliverMail(d);
    await deliverMail(d);
    const got = smtp.to(to, "order_lookup");
    expect(got).toHaveLength(1);
    expect(got[0]!.html).toContain("¥1,500"); // the order's own currency, no minor digits for JPY
    expect(await row()).toMatchObject({ status: "sent", attempts: 3, lastError: null });
  });

  it("a message that keeps failing is marked failed, stays listed, and an admin's resend (ten at once) delivers it once", async () => {
    const to = email("failing");
    await enqueueMail(db, { event: "order_lookup", to, dedupeKey: "failing", data: { orders: [{ orderId: randomUUID(), createdAt: new Date().toISOString(), status: "PAID", currency: "EUR", total: 990 }] } });
    let now = Date.now() + 1000;
    const d = mailDeps({ now: () => new Date(now), maxAttempts: 2 });
    await smtp.stop();
    try {
      await deliverMail(d);
      now += backoffMs(1);
      await deliverMail(d);
    } finally {
      await smtp.start();
    }
    const failed = await db.mailOutbox.findFirstOrThrow({ where: { recipient: to } });
    expect(failed).toMatchObject({ status: "failed", attempts: 2 });
    now += 60 * 60_000;
    await deliverMail(d); // failed messages are never picked up by themselves
    expect(smtp.to(to)).toHaveLength(0);

    expect((await caught(resendMail(db, randomUUID()))).code).toBe("not_found");
    // ten admins press Resend at once (two pools): one resend wins, the others are 409 because it is pending again
    const pressed = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => resendMail(i % 2 ? db2 : db, failed.id, new Date(now))));
    expect(pressed.filter((p) => p.status === "fulfilled")).toHaveLength(1);
    expect(pressed.filter((p) => p.status === "rejected").map((p) => (p as PromiseRejectedResult).reason.code)).toEqual(Array(9).fill("conflict"));
    expect((await caught(resendMail(db, failed.id))).code).toBe("conflict"); // pending again: a second resend is refused
    await Promise.all([deliverMail(d), deliverMail({ ...d, db: db2 })]);
    expect(smtp.to(to)).toHaveLength(1);
    expect((await caught(resendMail(db, failed.id))).code).toBe("conflict"); // sent: resending would send it twice
  });
});

describe("abandoned-cart reminders", () => {
  const idle = (ms: number) => new Date(Date.now() - ms);

  it("a signed-in cart idle past the threshold gets one reminder; its link restores the cart; after unsubscribing no reminder follows", async () => {
    const to = email("idle");
    const user = await db.user.create({ data: { email: to, passwordHash: "x" } });
    const variantId = await makeVariant(10, 1200);
    const cart = await carts.cartForUser(user.id);
    await carts.addItem(cart.id, { userId: user.id }, { variantId, quantity: 3 });
    const idleSince = idle(2 * 60 * 60_000);
    await db.$executeRaw`UPDATE carts SET updated_at = ${idleSince} WHERE id = ${cart.id}`;
    const rdeps = { db, carts, afterMinutes: 60 };

    // two instances racing, and again later: one reminder for this idle period
    await Promise.all([sendCartReminders(rdeps), sendCartReminders({ ...rdeps, db: db2 })]);
    await sendCartReminders(rdeps);
    expect(await db.cartReminder.count({ where: { cartId: cart.id } })).toBe(1);
    expect(await db.mailOutbox.count({ where: { recipient: to, event: "cart_reminder" } })).toBe(1);
    await deliverMail(mailDeps());
    const mails = smtp.to(to, "cart_reminder");
    expect(mails).toHaveLength(1);
    expect(mails[0]!.html).toContain("$36.00");
    expect(mails[0]!.headers["list-unsubscribe"]).toContain("/unsubscribe?token=");

    // the restore link: a signed-in cart is its owner's after sign-in
    const restore = linkIn(mails[0]!.html, "/cart/restore");
    expect(await restoreFromReminder({ db, carts }, restore.searchParams.get("token"))).toEqual({ kind: "user", cartId: cart.id, userId: user.id });
    expect(await restoreFromReminder({ db, carts }, "forged.token")).toEqual({ kind: "invalid" });
    expect((await reminderStats(db)).cartsRestored).toBeGreaterThanOrEqual(1);

    // unsubscribe, then a new idle period: no reminder
    const unsub = linkIn(mails[0]!.html, "/unsubscribe");
    expect(await unsubscribe(db, unsub.searchParams.get("token"))).toBe(to);
    expect(await unsubscribe(db, "x.y")).toBeNull();
    await carts.updateItemQuantity(cart.id, { userId: user.id }, (await carts.getCart(cart.id, { userId: user.id })).items[0]!.id, 4);
    await db.$executeRaw`UPDATE carts SET updated_at = ${idle(3 * 60 * 60_000)} WHERE id = ${cart.id}`;
    await sendCartReminders(rdeps);
    expect(await db.mailOutbox.count({ where: { recipient: to, event: "cart_reminder" } })).toBe(1);
  });

  it("a guest who gave an e-mail at checkout and did not pay gets a reminder whose link hands the same cart back; a new idle period gets one more; never after checkout", async () => {
    const to = email("guest");
    const variantId = await makeVariant(10, 800);
    const { cartId, order, orderToken } = await guestOrder(to, variantId, 2);
    // while the order waits for payment the cart is CHECKED_OUT: no reminder
    await db.$executeRaw`UPDATE carts SET updated_at = ${idle(5 * 60 * 60_000)} WHERE id = ${cartId}`;
    expect(await sendCartReminders({ db, carts, afterMinutes: 60 })).toBe(0);
    // a decline keeps the order (and the cart closed); "Back to cart" gives the cart back
    await confirmTestPayment(deps, { orderId: order.id, cardNumber: TEST_CARDS.genericDecline }, { userId: null, token: orderToken });
    expect((await carts.getCart(cartId, { userId: null })).status).toBe("CHECKED_OUT");
    await cancelOrderByShopper(deps, order.id, { userId: null, token: orderToken });
    expect((await carts.getCart(cartId, { userId: null })).status).toBe("ACTIVE");

    // idle in PostgreSQL and in its KV document
    const first = idle(2 * 60 * 60_000);
    await db.$executeRaw`UPDATE carts SET updated_at = ${first} WHERE id = ${cartId}`;
    const doc = (await carts.guests.load(cartId))!;
    await carts.guests.put({ ...doc, updatedAt: first.toISOString() });
    await Promise.all([sendCartReminders({ db, carts, afterMinutes: 60 }), sendCartReminders({ db: db2, carts, afterMinutes: 60 })]);
    await deliverMail(mailDeps());
    const mails = smtp.to(to, "cart_reminder");
    expect(mails).toHaveLength(1);
    const token = linkIn(mails[0]!.html, "/cart/restore").searchParams.get("token");
    expect(await restoreFromReminder({ db, carts }, token)).toEqual({ kind: "guest", cartId });
    expect((await carts.getCart(cartId, { userId: null })).items.map((l) => [l.variantId, l.quantity])).toEqual([[variantId, 2]]);

    // the shopper touched the cart (KV only) and left again: a new idle period, one more reminder
    const second = idle(90 * 60_000);
    await carts.guests.put({ ...(await carts.guests.load(cartId))!, updatedAt: second.toISOString() });
    await sendCartReminders({ db, carts, afterMinutes: 60 });
    await sendCartReminders({ db, carts, afterMinutes: 60 });
    expect(await db.cartReminder.count({ where: { cartId } })).toBe(2);

    // checked out (and paid) before the queued reminder went out: it is skipped, and no reminder follows
    const paid = await placeOrder(deps, input(cartId, to));
    await confirmTestPayment(deps, { orderId: paid.body.order.id, cardNumber: TEST_CARDS.success }, { userId: null, token: paid.body.orderToken });
    await deliverMail(mailDeps());
    expect(smtp.to(to, "cart_reminder")).toHaveLength(1);
    expect(await db.mailOutbox.findFirst({ where: { recipient: to, event: "cart_reminder", status: "skipped" } })).not.toBeNull();
    await db.$executeRaw`UPDATE carts SET updated_at = ${idle(10 * 60 * 60_000)} WHERE id = ${cartId}`;
    expect(await sendCartReminders({ db, carts, afterMinutes: 60 })).toBe(0);
    expect(await restoreFromReminder({ db, carts }, token)).toEqual({ kind: "invalid" });
    // the dashboard counts it as recovered
    const stats = await reminderStats(db);
    expect(stats.cartsRecovered).toBeGreaterThanOrEqual(1);
    expect(stats.revenueRecovered.find((r) => r.currency === "USD")!.amount).toBeGreaterThanOrEqual(paid.body.order.summary.total);
  });
});

describe("password reset", () => {
  async function account() {
    const to = email("reset");
    await db.user.create({ data: { email: to, passwordHash: await hashPassword("old-password-123") } });
    return to;
  }

  async function tokenFromMailbox(to: string, now?: () => Date): Promise<string> {
    await deliverMail(mailDeps({ transport: "mailbox", now }));
    const msgs = await db.mailboxMessage.findMany({ where: { to }, orderBy: { createdAt: "desc" } });
    const m = msgs[0]!;
    expect((m.headers as Record<string, string>)["X-Cartwright-Event"]).toBe("password_reset");
    const link = linkIn(m.html, "/reset-password");
    const token = link.searchParams.get("token")!;
    expect(m.text).toContain("token=");
    return token;
  }

  it("the token works once: of two concurrent uses exactly one sets the password; the other is refused", async () => {
    const to = await account();
    // a session signed in with the old password (e.g. a stolen cookie) ends with the reset
    const user = await db.user.findUniqueOrThrow({ where: { email: to } });
    const oldSession = await createSession(db, user.id);
    expect(await sessionUser(db, oldSession)).not.toBeNull();
    await requestPasswordReset(db, { email: to.toUpperCase() });
    const token = await tokenFromMailbox(to);
    // the database never holds the token itself
    const row = await db.passwordResetToken.findFirstOrThrow({ where: { user: { email: to } } });
    expect(row.tokenHash).not.toContain(token);
    expect(JSON.stringify(await db.mailOutbox.findFirstOrThrow({ where: { recipient: to } }))).not.toContain(token);

    // a weak password is refused and does not use the token up
    const weak = await confirmPasswordReset(db, { token, password: "short" }).catch((e: unknown) => e);
    // a ZodError: the route's wrapper answers it as 400 validation_failed on `password`
    expect(isZodError(weak) && weak.issues.every((i) => i.path[0] === "password")).toBe(true);
    const results = await Promise.allSettled([
      confirmPasswordReset(db, { token, password: "brand-new-password-1" }),
      confirmPasswordReset(db2, { token, password: "brand-new-password-2" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(DomainError);
    expect((refused.reason as DomainError).details).toMatchObject({ fieldErrors: { token: expect.any(Array) } });
    const winner = results.findIndex((r) => r.status === "fulfilled");
    expect(await authenticate(db, to, `brand-new-password-${winner + 1}`)).not.toBeNull();
    expect(await authenticate(db, to, "old-password-123")).toBeNull();
    expect(await sessionUser(db, oldSession)).toBeNull();
    expect((await caught(confirmPasswordReset(db, { token, password: "yet-another-password" }))).code).toBe("validation_failed");
  });

  it("the token expires after 30 minutes; unknown addresses get nothing; at most a few mails per hour", async () => {
    const to = await account();
    const t0 = Date.now();
    await requestPasswordReset(db, { email: to }, { now: () => new Date(t0) });
    const token = await tokenFromMailbox(to);
    expect((await caught(confirmPasswordReset(db, { token, password: "too-late-password" }, { now: () => new Date(t0 + 30 * 60_000 + 1) }))).code).toBe("validation_failed");
    expect(await confirmPasswordReset(db, { token, password: "just-in-time-pw" }, { now: () => new Date(t0 + 29 * 60_000) })).toHaveProperty("userId");

    const nobody = email("nobody");
    await requestPasswordReset(db, { email: nobody });
    expect(await db.mailOutbox.count({ where: { recipient: nobody } })).toBe(0);

    const busy = await account();
    await Promise.all(Array.from({ length: RESET_REQUESTS_PER_HOUR + 3 }, () => requestPasswordReset(db, { email: busy })));
    expect(await db.mailOutbox.count({ where: { recipient: busy, event: "password_reset" } })).toBe(RESET_REQUESTS_PER_HOUR);
  });
});

describe("guest order lookup", () => {
  it("mails one message with a signed link per order that opens it; asking again within the window sends nothing new", async () => {
    const to = email("lookup");
    const variantId = await makeVariant();
    const a = await guestOrder(to, variantId);
    const b = await guestOrder(to.toUpperCase(), variantId);
    await Promise.all([requestOrderLookup(db, { email: to }), requestOrderLookup(db, { email: ` ${to.toUpperCase()} ` })]);
    await requestOrderLookup(db, { email: email("no-orders") });
    expect(await db.mailOutbox.count({ where: { recipient: to, event: "order_lookup" } })).toBe(1);
    await deliverMail(mailDeps());
    const got = smtp.to(to, "order_lookup");
    expect(got).toHaveLength(1);
    for (const o of [a.order, b.order]) {
      const link = linkIn(got[0]!.html, `/orders/${o.id}`);
      expect((await orderForAccessLink(db, o.id, link.searchParams.get("access")))?.id).toBe(o.id);
      // a link is for its own order only
      const other = o.id === a.order.id ? b.order.id : a.order.id;
      expect(await orderForAccessLink(db, other, link.searchParams.get("access"))).toBeNull();
    }
  });
});

describe("mail requests per client", () => {
  it("one client gets at most MAIL_REQUESTS_PER_CLIENT mail-sending requests per window, even in a burst; others are unaffected", async () => {
    const client = `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}-${randomUUID().slice(0, 6)}`;
    const burst = await Promise.all(Array.from({ length: MAIL_REQUESTS_PER_CLIENT + 5 }, () => allowMailRequest(kv, "password-reset", client)));
    expect(burst.filter(Boolean)).toHaveLength(MAIL_REQUESTS_PER_CLIENT);
    expect(await allowMailRequest(kv, "order-lookup", client)).toBe(true); // a window per kind
    expect(await allowMailRequest(kv, "password-reset", `${client}-other`)).toBe(true);
  });
});

describe("job scheduler", () => {
  it("runs a job once per period with two schedulers (two pools) racing on PostgreSQL", async () => {
    const name = `test-job-${randomUUID().slice(0, 8)}`;
    const periodMs = 60_000;
    const runs = new Map<number, number>();
    let now = periodStartOf(new Date(), periodMs).getTime() + 5_000;
    const job: Job = {
      name,
      periodMs,
      run: async (at) => {
        const p = periodStartOf(at, periodMs).getTime();
        runs.set(p, (runs.get(p) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 5));
        return 1;
      },
    };
    const a = new JobScheduler(db, [job], { instance: "a", now: () => new Date(now) });
    const b = new JobScheduler(db2, [job], { instance: "b", now: () => new Date(now) });
    const periods = 12;
    for (let i = 0; i < periods; i++) {
      // each scheduler ticks several times within the period, all at once
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      now += 20_000;
      await Promise.all([a.tick(), b.tick()]);
      now += periodMs - 20_000;
    }
    expect(runs.size).toBe(periods);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    const rows = await db.jobRun.findMany({ where: { job: name } });
    expect(rows).toHaveLength(periods);
    expect(rows.every((r) => r.status === "ok" && r.processed === 1 && r.finishedAt !== null)).toBe(true);
    // /admin shows the last one
    const [last] = await lastRuns(db, [name, "never-ran"]);
    expect(last).toMatchObject({ job: name, lastStatus: "ok", lastProcessed: 1 });
    expect(new Date(last!.lastRunAt!).getTime()).toBe(Math.max(...rows.map((r) => r.startedAt.getTime())));
    expect((await lastRuns(db, ["never-ran"]))[0]).toMatchObject({ job: "never-ran", lastRunAt: null });
    // a raw claim race: 8 claimers, one winner
    const period = new Date(now + 10 * periodMs);
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claimPeriod(i % 2 ? db : db2, name, period, `c${i}`, new Date())));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it("a failing job is recorded as failed and runs again next period", async () => {
    const name = `test-failing-${randomUUID().slice(0, 8)}`;
    let now = Date.now();
    let calls = 0;
    const s = new JobScheduler(db, [{ name, periodMs: 1000, run: async () => { calls += 1; throw new Error("boom"); } }], { now: () => new Date(now) });
    await s.tick();
    now += 1000;
    await s.tick();
    expect(calls).toBe(2);
    expect((await db.jobRun.findMany({ where: { job: name } })).map((r) => r.status)).toEqual(["failed", "failed"]);
  });
});
