"use client";

import { useActionState, useEffect, useState, useTransition, type FormEvent, type MouseEvent } from "react";
import {
  removeItemAction,
  removeItemFormAction,
  saveForLaterAction,
  saveForLaterFormAction,
  updateQuantityAction,
  updateQuantityFormAction,
} from "@/app/cart/actions";
import { useCartCount } from "./cart-count";

/**
 * Quantity (typed, or − / +), remove and save-for-later for one cart line; errors show right here, next to the line.
 * Every control is a form posted to a server action, so all of it works without JavaScript; with JavaScript the
 * handlers below take over (the header's count moves at once) and the forms are never posted.
 */
export function CartLineControls({ itemId, quantity, signedIn, maxQuantity }: { itemId: string; quantity: number; signedIn: boolean; maxQuantity: number }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [typed, setTyped] = useState(String(quantity));
  const [updateState, updateForm] = useActionState(updateQuantityFormAction, null);
  const [removeState, removeForm] = useActionState(removeItemFormAction, null);
  const [saveState, saveForm] = useActionState(saveForLaterFormAction, null);
  const { addOptimistic } = useCartCount();
  // the server's quantity wins once it answers (or the page is rendered again)
  useEffect(() => setTyped(String(quantity)), [quantity]);
  const shownError = error ?? updateState?.fieldErrors?.quantity?.[0] ?? updateState?.message ?? removeState?.message ?? saveState?.message ?? null;

  function run(delta: number, action: () => Promise<{ ok: boolean; message?: string; fieldErrors?: Record<string, string[]> }>) {
    setError(null);
    startTransition(async () => {
      addOptimistic(delta);
      const r = await action();
      if (!r.ok) {
        setError(r.fieldErrors?.quantity?.[0] ?? r.message ?? "That did not work. Please try again.");
        setTyped(String(quantity));
      }
    });
  }

  const step = (by: number) => (e: MouseEvent) => {
    e.preventDefault();
    setTyped(String(quantity + by));
    run(by, () => updateQuantityAction(itemId, quantity + by));
  };

  function submitTyped(e: FormEvent) {
    e.preventDefault();
    const t = typed.trim();
    const n = /^\d{1,6}$/.test(t) ? Number(t) : NaN;
    // the server says what is wrong with anything else (not a number, over the limit), in the same words
    if (n === quantity) return;
    run(Number.isFinite(n) ? n - quantity : 0, () => updateQuantityAction(itemId, Number.isFinite(n) ? n : t));
  }

  return (
    <div>
      <div className="line-actions">
        <form action={updateForm} onSubmit={submitTyped} className="qty-form" data-testid="quantity-form">
          <input type="hidden" name="itemId" value={itemId} />
          {/* first in the form: Enter in the quantity field submits the typed value, not a step */}
          <button type="submit" className="sr-only" tabIndex={-1} aria-hidden="true">
            Update
          </button>
          <div className="qty">
            <button type="submit" name="step" value="-1" aria-label="Decrease quantity" disabled={pending} onClick={step(-1)}>
              −
            </button>
            <input
              name="quantity"
              type="number"
              inputMode="numeric"
              min={0}
              max={maxQuantity}
              aria-label="Quantity"
              data-testid="line-quantity"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
            />
            <button type="submit" name="step" value="1" aria-label="Increase quantity" disabled={pending || quantity >= maxQuantity} onClick={step(1)}>
              +
            </button>
          </div>
          <button type="submit" className="btn-link" disabled={pending}>
            Update
          </button>
        </form>
        <form action={removeForm} onSubmit={(e) => (e.preventDefault(), run(-quantity, () => removeItemAction(itemId)))}>
          <input type="hidden" name="itemId" value={itemId} />
          <button type="submit" className="btn-link" disabled={pending}>
            Remove
          </button>
        </form>
        {signedIn ? (
          <form action={saveForm} onSubmit={(e) => (e.preventDefault(), run(-quantity, () => saveForLaterAction(itemId)))}>
            <input type="hidden" name="itemId" value={itemId} />
            <button type="submit" className="btn-link" disabled={pending}>
              Save for later
            </button>
          </form>
        ) : (
          <a className="muted" href="/signin?callbackUrl=/cart">
            Sign in to save for later
          </a>
        )}
      </div>
      {shownError && (
        <p className="error" role="alert" data-testid="line-error">
          {shownError}
        </p>
      )}
    </div>
  );
}
