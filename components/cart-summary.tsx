import type { CartView } from "@/lib/cart";
import { RemoveDiscountButton } from "./discount-form";
import { SummaryRows } from "./order-lines";

/** The cart's summary rows (see SummaryRows: one discount row naming the codes), and what no longer applies. */
export function CartSummary({ cart, editable = true }: { cart: CartView; editable?: boolean }) {
  const applied = cart.discounts.filter((d) => d.applied);
  const notApplied = cart.discounts.filter((d) => !d.applied);
  const freeShipping = applied.some((d) => d.type === "FREE_SHIPPING");
  const nameOf = (d: (typeof cart.discounts)[number]) => d.code ?? d.title ?? "Discount";
  const label = (
    <>
      Discount{" "}
      {applied.map((d) => (
        <span className="discount-tag" key={nameOf(d)} data-testid="discount-code">
          {nameOf(d)}
          {editable && d.code && <RemoveDiscountButton code={d.code} />}
        </span>
      ))}
    </>
  );
  return (
    <div data-testid="cart-summary">
      <SummaryRows summary={cart.summary} discountLabel={label} showDiscount={applied.length > 0} freeShipping={freeShipping} />
      {notApplied.map((d) => (
        // kept on the cart but not in the best set (or no longer qualifying): say why, and with what it conflicts
        <p className="field-error" key={nameOf(d)} data-testid={`discount-not-applied-${nameOf(d)}`}>
          <span className="discount-tag">
            {nameOf(d)}
            {editable && d.code && <RemoveDiscountButton code={d.code} />}
          </span>{" "}
          Not applied: {d.message ?? "No longer applies"}
        </p>
      ))}
      {cart.shippingError && <p className="error">{cart.shippingError}</p>}
    </div>
  );
}
