import type { CartView } from "@/lib/cart/view";
import type { OrderView } from "@/lib/checkout/order-view";
import type { CartSummary } from "@/lib/pricing";
import { formatMinor } from "./money";

/**
 * One way to show money, on the cart, the payment page and the order: each line's amount is its SUBTOTAL (unit
 * price × quantity, before discount and tax), read from `summary.lines[].subtotal`; the discount is ONE row
 * (summary.discount), then shipping, tax and the total, each from its summary field. The shopper sees the same
 * numbers on every page, and the rows add up: total = subtotal − discount + shipping + tax.
 */
export type LineRow = { id: string; sku: string; name: string; detail: string; quantity: number; unitPrice: number; amount: number; options: string[] };

/** What the shopper asked for with a line (gift wrap, gift message, personalization), as the line shows it. */
export function optionNotes(o: { giftWrap?: boolean; giftMessage?: string; personalization?: string } | null | undefined): string[] {
  const notes: string[] = [];
  if (o?.giftWrap) notes.push("Gift wrap");
  if (o?.giftMessage) notes.push(`Gift message: “${o.giftMessage}”`);
  if (o?.personalization) notes.push(`Personalization: “${o.personalization}”`);
  return notes;
}

function subtotalsOf(summary: CartSummary): Map<string, number> {
  return new Map(summary.lines.map((l) => [l.itemId, l.subtotal]));
}

export function lineRowsOfCart(cart: CartView): LineRow[] {
  const sub = subtotalsOf(cart.summary);
  return cart.items.map((i) => ({
    id: i.id,
    sku: i.sku,
    name: i.name,
    detail: Object.values(i.attributes).join(" · "),
    quantity: i.quantity,
    unitPrice: i.unitPrice,
    amount: sub.get(i.id) ?? i.lineTotal,
    options: optionNotes(i.customOptions),
  }));
}

export function lineRowsOfOrder(order: OrderView): LineRow[] {
  const sub = subtotalsOf(order.summary);
  return order.items.map((i) => ({ id: i.id, sku: i.sku, name: i.name, detail: i.sku, quantity: i.quantity, unitPrice: i.unitPrice, amount: sub.get(i.id) ?? i.unitPrice * i.quantity, options: optionNotes(i.customOptions) }));
}

/** The amount a cart line shows (its summary subtotal), for the cart page's own richer line list. */
export function cartLineAmount(cart: CartView, itemId: string): number {
  return subtotalsOf(cart.summary).get(itemId) ?? cart.items.find((i) => i.id === itemId)?.lineTotal ?? 0;
}

export function OrderLines({ lines, currency }: { lines: LineRow[]; currency: string }) {
  const money = (n: number) => formatMinor(n, currency);
  return (
    <ul className="cart-lines order-lines" data-testid="order-lines">
      {lines.map((l) => (
        <li key={l.id} className="order-line" data-testid="order-line" data-sku={l.sku}>
          <span>
            {l.name} <span className="muted">{l.detail}</span>
            <br />
            <span className="muted">
              {l.quantity} × {money(l.unitPrice)}
            </span>
            {l.options.map((note) => (
              <span key={note} className="muted" data-testid="line-option">
                <br />
                {note}
              </span>
            ))}
          </span>
          <strong data-testid="line-total">{money(l.amount)}</strong>
        </li>
      ))}
    </ul>
  );
}

const LATER = "Calculated at checkout";

/**
 * Subtotal, the one discount row, shipping, tax, total. `discountLabel` names the codes (the cart lets them be
 * removed there); the row shows whenever something is taken off, or when `showDiscount` asks for it (a cart with a
 * code that takes nothing off yet).
 */
export function SummaryRows({
  summary,
  discountLabel,
  showDiscount = false,
  freeShipping = false,
}: {
  summary: CartSummary;
  discountLabel?: React.ReactNode;
  showDiscount?: boolean;
  freeShipping?: boolean;
}) {
  const money = (n: number) => formatMinor(n, summary.currency);
  return (
    <dl className="summary-rows" data-testid="summary-rows">
      <div>
        <dt>Subtotal</dt>
        <dd data-testid="summary-subtotal">{money(summary.subtotal)}</dd>
      </div>
      {(summary.discount > 0 || showDiscount) && (
        <div data-testid="discount-row">
          <dt>{discountLabel ?? "Discount"}</dt>
          <dd data-testid="summary-discount">−{money(summary.discount)}</dd>
        </div>
      )}
      <div>
        <dt>Shipping{freeShipping ? " (free)" : ""}</dt>
        <dd data-testid="summary-shipping">{summary.shipping === null ? LATER : summary.shipping === 0 ? "Free" : money(summary.shipping)}</dd>
      </div>
      <div>
        <dt>Tax</dt>
        <dd data-testid="summary-tax">{summary.tax === null ? LATER : money(summary.tax)}</dd>
      </div>
      <div className="total">
        <dt>Total</dt>
        <dd data-testid="summary-total">{money(summary.total)}</dd>
      </div>
    </dl>
  );
}
