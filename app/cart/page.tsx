import type { Metadata } from "next";
import Link from "next/link";
import { cartService, type LineStatus } from "@/lib/cart";
import { env } from "@/lib/env";
import { cartLineStatuses, cartView, shopperCart, takeMergeNotice } from "@/app/_shared/shopper";
import { AddressForm } from "@/components/address-form";
import { CartLineControls } from "@/components/cart-line-controls";
import { CartSummary } from "@/components/cart-summary";
import { DiscountForm } from "@/components/discount-form";
import { formatMinor } from "@/components/money";
import { cartLineAmount } from "@/components/order-lines";
import { SavedItemActions } from "@/components/saved-item-actions";
import { privatePageMetadata } from "../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Your cart", "/cart", "What is in your cart, with every total.");
export const dynamic = "force-dynamic";

function describeOptions(o: { giftWrap?: boolean; giftMessage?: string; personalization?: string }): string[] {
  const out: string[] = [];
  if (o.giftWrap) out.push("Gift wrapped");
  if (o.giftMessage) out.push(`Gift message: “${o.giftMessage}”`);
  if (o.personalization) out.push(`Personalized: “${o.personalization}”`);
  return out;
}

/** A line's price moved since it was added, or the cart holds more than is in stock: said here, before checkout. */
function LineWarnings({ status, quantity, currency }: { status: LineStatus | undefined; quantity: number; currency: string }) {
  if (!status) return null;
  return (
    <>
      {status.priceChange && (
        <p className="notice" role="status" data-testid="line-price-changed">
          The price changed since you added this: {formatMinor(status.priceChange.captured, currency)} → {formatMinor(status.priceChange.current, currency)} each. Checkout
          will ask you to confirm the new price.
        </p>
      )}
      {status.available !== null && (
        <p className="error" role="status" data-testid="line-stock">
          {status.available === 0 ? "Out of stock now: remove it to check out." : `Only ${status.available} in stock now (you have ${quantity}): lower the quantity to check out.`}
        </p>
      )}
    </>
  );
}

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function CartPage({ searchParams }: Props) {
  // set by /cart/restore when a reminder's link no longer restores anything
  const restoreExpired = (await searchParams).restore === "expired";
  const { user, cart } = await shopperCart({ create: false });
  const view = cart ? await cartView(cart) : null;
  const statuses = cart ? await cartLineStatuses(cart) : new Map();
  const saved = user ? await cartService().listSavedForLater(user.id) : [];
  const notice = user ? await takeMergeNotice(user.id) : [];
  const max = env().CART_MAX_LINE_QUANTITY;

  return (
    <div>
      <h1>Your cart</h1>
      {restoreExpired && (
        <p className="notice" role="status" data-testid="restore-expired">
          That cart link has expired, or the cart was already checked out.
        </p>
      )}
      {notice.length > 0 && (
        <div className="notice" role="status" data-testid="merge-notice">
          We added the items from before you signed in. Some quantities were reduced to what we have in stock:{" "}
          {notice.map((n) => `${n.name} (${n.kept} of ${n.requested})`).join(", ")}.
        </div>
      )}
      {!view || view.items.length === 0 ? (
        <div className="panel">
          <p>Your cart is empty.</p>
          <Link href="/" className="btn">
            Continue shopping
          </Link>
        </div>
      ) : (
        <div className="cart-layout">
          <section className="panel" aria-labelledby="cart-items-heading">
            {/* the lines' product names are h3s: this keeps the outline h1 > h2 > h3 for screen-reader navigation */}
            <h2 id="cart-items-heading" className="sr-only">
              Items
            </h2>
            <ul className="cart-lines" data-testid="cart-lines">
              {view.items.map((item) => (
                <li className="cart-line" key={item.id} data-testid="cart-line" data-sku={item.sku}>
                  {/* eslint-disable-next-line @next/next/no-img-element */}
                  <img src={item.imageUrl ?? "/products/placeholder.svg"} alt="" width={88} height={88} />
                  <div>
                    <h3>{item.name}</h3>
                    <p className="line-meta">
                      {Object.entries(item.attributes)
                        .map(([k, v]) => `${k.charAt(0).toUpperCase()}${k.slice(1)}: ${v}`)
                        .join(" · ")}
                    </p>
                    {describeOptions(item.customOptions).map((t) => (
                      <p className="line-meta" key={t}>
                        {t}
                      </p>
                    ))}
                    <p className="line-meta">{formatMinor(item.unitPrice, view.currency)} each</p>
                    <LineWarnings status={statuses.get(item.id)} quantity={item.quantity} currency={view.currency} />
                    <CartLineControls itemId={item.id} quantity={item.quantity} signedIn={!!user} maxQuantity={max} />
                  </div>
                  {/* the line's subtotal from the summary: the same amount the payment page and the order show */}
                  <strong data-testid="line-total">{formatMinor(cartLineAmount(view, item.id), view.currency)}</strong>
                </li>
              ))}
            </ul>
          </section>
          <aside className="panel stack" aria-label="Order summary">
            <h2 style={{ margin: 0 }}>Summary</h2>
            <CartSummary cart={view} />
            <DiscountForm />
            <details open={!view.shippingAddress}>
              <summary>{view.shippingAddress ? `Shipping to ${view.shippingAddress.country}${view.shippingAddress.region ? `, ${view.shippingAddress.region}` : ""} ${view.shippingAddress.postalCode}` : "Estimate shipping and tax"}</summary>
              <AddressForm initial={view.shippingAddress} />
            </details>
            <Link href="/checkout" className="btn btn-block" data-testid="checkout-link">
              Checkout
            </Link>
          </aside>
        </div>
      )}
      {user ? (
        <section className="panel" style={{ marginTop: "1.5rem" }} aria-label="Saved for later">
          <h2 style={{ marginTop: 0 }}>Saved for later</h2>
          {saved.length === 0 ? (
            <p className="muted">Nothing saved yet.</p>
          ) : (
            <ul className="saved-list" data-testid="saved-list">
              {saved.map((s) => (
                <li key={s.id}>
                  <span>
                    <strong>{s.name}</strong>{" "}
                    <span className="muted">
                      {Object.values(s.attributes).join(" · ")} · {formatMinor(s.price, s.currency)} · qty {s.quantity}
                    </span>
                  </span>
                  <SavedItemActions savedId={s.id} available={s.available} />
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : (
        view &&
        view.items.length > 0 && (
          <p className="muted" style={{ marginTop: "1rem" }}>
            <Link href="/signin?callbackUrl=/cart">Sign in</Link> to save items for later and keep your cart on every device.
          </p>
        )
      )}
    </div>
  );
}
