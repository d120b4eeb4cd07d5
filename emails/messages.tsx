import { Link } from "@react-email/components";
import { formatMoney } from "../lib/money";
import type { OrderSnapshot, ParsedMailData } from "../lib/mail/events";
import { Action, Layout, Muted, P, Rows } from "./layout";

// One component per message. Each gets its event's parsed data and the links the worker signed for it.

const money = (amount: number, currency: string) => formatMoney({ amount, currency });
export const shortId = (orderId: string) => orderId.slice(0, 8);

function OrderLines({ o }: { o: OrderSnapshot }) {
  return (
    <Rows
      rows={[
        ...o.items.map((i) => ({ label: `${i.quantity} × ${i.name} (${i.sku})`, value: money(i.total, o.currency) })),
        { label: "Subtotal", value: money(o.subtotal, o.currency) },
        ...(o.discount > 0 ? [{ label: "Discount", value: `−${money(o.discount, o.currency)}` }] : []),
        { label: "Shipping", value: o.shipping === 0 ? "Free" : money(o.shipping, o.currency) },
        { label: "Tax", value: money(o.tax, o.currency) },
        { label: "Total", value: money(o.total, o.currency), strong: true },
      ]}
    />
  );
}

export function OrderPaid({ data, orderUrl }: { data: ParsedMailData<"order_paid">; orderUrl: string }) {
  return (
    <Layout preview={`Order ${shortId(data.orderId)} is paid`} heading="Thank you! Your order is paid.">
      <P>
        We have your payment for order <strong>{shortId(data.orderId)}</strong> and are getting it ready.
      </P>
      <OrderLines o={data} />
      <Action href={orderUrl}>View your order</Action>
    </Layout>
  );
}

export function PaymentFailed({ data, orderUrl }: { data: ParsedMailData<"payment_failed">; orderUrl: string }) {
  return (
    <Layout preview={`The payment for order ${shortId(data.orderId)} did not go through`} heading="Your payment did not go through">
      <P>
        The payment for order <strong>{shortId(data.orderId)}</strong> ({money(data.total, data.currency)}) was declined
        {data.declineCode ? ` (${data.declineCode.replaceAll("_", " ")})` : ""}. Nothing was charged, and the items are back in your cart so you can try
        another card.
      </P>
      <Action href={orderUrl}>View the order</Action>
    </Layout>
  );
}

const CANCEL_REASON = {
  expired: "it was not paid in time, so we released the items we were holding for you",
  canceled: "the payment was cancelled",
  admin: "our team cancelled it",
} as const;

export function OrderCancelled({ data, orderUrl }: { data: ParsedMailData<"order_cancelled">; orderUrl: string }) {
  return (
    <Layout preview={`Order ${shortId(data.orderId)} was cancelled`} heading="Your order was cancelled">
      <P>
        Order <strong>{shortId(data.orderId)}</strong> ({money(data.total, data.currency)}) was cancelled: {CANCEL_REASON[data.reason]}. Nothing was charged.
      </P>
      <OrderLines o={data} />
      <Action href={orderUrl}>View the order</Action>
    </Layout>
  );
}

export function OrderShipped({ data, orderUrl }: { data: ParsedMailData<"order_shipped">; orderUrl: string }) {
  return (
    <Layout preview={`Order ${shortId(data.orderId)} is on its way`} heading="Your order is on its way">
      <P>
        Items from order <strong>{shortId(data.orderId)}</strong> have shipped
        {data.carrier ? ` with ${data.carrier}` : ""}.
      </P>
      {data.trackingNumber && (
        <P>
          Tracking number: <strong>{data.trackingNumber}</strong>
        </P>
      )}
      <Rows rows={data.items.map((i) => ({ label: `${i.name} (${i.sku})`, value: `× ${i.quantity}` }))} />
      <Action href={orderUrl}>View your order</Action>
    </Layout>
  );
}

export function OrderRefunded({ data, orderUrl }: { data: ParsedMailData<"order_refunded">; orderUrl: string }) {
  return (
    <Layout preview={`A refund of ${money(data.amount, data.currency)} for order ${shortId(data.orderId)}`} heading="We have refunded you">
      <P>
        We refunded <strong>{money(data.amount, data.currency)}</strong> for order <strong>{shortId(data.orderId)}</strong>. Depending on your bank it can take
        a few days to show.
      </P>
      <Rows
        rows={[
          { label: "Order total", value: money(data.orderTotal, data.currency) },
          { label: "Refunded so far", value: money(data.refundedTotal, data.currency), strong: true },
        ]}
      />
      <Action href={orderUrl}>View your order</Action>
    </Layout>
  );
}

export function CartReminder(props: { data: ParsedMailData<"cart_reminder">; restoreUrl: string; unsubscribeUrl: string }) {
  const { data } = props;
  return (
    <Layout
      preview="Your cart is waiting for you"
      heading="You left something in your cart"
      footer={
        <Muted>
          Don&apos;t want these reminders? <Link href={props.unsubscribeUrl}>Unsubscribe</Link>.
        </Muted>
      }
    >
      <P>We kept your cart for you. Pick up where you left off, on any device:</P>
      <Rows
        rows={[
          ...data.items.map((i) => ({ label: `${i.quantity} × ${i.name} (${i.sku})`, value: money(i.unitPrice * i.quantity, data.currency) })),
          { label: "Subtotal", value: money(data.subtotal, data.currency), strong: true },
        ]}
      />
      <Action href={props.restoreUrl}>Back to my cart</Action>
      <Muted>Prices and stock are checked again at checkout.</Muted>
    </Layout>
  );
}

export function PasswordReset({ resetUrl }: { resetUrl: string }) {
  return (
    <Layout preview="Reset your password" heading="Reset your password">
      <P>Someone (hopefully you) asked to reset the password of your Cartwright account. The link works once, for 30 minutes.</P>
      <Action href={resetUrl}>Choose a new password</Action>
      <Muted>If you did not ask for this, ignore this message: your password stays as it is.</Muted>
    </Layout>
  );
}

export function OrderLookup({ data, links }: { data: ParsedMailData<"order_lookup">; links: Record<string, string> }) {
  return (
    <Layout preview="Links to your orders" heading="Your orders">
      <P>Here are the orders placed with this e-mail address. Each link opens the order on any device for 7 days.</P>
      <Rows
        rows={data.orders.map((o) => ({
          label: (
            <>
              <Link href={links[o.orderId]}>Order {shortId(o.orderId)}</Link> · {o.createdAt.slice(0, 10)} · {o.status.replaceAll("_", " ").toLowerCase()}
            </>
          ),
          value: money(o.total, o.currency),
        }))}
      />
      <Muted>If you did not ask for this, you can ignore this message.</Muted>
    </Layout>
  );
}
