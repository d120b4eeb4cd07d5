import { randomBytes } from "node:crypto";
import { expect, request as playwrightRequest, test, type Page } from "@playwright/test";
import { signInCookie } from "../support/api-fuzz";

// The address book of a signed-in shopper: /account/addresses (add, edit, make default, delete), checkout's
// "Ship to" list (the default preselected and priced; another pick re-priced at once), the order showing the address,
// and the JSON API's access rules. The seeded tax rates: TX 6.25% and NY 4%, both on shipping too.

const PASSWORD = "address-book-e2e-password";
const HOME = { label: "Home", name: "Ann Lee", line1: "350 5th Ave", city: "New York", region: "NY", postalCode: "10001", country: "US" };
const WORK = { label: "Work", name: "Ann Lee", line1: "1500 Marilla St", city: "Dallas", region: "TX", postalCode: "75201", country: "US" };
const RATE = { NY: 0.04, TX: 0.0625 };

async function newShopper(page: Page, { javaScript = true } = {}): Promise<string> {
  const email = `book-${randomBytes(5).toString("hex")}@example.test`;
  expect((await page.request.post("/api/account/register", { data: { email, password: PASSWORD } })).status()).toBe(201);
  if (!javaScript) {
    // the sign-in page needs JavaScript (next-auth's client): sign in over HTTP and hand the session cookie over
    const ctx = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
    try {
      const { csrfToken } = (await (await ctx.get("/api/auth/csrf")).json()) as { csrfToken: string };
      expect((await ctx.post("/api/auth/callback/credentials", { form: { csrfToken, email, password: PASSWORD, json: "true" } })).status()).toBeLessThan(400);
      await page.context().addCookies((await ctx.storageState()).cookies.filter((c) => c.name.includes("next-auth.session-token")));
    } finally {
      await ctx.dispose();
    }
    await page.goto("/");
    await expect(page.getByTestId("account-email")).toHaveText(email);
    return email;
  }
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("account-email")).toHaveText(email);
  return email;
}

async function addAddress(page: Page, a: typeof HOME) {
  const form = page.getByTestId("add-address-form");
  await form.getByLabel("Label (optional)").fill(a.label);
  await form.getByLabel("Full name").fill(a.name);
  await form.getByLabel("Street address").fill(a.line1);
  await form.getByLabel("City").fill(a.city);
  await form.getByLabel("Country").selectOption("US");
  await form.getByLabel("State / province").fill(a.region);
  await form.getByLabel("Postal code").fill(a.postalCode);
  await form.getByRole("button", { name: "Save address" }).click();
  await expect(page.getByTestId("address-book-notice")).toHaveText("Address saved.");
}

const entry = (page: Page, label: string) => page.getByTestId("address-entry").filter({ has: page.getByText(label, { exact: true }) });

/** "$1,234.56" -> 123456 */
const cents = (text: string) => (text.trim() === "Free" ? 0 : Math.round(Number(text.replace(/[^0-9.]/g, "")) * 100));
/** tax on the (undiscounted) subtotal and on shipping, each rounded half-up, as lib/pricing does */
const taxOf = (subtotal: number, shipping: number, rate: number) => Math.round(subtotal * rate) + Math.round(shipping * rate);

async function expectTaxFor(page: Page, region: "NY" | "TX") {
  await expect(async () => {
    const subtotal = cents(await page.getByTestId("summary-subtotal").innerText());
    const shipping = cents(await page.getByTestId("summary-shipping").innerText());
    expect(cents(await page.getByTestId("summary-tax").innerText())).toBe(taxOf(subtotal, shipping, RATE[region]));
  }).toPass();
}

