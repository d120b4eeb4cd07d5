"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { createVariantAction, setVariantActiveAction } from "@/app/admin/actions";
import { toMajorUnitsString } from "@/lib/money";

// "Add variant" on a product's edit page: SKU, attributes as name/value pairs (size, color...), an optional price
// override typed in major units (empty = the base price; the server reads it with the currency's exponent) and the
// stock. The server's field errors show under each field ("attributes.size" under that pair).

type Errors = Record<string, string[]>;
type Pair = { key: string; value: string };

const blank = { sku: "", priceOverride: "", stock: "0", pairs: [{ key: "size", value: "" }] as Pair[] };

function FieldError({ name, errors }: { name: string; errors: Errors }) {
  const list = errors[name];
  if (!list || list.length === 0) return null;
  return (
    <span className="field-error" id={`${name}-error`} data-testid={`error-${name}`}>
      {list.join(" ")}
    </span>
  );
}

const invalidProps = (name: string, errors: Errors) => ({
  "aria-invalid": errors[name] ? true : undefined,
  "aria-describedby": errors[name] ? `${name}-error` : undefined,
});

export function VariantCreateForm({ productId, currency }: { productId: number; currency: string }) {
  const router = useRouter();
  const [s, setS] = useState(blank);
  const [errors, setErrors] = useState<Errors>({});
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [pending, startTransition] = useTransition();

  const setPair = (i: number, patch: Partial<Pair>) => setS((prev) => ({ ...prev, pairs: prev.pairs.map((p, j) => (j === i ? { ...p, ...patch } : p)) }));

  function submit() {
    setMessage(null);
    const attributes: Record<string, string> = {};
    const found: Errors = {};
    for (const p of s.pairs) {
      const key = p.key.trim();
      if (key === "" && p.value.trim() === "") continue;
      if (key in attributes) found[`attributes.${key}`] = ["This attribute is listed twice."];
      attributes[key] = p.value;
    }
    if (Object.keys(found).length > 0) {
      setErrors(found);
      return;
    }
    startTransition(async () => {
      const r = await createVariantAction(productId, { sku: s.sku, attributes, priceOverride: s.priceOverride, stock: s.stock });
      if (!r.ok) {
        setErrors(r.fieldErrors ?? {});
        setMessage({ kind: "error", text: r.fieldErrors ? "Please correct the marked fields." : r.message });
        return;
      }
      setErrors({});
      setS({ ...blank, pairs: s.pairs.map((p) => ({ key: p.key, value: "" })) });
      setMessage({ kind: "ok", text: `Added ${r.data.sku}.` });
      router.refresh();
    });
  }

  const attributeErrors = Object.entries(errors).filter(([k]) => k === "attributes" || k.startsWith("attributes."));
  return (
    <form
      className="panel"
      noValidate
      data-testid="variant-form"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <h3>Add a variant</h3>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="variant-sku">SKU</label>
          <input id="variant-sku" value={s.sku} onChange={(e) => setS({ ...s, sku: e.target.value })} maxLength={64} autoComplete="off" spellCheck={false} {...invalidProps("sku", errors)} />
          <span className="muted field-hint">Saved in capitals; must be unique.</span>
          <FieldError name="sku" errors={errors} />
        </div>
        <div className="field">
          <label htmlFor="variant-priceOverride">Price override</label>
          <input id="variant-priceOverride" value={s.priceOverride} onChange={(e) => setS({ ...s, priceOverride: e.target.value })} inputMode="decimal" placeholder="base price" aria-invalid={errors.priceOverride ? true : undefined} aria-describedby={errors.priceOverride ? "priceOverride-error" : undefined} />
          <span className="muted field-hint">In {currency}, e.g. {toMajorUnitsString(2500, currency)}; empty = the base price.</span>
          <FieldError name="priceOverride" errors={errors} />
        </div>
        <div className="field">
          <label htmlFor="variant-stock">Stock</label>
          <input id="variant-stock" value={s.stock} onChange={(e) => setS({ ...s, stock: e.target.value })} inputMode="numeric" aria-invalid={errors.stock ? true : undefined} aria-describedby={errors.stock ? "stock-error" : undefined} />
          <FieldError name="stock" errors={errors} />
        </div>
      </div>
      <fieldset aria-describedby={attributeErrors.length > 0 ? "attributes-error" : undefined}>
        <legend>Attributes</legend>
        {s.pairs.map((p, i) => (
          <div className="form-grid" key={i} data-testid="attribute-row">
            <div className="field">
              <label htmlFor={`attr-key-${i}`}>Attribute {i + 1} name</label>
              <input id={`attr-key-${i}`} value={p.key} onChange={(e) => setPair(i, { key: e.target.value })} maxLength={32} placeholder="size" aria-invalid={errors[`attributes.${p.key.trim()}`] ? true : undefined} />
            </div>
            <div className="field">
              <label htmlFor={`attr-value-${i}`}>Attribute {i + 1} value</label>
              <input id={`attr-value-${i}`} value={p.value} onChange={(e) => setPair(i, { value: e.target.value })} maxLength={64} placeholder="M" aria-invalid={errors[`attributes.${p.key.trim()}`] ? true : undefined} />
            </div>
            <button type="button" className="btn btn-secondary" onClick={() => setS({ ...s, pairs: s.pairs.filter((_, j) => j !== i) })} aria-label={`Remove attribute ${i + 1}`}>
              Remove
            </button>
          </div>
        ))}
        {attributeErrors.length > 0 && (
          <span className="field-error" id="attributes-error" data-testid="error-attributes">
            {attributeErrors.map(([k, v]) => `${k.replace(/^attributes\.?/, "") || "Attributes"}: ${v.join(" ")}`).join(" ")}
          </span>
        )}
        <button type="button" className="btn btn-secondary" disabled={s.pairs.length >= 10} onClick={() => setS({ ...s, pairs: [...s.pairs, { key: "", value: "" }] })}>
          Add attribute
        </button>
      </fieldset>
      {message && (
        <div className={message.kind === "ok" ? "success" : "error"} role={message.kind === "ok" ? "status" : "alert"} data-testid="variant-form-message">
          {message.text}
        </div>
      )}
      <button type="submit" className="btn" disabled={pending}>
        {pending ? "Adding…" : "Add variant"}
      </button>
    </form>
  );
}

/** Deactivate / reactivate one variant (never deleted: orders refer to it). */
export function VariantActiveToggle({ id, sku, isActive }: { id: number; sku: string; isActive: boolean }) {
  const router = useRouter();
  const [active, setActive] = useState(isActive);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <>
      <button
        type="button"
        className="btn btn-secondary"
        disabled={pending}
        aria-label={`${active ? "Deactivate" : "Activate"} ${sku}`}
        onClick={() =>
          startTransition(async () => {
            const r = await setVariantActiveAction(id, !active);
            if (!r.ok) return setError(r.message);
            setError(null);
            setActive(r.data.isActive);
            router.refresh();
          })
        }
      >
        {active ? "Deactivate" : "Activate"}
      </button>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </>
  );
}
