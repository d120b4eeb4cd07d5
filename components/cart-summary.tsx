import type { CartView } from "@/lib/cart";
import { RemoveDiscountButton } from "./discount-form";
import { SummaryRows } from "./order-lines";

/** The cart's summary rows (see SummaryRows: one discount row naming the codes), and what no longer applies. */
export function CartSummary({ cart, editable = true }: { cart: CartView; editable?: boolean }) {
  const valid = cart.discounts.filter((d) => d.valid);
  const stale = cart.discounts.filter((d) => !d.valid);
  const freeShipping = valid.some((d) => d.type === "FREE_SHIPPING");
  const label = (
    <>
      Discount{" "}
      {valid.map((d) => (
        <span className="discount-tag" key={d.code} data-testid="discount-code">
          {d.code}
          {editable && <RemoveDiscountButton code={d.code} />}
        </span>
      ))}
    </>
  );
  return (
    <div data-testid="cart-summary">
      <SummaryRows summary={cart.summary} discountLabel={label} showDiscount={valid.length > 0} freeShipping={freeShipping} />
      {stale.map((d) => (
        <p className="field-error" key={d.code} data-testid="stale-discount">
          <span className="discount-tag">
            {d.code}
            {editable && <RemoveDiscountButton code={d.code} />}
          </span>{" "}
          {d.message ?? "No longer applies"}
        </p>
      ))}
      {cart.shippingError && <p className="error">{cart.shippingError}</p>}
    </div>
  );
}
