import type { CartView } from "@/lib/cart";
import { formatMinor } from "./money";
import { RemoveDiscountButton } from "./discount-form";

const LATER = "Calculated at checkout";

/** Subtotal, discounts, shipping, tax and total; each line of it adds up (total = subtotal − discount + shipping + tax). */
export function CartSummary({ cart, editable = true }: { cart: CartView; editable?: boolean }) {
  const s = cart.summary;
  const money = (n: number) => formatMinor(n, s.currency);
  const freeShipping = cart.discounts.find((d) => d.type === "FREE_SHIPPING" && d.applied);
  return (
    <div data-testid="cart-summary">
      <dl className="summary-rows">
        <div>
          <dt>Subtotal</dt>
          <dd data-testid="summary-subtotal">{money(s.subtotal)}</dd>
        </div>
        {cart.discounts.map((d) => (
          <div key={d.code ?? `auto:${d.title}`}>
            <dt>
              <span className="discount-tag">
                {d.code ?? d.title}
                {editable && d.code && <RemoveDiscountButton code={d.code} />}
              </span>
              {!d.applied && (
                <span className="field-error" data-testid={`discount-not-applied-${d.code ?? d.title}`}>
                  {" "}
                  Not applied: {d.message ?? "No longer applies"}
                </span>
              )}
            </dt>
            <dd>{!d.applied ? "—" : d.type === "FREE_SHIPPING" ? "Free shipping" : `−${money(d.amount)}`}</dd>
          </div>
        ))}
        {s.discount > 0 && (
          <div>
            <dt>Discount</dt>
            <dd data-testid="summary-discount">−{money(s.discount)}</dd>
          </div>
        )}
        <div>
          <dt>Shipping{freeShipping ? " (free)" : ""}</dt>
          <dd data-testid="summary-shipping">{s.shipping === null ? LATER : s.shipping === 0 ? "Free" : money(s.shipping)}</dd>
        </div>
        <div>
          <dt>Tax</dt>
          <dd data-testid="summary-tax">{s.tax === null ? LATER : money(s.tax)}</dd>
        </div>
        <div className="total">
          <dt>Total</dt>
          <dd data-testid="summary-total">{money(s.total)}</dd>
        </div>
      </dl>
      {cart.shippingError && <p className="error">{cart.shippingError}</p>}
    </div>
  );
}
