"use client";

import { useActionState, useState } from "react";
import type { FormState } from "@/app/_shared/action";
import { createAddressFormAction, updateAddressFormAction } from "@/app/account/addresses/actions";
import { AddressFields, type AddressValue } from "./address-form";
import { FieldError, fieldErrorProps } from "./field-error";

type Saved = AddressValue & { id: string; label: string | null; isDefault: boolean };

/**
 * Adds an address to the address book, or edits one (`address`). A `<form action>` bound to a server action: it
 * works without JavaScript, and each error comes back on its field with what was typed.
 */
export function AddressBookForm({ address }: { address?: Saved }) {
  const [state, formAction, pending] = useActionState(address ? updateAddressFormAction : createAddressFormAction, null as FormState);
  const typed = state?.values;
  const [value, setValue] = useState<AddressValue>(() =>
    typed ? { ...typed, country: typed.country ?? "US", postalCode: typed.postalCode ?? "" } : (address ?? { country: "US", region: "", postalCode: "" }),
  );
  const [label, setLabel] = useState(typed?.label ?? address?.label ?? "");
  const errors = state?.fieldErrors ?? {};
  const error = (k: string) => errors[k]?.[0];
  const general = state && !state.fieldErrors ? state.message : state?.fieldErrors?.[""]?.[0] ?? state?.fieldErrors?.isDefault?.[0];
  const set = (k: keyof AddressValue, v: string) => setValue((cur) => ({ ...cur, [k]: v }));

  return (
    <form action={formAction} className="stack" data-testid={address ? "edit-address-form" : "add-address-form"} noValidate>
      {address && <input type="hidden" name="id" value={address.id} />}
      <div className="field">
        <label htmlFor="address-label">Label (optional)</label>
        <input id="address-label" name="label" value={label} onChange={(e) => setLabel(e.target.value)} maxLength={60} placeholder="e.g. Home, Work" {...fieldErrorProps("address-label", error("label"))} />
        <FieldError inputId="address-label" error={error("label")} testId="address-error-label" />
      </div>
      <AddressFields value={value} set={set} error={error} mode="full" />
      {address?.isDefault ? (
        <p className="muted">This is your default address.</p>
      ) : (
        <div className="checkbox">
          <input id="address-isDefault" type="checkbox" name="isDefault" defaultChecked={typed ? typed.isDefault === "on" : false} />
          <label htmlFor="address-isDefault">Make this my default address</label>
        </div>
      )}
      {general && (
        <p className="error" role="alert" data-testid="address-book-error">
          {general}
        </p>
      )}
      <div>
        <button type="submit" className="btn" disabled={pending}>
          {pending ? "Saving…" : address ? "Save changes" : "Save address"}
        </button>
      </div>
    </form>
  );
}
