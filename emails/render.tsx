import { render } from "@react-email/render";
import type { ReactElement } from "react";
import type { MailEvent, ParsedMailData } from "../lib/mail/events";
import { mailLinks } from "../lib/mail/links";
import type { MailRenderContext, MailRenderer, RenderedMail } from "../lib/mail/worker";
import { formatMoney } from "../lib/money";
import { CartReminder, OrderCancelled, OrderLookup, OrderPaid, OrderRefunded, OrderShipped, PasswordReset, PaymentFailed, shortId } from "./messages";

// The worker's renderer: event + stored data -> subject, HTML and plain text. Links are signed here, at delivery,
// so the outbox never holds a credential.

function build<E extends MailEvent>(event: E, d: ParsedMailData<E>, ctx: MailRenderContext): { subject: string; element: ReactElement; headers?: Record<string, string> } {
  const { baseUrl: base, now } = ctx;
  switch (event) {
    case "order_paid": {
      const data = d as ParsedMailData<"order_paid">;
      return { subject: `Order ${shortId(data.orderId)} is paid — thank you`, element: <OrderPaid data={data} orderUrl={mailLinks.order(base, data.orderId, now)} /> };
    }
    case "payment_failed": {
      const data = d as ParsedMailData<"payment_failed">;
      return { subject: `The payment for order ${shortId(data.orderId)} did not go through`, element: <PaymentFailed data={data} orderUrl={mailLinks.order(base, data.orderId, now)} /> };
    }
    case "order_cancelled": {
      const data = d as ParsedMailData<"order_cancelled">;
      return { subject: `Order ${shortId(data.orderId)} was cancelled`, element: <OrderCancelled data={data} orderUrl={mailLinks.order(base, data.orderId, now)} /> };
    }
    case "order_shipped": {
      const data = d as ParsedMailData<"order_shipped">;
      return { subject: `Order ${shortId(data.orderId)} has shipped`, element: <OrderShipped data={data} orderUrl={mailLinks.order(base, data.orderId, now)} /> };
    }
    case "order_refunded": {
      const data = d as ParsedMailData<"order_refunded">;
      return {
        subject: `Refund of ${formatMoney({ amount: data.amount, currency: data.currency })} for order ${shortId(data.orderId)}`,
        element: <OrderRefunded data={data} orderUrl={mailLinks.order(base, data.orderId, now)} />,
      };
    }
    case "cart_reminder": {
      const data = d as ParsedMailData<"cart_reminder">;
      const unsubscribeUrl = mailLinks.unsubscribe(base, ctx.to);
      return {
        subject: "You left something in your cart",
        element: <CartReminder data={data} restoreUrl={mailLinks.cartRestore(base, data.cartId, now)} unsubscribeUrl={unsubscribeUrl} />,
        headers: { "List-Unsubscribe": `<${unsubscribeUrl}>` },
      };
    }
    case "password_reset": {
      const data = d as ParsedMailData<"password_reset">;
      return { subject: "Reset your Cartwright password", element: <PasswordReset resetUrl={mailLinks.passwordReset(base, data.resetTokenId)} /> };
    }
    case "order_lookup": {
      const data = d as ParsedMailData<"order_lookup">;
      const links = Object.fromEntries(data.orders.map((o) => [o.orderId, mailLinks.order(base, o.orderId, now)]));
      return { subject: "Links to your Cartwright orders", element: <OrderLookup data={data} links={links} /> };
    }
    default:
      throw new Error(`no template for ${String(event)}`);
  }
}

export const renderMail: MailRenderer = async (event, data, ctx): Promise<RenderedMail> => {
  const { subject, element, headers } = build(event, data, ctx);
  const [html, text] = await Promise.all([render(element), render(element, { plainText: true })]);
  return { subject, html, text, headers };
};