test("a shopper saves two addresses, makes the second the default, and checks out with it preselected and priced", async ({ page }) => {
  await newShopper(page);
  await page.getByTestId("addresses-link").click();
  await expect(page).toHaveURL(/\/account\/addresses$/);
  await expect(page.getByRole("heading", { name: "Your addresses" })).toBeVisible();

  // a wrong postal code is refused on its field, with what was typed kept
  const form = page.getByTestId("add-address-form");
  await form.getByLabel("Full name").fill(HOME.name);
  await form.getByLabel("Street address").fill(HOME.line1);
  await form.getByLabel("City").fill(HOME.city);
  await form.getByLabel("State / province").fill(HOME.region);
  await form.getByLabel("Postal code").fill("1000");
  await form.getByRole("button", { name: "Save address" }).click();
  await expect(form.getByTestId("address-error-postalCode")).toContainText("valid postal code");
  await expect(form.getByLabel("Postal code")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("Street address")).toHaveValue(HOME.line1);
  await expect(page.getByTestId("address-entry")).toHaveCount(0);

  await page.goto("/account/addresses");
  await addAddress(page, HOME);
  await expect(entry(page, "Home").getByTestId("default-badge")).toBeVisible();
  await addAddress(page, WORK);
  await expect(page.getByTestId("address-entry")).toHaveCount(2);
  await expect(entry(page, "Work").getByTestId("default-badge")).toHaveCount(0);

  await entry(page, "Work").getByTestId("make-default").click();
  await expect(page.getByTestId("address-book-notice")).toHaveText("Default address changed.");
  await expect(entry(page, "Work")).toHaveAttribute("data-default", "true");
  await expect(entry(page, "Home")).toHaveAttribute("data-default", "false");
  await expect(page.getByTestId("address-entry").first()).toContainText("Work");

  // edit: a phone number added to Home
  await entry(page, "Home").getByTestId("edit-address").click();
  await expect(page).toHaveURL(/\/account\/addresses\/[0-9a-f-]{36}$/);
  await page.getByLabel("Phone (optional)").fill("+1 212 555 0100");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByTestId("address-book-notice")).toHaveText("Changes saved.");
  await expect(entry(page, "Home")).toContainText("+1 212 555 0100");

  // a mug, and checkout: Work (the default) is picked and the total is priced for Texas
  await page.goto("/products/enamel-camp-mug");
  await page.locator("fieldset", { has: page.locator("legend", { hasText: "Color" }) }).getByRole("button", { name: "Cream", exact: true }).click();
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText("Added");
  await page.goto("/checkout");
  const shipTo = page.getByTestId("ship-to");
  await expect(shipTo.getByRole("radio", { name: /^Work/ })).toBeChecked();
  await expect(shipTo.getByRole("radio", { name: /^Home/ })).not.toBeChecked();
  await expect(page.getByTestId("new-address")).toBeHidden();
  await expectTaxFor(page, "TX");

  // another pick is priced at once; "a new address" shows the fields; back to Work
  await shipTo.getByRole("radio", { name: /^Home/ }).check();
  await expectTaxFor(page, "NY");
  await shipTo.getByRole("radio", { name: "A new address" }).check();
  await expect(page.getByTestId("new-address")).toBeVisible();
  await expect(page.getByTestId("place-order")).toBeDisabled();
  await shipTo.getByRole("radio", { name: /^Work/ }).check();
  await expect(page.getByTestId("new-address")).toBeHidden();
  await expectTaxFor(page, "TX");

  await page.getByTestId("place-order").click();
  await expect(page.getByTestId("test-card-form")).toBeVisible();
  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByTestId("pay-button").click();
  await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("order-status")).toHaveText("Paid");
  const shipped = page.getByTestId("order-address");
  await expect(shipped).toContainText(WORK.line1);
  await expect(shipped).toContainText("Dallas, TX 75201");
  await expect(shipped).not.toContainText(HOME.line1);
});

test("a new address typed at checkout with 'save this address' ticked lands in the address book; delete promotes another default", async ({ page }) => {
  await newShopper(page);
  await page.goto("/account/addresses");
  await addAddress(page, HOME);

  await page.goto("/products/enamel-camp-mug");
  await page.locator("fieldset", { has: page.locator("legend", { hasText: "Color" }) }).getByRole("button", { name: "Cream", exact: true }).click();
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText("Added");
  await page.goto("/checkout");
  await expect(page.getByTestId("ship-to").getByRole("radio", { name: /^Home/ })).toBeChecked();
  await page.getByTestId("ship-to").getByRole("radio", { name: "A new address" }).check();
  const fresh = page.getByTestId("new-address");
  await fresh.getByLabel("Full name").fill(WORK.name);
  await fresh.getByLabel("Street address").fill(WORK.line1);
  await fresh.getByLabel("City").fill(WORK.city);
  await fresh.getByLabel("Country").selectOption("US");
  await fresh.getByLabel("State / province").fill(WORK.region);
  await fresh.getByLabel("Postal code").fill(WORK.postalCode);
  await expectTaxFor(page, "TX");
  await fresh.getByLabel("Save this address to my address book").check();
  await page.getByTestId("place-order").click();
  await expect(page.getByTestId("test-card-form")).toBeVisible();

  await page.goto("/account/addresses");
  await expect(page.getByTestId("address-entry")).toHaveCount(2);
  const saved = page.getByTestId("address-entry").filter({ hasText: WORK.line1 });
  await expect(saved).toHaveAttribute("data-default", "false");
  // deleting the default (Home) makes the other one the default
  await entry(page, "Home").getByTestId("delete-address").click();
  await expect(page.getByTestId("address-book-notice")).toHaveText("Address deleted.");
  await expect(page.getByTestId("address-entry")).toHaveCount(1);
  await expect(saved).toHaveAttribute("data-default", "true");
});

