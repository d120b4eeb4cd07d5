import { env } from "@/lib/env";
import { createStripeProvider } from "./stripe";
import { createTestProvider } from "./test-provider";
import type { PaymentProvider } from "./types";

export type {
  CreatedPayment,
  CreatePaymentInput,
  NormalizedPaymentEvent,
  PaymentEventType,
  PaymentProvider,
  PaymentProviderName,
  ProviderRefund,
  TestPaymentProvider,
  TestRefund,
} from "./types";
export { isTestProvider } from "./types";
export {
  createStripeProvider,
  StripePaymentProvider,
  STRIPE_DEFAULT_MAX_NETWORK_RETRIES,
  STRIPE_DEFAULT_TIMEOUT_MS,
  type StripeProviderOptions,
} from "./stripe";
export { assertPayableAmount, paymentAmountLimits, type AmountLimits } from "./limits";
export { createTestProvider, luhnValid, normalizeCardNumber, TEST_CARDS } from "./test-provider";

// Kept on globalThis so a dev server's module reloads still share one provider (one SDK client, one agent).
const slot = Symbol.for("cartwright.paymentProvider");
type Holder = { [slot]?: PaymentProvider };

function build(): PaymentProvider {
  const e = env();
  if (e.paymentProvider === "stripe") {
    if (!e.STRIPE_SECRET_KEY) throw new Error("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY.");
    return createStripeProvider({
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      apiBase: e.STRIPE_API_BASE,
    });
  }
  return createTestProvider();
}

/** The process's payment provider, chosen by env().paymentProvider ("stripe" | "test") on first use. */
export function paymentProvider(): PaymentProvider {
  const g = globalThis as Holder;
  return (g[slot] ??= build());
}

/** For tests: replace the process's provider (e.g. a Stripe provider pointed at the fake), or pass nothing to
 *  forget it so the next paymentProvider() call reads the environment again. */
export function setPaymentProviderForTests(p?: PaymentProvider): void {
  const g = globalThis as Holder;
  if (p) g[slot] = p;
  else delete g[slot];
}
