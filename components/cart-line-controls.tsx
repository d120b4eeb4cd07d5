"use client";

import { useState, useTransition } from "react";
import { removeItemAction, saveForLaterAction, updateQuantityAction } from "@/app/cart/actions";
import { useCartCount } from "./cart-count";

/** Quantity stepper, remove and save-for-later for one cart line; errors show right here, next to the line. */
export function CartLineControls({ itemId, quantity, signedIn, maxQuantity }: { itemId: string; quantity: number; signedIn: boolean; maxQuantity: number }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const { addOptimistic } = useCartCount();

  function run(delta: number, action: () => Promise<{ ok: boolean; message?: string }>) {
    setError(null);
    startTransition(async () => {
      addOptimistic(delta);
      const r = await action();
      if (!r.ok) setError(r.message ?? "That did not work. Please try again.");
    });
  }

  return (
    <div>
      <div className="line-actions">
        <div className="qty" aria-label="Quantity">
          <button type="button" aria-label="Decrease quantity" disabled={pending} onClick={() => run(-1, () => updateQuantityAction(itemId, quantity - 1))}>
            −
          </button>
          <span data-testid="line-quantity">{quantity}</span>
          <button type="button" aria-label="Increase quantity" disabled={pending || quantity >= maxQuantity} onClick={() => run(1, () => updateQuantityAction(itemId, quantity + 1))}>
            +
          </button>
        </div>
        <button type="button" className="btn-link" disabled={pending} onClick={() => run(-quantity, () => removeItemAction(itemId))}>
          Remove
        </button>
        {signedIn ? (
          <button type="button" className="btn-link" disabled={pending} onClick={() => run(-quantity, () => saveForLaterAction(itemId))}>
            Save for later
          </button>
        ) : (
          <a className="muted" href="/signin?callbackUrl=/cart">
            Sign in to save for later
          </a>
        )}
      </div>
      {error && (
        <p className="error" role="alert" data-testid="line-error">
          {error}
        </p>
      )}
    </div>
  );
}
