import { cartService } from "../cart";
import { prisma } from "../db";
import { env } from "../env";
import { paymentProvider } from "../payments";
import type { CheckoutDeps } from "./types";

export { placeOrder, CHECKOUT_SCOPE, type PlaceOrderInput, type PlaceOrderResult, type CheckoutResponseBody } from "./place-order";
export {
  applyPaymentEvent,
  cancelOrder,
  confirmTestPayment,
  markPaid,
  MAX_DECLINES,
  retryPendingRefunds,
  type PaymentEventOutcome,
  type PaymentEventResult,
} from "./payment-events";
export { expireReservations } from "./expiry";
export {
  getOrderForViewer,
  hashOrderToken,
  paymentEventsOf,
  type PaymentEventView,
  orderJson,
  type OrderItemView,
  type OrderPaymentStatus,
  type OrderStatus,
  type OrderView,
  type OrderViewer,
} from "./order-view";
export { paymentClientSecretFor, paymentStepFor } from "./payment-step";
export { checkoutBodySchema, confirmTestPaymentSchema, parseIdempotencyKey } from "./schemas";
export type { CheckoutDeps, Logger } from "./types";

/** The process's checkout wiring: its database, cart service, payment provider and settings. */
export function checkoutDeps(): CheckoutDeps {
  const e = env();
  return {
    db: prisma(),
    carts: cartService(),
    provider: paymentProvider(),
    reservationMinutes: e.ORDER_RESERVATION_MINUTES,
    maxLineQuantity: e.CART_MAX_LINE_QUANTITY,
    unpaidOrdersPerEmail: e.UNPAID_ORDERS_PER_EMAIL,
    unpaidOrdersPerClient: e.UNPAID_ORDERS_PER_CLIENT,
  };
}
