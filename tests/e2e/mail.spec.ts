import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";

// Mail end to end, on the embedded mailbox (no SMTP_URL): the production server's own jobs deliver the outbox into
// the mailbox table, which the demo admin reads at /admin/mail.

const ADMIN = { email: "admin@cartwright.test", password: "admin-password-123" };

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The path and query of the first link in `text` whose path starts with `path` (the mail's host may differ). */
function linkTo(text: string, path: string): string {
  const m = new RegExp(`https?://[^\\s"<>\\]]+?(${path.replace(/\//g, "\\/")}[^\\s"<>\\]]*)`).exec(text);
  if (!m) throw new Error(`no ${path} link in: ${text.slice(0, 400)}`);
  return m[1]!.replace(/&amp;/g, "&");
}

test("forgot password: the reset link arrives in the local mailbox (read at /admin/mail) and sets a new password once", async ({ page, browser, request }) => {
  const email = `reset-${randomBytes(4).toString("hex")}@example.test`;
  expect((await request.post("/api/account/register", { data: { email, password: "the-old-password-1" } })).status()).toBe(201);

  await page.goto("/signin");
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a reset link" }).click();
  await expect(page.getByTestId("forgot-password-done")).toContainText("If an account uses this address");

  // the demo admin reads the mailbox
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).not.toHaveURL(/\/signin/);
  const row = admin.locator(`[data-testid="mail-row"][data-to="${email}"][data-event="password_reset"][data-status="sent"]`);
  await expect(async () => {
    await admin.goto("/admin/mail");
    await expect(row).toHaveCount(1, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await row.getByRole("link").click();
  await expect(admin.getByTestId("mail-subject")).toHaveText("Reset your Cartwright password");
  const text = (await admin.getByTestId("mail-text").textContent()) ?? "";
  const resetPath = linkTo(text, "/reset-password");
  expect(resetPath).toContain("token=");
  await adminContext.close();

  await page.goto(resetPath);
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Set my new password" }).click();
  // wait for the action's answer (the hint already says "10 characters"): React resets the form when it lands
  await expect(page.getByTestId("reset-password")).toContainText("Use at least 10 characters");
  await page.getByLabel("New password").fill("a-brand-new-password-2");
  await page.getByRole("button", { name: "Set my new password" }).click();
  await expect(page.getByTestId("reset-password-done")).toContainText("Your password has been changed");

  // the link is spent
  await page.goto(resetPath);
  await page.getByLabel("New password").fill("yet-another-password-3");
  await page.getByRole("button", { name: "Set my new password" }).click();
  await expect(page.getByTestId("reset-password").getByRole("alert")).toContainText("invalid, was already used or has expired");

  // the new password signs in; the old one does not
  await signIn(page, email, "the-old-password-1");
  await expect(page).toHaveURL(/\/signin/);
  await signIn(page, email, "a-brand-new-password-2");
  await expect(page.getByTestId("account-email")).toHaveText(email);
});

async function guestPaidOrder(request: APIRequestContext, email: string): Promise<string> {
  const products = ((await (await request.get("/api/products")).json()) as { products: { variants: { id: number; stock: number }[] }[] }).products;
  const variant = products.flatMap((p) => p.variants).find((v) => v.stock > 5)!;
  const cart = (await (await request.post("/api/carts", { data: {} })).json()) as { cart: { id: string } };
  expect((await request.post(`/api/carts/${cart.cart.id}/items`, { data: { variantId: variant.id, quantity: 1 } })).status()).toBe(201);
  const placed = await request.post("/api/checkout", {
    headers: { "idempotency-key": randomUUID() },
    data: { cartId: cart.cart.id, email, shippingAddress: { name: "Guest Shopper", line1: "1 Main St", city: "New York", country: "US", region: "NY", postalCode: "10001" } },
  });
  expect(placed.status(), await placed.text()).toBe(201);
  const body = (await placed.json()) as { order: { id: string }; orderToken: string };
  const paid = await request.post("/api/payments/test/confirm", {
    headers: { authorization: `Bearer ${body.orderToken}` },
    data: { orderId: body.order.id, cardNumber: "4242424242424242" },
  });
  expect(paid.status()).toBe(200);
  return body.order.id;
}

test("a guest asks for their order link and opens the order on another device", async ({ browser, request }) => {
  const email = `guest-${randomBytes(4).toString("hex")}@example.test`;
  const orderId = await guestPaidOrder(request, email);

  // another device: no cookies at all
  const device = await browser.newContext();
  const page = await device.newPage();
  await page.goto(`/orders/${orderId}`);
  await expect(page.getByTestId("order-headline")).toHaveCount(0); // not theirs without the link

  await page.goto("/orders/find");
  await page.getByLabel("Email").fill(email.toUpperCase());
  await page.getByRole("button", { name: "Send me my orders" }).click();
  await expect(page.getByTestId("order-lookup-done")).toBeVisible();

  // the mailbox table of the embedded default (the test database of this run)
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  let html = "";
  try {
    await expect(async () => {
      const r = await db.query<{ html: string }>(`SELECT html FROM mailbox_messages WHERE "to" = $1 AND headers->>'X-Cartwright-Event' = 'order_lookup'`, [email]);
      expect(r.rows).toHaveLength(1);
      html = r.rows[0]!.html;
    }).toPass({ timeout: 30_000 });
    // the paid confirmation went to the same address, naming the order
    const paid = await db.query<{ subject: string }>(`SELECT subject FROM mailbox_messages WHERE "to" = $1 AND headers->>'X-Cartwright-Event' = 'order_paid'`, [email]);
    expect(paid.rows.map((r) => r.subject)).toEqual([expect.stringContaining(orderId.slice(0, 8))]);
  } finally {
    await db.end();
  }
  const link = linkTo(html, "/orders/");
  expect(link).toContain(orderId);
  await page.goto(link);
  await expect(page.getByTestId("order-headline")).toHaveText("Thank you! Your order is paid.");
  await expect(page.getByText(orderId.slice(0, 8))).toBeVisible();
  await device.close();
});
