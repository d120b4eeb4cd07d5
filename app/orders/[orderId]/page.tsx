import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { readOrderTokens } from "@/lib/auth/cookies";
import { getOrderForViewer } from "@/lib/checkout";
import { prisma } from "@/lib/db";
import { isDomainError } from "@/lib/errors";
import { orderForAccessLink } from "@/lib/mail/order-access";
import { lineRowsOfOrder, OrderLines, SummaryRows } from "@/components/order-lines";
import { OrderStatusPoller } from "@/components/order-status-poller";
import { AddressLines } from "@/components/address-lines";
import { formatMinor } from "@/components/money";
import { privatePageMetadata } from "../../_shared/metadata";

// a link from an e-mail carries its access token in the URL: it must not travel on in a Referer header
export async function generateMetadata({ params }: { params: Promise<{ orderId: string }> }): Promise<Metadata> {
  const { orderId } = await params;
  return privatePageMetadata("Your order", `/orders/${encodeURIComponent(orderId)}`, "Your order at Cartwright Supply.", { referrer: "no-referrer" });
}
export const dynamic = "force-dynamic";

const HEADLINE: Record<string, string> = {
  PAID: "Thank you! Your order is paid.",
  PENDING_PAYMENT: "Waiting for your payment…",
  CANCELLED: "This order was cancelled.",
};

type Props = { params: Promise<{ orderId: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function OrderPage({ params, searchParams }: Props) {
  const { orderId } = await params;
  const user = await currentUser();
  const token = (await readOrderTokens())[orderId] ?? null;
  // a signed link from an order e-mail opens the order on any device (lib/mail/links.ts)
  let order = await orderForAccessLink(prisma(), orderId, (await searchParams).access);
  try {
    order ??= await getOrderForViewer(prisma(), orderId, { userId: user?.id ?? null, token });
  } catch (e) {
    if (isDomainError(e) && e.code === "not_found") notFound();
    throw e;
  }
  const money = (n: number) => formatMinor(n, order.currency);
  return (
    <div className="stack">
      <OrderStatusPoller orderId={order.id} pending={order.status === "PENDING_PAYMENT"} />
      <h1 data-testid="order-headline">{HEADLINE[order.status] ?? order.status}</h1>
      <p className="muted" data-testid="order-meta">
        Order <code>{order.id.slice(0, 8)}</code> · placed {new Date(order.createdAt).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" })} UTC
        {/* a receipt is only promised for an order that is or may still be paid */}
        {order.status === "PAID" && <> · a receipt goes to {order.email}</>}
        {order.status === "PENDING_PAYMENT" && <> · a receipt goes to {order.email} once it is paid</>}
      </p>
      <p>
        Status: <span className={`status-pill status-${order.status === "PAID" ? "active" : order.status === "CANCELLED" ? "expired" : "scheduled"}`} data-testid="order-status">{order.status === "PENDING_PAYMENT" ? "Awaiting payment" : order.status === "PAID" ? "Paid" : "Cancelled"}</span>
        {order.payment.declineCode && <span className="muted"> · payment declined ({order.payment.declineCode.replaceAll("_", " ")})</span>}
      </p>
      {order.status === "PENDING_PAYMENT" && (
        <p>
          <a href={`/checkout/pay/${order.id}`} className="btn" data-testid="pay-order">
            {order.payment.status === "failed" ? "Pay with another card" : "Pay now"}
          </a>
        </p>
      )}
      {order.status === "CANCELLED" && (
        <p data-testid="order-cancelled-note">
          {order.payment.refundedAmount > 0 || order.payment.status === "refunded"
            ? "Your payment was refunded."
            : <>Nothing was charged; the items went back to your <Link href="/cart">cart</Link>.</>}
        </p>
      )}
      {order.fulfillments.length > 0 && (
        <section className="panel" aria-label="Shipments" data-testid="order-shipments">
          <h2>Shipped</h2>
          <ul>
            {order.fulfillments.map((f) => (
              <li key={f.id} data-testid="order-shipment">
                {f.items.map((l) => `${l.quantity} × ${order.items.find((i) => i.id === l.itemId)?.name ?? "item"}`).join(", ")}
                {f.carrier && <> · {f.carrier}</>}
                {f.trackingNumber && (
                  <>
                    {" "}· tracking <code data-testid="tracking-number">{f.trackingNumber}</code>
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      {order.refunds.length > 0 && (
        <section className="panel" aria-label="Refunds" data-testid="order-refunds">
          <h2>Refunded</h2>
          <ul>
            {order.refunds.map((r) => (
              <li key={r.id} data-testid="order-refund">
                {money(r.amount)} on {new Date(r.createdAt).toLocaleDateString("en-US", { dateStyle: "medium", timeZone: "UTC" })}
                {r.items.length > 0 && <> · {r.items.map((l) => `${l.quantity} × ${order.items.find((i) => i.id === l.itemId)?.name ?? "item"}`).join(", ")}</>}
                {r.shipping && <> · shipping</>}
              </li>
            ))}
          </ul>
        </section>
      )}
      {order.shippingAddress && (
        <section className="panel" aria-labelledby="ships-to-heading">
          <h2 id="ships-to-heading">Ships to</h2>
          <AddressLines address={order.shippingAddress} testId="order-address" />
        </section>
      )}
      <div className="panel">
        {/* the same lines and rows as the cart and the payment page (components/order-lines.tsx) */}
        <OrderLines lines={lineRowsOfOrder(order)} currency={order.currency} />
        <div style={{ maxWidth: 360, marginLeft: "auto", marginTop: "1rem" }}>
          <SummaryRows summary={order.summary} />
        </div>
      </div>
      <Link href="/">Continue shopping</Link>
    </div>
  );
}
