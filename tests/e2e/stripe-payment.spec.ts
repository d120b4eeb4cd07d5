import { randomBytes, randomUUID } from "node:crypto";
import { expect, test, type BrowserContext, type Page, type Route } from "@playwright/test";
import { startStripeFake, type StripeFake } from "../fakes/stripe-fake";
import { STRIPE_JS_DOUBLE } from "../fakes/stripe-js-double";
import { startApp, type AppServer } from "../support/app-server";
import { freePort } from "../support/net";
import { testRedisUrl } from "../support/test-database";

// Stripe in the browser, with no network: a second production server of the same build and database, configured
// for Stripe against the local Stripe API fake; the browser gets a local double of Stripe.js (page routes for
// js.stripe.com) whose confirmPayment goes to api.stripe.com, which this test routes to the fake and answers like
// Stripe would, delivering the signed webhook (the SDK's generateTestHeaderString) to the app before it answers.
// What runs for real: components/stripe-payment.tsx and @stripe/react-stripe-js, the pay page, the webhook route,
// the order page.

const SECRET_KEY = "sk_test_cartwrightE2eStripe0123456789";
const WEBHOOK_SECRET = "whsec_cartwright_e2e_stripe";
const CARDS = { pays: "4242424242424242", declined: "4000000000000002", threeDS: "4000002760003184" };

let fake: StripeFake;
let app: AppServer;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  fake = await startStripeFake({ apiKey: SECRET_KEY });
  const databaseUrl = process.env.E2E_DATABASE_URL;
  if (!databaseUrl) throw new Error("E2E_DATABASE_URL is not set (tests/e2e/global-setup.ts sets it)");
  app = await startApp({
    port: await freePort(),
    quiet: true,
    env: {
      DATABASE_URL: databaseUrl,
      REDIS_URL: testRedisUrl(),
      KV_PREFIX: `cwe2e-stripe:${randomBytes(4).toString("hex")}:`,
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: fake.url,
      NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: "pk_test_cartwrightE2eStripe",
      JOBS: "off",
      LOG_LEVEL: "warn",
    },
  });
});

test.afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

