"use client";

import { useActionState, useEffect, useRef, useState, useTransition } from "react";
import { setShippingAddressAction, setShippingAddressFormAction } from "@/app/cart/actions";
import type { FormState } from "@/app/_shared/action";
import type { Address } from "@/lib/address";
import { useHydrated } from "./use-hydrated";
import { FieldError, fieldErrorProps } from "./field-error";
import { COUNTRIES } from "./countries";

/** What the form edits: the stored address shape (lib/address), estimate or full. */
export type AddressValue = Address;

/** Where tax depends on the state or province, checkout needs it (the server says the same). */
const REGION_REQUIRED = new Set(["US", "CA", "AU"]);

/** True when an address has everything checkout needs. */
export function isCompleteAddress(a: AddressValue | null | undefined): boolean {
  if (!a) return false;
  const filled = (s: string | null | undefined) => !!s && s.trim() !== "";
  return filled(a.name) && filled(a.line1) && filled(a.city) && filled(a.postalCode) && filled(a.country) && (!REGION_REQUIRED.has(a.country) || filled(a.region));
}

const clean = (v: AddressValue): AddressValue => {
  const out: AddressValue = { country: v.country, postalCode: v.postalCode };
  for (const k of ["name", "line1", "line2", "city", "region", "phone"] as const) if (v[k] && v[k]!.trim() !== "") out[k] = v[k]!.trim();
  return out;
};

type Field = { key: keyof AddressValue; label: string; max: number; autoComplete: string; placeholder?: string };

const FULL_FIELDS: Field[] = [
  { key: "name", label: "Full name", max: 200, autoComplete: "shipping name" },
  { key: "line1", label: "Street address", max: 200, autoComplete: "shipping address-line1" },
  { key: "line2", label: "Apartment, suite (optional)", max: 200, autoComplete: "shipping address-line2" },
  { key: "city", label: "City", max: 100, autoComplete: "shipping address-level2" },
];

/**
 * The shipping address. `mode="estimate"` (the cart page): country, region, postal code and city are enough to price
 * shipping and tax, saved with a click. `mode="full"` (checkout): every field with its own error; the address is
 * saved (and so priced) by itself as soon as it is complete, so the shopper sees the total before paying.
 *
 * Without JavaScript: the estimate form posts to a server action; in checkout the fields are part of the checkout
 * form (the order is placed with them), and a button posts them alone to price shipping and tax first. Errors come
 * back as the action's state (`serverState` for the checkout form's), with what was typed.
 */
