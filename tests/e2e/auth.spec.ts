import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";

const SHOPPER = { email: "shopper@cartwright.test", password: "shopper-password-123" };
const ADMIN = { email: "admin@cartwright.test", password: "admin-password-123" };

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const accountEmail = (page: Page) => page.getByTestId("account-email");

test("sign up, signed in at once, sign out, sign in again", async ({ page }) => {
  const email = `e2e-${randomBytes(5).toString("hex")}@example.test`;
  const password = "a-good-long-password";

  await page.goto("/signup");
  await page.getByLabel("Email").fill(email.toUpperCase());
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(accountEmail(page)).toHaveText(email);
  await expect(page.getByRole("link", { name: "Orders" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);

  // the session cookie is next-auth's: httpOnly and SameSite=Lax
  const session = (await page.context().cookies()).find((c) => c.name.endsWith("next-auth.session-token"));
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(accountEmail(page)).toHaveCount(0);

  // the signed-out cookie, replayed, is anonymous: sign-out revoked the session on the server
  await page.context().addCookies([session!]);
  await page.goto("/");
  await expect(accountEmail(page)).toHaveCount(0);
  await page.context().clearCookies();

  await page.getByRole("link", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await signIn(page, email, password);
  await expect(accountEmail(page)).toHaveText(email);
});

test("sign out everywhere ends the other browser's session too", async ({ page, browser }) => {
  const email = `e2e-all-${randomBytes(5).toString("hex")}@example.test`;
  const password = "a-good-long-password";
  expect((await page.request.post("/api/account/register", { data: { email, password } })).status()).toBe(201);
  const other = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  try {
    const otherPage = await other.newPage();
    for (const p of [page, otherPage]) {
      await p.goto("/signin");
      await signIn(p, email, password);
      await expect(accountEmail(p)).toHaveText(email);
    }
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
    await otherPage.reload();
    await expect(accountEmail(otherPage)).toHaveCount(0);
  } finally {
    await other.close();
  }
});

test("signing up with an email that has an account shows the field error", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(SHOPPER.email);
  await page.getByLabel("Password").fill("another-password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("An account with this email already exists.")).toBeVisible();
  await expect(page).toHaveURL(/\/signup/);
});

test("a wrong password shows the message and signs nobody in", async ({ page }) => {
  await page.goto("/signin");
  await signIn(page, SHOPPER.email, "not-the-password");
  await expect(page.locator("#signin-error")).toHaveText("Email or password is incorrect.");
  await expect(page).toHaveURL(/\/signin/);
  await expect(accountEmail(page)).toHaveCount(0);
});

test("the seeded shopper signs in and returns to a same-origin callbackUrl", async ({ page }) => {
  await page.goto("/signin?callbackUrl=%2Fsignup%3Ffrom%3Dtest");
  await signIn(page, SHOPPER.email, SHOPPER.password);
  await expect(page).toHaveURL(/\/signup\?from=test$/);
  await expect(accountEmail(page)).toHaveText(SHOPPER.email);
});

test("a foreign callbackUrl is ignored (no open redirect); the admin sees the Admin link", async ({ page }) => {
  await page.goto("/signin?callbackUrl=%2F%2Fevil.example%2Fphish");
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(accountEmail(page)).toHaveText(ADMIN.email);
  expect(new URL(page.url()).pathname).toBe("/");
  expect(new URL(page.url()).host).not.toContain("evil");
  await expect(page.getByRole("link", { name: "Admin" })).toHaveAttribute("href", "/admin/discounts");
});

test("POST /api/account/register: 201, then 409 for the same email in another case, 400 with field errors", async ({ request }) => {
  const email = `api-${randomBytes(5).toString("hex")}@example.test`;
  const created = await request.post("/api/account/register", { data: { email, password: "api-password-1" } });
  expect(created.status()).toBe(201);
  const body = (await created.json()) as { user: { id: string; email: string } };
  expect(body.user).toEqual({ id: expect.any(String), email });
  expect(Object.keys(body.user).sort()).toEqual(["email", "id"]);

  const dup = await request.post("/api/account/register", { data: { email: email.toUpperCase(), password: "api-password-2" } });
  expect(dup.status()).toBe(409);
  expect(((await dup.json()) as { error: { code: string } }).error.code).toBe("conflict");

  const bad = await request.post("/api/account/register", { data: { email: "nope", password: "short" } });
  expect(bad.status()).toBe(400);
  const err = (await bad.json()) as { error: { code: string; details: { fieldErrors: Record<string, string[]> } } };
  expect(err.error.code).toBe("validation_failed");
  expect(Object.keys(err.error.details.fieldErrors).sort()).toEqual(["email", "password"]);
});

test("ten failed sign-ins lock the account for a while: the right password then gets the wait message", async ({ page, request }) => {
  const email = `e2e-lock-${randomBytes(5).toString("hex")}@example.test`;
  const password = "the-right-password-1";
  expect((await request.post("/api/account/register", { data: { email, password } })).status()).toBe(201);
  for (let i = 0; i < 10; i++) {
    const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
    const res = await request.post("/api/auth/callback/credentials", { form: { csrfToken, email, password: `wrong-${i}-password`, json: "true" } });
    expect(res.status()).toBeLessThan(500);
  }
  await page.goto("/signin");
  await signIn(page, email, password);
  await expect(page.locator("#signin-error")).toHaveText("Too many failed sign-in attempts. Please wait 15 minutes and try again.");
  await expect(accountEmail(page)).toHaveCount(0);
});
