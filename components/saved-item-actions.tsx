"use client";

import { useState, useTransition } from "react";
import { moveSavedToCartAction, removeSavedAction } from "@/app/cart/actions";

export function SavedItemActions({ savedId, available }: { savedId: string; available: boolean }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const run = (action: () => Promise<{ ok: boolean; message?: string }>) =>
    startTransition(async () => {
      setError(null);
      const r = await action();
      if (!r.ok) setError(r.message ?? "That did not work.");
    });
  return (
    <div>
      <div className="line-actions">
        <button type="button" className="btn btn-secondary" disabled={pending || !available} onClick={() => run(() => moveSavedToCartAction(savedId))}>
          {available ? "Move to cart" : "Out of stock"}
        </button>
        <button type="button" className="btn-link" disabled={pending} onClick={() => run(() => removeSavedAction(savedId))}>
          Remove
        </button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}