export function AddressForm({
  initial,
  onSaved,
  onChange,
  onUnsavedChange,
  mode = "estimate",
  serverState = null,
}: {
  initial: AddressValue | null;
  onSaved?: () => void;
  onChange?: (value: AddressValue) => void;
  /** checkout: true while what is typed is not (yet) the cart's address, so the order is not placed with the old one */
  onUnsavedChange?: (unsaved: boolean) => void;
  mode?: "estimate" | "full";
  serverState?: FormState;
}) {
  const [ownState, formAction] = useActionState(setShippingAddressFormAction, null);
  const posted = ownState ?? serverState;
  const hydrated = useHydrated();
  const [value, setValue] = useState<AddressValue>(() => {
    const typed = posted?.values;
    if (typed) return { ...typed, country: typed.country ?? "US", postalCode: typed.postalCode ?? "" };
    return initial ?? { country: "US", region: "", postalCode: "" };
  });
  const [errors, setErrors] = useState<Record<string, string[]>>(posted?.fieldErrors ?? {});
  // the checkout form's own refusals (prices changed, stock) are told above the form; only its field errors land here
  const [message, setMessage] = useState<string | null>(ownState && !ownState.fieldErrors ? ownState.message : null);
  const [pending, startTransition] = useTransition();
  const saved = useRef<string>(JSON.stringify(initial ? clean(initial) : null));
  const set = (k: keyof AddressValue, v: string) => {
    const next = { ...value, [k]: v };
    setValue(next);
    onChange?.(next);
  };

  function save(v: AddressValue) {
    const body = clean(v);
    setErrors({});
    setMessage(null);
    startTransition(async () => {
      const r = await setShippingAddressAction(body);
      if (r.ok) {
        saved.current = JSON.stringify(body);
        onSaved?.();
      } else {
        setErrors(r.fieldErrors ?? {});
        setMessage(r.fieldErrors ? null : r.message);
      }
    });
  }

  // Checkout: price the address as soon as it is complete (after a short pause in typing), once per change.
  useEffect(() => {
    if (mode !== "full" || !isCompleteAddress(value)) return;
    const body = JSON.stringify(clean(value));
    if (body === saved.current) return;
    const t = setTimeout(() => save(value), 400);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mode, value]);

  // what is typed differs from what was last saved on the cart (or a save is on its way)
  const unsaved = pending || JSON.stringify(clean(value)) !== saved.current;
  useEffect(() => {
    onUnsavedChange?.(unsaved);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [unsaved]);

  const error = (k: string) => errors[k]?.[0] ?? errors[`shippingAddress.${k}`]?.[0];
  const fields = (
    <>
      <input type="hidden" name="returnTo" value={mode === "full" ? "/checkout" : "/cart"} />
      <AddressFields value={value} set={set} error={error} mode={mode} />
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
    </>
  );

  if (mode === "estimate")
    return (
      <form
        action={formAction}
        onSubmit={(e) => {
          e.preventDefault();
          save(value);
        }}
        data-testid="address-form"
      >
        {fields}
        <button type="submit" className="btn btn-secondary" disabled={pending}>
          {pending ? "Saving…" : "Estimate shipping & tax"}
        </button>
      </form>
    );
  // checkout: these fields belong to the checkout form around them
  return (
    <div data-testid="address-form">
      {fields}
      {hydrated ? (
        <p className="muted" aria-live="polite" data-testid="address-status">
          {pending ? "Pricing shipping and tax…" : isCompleteAddress(value) ? "" : "Shipping and tax are priced as soon as the address is complete."}
        </p>
      ) : (
        // without JavaScript nothing prices the address as it is typed: this posts it alone, and the page comes back priced
        <button type="submit" formAction={formAction} className="btn btn-secondary" data-testid="price-address">
          Update shipping &amp; tax
        </button>
      )}
    </div>
  );
}

/**
 * The address's inputs, each with its label and its error (tied with aria-describedby): the cart's estimate form,
 * checkout's address and the address book's form. `mode="full"` adds name, street, city and phone.
 */
export function AddressFields({
  value,
  set,
  error,
  mode = "full",
}: {
  value: AddressValue;
  set: (k: keyof AddressValue, v: string) => void;
  error: (k: string) => string | undefined;
  mode?: "estimate" | "full";
}) {
  const text = (f: Field) => (
    <div className="field" key={f.key}>
      <label htmlFor={`address-${f.key}`}>{f.label}</label>
      <input
        id={`address-${f.key}`}
        name={f.key}
        autoComplete={f.autoComplete}
        value={value[f.key] ?? ""}
        onChange={(e) => set(f.key, e.target.value)}
        maxLength={f.max}
        {...fieldErrorProps(`address-${f.key}`, error(f.key))}
      />
      <FieldError inputId={`address-${f.key}`} error={error(f.key)} testId={`address-error-${f.key}`} />
    </div>
  );
  return (
    <div className="address-grid">
      {mode === "full" && FULL_FIELDS.map(text)}
      <div className="field">
        <label htmlFor="country">Country</label>
        <select id="country" name="country" autoComplete="shipping country" value={value.country} onChange={(e) => set("country", e.target.value)} {...fieldErrorProps("country", error("country"))}>
          {COUNTRIES.map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </select>
        <FieldError inputId="country" error={error("country")} testId="address-error-country" />
      </div>
      <div className="field">
        <label htmlFor="region">State / province</label>
        <input id="region" name="region" placeholder="e.g. CA" autoComplete="shipping address-level1" value={value.region ?? ""} onChange={(e) => set("region", e.target.value)} maxLength={6} {...fieldErrorProps("region", error("region"))} />
        <FieldError inputId="region" error={error("region")} testId="address-error-region" />
      </div>
      <div className="field">
        <label htmlFor="postalCode">Postal code</label>
        <input id="postalCode" name="postalCode" autoComplete="shipping postal-code" value={value.postalCode} onChange={(e) => set("postalCode", e.target.value)} maxLength={16} {...fieldErrorProps("postalCode", error("postalCode"))} />
        <FieldError inputId="postalCode" error={error("postalCode")} testId="address-error-postalCode" />
      </div>
      {mode === "estimate" && (
        <div className="field">
          <label htmlFor="city">City</label>
          <input id="city" name="city" value={value.city ?? ""} onChange={(e) => set("city", e.target.value)} maxLength={100} {...fieldErrorProps("city", error("city"))} />
          <FieldError inputId="city" error={error("city")} testId="address-error-city" />
        </div>
      )}
      {mode === "full" && text({ key: "phone", label: "Phone (optional)", max: 32, autoComplete: "shipping tel" })}
    </div>
  );
}
