import type { CartService } from "../cart";
import { logger as appLogger } from "../observability/logger";
import { metrics, type Metrics } from "../observability/metrics";
import { pgCode, type PrismaClient } from "../db";
import type { PaymentProvider } from "../payments/types";

export type LogLevel = "info" | "warn" | "error";
export type Logger = (level: LogLevel, msg: string, data?: Record<string, unknown>) => void;

/** What the checkout talks to. Routes get it from checkoutDeps(); tests build their own. */
export type CheckoutDeps = {
  db: PrismaClient;
  /** the cart service: its guest store (KV) and user store (PostgreSQL + KV cache) */
  carts: CartService;
  provider: PaymentProvider;
  now?: () => Date;
  /** how long a PENDING_PAYMENT order holds its stock (ORDER_RESERVATION_MINUTES, default 15) */
  reservationMinutes?: number;
  /** per-line maximum when a cart is merged back after a failed payment (CART_MAX_LINE_QUANTITY, default 99) */
  maxLineQuantity?: number;
  /**
   * PENDING_PAYMENT orders one e-mail / one client may hold at once (UNPAID_ORDERS_PER_EMAIL, default 5;
   * UNPAID_ORDERS_PER_CLIENT, default 20), then 429 rate_limited. checkoutDeps() always sets both; a caller that
   * leaves them out (a test of something else) places orders without a cap.
   */
  unpaidOrdersPerEmail?: number;
  unpaidOrdersPerClient?: number;
  log?: Logger;
};

/** The app's structured logger (lib/observability). */
export const defaultLog: Logger = (level, msg, data) => appLogger()[level](data ?? {}, msg);

/** Records a metric; a metrics failure never fails a checkout. */
export function observe(fn: (m: Metrics) => void): void {
  try {
    fn(metrics());
  } catch {
    // metrics are best effort
  }
}

export const clock = (deps: Pick<CheckoutDeps, "now">): Date => (deps.now ? deps.now() : new Date());
export const logger = (deps: Pick<CheckoutDeps, "log">): Logger => deps.log ?? defaultLog;

export { isUniqueViolation, pgCode } from "../db";

/** A deadlock or serialization failure: the transaction may simply be run again. */
export const isRetryableTxError = (e: unknown) => {
  const c = pgCode(e);
  return c === "40P01" || c === "40001";
};
