import { beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { MAIL_EVENTS, mailDataSchemas, type MailEvent } from "@/lib/mail/events";
import {
  cartRestoreToken,
  orderAccessToken,
  passwordResetToken,
  signPayload,
  unsubscribeToken,
  verifyCartRestoreToken,
  verifyOrderAccessToken,
  verifyUnsubscribeToken,
} from "@/lib/mail/links";
import { backoffMs } from "@/lib/mail/worker";
import { periodStartOf } from "@/lib/jobs/scheduler";
import { renderMail } from "@/emails/render";

// Templates and signed links, without a database.

beforeAll(() => {
  process.env.DATABASE_URL ??= "postgresql://postgres@127.0.0.1:5432/unit";
  process.env.NEXTAUTH_SECRET = "unit-tests-secret-0123456789abcdef";
  resetEnvCache();
});

const ORDER = "7f99d52d-61b6-409f-b2bc-d4ab2c372c7c";
const snapshot = { orderId: ORDER, currency: "JPY", items: [{ name: "Enamel Mug", sku: "MUG-1", quantity: 2, total: 3000 }], subtotal: 3000, discount: 300, shipping: 0, tax: 270, total: 2970 };
const samples: { [E in MailEvent]: unknown } = {
  order_paid: snapshot,
  payment_failed: { ...snapshot, declineCode: "insufficient_funds" },
  order_cancelled: { ...snapshot, reason: "expired" },
  order_shipped: { orderId: ORDER, fulfillmentId: "f1", carrier: "UPS", trackingNumber: "1Z999", items: [{ name: "Enamel Mug", sku: "MUG-1", quantity: 2 }] },
  order_refunded: { orderId: ORDER, refundId: "r1", currency: "EUR", amount: 1234, orderTotal: 5000, refundedTotal: 1234 },
  cart_reminder: { cartId: "cartABC123", currency: "USD", items: [{ name: "Tote", sku: "TOTE", quantity: 1, unitPrice: 4500 }], subtotal: 4500, signedIn: false },
  password_reset: { resetTokenId: ORDER, expiresAt: new Date().toISOString() },
  order_lookup: { orders: [{ orderId: ORDER, createdAt: new Date().toISOString(), status: "PAID", currency: "USD", total: 1999 }] },
};

async function render(event: MailEvent) {
  const data = mailDataSchemas[event].parse(samples[event]);
  return renderMail(event, data as never, { to: "shopper@example.test", baseUrl: "https://shop.example", now: new Date() });
}

describe("mail templates", () => {
  it("render every event as HTML and plain text in the shop's look", async () => {
    for (const event of MAIL_EVENTS) {
      const r = await render(event);
      expect(r.subject.length, event).toBeGreaterThan(5);
      expect(r.html, event).toMatch(/^<!DOCTYPE html/);
      expect(r.html, event).toContain("#1f5f4a"); // the shop's accent
      expect(r.text, event).toContain("Cartwright Supply");
      expect(r.text, event).not.toMatch(/<[a-z]/i);
    }
  });

  it("name the order (first 8 characters) and show money in the order's currency", async () => {
    for (const event of ["order_paid", "payment_failed", "order_cancelled", "order_shipped", "order_refunded"] as const)
      expect(`${(await render(event)).subject}`, event).toContain(ORDER.slice(0, 8));
    const paid = await render("order_paid");
    expect(paid.text).toContain("¥2,970");
    expect(paid.text).toContain("−¥300");
    expect((await render("order_refunded")).subject).toContain("€12.34");
    expect((await render("order_shipped")).text).toContain("1Z999");
  });

  it("carry the right links: reset with token=, lookups to /orders/, reminders with restore and unsubscribe", async () => {
    expect((await render("password_reset")).text).toMatch(/https:\/\/shop\.example\/reset-password\?token=\S+/);
    expect((await render("order_lookup")).html).toContain(`https://shop.example/orders/${ORDER}?access=`);
    const reminder = await render("cart_reminder");
    expect(reminder.html).toContain("https://shop.example/cart/restore?token=");
    expect(reminder.html).toContain("https://shop.example/unsubscribe?token=");
    expect(reminder.headers?.["List-Unsubscribe"]).toMatch(/^<https:\/\/shop\.example\/unsubscribe\?token=/);
    expect(reminder.text).toContain("$45.00");
  });

  it("refuse data that does not fit the event (the outbox is a boundary)", () => {
    expect(mailDataSchemas.order_paid.safeParse({ ...snapshot, total: 29.7 }).success).toBe(false);
    expect(mailDataSchemas.order_lookup.safeParse({ orders: [] }).success).toBe(false);
  });
});

describe("signed links", () => {
  const secret = "another-secret-for-links-0123456789";
  const now = new Date("2026-12-06T10:00:00Z");

  it("verify only with the right secret, purpose, subject and time", () => {
    const restore = cartRestoreToken("cart123", now, secret);
    expect(verifyCartRestoreToken(restore, now, secret)).toEqual({ cartId: "cart123" });
    expect(verifyCartRestoreToken(restore, now, "a-different-secret-0123456789")).toBeNull();
    expect(verifyCartRestoreToken(restore, new Date(now.getTime() + 31 * 24 * 3600_000), secret)).toBeNull();
    // a signature made for one purpose is worthless for another
    expect(verifyUnsubscribeToken(restore, secret)).toBeNull();
    expect(verifyUnsubscribeToken(signPayload("cart-restore", { e: "a@b.test" }, secret), secret)).toBeNull();
    expect(verifyUnsubscribeToken(unsubscribeToken(" A@B.test ", secret), secret)).toEqual({ email: "a@b.test" });

    const access = orderAccessToken(ORDER, now, secret);
    expect(verifyOrderAccessToken(access, ORDER, now, secret)).toBe(true);
    expect(verifyOrderAccessToken(access, "8f99d52d-61b6-409f-b2bc-d4ab2c372c7c", now, secret)).toBe(false);
    expect(verifyOrderAccessToken(access, ORDER, new Date(now.getTime() + 8 * 24 * 3600_000), secret)).toBe(false);
    // tampering with the payload or the signature
    const [body, sig] = access.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ o: ORDER, x: 9_999_999_999 })).toString("base64url");
    expect(verifyOrderAccessToken(`${forged}.${sig}`, ORDER, now, secret)).toBe(false);
    expect(verifyOrderAccessToken(`${body}.${sig.slice(0, -1)}A`, ORDER, now, secret)).toBe(false);
    expect(verifyOrderAccessToken(undefined, ORDER, now, secret)).toBe(false);
  });

  it("derive a reset token from its row id (stable for one secret, different for another)", () => {
    expect(passwordResetToken(ORDER, secret)).toBe(passwordResetToken(ORDER, secret));
    expect(passwordResetToken(ORDER, secret)).not.toBe(passwordResetToken(ORDER, "a-different-secret-0123456789"));
    expect(passwordResetToken(ORDER, secret).startsWith(`${ORDER}.`)).toBe(true);
  });
});

describe("schedules", () => {
  it("back off 30 s, 1, 2, 4 ... minutes, capped at 30 minutes", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(backoffMs)).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_800_000, 1_800_000]);
  });

  it("align periods to the epoch, so every instance names a period the same way", () => {
    expect(periodStartOf(new Date("2026-12-06T10:00:59.999Z"), 60_000).toISOString()).toBe("2026-12-06T10:00:00.000Z");
    expect(periodStartOf(new Date("2026-12-06T10:01:00.000Z"), 60_000).toISOString()).toBe("2026-12-06T10:01:00.000Z");
  });
});
