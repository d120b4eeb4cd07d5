"use client";

import Link from "next/link";
import { useActionState, useEffect, useMemo, useState, useTransition } from "react";
import { addToCartAction, addToCartFormAction } from "@/app/cart/actions";
import { useCartCount } from "./cart-count";
import { FieldError, fieldErrorProps } from "./field-error";
import { formatMinor } from "./money";
import { usePickedVariant } from "./picked-variant";
import { useHydrated } from "./use-hydrated";

export type PickerVariant = { id: number; sku: string; attributes: Record<string, string>; price: number; stock: number; available: boolean };

const ORDER = ["size", "color"];
const label = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);

/**
 * Size / color picker. A value that exists in no variant matching the other picks is disabled; an out-of-stock
 * combination can be picked (to see it) but not added.
 *
 * The whole picker is a form posted to a server action: without JavaScript the buttons cannot pick, so the server's
 * HTML lists the variants in a select instead, and adding goes on to the cart (errors come back as the action's
 * state). With JavaScript the buttons pick and adding answers in place.
 */
export function VariantPicker({
  variants,
  currency,
  maxQuantity,
  returnTo,
  added = false,
}: {
  variants: PickerVariant[];
  currency: string;
  maxQuantity: number;
  /** the product page's path: where adding without JavaScript comes back to */
  returnTo: string;
  /** the page was reached from an add without JavaScript (?added=1) */
  added?: boolean;
}) {
  const keys = useMemo(() => {
    const all = [...new Set(variants.flatMap((v) => Object.keys(v.attributes)))];
    return all.sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
  }, [variants]);
  const firstAvailable = variants.find((v) => v.available) ?? variants[0];
  const [picked, setPicked] = useState<Record<string, string>>(firstAvailable?.attributes ?? {});
  const [quantity, setQuantity] = useState(1);
  const [gift, setGift] = useState({ open: false, giftWrap: false, giftMessage: "", personalization: "" });
  const [state, formAction] = useActionState(addToCartFormAction, null);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string; fieldErrors?: Record<string, string[]> } | null>(
    state
      ? { kind: "error", text: state.fieldErrors?.quantity?.[0] ?? state.message, fieldErrors: state.fieldErrors }
      : added
        ? { kind: "ok", text: "Added to your cart." }
        : null,
  );
  const [pending, startTransition] = useTransition();
  const { addOptimistic } = useCartCount();
  const hydrated = useHydrated();
  const { setPickedId } = usePickedVariant();

  const selected = variants.find((v) => keys.every((k) => v.attributes[k] === picked[k]));
  // the main image follows the pick (its colour's shot)
  useEffect(() => setPickedId(selected?.id ?? null), [selected?.id, setPickedId]);
  const valuesOf = (k: string) => [...new Set(variants.map((v) => v.attributes[k]).filter((x): x is string => !!x))];
  const exists = (k: string, value: string) => variants.some((v) => v.attributes[k] === value && keys.every((o) => o === k || !picked[o] || v.attributes[o] === picked[o]));
  const inStock = (k: string, value: string) => variants.some((v) => v.available && v.attributes[k] === value && keys.every((o) => o === k || !picked[o] || v.attributes[o] === picked[o]));

  function pick(k: string, value: string) {
    const next = { ...picked, [k]: value };
    // keep the other picks when that combination exists, else jump to one that does
    if (!variants.some((v) => keys.every((o) => v.attributes[o] === next[o]))) {
      const fallback = variants.find((v) => v.attributes[k] === value && v.available) ?? variants.find((v) => v.attributes[k] === value);
      if (fallback) Object.assign(next, fallback.attributes);
    }
    setPicked(next);
    setMessage(null);
  }

  function add() {
    if (!selected) return;
    const customOptions = gift.open
      ? { giftWrap: gift.giftWrap || undefined, giftMessage: gift.giftMessage || undefined, personalization: gift.personalization || undefined }
      : undefined;
    startTransition(async () => {
      addOptimistic(quantity);
      const result = await addToCartAction({ variantId: selected.id, quantity, customOptions });
      if (result.ok) setMessage({ kind: "ok", text: "Added to your cart." });
      else setMessage({ kind: "error", text: result.message, fieldErrors: result.fieldErrors });
    });
  }

  const soldOut = !!selected && !selected.available;
  return (
    <form
      className="variant-picker"
      action={formAction}
      data-testid="add-to-cart-form"
      onSubmit={(e) => {
        e.preventDefault();
        add();
      }}
    >
      <p className="product-page-price" data-testid="selected-price">
        {selected ? formatMinor(selected.price, currency) : "Choose an option"}
      </p>
      <input type="hidden" name="returnTo" value={returnTo} />
      {!hydrated && (
        <div className="field">
          <label htmlFor="variantId">Option</label>
          <select id="variantId" name="variantId" defaultValue={firstAvailable?.id} data-testid="variant-select">
            {variants.map((v) => (
              <option key={v.id} value={v.id} disabled={!v.available}>
                {keys.map((k) => v.attributes[k]).filter(Boolean).join(" / ") || v.sku} — {formatMinor(v.price, currency)}
                {v.available ? "" : " (sold out)"}
              </option>
            ))}
          </select>
        </div>
      )}
      {hydrated && selected && <input type="hidden" name="variantId" value={selected.id} />}
      {hydrated && keys.map((k) => (
        <fieldset className="option-group" key={k}>
          <legend>
            {label(k)}: <span className="muted">{picked[k] ?? "choose"}</span>
          </legend>
          <div className="option-buttons">
            {valuesOf(k).map((value) => (
              <button
                type="button"
                key={value}
                className="option-button"
                aria-pressed={picked[k] === value}
                disabled={!exists(k, value)}
                title={inStock(k, value) ? undefined : "Out of stock"}
                onClick={() => pick(k, value)}
              >
                {value}
                {!inStock(k, value) && exists(k, value) ? " (sold out)" : ""}
              </button>
            ))}
          </div>
        </fieldset>
      ))}
      {selected && (
        <p className="muted" data-testid="stock-note">
          {selected.available ? (selected.stock <= 3 ? `Only ${selected.stock} left` : "In stock") : "Out of stock"} · SKU {selected.sku}
        </p>
      )}
      <div className="field" style={{ maxWidth: 120 }}>
        <label htmlFor="quantity">Quantity</label>
        <input
          id="quantity"
          name="quantity"
          type="number"
          min={1}
          max={maxQuantity}
          value={quantity}
          onChange={(e) => setQuantity(Math.max(1, Math.min(maxQuantity, Math.trunc(Number(e.target.value) || 1))))}
        />
      </div>
      <details className="gift-options" onToggle={(e) => setGift({ ...gift, open: (e.target as HTMLDetailsElement).open })}>
        <summary>Add gift wrap or personalization</summary>
        <label className="checkbox">
          <input type="checkbox" name="giftWrap" checked={gift.giftWrap} onChange={(e) => setGift({ ...gift, giftWrap: e.target.checked })} /> Gift wrap
        </label>
        <div className="field">
          <label htmlFor="giftMessage">Gift message</label>
          <textarea id="giftMessage" name="giftMessage" maxLength={200} value={gift.giftMessage} onChange={(e) => setGift({ ...gift, giftMessage: e.target.value })} {...fieldErrorProps("giftMessage", message?.fieldErrors?.["customOptions.giftMessage"]?.[0])} />
          <FieldError inputId="giftMessage" error={message?.fieldErrors?.["customOptions.giftMessage"]?.[0]} />
        </div>
        <div className="field">
          <label htmlFor="personalization">Personalization</label>
          <input id="personalization" name="personalization" maxLength={100} value={gift.personalization} onChange={(e) => setGift({ ...gift, personalization: e.target.value })} {...fieldErrorProps("personalization", message?.fieldErrors?.["customOptions.personalization"]?.[0])} />
          <FieldError inputId="personalization" error={message?.fieldErrors?.["customOptions.personalization"]?.[0]} />
        </div>
      </details>
      <button type="submit" className="btn btn-block" disabled={hydrated && (!selected || soldOut || pending)} data-testid="add-to-cart">
        {hydrated && soldOut ? "Out of stock" : pending ? "Adding…" : "Add to cart"}
      </button>
      {message && (
        <p role={message.kind === "error" ? "alert" : "status"} className={message.kind === "error" ? "error" : "success"} data-testid="add-result">
          {message.text} {message.kind === "ok" && <Link href="/cart">View cart</Link>}
        </p>
      )}
    </form>
  );
}
