import type { Metadata } from "next";
import Link from "next/link";
import { randomUUID } from "node:crypto";
import { prisma } from "@/lib/db";
import { isDomainError } from "@/lib/errors";
import { formatMoney } from "@/lib/money";
import { getOrderForAdmin, type AdminOrderView } from "@/lib/orders";
import { adminUserOrNull } from "../../guard";
import { cancelAction, refundAction, shipAction } from "../actions";
import { DataTable } from "@/components/table-scroll";
import { privatePageMetadata } from "../../../_shared/metadata";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return privatePageMetadata("Order", `/admin/orders/${encodeURIComponent(id)}`, "One order: its lines, address, payment, shipments, refunds and history.");
}
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const DONE: Record<string, string> = { shipped: "Shipment recorded.", refunded: "Refund recorded.", cancelled: "Order cancelled." };

/** One order at the desk: items with what was shipped and refunded, the address, the history, and the actions. */
export default async function OrderPage({ params, searchParams }: Props) {
  const { id } = await params;
  if (!(await adminUserOrNull(`/admin/orders/${id}`))) return null;
  const q = await searchParams;
  let order: AdminOrderView;
  try {
    order = await getOrderForAdmin(prisma(), id);
  } catch (e) {
    if (isDomainError(e) && e.code === "not_found") return <p className="panel">No such order. <Link href="/admin/orders">All orders</Link></p>;
    throw e;
  }
  const money = (n: number) => formatMoney({ amount: n, currency: order.currency });
  const shipped = new Map<string, number>();
  for (const f of order.fulfillments) for (const i of f.items) shipped.set(i.itemId, (shipped.get(i.itemId) ?? 0) + i.quantity);
  const refunded = new Map<string, number>();
  for (const r of order.refunds) for (const i of r.items) refunded.set(i.itemId, (refunded.get(i.itemId) ?? 0) + i.quantity);
  const a = order.shippingAddress;
  const done = typeof q.done === "string" ? DONE[q.done] : undefined;
  const error = typeof q.error === "string" ? q.error.slice(0, 300) : undefined;
  const paid = order.status === "PAID";

  return (
    <div className="stack" data-testid="admin-order">
      <div className="admin-heading">
        <h1>
          Order <code>{order.id.slice(0, 8)}</code>
        </h1>
        <Link href="/admin/orders">All orders</Link>
      </div>
      {done && (
        <p className="notice" role="status">
          {done}
        </p>
      )}
      {error && (
        <p className="error" role="alert" data-testid="desk-error">
          {error}
        </p>
      )}
      <section className="panel">
        <p>
          <strong data-testid="order-status">{order.status}</strong> · <span data-testid="fulfillment-status">{order.fulfillmentStatus}</span> · payment{" "}
          <span data-testid="payment-status">{order.payment.status}</span>
          {order.payment.refundedAmount > 0 && <> · refunded {money(order.payment.refundedAmount)}</>} · total {money(order.summary.total)}
        </p>
        <p>
          {order.email}
          {a && (
            <>
              <br />
              {[a.name, a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(" "), [a.region, a.country].filter(Boolean).join(", "), a.phone].filter(Boolean).join(" · ")}
            </>
          )}
        </p>
      </section>

      <form action={paid ? shipAction : undefined} className="panel stack">
        <input type="hidden" name="orderId" value={order.id} />
        <DataTable label="Order items" testId="order-items" columns={["Item", "Qty", "Shipped", "Refunded", "Total", "Ship now"]}>
          {order.items.map((i) => (
            <tr key={i.id}>
              <td>
                {i.name} <code>{i.sku}</code>
                {/* what the shopper asked for with this line: the packer must see it */}
                {i.customOptions.giftWrap && <div className="muted">Gift wrap</div>}
                {i.customOptions.giftMessage && <div data-testid="gift-message">Gift message: “{i.customOptions.giftMessage}”</div>}
                {i.customOptions.personalization && <div>Personalization: “{i.customOptions.personalization}”</div>}
              </td>
              <td>{i.quantity}</td>
              <td>{shipped.get(i.id) ?? 0}</td>
              <td>{refunded.get(i.id) ?? 0}</td>
              <td>{money(i.total)}</td>
              <td>
                <input name={`qty:${i.id}`} type="number" min={0} max={i.quantity} placeholder="all" aria-label={`Ship units of ${i.name}`} style={{ width: "5rem" }} disabled={!paid} />
              </td>
            </tr>
          ))}
        </DataTable>
        {paid && (
          <div className="address-grid">
            <div className="field">
              <label htmlFor="carrier">Carrier</label>
              <input id="carrier" name="carrier" maxLength={100} />
            </div>
            <div className="field">
              <label htmlFor="trackingNumber">Tracking number</label>
              <input id="trackingNumber" name="trackingNumber" maxLength={100} />
            </div>
            <button type="submit" className="btn" data-testid="ship-button">
              Ship (empty quantities: everything left)
            </button>
          </div>
        )}
      </form>

      {paid && (
        <form action={refundAction} className="panel stack" data-testid="refund-form">
          <h2 style={{ margin: 0 }}>Refund</h2>
          <input type="hidden" name="orderId" value={order.id} />
          {/* one key per rendered form: submitting it twice is one refund */}
          <input type="hidden" name="idempotencyKey" value={randomUUID()} />
          <div className="address-grid">
            {order.items.map((i) => (
              <div className="field" key={i.id}>
                <label htmlFor={`r-${i.id}`}>
                  {i.name} (left {i.quantity - (refunded.get(i.id) ?? 0)})
                </label>
                <input id={`r-${i.id}`} name={`qty:${i.id}`} type="number" min={0} max={i.quantity} />
              </div>
            ))}
            <label>
              <input type="checkbox" name="shipping" /> Shipping ({money((order.summary.shipping ?? 0) + (order.summary.shippingTax ?? 0))})
            </label>
            <label>
              <input type="checkbox" name="restock" /> Put the units back in stock
            </label>
            <div className="field">
              <label htmlFor="reason">Reason</label>
              <input id="reason" name="reason" maxLength={500} />
            </div>
          </div>
          <button type="submit" className="btn btn-secondary" data-testid="refund-button">
            Refund (nothing chosen: everything left)
          </button>
        </form>
      )}

      {order.status !== "CANCELLED" && (
        <form action={cancelAction} className="panel">
          <input type="hidden" name="orderId" value={order.id} />
          <label>
            <input type="checkbox" name="restock" value="off" /> Do not restock
          </label>{" "}
          <button type="submit" className="btn btn-secondary" data-testid="cancel-button">
            {paid ? "Cancel and refund in full" : "Cancel order"}
          </button>
        </form>
      )}

      <section className="panel">
        <h2 style={{ marginTop: 0 }}>History</h2>
        <ol data-testid="order-events">
          {order.events.map((e, k) => (
            <li key={k}>
              {e.at.replace("T", " ").slice(0, 19)} — <strong>{e.type}</strong> by {e.actor}
              {typeof e.details.amount === "number" && e.type === "refunded" && <> ({money(e.details.amount)})</>}
              {typeof e.details.trackingNumber === "string" && <> (tracking {e.details.trackingNumber})</>}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
