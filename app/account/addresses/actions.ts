"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { createAddress, deleteAddress, setDefaultAddress, updateAddress, type SavedAddressView } from "@/lib/address-book";
import { requireUser } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { formText, runAction, toFormState, type ActionResult, type FormState } from "@/app/_shared/action";

// The address book page's forms (app/account/addresses). Each is a `<form action>`: it works without JavaScript
// (the action redirects, 303, so a reload never posts twice) and with it (React posts the same form). Field
// errors come back as the form's state with what was typed.

const PAGE = "/account/addresses";
const ADDRESS_KEYS = ["name", "line1", "line2", "city", "region", "postalCode", "country", "phone"] as const;

/** Every address field of a posted form: an empty one is null (the edit form clears an optional field that way). */
function postedAddress(t: Record<string, string>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const k of ADDRESS_KEYS) out[k] = t[k]?.trim() ? t[k]! : null;
  if (out.country === null) out.country = "";
  if (out.postalCode === null) out.postalCode = "";
  return out;
}

const label = (t: Record<string, string>) => (t.label?.trim() ? t.label : null);
const checked = (v: string | undefined) => v === "on" || v === "true";

function done(what: "added" | "saved" | "default" | "deleted"): never {
  revalidatePath(PAGE);
  redirect(`${PAGE}?done=${what}`);
}

export async function createAddressAction(input: unknown): Promise<ActionResult<SavedAddressView>> {
  return runAction(async () => createAddress(prisma(), (await requireUser()).id, input));
}

export async function updateAddressAction(id: unknown, input: unknown): Promise<ActionResult<SavedAddressView>> {
  return runAction(async () => updateAddress(prisma(), (await requireUser()).id, id, input));
}

export async function createAddressFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  const r = await createAddressAction({ ...postedAddress(t), label: label(t), isDefault: checked(t.isDefault) });
  if (r.ok) done("added");
  return toFormState(r, t);
}

export async function updateAddressFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  // an unticked box never unsets the default (that is refused): only a ticked one is sent
  const r = await updateAddressAction(t.id, { ...postedAddress(t), label: label(t), ...(checked(t.isDefault) ? { isDefault: true } : {}) });
  if (r.ok) done("saved");
  return toFormState(r, t);
}

export async function makeDefaultFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  const r = await runAction(async () => setDefaultAddress(prisma(), (await requireUser()).id, t.id));
  if (r.ok) done("default");
  return toFormState(r, t);
}

export async function deleteAddressFormAction(_state: FormState, form: FormData): Promise<FormState> {
  const t = formText(form);
  const r = await runAction(async () => deleteAddress(prisma(), (await requireUser()).id, t.id));
  if (r.ok) done("deleted");
  return toFormState(r, t);
}
