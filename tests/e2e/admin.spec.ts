import { randomBytes } from "node:crypto";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { TEST_ADMIN_TOKEN as ADMIN_TOKEN } from "../support/app-server";

const ADMIN = { email: "admin@cartwright.test", password: "admin-password-123" };
const SHOPPER = { email: "shopper@cartwright.test", password: "shopper-password-123" };
const bearer = { Authorization: `Bearer ${ADMIN_TOKEN}` };

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function pick(page: Page, legend: string, value: string) {
  await page.locator("fieldset", { has: page.locator("legend", { hasText: legend }) }).getByRole("button", { name: value, exact: true }).click();
}

type ApiProduct = { id: number; slug: string; name: string; variants: { id: number; sku: string; price: number; stock: number }[] };

async function product(request: APIRequestContext, slug: string): Promise<ApiProduct> {
  const res = await request.get(`/api/products/${slug}`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { product: ApiProduct }).product;
}

const variantBySku = (p: ApiProduct, sku: string) => {
  const v = p.variants.find((x) => x.sku === sku);
  if (!v) throw new Error(`no variant ${sku} in ${p.slug}`);
  return v;
};

test("an admin creates a 15% code for one product; a guest's cart gets exactly the hand-computed discount, shipping and tax", async ({ page, browser, baseURL }) => {
  const code = `CAP15${randomBytes(3).toString("hex").toUpperCase()}`;

  // signed out: the admin area sends you to sign in, and back after
  await page.goto("/admin/discounts");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fadmin/);
  await signIn(page, ADMIN);
  // back to the admin area: its dashboard, whose navigation leads to the discounts
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Discounts" }).click();
  await expect(page).toHaveURL(/\/admin\/discounts$/);
  await expect(page.getByRole("heading", { name: "Discounts" })).toBeVisible();

  await page.getByRole("link", { name: "New discount" }).click();
  await expect(page).toHaveURL(/\/admin\/discounts\/new$/);
  // the server's field errors show next to their fields
  await page.getByLabel("Code").fill("x!");
  await page.getByLabel("Percent off").fill("150");
  await page.getByRole("button", { name: "Create discount" }).click();
  await expect(page.getByTestId("error-code")).toContainText("Use at least 3 characters");
  await expect(page.getByTestId("error-value")).toContainText("at most 100");

  await page.getByLabel("Code").fill(code.toLowerCase());
  await page.getByLabel("Type").selectOption("PERCENTAGE");
  await page.getByLabel("Percent off").fill("15");
  await page.getByLabel("Only selected products").check();
  await page.getByTestId("discount-form").getByLabel("Search products").fill("canvas cap");
  await expect(page.getByTestId("product-options").getByRole("checkbox")).toHaveCount(1);
  await page.getByRole("checkbox", { name: "Six-Panel Canvas Cap" }).check();
  await page.getByRole("button", { name: "Create discount" }).click();

  await expect(page).toHaveURL(/\/admin\/discounts\?created=/);
  const row = page.locator(`[data-testid="discount-row"][data-code="${code}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId("discount-value")).toHaveText("15% off");
  await expect(row.getByTestId("discount-status")).toHaveText("Active");
  await expect(row.getByTestId("discount-usage")).toHaveText("0 / no limit");
  await expect(row.getByTestId("discount-products")).toHaveText("Six-Panel Canvas Cap");

  // the edit page can deactivate and reactivate it
  await row.getByRole("link", { name: `Edit ${code}` }).click();
  await expect(page.getByLabel("Type")).toBeDisabled();
  await page.getByTestId("toggle-active").click();
  await expect(page.getByTestId("discount-status")).toHaveText("Inactive");
  await expect(page.getByTestId("toggle-active")).toHaveText("Activate");
  await page.getByTestId("toggle-active").click();
  await expect(page.getByTestId("discount-status")).toHaveText("Active");

  // a guest, in a browser context of their own
  const guest = await browser.newContext({ baseURL });
  const shop = await guest.newPage();
  // the hand computation below uses the seeded prices: check them first so a failure says why
  const cap = await product(shop.request, "canvas-cap");
  const tee = await product(shop.request, "classic-tee");
  expect(variantBySku(cap, "CAP-CANVAS-KHAKI").price).toBe(2400);
  expect(variantBySku(tee, "TEE-CLASSIC-M-NAVY").price).toBe(2800);

  await shop.goto("/products/canvas-cap");
  await pick(shop, "Color", "Khaki");
  await shop.getByLabel("Quantity").fill("2");
  await shop.getByTestId("add-to-cart").click();
  await expect(shop.getByTestId("add-result")).toContainText("Added");
  await shop.goto("/products/classic-tee");
  await pick(shop, "Size", "M");
  await pick(shop, "Color", "Navy");
  await shop.getByTestId("add-to-cart").click();
  await expect(shop.getByTestId("add-result")).toContainText("Added");

  await shop.goto("/cart");
  await expect(shop.getByTestId("summary-subtotal")).toHaveText("$76.00"); // 2 × 24.00 + 28.00
  await shop.getByPlaceholder("Discount code").fill(code.toLowerCase());
  await shop.getByRole("button", { name: "Apply" }).click();
  // 15% of the caps only: 4800 × 0.15 = 720
  await expect(shop.getByTestId("summary-discount")).toHaveText("−$7.20");

  await shop.getByLabel("Country").selectOption("US");
  await shop.getByLabel("State / province").fill("CA");
  await shop.getByLabel("Postal code").fill("94103");
  await shop.getByRole("button", { name: "Estimate shipping & tax" }).click();
  // discounted subtotal 6880 < 7500, so DOMESTIC USD shipping 5.99 applies (the discount took it under the threshold)
  await expect(shop.getByTestId("summary-shipping")).toHaveText("$5.99");
  // CA 7.25% per line on the discounted amounts, shipping not taxed: tee 2800 → 203; caps 4080 → 295.8 → 296
  await expect(shop.getByTestId("summary-tax")).toHaveText("$4.99");
  // 7600 − 720 + 599 + 499
  await expect(shop.getByTestId("summary-total")).toHaveText("$79.78");
  await guest.close();
});

test("a customer cannot open the admin pages; the admin API needs an admin session or the admin token", async ({ page, playwright, baseURL }) => {
  await page.goto("/admin/discounts");
  await expect(page).toHaveURL(/\/signin/);
  await signIn(page, SHOPPER);
  await expect(page.getByTestId("account-email")).toHaveText(SHOPPER.email);
  await page.goto("/admin/discounts");
  await expect(page.getByTestId("admin-forbidden")).toContainText("You do not have access");
  await expect(page.getByTestId("discounts-table")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "New discount" })).toHaveCount(0);
  await page.goto("/admin/products");
  await expect(page.getByTestId("admin-forbidden")).toContainText("You do not have access");
  await expect(page.getByTestId("variant-row")).toHaveCount(0);

  const anonymous = await playwright.request.newContext({ baseURL });
  const noAuth = await anonymous.get("/api/admin/discounts");
  expect(noAuth.status()).toBe(401);
  expect(((await noAuth.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  expect((await anonymous.patch("/api/admin/variants/1", { data: { stock: 5 } })).status()).toBe(401);
  expect((await anonymous.get("/api/admin/discounts", { headers: { Authorization: "Bearer not-the-admin-token-000" } })).status()).toBe(401);

  // the page's request context carries the customer's session cookie
  const asCustomer = await page.request.get("/api/admin/discounts");
  expect(asCustomer.status()).toBe(403);
  expect(((await asCustomer.json()) as { error: { code: string } }).error.code).toBe("forbidden");
  expect((await page.request.post("/api/admin/discounts", { data: { code: "NOPE123", type: "FREE_SHIPPING" } })).status()).toBe(403);
  expect((await page.request.patch("/api/admin/variants/1", { data: { stock: 5 } })).status()).toBe(403);

  const withToken = await anonymous.get("/api/admin/discounts", { headers: bearer });
  expect(withToken.status()).toBe(200);
  const { discounts } = (await withToken.json()) as { discounts: { code: string; status: string; value: number }[] };
  expect(discounts.find((d) => d.code === "WELCOME10")).toMatchObject({ status: "active", value: 10 });
  expect(discounts.find((d) => d.code === "EXPIRED15")).toMatchObject({ status: "expired", value: 15 });
  await anonymous.dispose();
});

test("the admin API creates and patches discounts and changes a variant's stock and price", async ({ playwright, baseURL, page }) => {
  const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: bearer });
  const code = `api${randomBytes(3).toString("hex")}`;
  const caps = await product(api, "canvas-cap");

  const created = await api.post("/api/admin/discounts", {
    data: { code, type: "BUY_X_GET_Y", value: 50, buyQuantity: 2, getQuantity: 1, maxApplications: 2, applicableProductIds: [caps.id], maxUses: 10, validUntil: "2099-01-01T00:00:00Z" },
  });
  expect(created.status()).toBe(201);
  const { discount } = (await created.json()) as { discount: Record<string, unknown> & { id: number } };
  expect(discount).toEqual({
    id: expect.any(Number),
    code: code.toUpperCase(),
    type: "BUY_X_GET_Y",
    value: 50,
    currency: null,
    minOrderAmount: null,
    maxUses: 10,
    maxUsesPerCustomer: null,
    usesCount: 0,
    validFrom: null,
    validUntil: "2099-01-01T00:00:00.000Z",
    applicableProductIds: [caps.id],
    buyQuantity: 2,
    getQuantity: 1,
    maxApplications: 2,
    isActive: true,
    status: "active",
    // combinations, automatic discounts, budgets and tiers: defaults for a code sent without them
    automatic: false,
    title: null,
    class: "product",
    combinesWith: { productDiscounts: false, orderDiscounts: false, shippingDiscounts: false },
    maxDiscountAmount: null,
    discountGiven: 0,
    tiers: null,
    getProductIds: null,
  });

  const dup = await api.post("/api/admin/discounts", { data: { code: code.toUpperCase(), type: "FREE_SHIPPING" } });
  expect(dup.status()).toBe(409);
  expect(((await dup.json()) as { error: { code: string; message: string } }).error).toMatchObject({
    code: "conflict",
    message: "A discount with this code already exists.",
  });

  const bad = await api.post("/api/admin/discounts", { data: { code: "ok-code", type: "FIXED_AMOUNT", value: 5.5, maxUses: 0, extra: 1 } });
  expect(bad.status()).toBe(400);
  const badBody = (await bad.json()) as { error: { code: string; details: { fieldErrors: Record<string, string[]> } } };
  expect(badBody.error.code).toBe("validation_failed");
  expect(Object.keys(badBody.error.details.fieldErrors)).toEqual(expect.arrayContaining(["maxUses", "extra"]));

  const patched = await api.patch(`/api/admin/discounts/${discount.id}`, { data: { value: 100, isActive: false, maxApplications: null } });
  expect(patched.status()).toBe(200);
  expect(((await patched.json()) as { discount: unknown }).discount).toMatchObject({ value: 100, isActive: false, maxApplications: null, status: "inactive" });
  const typeChange = await api.patch(`/api/admin/discounts/${discount.id}`, { data: { type: "PERCENTAGE" } });
  expect(typeChange.status()).toBe(400);
  const got = await api.get(`/api/admin/discounts/${discount.id}`);
  expect(((await got.json()) as { discount: unknown }).discount).toMatchObject({ type: "BUY_X_GET_Y", value: 100, isActive: false });
  expect((await api.get("/api/admin/discounts/999999999")).status()).toBe(404);
  expect((await api.patch("/api/admin/discounts/999999999", { data: { isActive: true } })).status()).toBe(404);

  // a variant's stock and price override
  const notebook = await product(api, "dot-grid-notebook");
  const ink = variantBySku(notebook, "NOTEBOOK-A5-INK");
  const changed = await api.patch(`/api/admin/variants/${ink.id}`, { data: { stock: 3, priceOverride: 1550 } });
  expect(changed.status()).toBe(200);
  expect(((await changed.json()) as { variant: unknown }).variant).toEqual({
    id: ink.id,
    productId: notebook.id,
    sku: "NOTEBOOK-A5-INK",
    attributes: { size: "A5", color: "Ink" },
    price: 1550,
    priceOverride: 1550,
    stock: 3,
    available: true,
    isActive: true,
  });
  expect(variantBySku(await product(api, "dot-grid-notebook"), "NOTEBOOK-A5-INK")).toMatchObject({ price: 1550, stock: 3 });
  const negative = await api.patch(`/api/admin/variants/${ink.id}`, { data: { stock: -1 } });
  expect(negative.status()).toBe(400);
  expect(Object.keys(((await negative.json()) as { error: { details: { fieldErrors: object } } }).error.details.fieldErrors)).toEqual(["stock"]);
  expect((await api.patch("/api/admin/variants/999999999", { data: { stock: 1 } })).status()).toBe(404);

  // the same through the admin products page: clear the override and put the stock back
  await page.goto("/signin?callbackUrl=%2Fadmin%2Fproducts");
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin\/products$/);
  const row = page.locator('[data-testid="variant-row"][data-sku="NOTEBOOK-A5-INK"]');
  await expect(row.getByTestId("variant-price")).toHaveText("$15.50");
  await row.getByLabel("Price override for NOTEBOOK-A5-INK").fill("");
  await row.getByLabel("Stock for NOTEBOOK-A5-INK").fill(String(ink.stock));
  await row.getByRole("button", { name: "Save NOTEBOOK-A5-INK" }).click();
  await expect(row.getByRole("status")).toHaveText("Saved.");
  await expect(row.getByTestId("variant-price")).toHaveText("$14.00");
  expect(variantBySku(await product(api, "dot-grid-notebook"), "NOTEBOOK-A5-INK")).toMatchObject({ price: ink.price, stock: ink.stock });
  await api.dispose();
});

test("admin users: promote a customer (admin at their next request), demote them again; the last admin stays", async ({ page, browser, baseURL }) => {
  const email = `e2e-role-${randomBytes(5).toString("hex")}@example.test`;
  const password = "role-test-password-1";
  expect((await page.request.post("/api/account/register", { data: { email, password } })).status()).toBe(201);
  const customer = await browser.newContext({ baseURL });
  try {
    const theirs = await customer.newPage();
    await theirs.goto("/signin");
    await signIn(theirs, { email, password });
    await expect(theirs.getByTestId("account-email")).toHaveText(email);
    await theirs.goto("/admin/discounts");
    await expect(theirs.getByTestId("admin-forbidden")).toBeVisible();

    await page.goto("/signin");
    await signIn(page, ADMIN);
    await expect(page.getByTestId("account-email")).toHaveText(ADMIN.email);
    await page.getByRole("link", { name: "Admin" }).click();
    await page.getByRole("link", { name: "Users" }).click();
    await expect(page).toHaveURL(/\/admin\/users$/);
    const row = page.getByTestId("admin-user").and(page.locator(`[data-email="${email}"]`));
    await row.getByRole("button", { name: "Make admin" }).click();
    await expect(row.getByRole("button", { name: "Remove admin" })).toBeVisible();
    // same session cookie, next request: the role comes from the database
    await theirs.goto("/admin/discounts");
    await expect(theirs.getByTestId("discounts-table")).toBeVisible();

    await row.getByRole("button", { name: "Remove admin" }).click();
    await expect(row.getByRole("button", { name: "Make admin" })).toBeVisible();
    await theirs.goto("/admin/discounts");
    await expect(theirs.getByTestId("admin-forbidden")).toBeVisible();
    expect((await theirs.request.patch("/api/admin/variants/1", { data: { stock: 5 } })).status()).toBe(403);

    // the seeded admin is the only one: demoting them is refused
    const mine = page.getByTestId("admin-user").and(page.locator(`[data-email="${ADMIN.email}"]`));
    await mine.getByRole("button", { name: "Remove admin" }).click();
    await expect(mine.getByRole("alert")).toHaveText("This is the last administrator: promote someone else first.");
    await expect(page.getByRole("link", { name: "Users" })).toBeVisible();
  } finally {
    await customer.close();
  }
});
