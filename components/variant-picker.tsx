"use client";

import Link from "next/link";
import { useMemo, useState, useTransition } from "react";
import { addToCartAction } from "@/app/cart/actions";
import { useCartCount } from "./cart-count";
import { FieldError, fieldErrorProps } from "./field-error";
import { formatMinor } from "./money";

export type PickerVariant = { id: number; sku: string; attributes: Record<string, string>; price: number; stock: number; available: boolean };

const ORDER = ["size", "color"];
const label = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);

/**
 * Size / color picker. A value that exists in no variant matching the other picks is disabled; an out-of-stock
 * combination can be picked (to see it) but not added.
 */
export function VariantPicker({ variants, currency, maxQuantity }: { variants: PickerVariant[]; currency: string; maxQuantity: number }) {
  const keys = useMemo(() => {
    const all = [...new Set(variants.flatMap((v) => Object.keys(v.attributes)))];
    return all.sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
  }, [variants]);
  const firstAvailable = variants.find((v) => v.available) ?? variants[0];
  const [picked, setPicked] = useState<Record<string, string>>(firstAvailable?.attributes ?? {});
  const [quantity, setQuantity] = useState(1);
  const [gift, setGift] = useState({ open: false, giftWrap: false, giftMessage: "", personalization: "" });
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string; fieldErrors?: Record<string, string[]> } | null>(null);
  const [pending, startTransition] = useTransition();
  const { addOptimistic } = useCartCount();

  const selected = variants.find((v) => keys.every((k) => v.attributes[k] === picked[k]));
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
    <div className="variant-picker">
      <p className="product-page-price" data-testid="selected-price">
        {selected ? formatMinor(selected.price, currency) : "Choose an option"}
      </p>
      {keys.map((k) => (
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
          <input type="checkbox" checked={gift.giftWrap} onChange={(e) => setGift({ ...gift, giftWrap: e.target.checked })} /> Gift wrap
        </label>
        <div className="field">
          <label htmlFor="giftMessage">Gift message</label>
          <textarea id="giftMessage" maxLength={200} value={gift.giftMessage} onChange={(e) => setGift({ ...gift, giftMessage: e.target.value })} {...fieldErrorProps("giftMessage", message?.fieldErrors?.["customOptions.giftMessage"]?.[0])} />
          <FieldError inputId="giftMessage" error={message?.fieldErrors?.["customOptions.giftMessage"]?.[0]} />
        </div>
        <div className="field">
          <label htmlFor="personalization">Personalization</label>
          <input id="personalization" maxLength={100} value={gift.personalization} onChange={(e) => setGift({ ...gift, personalization: e.target.value })} {...fieldErrorProps("personalization", message?.fieldErrors?.["customOptions.personalization"]?.[0])} />
          <FieldError inputId="personalization" error={message?.fieldErrors?.["customOptions.personalization"]?.[0]} />
        </div>
      </details>
      <button type="button" className="btn btn-block" onClick={add} disabled={!selected || soldOut || pending} data-testid="add-to-cart">
        {soldOut ? "Out of stock" : pending ? "Adding…" : "Add to cart"}
      </button>
      {message && (
        <p role={message.kind === "error" ? "alert" : "status"} className={message.kind === "error" ? "error" : "success"} data-testid="add-result">
          {message.text} {message.kind === "ok" && <Link href="/cart">View cart</Link>}
        </p>
      )}
    </div>
  );
}
