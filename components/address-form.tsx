"use client";

import { useState, useTransition } from "react";
import { setShippingAddressAction } from "@/app/cart/actions";

export type AddressValue = { country: string; region?: string | null; postalCode: string; city?: string | null; line1?: string | null };

export const COUNTRIES: [string, string][] = [
  ["US", "United States"], ["CA", "Canada"], ["MX", "Mexico"], ["GB", "United Kingdom"], ["DE", "Germany"], ["FR", "France"],
  ["NL", "Netherlands"], ["IE", "Ireland"], ["ES", "Spain"], ["IT", "Italy"], ["JP", "Japan"], ["AU", "Australia"],
];

/** Where to ship: country, region and postal code are enough to price shipping and tax. */
export function AddressForm({ initial, onSaved }: { initial: AddressValue | null; onSaved?: () => void }) {
  const [value, setValue] = useState<AddressValue>(initial ?? { country: "US", region: "", postalCode: "" });
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const set = (k: keyof AddressValue, v: string) => setValue({ ...value, [k]: v });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setErrors({});
        setMessage(null);
        startTransition(async () => {
          const r = await setShippingAddressAction({ ...value, region: value.region || undefined, city: value.city || undefined, line1: value.line1 || undefined });
          if (r.ok) onSaved?.();
          else {
            setErrors(r.fieldErrors ?? {});
            setMessage(r.fieldErrors ? null : r.message);
          }
        });
      }}
      data-testid="address-form"
    >
      <div className="address-grid">
        <div className="field">
          <label htmlFor="country">Country</label>
          <select id="country" value={value.country} onChange={(e) => set("country", e.target.value)}>
            {COUNTRIES.map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
          {errors.country && <span className="field-error">{errors.country[0]}</span>}
        </div>
        <div className="field">
          <label htmlFor="region">State / province</label>
          <input id="region" placeholder="e.g. CA" value={value.region ?? ""} onChange={(e) => set("region", e.target.value)} maxLength={3} />
          {errors.region && <span className="field-error">{errors.region[0]}</span>}
        </div>
        <div className="field">
          <label htmlFor="postalCode">Postal code</label>
          <input id="postalCode" value={value.postalCode} onChange={(e) => set("postalCode", e.target.value)} maxLength={16} />
          {errors.postalCode && <span className="field-error">{errors.postalCode[0]}</span>}
        </div>
        <div className="field">
          <label htmlFor="city">City</label>
          <input id="city" value={value.city ?? ""} onChange={(e) => set("city", e.target.value)} maxLength={100} />
        </div>
      </div>
      {(message || errors["shippingAddress.country"]) && (
        <p className="error" role="alert">
          {message ?? errors["shippingAddress.country"]?.[0]}
        </p>
      )}
      <button type="submit" className="btn btn-secondary" disabled={pending}>
        {pending ? "Saving…" : "Estimate shipping & tax"}
      </button>
    </form>
  );
}