test("the API: signed out is 401; another shopper's address is 404 and stays as it was; field errors name the field", async ({ page, baseURL }) => {
  expect((await page.request.get("/api/account/addresses")).status()).toBe(401);
  const emails = [`api-a-${randomBytes(5).toString("hex")}@example.test`, `api-b-${randomBytes(5).toString("hex")}@example.test`];
  for (const email of emails) expect((await page.request.post("/api/account/register", { data: { email, password: PASSWORD } })).status()).toBe(201);
  const [a, b] = await Promise.all(
    emails.map(async (email) => playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { cookie: await signInCookie(baseURL!, email, PASSWORD) } })),
  );
  try {
    const created = await a!.post("/api/account/addresses", { data: { ...HOME } });
    expect(created.status()).toBe(201);
    const { address } = (await created.json()) as { address: { id: string; isDefault: boolean; label: string } };
    expect(address).toMatchObject({ isDefault: true, label: "Home", region: "NY" });

    for (const res of [await b!.patch(`/api/account/addresses/${address.id}`, { data: { city: "Elsewhere" } }), await b!.delete(`/api/account/addresses/${address.id}`)]) {
      expect(res.status()).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
    expect(((await (await b!.get("/api/account/addresses")).json()) as { addresses: unknown[] }).addresses).toEqual([]);

    const bad = await a!.post("/api/account/addresses", { data: { ...WORK, region: "ZZ" } });
    expect(bad.status()).toBe(400);
    const err = ((await bad.json()) as { error: { code: string; details: { fieldErrors: Record<string, string[]> } } }).error;
    expect(err.code).toBe("validation_failed");
    expect(Object.keys(err.details.fieldErrors)).toEqual(["region"]);

    const listed = ((await (await a!.get("/api/account/addresses")).json()) as { addresses: { id: string; city: string }[] }).addresses;
    expect(listed).toEqual([expect.objectContaining({ id: address.id, city: HOME.city })]);
    expect((await a!.delete(`/api/account/addresses/${address.id}`)).status()).toBe(204);
    expect((await page.request.delete(`/api/account/addresses/${address.id}`)).status()).toBe(401);
  } finally {
    await a!.dispose();
    await b!.dispose();
  }
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the address book and checkout's Ship to list work as plain forms", async ({ page }) => {
    await newShopper(page, { javaScript: false });
    await page.goto("/account/addresses");
    await addAddress(page, HOME);
    await addAddress(page, WORK);
    await entry(page, "Work").getByTestId("make-default").click();
    await expect(entry(page, "Work")).toHaveAttribute("data-default", "true");

    const { products } = (await (await page.request.get("/api/products")).json()) as { products: { variants: { id: number; sku: string }[] }[] };
    const mug = products.flatMap((p) => p.variants).find((v) => v.sku === "MUG-ENAMEL-CREAM")!;
    await page.goto("/products/enamel-camp-mug");
    await page.getByTestId("variant-select").selectOption(String(mug.id));
    await page.getByTestId("add-to-cart").click();
    await expect(page.getByTestId("add-result")).toContainText("Added to your cart.");

    await page.goto("/checkout");
    const shipTo = page.getByTestId("ship-to");
    await expect(shipTo.getByRole("radio", { name: /^Work/ })).toBeChecked();
    await expectTaxFor(page, "TX");
    // Home, then "Use this address": the page comes back priced for New York, with Home picked
    await shipTo.getByRole("radio", { name: /^Home/ }).check();
    await page.getByTestId("use-address").click();
    await expect(shipTo.getByRole("radio", { name: /^Home/ })).toBeChecked();
    await expectTaxFor(page, "NY");
    // and back to Work, picked and placed in one go: the order ships to Work
    await shipTo.getByRole("radio", { name: /^Work/ }).check();
    await page.getByTestId("place-order").click();
    await expect(page).toHaveURL(/\/checkout\/pay\/[0-9a-f-]{36}$/);
    const orderId = page.url().split("/checkout/pay/")[1]!;
    const { order } = (await (await page.request.get(`/api/orders/${orderId}`)).json()) as { order: { shippingAddress: { line1: string; region: string } } };
    expect(order.shippingAddress).toMatchObject({ line1: WORK.line1, region: "TX" });
  });
});
