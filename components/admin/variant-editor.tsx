"use client";

import { useState, useTransition, type ReactNode } from "react";
import { updateVariantAction } from "@/app/admin/actions";
import type { AdminVariantJson } from "@/lib/admin/variants";
import { formatMoney, parseMajorUnits, toMajorUnitsString } from "@/lib/money";
import { FieldError, fieldErrorProps } from "../field-error";

// One variant's row on the admin products page: stock (set, not added) and the price override in major units
// (empty = the product's base price). Carts keep the price they captured; checkout asks the shopper to confirm.

type Props = { variant: AdminVariantJson; currency: string; basePrice: number; extra?: ReactNode };

export function VariantEditor({ variant, currency, basePrice, extra }: Props) {
  const [saved, setSaved] = useState(variant);
  const [stock, setStock] = useState(String(variant.stock));
  const [override, setOverride] = useState(variant.priceOverride == null ? "" : toMajorUnitsString(variant.priceOverride, currency));
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [pending, startTransition] = useTransition();

  function save() {
    setMessage(null);
    const found: Record<string, string[]> = {};
    const s = stock.trim();
    if (!/^\d{1,10}$/.test(s)) found.stock = ["Enter a whole number, 0 or more."];
    const o = override.trim();
    const minor = o === "" ? null : parseMajorUnits(o, currency);
    if (o !== "" && minor === null) found.priceOverride = [`Enter a price like ${toMajorUnitsString(2500, currency)}, or leave it empty.`];
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    // only what changed: re-sending a stock read when the page loaded would undo the sales made since
    const patch = {
      ...(Number(s) !== saved.stock && { stock: Number(s) }),
      ...(minor !== saved.priceOverride && { priceOverride: minor }),
    };
    if (Object.keys(patch).length === 0) {
      setMessage({ kind: "ok", text: "Nothing to change." });
      return;
    }
    startTransition(async () => {
      const r = await updateVariantAction(variant.id, patch);
      if (!r.ok) {
        setErrors(r.fieldErrors ?? {});
        setMessage({ kind: "error", text: r.message });
        return;
      }
      setSaved(r.data);
      setStock(String(r.data.stock));
      setOverride(r.data.priceOverride == null ? "" : toMajorUnitsString(r.data.priceOverride, currency));
      setMessage({ kind: "ok", text: "Saved." });
    });
  }

  const attrs = Object.values(saved.attributes).join(" · ");
  return (
    <tr data-testid="variant-row" data-sku={saved.sku}>
      <td>
        <code>{saved.sku}</code>
        {attrs && <div className="muted">{attrs}</div>}
        {!saved.isActive && <div className="muted">not sold (inactive)</div>}
      </td>
      <td data-testid="variant-price">{formatMoney({ amount: saved.price, currency })}</td>
      <td>
        <input
          className="input-compact"
          aria-label={`Price override for ${saved.sku}`}
          value={override}
          onChange={(e) => setOverride(e.target.value)}
          placeholder={`${toMajorUnitsString(basePrice, currency)} (base)`}
          inputMode="decimal"
          id={`price-${saved.id}`}
          {...fieldErrorProps(`price-${saved.id}`, errors.priceOverride)}
        />
        <FieldError inputId={`price-${saved.id}`} error={errors.priceOverride} as="div" />
      </td>
      <td>
        <input className="input-compact" aria-label={`Stock for ${saved.sku}`} value={stock} onChange={(e) => setStock(e.target.value)} inputMode="numeric" id={`stock-${saved.id}`} {...fieldErrorProps(`stock-${saved.id}`, errors.stock)} />
        <FieldError inputId={`stock-${saved.id}`} error={errors.stock} as="div" />
      </td>
      <td>
        <button type="button" className="btn btn-secondary" onClick={save} disabled={pending} aria-label={`Save ${saved.sku}`}>
          {pending ? "Saving…" : "Save"}
        </button>
        {message && (
          <div className={message.kind === "ok" ? "success" : "error"} role={message.kind === "ok" ? "status" : "alert"}>
            {message.text}
          </div>
        )}
      </td>
      {extra !== undefined && <td>{extra}</td>}
    </tr>
  );
}
