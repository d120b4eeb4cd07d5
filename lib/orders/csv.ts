import type { OrderView } from "../checkout/order-view";
import type { Db } from "../db";
import { DomainError } from "../errors";
import { toMajorUnitsString } from "../money/format";
import { listOrders } from "./list";
import type { ListOrdersQuery } from "./schemas";

// The order desk's CSV export: the orders a filter selects (the same filters as the list), one row per order,
// newest first. Amounts are decimal strings in the order's currency made from integer minor units (never a float),
// and a cell that a spreadsheet would run as a formula is neutralised.

/** More orders than this in one export is refused: narrow the filter (dates) instead. */
export const CSV_EXPORT_MAX_ORDERS = 50_000;

export const CSV_COLUMNS = [
  "order_id",
  "created_at",
  "status",
  "payment_status",
  "fulfillment_status",
  "email",
  "currency",
  "subtotal",
  "discount",
  "shipping",
  "tax",
  "total",
  "refunded",
  "items",
  "ship_to_name",
  "ship_to_city",
  "ship_to_region",
  "ship_to_postal_code",
  "ship_to_country",
] as const;

/** One CSV cell (RFC 4180 quoting); text starting with = + - @ (or a tab / CR) is prefixed with ' so it stays text. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function orderCsvRow(o: OrderView): string {
  const m = (amount: number | null) => (amount === null ? "" : toMajorUnitsString(amount, o.currency));
  const s = o.summary;
  const a = o.shippingAddress;
  const cells: (string | number | null | undefined)[] = [
    o.id,
    o.createdAt,
    o.status,
    o.payment.status,
    o.fulfillmentStatus,
    o.email,
    o.currency,
    m(s.subtotal),
    m(s.discount),
    m(s.shipping),
    m(s.tax),
    m(s.total),
    m(o.payment.refundedAmount),
    o.items.map((i) => `${i.quantity} x ${i.sku}`).join("; "),
    a?.name,
    a?.city,
    a?.region,
    a?.postalCode,
    a?.country,
  ];
  return cells.map(csvCell).join(",");
}

/** The whole export as CSV text (header first, CRLF line ends), paging through the list with its own cursor. */
export async function exportOrdersCsv(db: Db, query: Omit<ListOrdersQuery, "cursor" | "limit">): Promise<string> {
  const lines: string[] = [CSV_COLUMNS.join(",")];
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await listOrders(db, { ...query, cursor, limit: 100 });
    for (const o of page.orders) lines.push(orderCsvRow(o));
    count += page.orders.length;
    if (count > CSV_EXPORT_MAX_ORDERS)
      throw new DomainError("validation_failed", `More than ${CSV_EXPORT_MAX_ORDERS} orders: narrow the dates.`, { fieldErrors: { from: ["Narrow the dates"] } });
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return `${lines.join("\r\n")}\r\n`;
}
