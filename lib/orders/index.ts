export {
  cancelOrderByAdmin,
  cancelOrderByShopper,
  fulfillOrder,
  refundOrder,
  retryPendingOrderRefunds,
  REFUND_SCOPE,
  type DeskDeps,
  type RefundAnswer,
  type RefundResult,
} from "./desk";
export { CSV_COLUMNS, csvCell, exportOrdersCsv, orderCsvRow } from "./csv";
export { getOrderForAdmin, listOrders, type AdminOrderView, type OrderEventView } from "./list";
export { nextUnitsAmount, shippingAmount, unitsAmount } from "./refund-math";
export {
  cancelBodySchema,
  FULFILLMENT_STATUSES,
  ORDER_STATUSES,
  PAYMENT_STATUSES,
  fulfillmentBodySchema,
  listOrdersQuerySchema,
  orderIdSchema,
  parseRefundIdempotencyKey,
  refundBodySchema,
  type CancelBody,
  type FulfillmentBody,
  type ListOrdersQuery,
  type RefundBody,
} from "./schemas";
