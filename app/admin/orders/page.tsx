import type { Metadata } from "next";
import Link from "next/link";
import { prisma } from "@/lib/db";
import { formatMoney } from "@/lib/money";
import { FULFILLMENT_STATUSES, listOrders, listOrdersQuerySchema, ORDER_STATUSES, PAYMENT_STATUSES } from "@/lib/orders";
import { adminUserOrNull } from "../guard";
import { DataTable } from "@/components/table-scroll";
import { privatePageMetadata } from "../../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Orders", "/admin/orders", "The order desk: find, ship, refund and cancel orders.");
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The order desk's list: filters in a plain GET form, newest first, "Older orders" pages on. */
export default async function OrdersPage({ searchParams }: Props) {
  if (!(await adminUserOrNull("/admin/orders"))) return null;
  const raw = await searchParams;
  const params = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, first(v)]).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = listOrdersQuerySchema.safeParse(params);
  const result = parsed.success ? await listOrders(prisma(), parsed.data) : null;
  const nextHref = result?.nextCursor ? `/admin/orders?${new URLSearchParams({ ...(params as Record<string, string>), cursor: result.nextCursor })}` : null;
  const select = (name: string, label: string, values: readonly string[]) => (
    <div className="field">
      <label htmlFor={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name} defaultValue={(params[name] as string | undefined) ?? ""}>
        <option value="">Any</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <div className="stack">
      <div className="admin-heading">
        <h1>Orders</h1>
        {/* the same filters, every page of them, as a spreadsheet (a plain download: the admin session cookie goes along) */}
        <a className="btn btn-secondary" data-testid="orders-csv" href={`/api/admin/orders/export.csv?${new URLSearchParams(Object.fromEntries(Object.entries(params).filter(([k]) => k !== "cursor" && k !== "limit")) as Record<string, string>)}`} download>
          Export CSV
        </a>
      </div>
      <form method="get" className="panel address-grid" data-testid="order-filters">
        <div className="field">
          <label htmlFor="f-q">Order id, e-mail or SKU</label>
          <input id="f-q" name="q" defaultValue={(params.q as string | undefined) ?? ""} maxLength={254} />
        </div>
        {select("status", "Status", ORDER_STATUSES)}
        {select("fulfillment", "Fulfilment", FULFILLMENT_STATUSES)}
        {select("payment", "Payment", PAYMENT_STATUSES)}
        <div className="field">
          <label htmlFor="f-from">From</label>
          <input id="f-from" name="from" type="date" defaultValue={(params.from as string | undefined) ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To (exclusive)</label>
          <input id="f-to" name="to" type="date" defaultValue={(params.to as string | undefined) ?? ""} />
        </div>
        <button type="submit" className="btn btn-secondary">
          Filter
        </button>
      </form>
      {!parsed.success && (
        <p className="error" role="alert">
          These filters are not valid: {parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}
        </p>
      )}
      {result && result.orders.length === 0 && <p className="panel">No orders match.</p>}
      {result && result.orders.length > 0 && (
        <DataTable label="Orders" testId="orders-table" columns={["Order", "Placed", "E-mail", "Status", "Fulfilment", "Payment", "Total"]}>
          {result.orders.map((o) => (
            <tr key={o.id} data-testid="order-row" data-order-id={o.id}>
              <td>
                <Link href={`/admin/orders/${o.id}`}>
                  <code>{o.id.slice(0, 8)}</code>
                </Link>
              </td>
              <td>{new Date(o.createdAt).toISOString().replace("T", " ").slice(0, 16)}</td>
              <td>{o.email}</td>
              <td>{o.status}</td>
              <td>{o.fulfillmentStatus}</td>
              <td>
                {o.payment.status}
                {o.payment.refundedAmount > 0 && ` (${formatMoney({ amount: o.payment.refundedAmount, currency: o.currency })} back)`}
              </td>
              <td>{formatMoney({ amount: o.summary.total, currency: o.currency })}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {nextHref && (
        <p>
          <Link href={nextHref}>Older orders →</Link>
        </p>
      )}
    </div>
  );
}
