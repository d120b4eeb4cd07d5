"use client";

import { useActionState } from "react";
import type { FormState } from "@/app/_shared/action";
import { deleteAddressFormAction, makeDefaultFormAction } from "@/app/account/addresses/actions";

/** "Make default" and "Delete" for one saved address: two small forms, each working without JavaScript. */
export function AddressEntryActions({ id, isDefault }: { id: string; isDefault: boolean }) {
  const [defaultState, makeDefault, makingDefault] = useActionState(makeDefaultFormAction, null as FormState);
  const [deleteState, remove, deleting] = useActionState(deleteAddressFormAction, null as FormState);
  const problem = defaultState?.message ?? deleteState?.message;
  return (
    <>
      {!isDefault && (
        <form action={makeDefault}>
          <input type="hidden" name="id" value={id} />
          <button type="submit" className="btn btn-secondary" disabled={makingDefault} data-testid="make-default">
            Make default
          </button>
        </form>
      )}
      <form action={remove}>
        <input type="hidden" name="id" value={id} />
        <button type="submit" className="btn btn-secondary" disabled={deleting} data-testid="delete-address">
          Delete
        </button>
      </form>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}