/** Sends Stripe's webhook for a PaymentIntent to the app, signed as Stripe signs it; the app must take it. */
async function deliver(type: "payment_intent.succeeded" | "payment_intent.payment_failed", pi: Parameters<StripeFake["webhookPayload"]>[1]): Promise<void> {
  const payload = fake.webhookPayload(type, pi);
  const res = await fetch(`${app.url}/api/webhooks/stripe`, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": fake.signedHeader(payload, WEBHOOK_SECRET) },
    body: payload,
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const cors = (route: Route, status: number, body: object) =>
  route.fulfill({ status, contentType: "application/json", headers: { "access-control-allow-origin": "*" }, body: JSON.stringify(body) });

/** A browser context on the Stripe app with Stripe.js, Stripe's API and the bank's 3-D Secure page routed locally. */
async function stripeContext(newContext: () => Promise<BrowserContext>): Promise<{ context: BrowserContext; scriptLoads: () => number; confirms: string[] }> {
  const context = await newContext();
  let loads = 0;
  const confirms: string[] = [];
  await context.route("https://js.stripe.com/**", (route) => {
    loads += 1;
    return route.fulfill({ contentType: "application/javascript", body: STRIPE_JS_DOUBLE });
  });
  await context.route("https://api.stripe.com/**", async (route) => {
    const m = /\/v1\/payment_intents\/([^/]+)\/confirm$/.exec(new URL(route.request().url()).pathname);
    const form = new URLSearchParams(route.request().postData() ?? "");
    const pi = m ? fake.intent(m[1]!) : undefined;
    if (!pi || form.get("client_secret") !== pi.client_secret)
      return cors(route, 404, { error: { type: "invalid_request_error", code: "resource_missing", message: "No such payment_intent." } });
    confirms.push(pi.id);
    const card = form.get("card");
    if (card === CARDS.declined) {
      await deliver("payment_intent.payment_failed", fake.fail(pi.id, "generic_decline"));
      return cors(route, 402, { error: { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." } });
    }
    if (card === CARDS.threeDS)
      return cors(route, 200, {
        id: pi.id,
        status: "requires_action",
        next_action: { type: "redirect_to_url", redirect_to_url: { url: `https://hooks.stripe.com/3d_secure_2/authenticate?payment_intent=${pi.id}` } },
      });
    await deliver("payment_intent.succeeded", fake.succeed(pi.id));
    return cors(route, 200, { id: pi.id, status: "succeeded" });
  });
  await context.route("https://hooks.stripe.com/**", async (route) => {
    const url = new URL(route.request().url());
    const id = url.searchParams.get("payment_intent")!;
    const back = url.searchParams.get("return")!;
    if (url.pathname.endsWith("/authenticate")) {
      const complete = `https://hooks.stripe.com/3d_secure_2/complete?${new URLSearchParams({ payment_intent: id, return: back })}`;
      return route.fulfill({ contentType: "text/html", body: `<!doctype html><title>Your bank</title><h1>Your bank</h1><a id="complete" href="${complete.replace(/&/g, "&amp;")}">Complete authentication</a>` });
    }
    await deliver("payment_intent.succeeded", fake.succeed(id));
    return route.fulfill({ status: 302, headers: { location: `${back}succeeded` } });
  });
  return { context, scriptLoads: () => loads, confirms };
}

async function orderToPay(page: Page): Promise<string> {
  await page.goto(`${app.url}/products/enamel-camp-mug`);
  await page.locator("fieldset", { has: page.locator("legend", { hasText: "Color" }) }).getByRole("button", { name: "Cream", exact: true }).click();
  await page.getByTestId("add-to-cart").click();
  await expect(page.getByTestId("add-result")).toContainText("Added");
  await page.goto(`${app.url}/checkout`);
  await page.getByLabel("Email").fill(`stripe-${randomUUID().slice(0, 8)}@example.test`);
  await page.getByLabel("Full name").fill("Stripe Buyer");
  await page.getByLabel("Street address").fill("350 5th Ave");
  await page.getByLabel("City").fill("New York");
  await page.getByLabel("Country").selectOption("US");
  await page.getByLabel("State / province").fill("NY");
  await page.getByLabel("Postal code").fill("10001");
  await expect(page.getByTestId("summary-tax")).not.toHaveText("Calculated at checkout");
  await page.getByTestId("place-order").click();
  await expect(page.getByTestId("stripe-double-card")).toBeVisible();
  return new URL(page.url()).pathname.split("/checkout/pay/")[1]!;
}

test("4242 pays through the PaymentElement; the webhook makes the order PAID; the Express Checkout Element is offered", async ({ browser }) => {
  const { context, scriptLoads, confirms } = await stripeContext(() => browser.newContext());
  const page = await context.newPage();
  const orderId = await orderToPay(page);
  expect(scriptLoads()).toBeGreaterThan(0); // Stripe.js is loaded when Stripe is configured
  await expect(page.getByTestId("test-card-form")).toHaveCount(0);
  await expect(page.getByTestId("stripe-double-express")).toBeVisible();
  await page.getByTestId("stripe-double-card").fill(CARDS.pays);
  await page.getByTestId("stripe-pay-button").click();
  await expect(page).toHaveURL(new RegExp(`/orders/${orderId}\\?payment_intent=`));
  await expect(page.getByTestId("order-status")).toHaveText("Paid");
  expect(fake.intent(confirms[0]!)!.status).toBe("succeeded");
  // Back shows the paid order, never the payment form
  await page.goBack();
  await expect(page.getByTestId("order-status")).toHaveText("Paid");
  await expect(page.getByTestId("stripe-pay-button")).toHaveCount(0);
  await context.close();
});

test("a decline shows the reason; another card pays the SAME order on the same PaymentIntent", async ({ browser }) => {
  const { context, confirms } = await stripeContext(() => browser.newContext());
  const page = await context.newPage();
  const orderId = await orderToPay(page);
  await page.getByTestId("stripe-double-card").fill(CARDS.declined);
  await page.getByTestId("stripe-pay-button").click();
  await expect(page.getByTestId("stripe-error")).toHaveText("Your card was declined.");
  // the webhook was applied: the order still waits, reserved, and says why after a reload
  const { order } = (await (await page.request.get(`${app.url}/api/orders/${orderId}`)).json()) as { order: { status: string; payment: { status: string; declineCode?: string } } };
  expect(order).toMatchObject({ status: "PENDING_PAYMENT", payment: { status: "failed", declineCode: "generic_decline" } });
  await page.reload();
  await expect(page.getByTestId("payment-declined")).toContainText("Your card was declined.");
  await page.getByTestId("stripe-double-card").fill(CARDS.pays);
  await page.getByTestId("stripe-pay-button").click();
  await expect(page.getByTestId("order-status")).toHaveText("Paid");
  expect(new URL(page.url()).pathname).toBe(`/orders/${orderId}`);
  expect(new Set(confirms).size).toBe(1); // one PaymentIntent, confirmed twice
  expect(fake.intent(confirms[0]!)!.status).toBe("succeeded");
  await context.close();
});

test("a requires_action answer (3-D Secure) goes to the bank and back to the order, which the webhook has paid", async ({ browser }) => {
  const { context } = await stripeContext(() => browser.newContext());
  const page = await context.newPage();
  const orderId = await orderToPay(page);
  await page.getByTestId("stripe-double-card").fill(CARDS.threeDS);
  await page.getByTestId("stripe-pay-button").click();
  await expect(page.getByRole("heading", { name: "Your bank" })).toBeVisible();
  await page.getByRole("link", { name: "Complete authentication" }).click();
  await expect(page).toHaveURL(new RegExp(`/orders/${orderId}\\?payment_intent=.*redirect_status=succeeded`));
  await expect(page.getByTestId("order-status")).toHaveText("Paid");
  await context.close();
});
