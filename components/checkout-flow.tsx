"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect, useState, useTransition } from "react";
import type { CartView } from "@/lib/cart/view";
import type { FormState } from "@/app/_shared/action";
import { chooseAddressFormAction, pickSavedAddressAction, placeOrderAction, placeOrderFormAction } from "@/app/checkout/actions";
import { AddressForm, isCompleteAddress, type AddressValue } from "./address-form";
import { addressLines } from "./address-lines";
import { CartSummary } from "./cart-summary";
import { FieldError, fieldErrorProps } from "./field-error";
import { lineRowsOfCart, OrderLines } from "./order-lines";
import { formatMinor } from "./money";
import { useHydrated } from "./use-hydrated";

type Problem = { title: string; lines: string[] };

/** A signed-in shopper's saved address, as the "Ship to" list shows it. */
export type SavedAddressOption = AddressValue & { id: string; label: string | null; isDefault: boolean };

/**
 * The address book at checkout (signed-in shoppers with saved addresses): the list, what is picked ("new" or an
 * id; the page picks the address on the cart, else the default), which saved address the cart holds now, and the
 * address the "new address" fields start with (the cart's own when it is not a saved one).
 */
export type CheckoutAddressBook = { addresses: SavedAddressOption[]; picked: string; onCartId: string | null; newAddress: AddressValue | null };

type Refusal = { code: string; message: string; fieldErrors?: Record<string, string[]>; details?: Record<string, unknown> };

/** Answers that are not final: the same key may be sent again and can never make a second order. */
const RETRYABLE = new Set(["internal_error", "service_unavailable", "payment_provider_error", "idempotency_key_in_use"]);

/** What the shopper is told about a refused order, the same with JavaScript (in place) or without (the action's state). */
function explain(r: Refusal, cart: CartView): { problem: Problem | null; emailError: string | null } {
  const money = (n: number) => formatMinor(n, cart.currency);
  const nameOf = (itemId?: string, variantId?: number) => cart.items.find((i) => i.id === itemId || i.variantId === variantId)?.name ?? "An item";
  if (RETRYABLE.has(r.code)) return { problem: { title: r.message, lines: ["Please try again in a moment."] }, emailError: null };
  if (r.code === "prices_changed") {
    const changes = (r.details?.changes ?? []) as { itemId: string; oldUnitPrice: number; newUnitPrice: number }[];
    return {
      problem: {
        title: "Some prices changed since you added these items. Please review the new total and place your order again.",
        lines: changes.map((c) => `${nameOf(c.itemId)}: ${money(c.oldUnitPrice)} → ${money(c.newUnitPrice)}`),
      },
      emailError: null,
    };
  }
  if (r.code === "insufficient_stock") {
    const items = (r.details?.items ?? []) as { variantId: number; requested: number; available: number }[];
    return {
      problem: {
        title: "Some items are no longer available in the quantity you chose. Please update your cart.",
        lines: items.map((i) => `${nameOf(undefined, i.variantId)}: ${i.available === 0 ? "out of stock" : `only ${i.available} left (you asked for ${i.requested})`}`),
      },
      emailError: null,
    };
  }
  if (r.fieldErrors?.email) return { problem: null, emailError: r.fieldErrors.email[0] ?? r.message };
  const addressKeys = new Set(["shippingAddress", "name", "line1", "line2", "city", "region", "postalCode", "country", "phone"]);
  const addressErrors = Object.entries(r.fieldErrors ?? {}).filter(([k]) => addressKeys.has(k) || k.startsWith("shippingAddress."));
  return {
    problem: addressErrors.length
      ? { title: "Please complete your shipping address.", lines: addressErrors.map(([, msgs]) => msgs[0] ?? "").filter(Boolean) }
      : { title: r.message, lines: [] },
    emailError: null,
  };
}

/**
 * Checkout in two steps: details (email, the full address, priced as soon as it is complete) then payment. Each attempt to place the order
 * carries its own idempotency key: a retry after a network error reuses it (never a second order), while a new
 * attempt after a final answer (prices changed, stock short, a declined card) gets a new one.
 */
export function CheckoutFlow({
  cart,
  initialEmail,
  attemptKey: renderedKey,
  signedIn = false,
  addressBook,
}: {
  cart: CartView;
  initialEmail: string;
  attemptKey: string;
  /** signed in: a new address can be saved to the address book */
  signedIn?: boolean;
  addressBook?: CheckoutAddressBook;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const [state, formAction] = useActionState(placeOrderFormAction, null as FormState);
  const posted = state ? explain(state, cart) : null;
  const [email, setEmail] = useState(state?.values?.email ?? initialEmail);
  const [emailError, setEmailError] = useState<string | null>(posted?.emailError ?? null);
  // a refusal that was not final keeps its key (a retry can never make a second order); any other attempt gets a new one
  const [attemptKey, setAttemptKey] = useState(() => (state && RETRYABLE.has(state.code) && state.values?.idempotencyKey) || renderedKey);
  const [problem, setProblem] = useState<Problem | null>(posted?.problem ?? null);
  const [pending, startTransition] = useTransition();
  const [choice, setChoice] = useState<string>(() => state?.values?.addressChoice ?? addressBook?.picked ?? "new");
  // after a refresh the page says which address the cart holds now (a typed address may be a saved one)
  useEffect(() => {
    if (addressBook) setChoice(addressBook.picked);
  }, [addressBook?.picked]); // eslint-disable-line react-hooks/exhaustive-deps
  const [saveAddress, setSaveAddress] = useState(state?.values?.saveAddress === "on");
  const [chooseState, chooseAction] = useActionState(chooseAddressFormAction, null as FormState);
  const [picking, startPicking] = useTransition();
  const [pickProblem, setPickProblem] = useState<string | null>(chooseState?.message ?? null);
  // the cart's saved address is what checkout uses: it is saved (and priced) as soon as the form is complete; a
  // saved address picked in the list is put on the cart when the order is placed (and, with JavaScript, at once)
  const savedPicked = addressBook !== undefined && choice !== "new";
  // a new address being typed is placed only once it is the cart's (saved, so priced and shown): clicking within
  // the autosave's pause would otherwise place the order with the address the cart held before
  const [typingAddress, setTypingAddress] = useState(false);
  const addressReady = savedPicked || (isCompleteAddress(cart.shippingAddress) && (addressBook?.onCartId ?? null) === null && !typingAddress);

  function pick(id: string) {
    setChoice(id);
    setPickProblem(null);
    if (id === "new") return;
    startPicking(async () => {
      const r = await pickSavedAddressAction(id);
      if (r.ok) router.refresh();
      else setPickProblem(r.message);
    });
  }

  function placeOrder() {
    setProblem(null);
    setEmailError(null);
    startTransition(async () => {
      const r = await placeOrderAction({
        email,
        idempotencyKey: attemptKey,
        ...(addressBook ? { addressChoice: choice } : {}),
        ...(signedIn && saveAddress && choice === "new" ? { saveAddress: true } : {}),
      });
      if (r.ok) {
        router.push(r.data.status === "PAID" ? `/orders/${r.data.orderId}` : `/checkout/pay/${r.data.orderId}`);
        return;
      }
      const told = explain(r, cart);
      setProblem(told.problem);
      setEmailError(told.emailError);
      if (RETRYABLE.has(r.code)) return;
      setAttemptKey(crypto.randomUUID());
      router.refresh();
    });
  }

  return (
    <form
      className="cart-layout"
      action={formAction}
      data-testid="checkout-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (addressReady && email.trim() !== "") placeOrder();
      }}
    >
      <input type="hidden" name="idempotencyKey" value={attemptKey} />
      <section className="panel stack" aria-label="Your details">
        {problem && (
          <div className="notice" role="alert" data-testid="checkout-problem">
            <strong>{problem.title}</strong>
            {problem.lines.length > 0 && (
              <ul>
                {problem.lines.map((l) => (
                  <li key={l}>{l}</li>
                ))}
              </ul>
            )}
          </div>
        )}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={254} required {...fieldErrorProps("email", emailError, "email-hint")} />
          <FieldError inputId="email" error={emailError} />
          <span className="muted" id="email-hint">For your receipt and order updates. No account needed.</span>
        </div>
        <h2 style={{ margin: "0.5rem 0 0" }}>Shipping address</h2>
        {addressBook ? (
          <div className="checkout-picker">
            <fieldset className="ship-to" data-testid="ship-to">
              <legend>Ship to</legend>
              {addressBook.addresses.map((a) => (
                <label className="ship-to-option" key={a.id} data-testid="ship-to-option">
                  <input type="radio" name="addressChoice" value={a.id} checked={choice === a.id} onChange={() => pick(a.id)} />
                  <span>
                    <strong>{a.label ?? a.name}</strong>
                    {a.isDefault && <span className="muted"> (default)</span>}
                    <span className="address-lines">{addressLines(a).join(", ")}</span>
                  </span>
                </label>
              ))}
              <label className="ship-to-option">
                <input type="radio" name="addressChoice" value="new" checked={choice === "new"} onChange={() => pick("new")} data-testid="ship-to-new" />
                <span>
                  <strong>A new address</strong>
                </span>
              </label>
              {hydrated ? (
                <p className="muted" aria-live="polite" data-testid="ship-to-status">
                  {picking ? "Pricing shipping and tax…" : ""}
                </p>
              ) : (
                // without JavaScript: puts the picked address on the cart, and the page comes back priced
                <button type="submit" formAction={chooseAction} className="btn btn-secondary use-address" data-testid="use-address">
                  Use this address
                </button>
              )}
              {pickProblem && (
                <p className="error" role="alert">
                  {pickProblem}
                </p>
              )}
            </fieldset>
            <div className="checkout-new-address" data-testid="new-address">
              <AddressForm mode="full" initial={addressBook.newAddress} serverState={state} onSaved={() => router.refresh()} onUnsavedChange={setTypingAddress} />
              <SaveAddressBox checked={saveAddress} onChange={setSaveAddress} />
            </div>
          </div>
        ) : (
          <>
            <AddressForm mode="full" initial={cart.shippingAddress} serverState={state} onSaved={() => router.refresh()} onUnsavedChange={setTypingAddress} />
            {signedIn && <SaveAddressBox checked={saveAddress} onChange={setSaveAddress} />}
          </>
        )}
      </section>
      <aside className="panel stack" aria-label="Order summary">
        <OrderLines lines={lineRowsOfCart(cart)} currency={cart.currency} />
        <CartSummary cart={cart} editable={false} />
        <button type="submit" className="btn btn-block" disabled={hydrated && (pending || picking || !addressReady || email.trim() === "")} data-testid="place-order">
          {pending ? "Placing order…" : problem?.title.startsWith("Some prices changed") ? "Confirm new prices and continue" : "Continue to payment"}
        </button>
        {!addressReady && (
          <p className="muted" aria-live="polite" data-testid="address-status">
            {typingAddress && isCompleteAddress(cart.shippingAddress) ? "Updating shipping and tax for your address…" : "Enter your full shipping address to see shipping and tax."}
          </p>
        )}
      </aside>
    </form>
  );
}

/** "Save this address to my address book": the typed address is saved when the order is placed. */
function SaveAddressBox({ checked, onChange }: { checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <div className="checkbox">
      <input id="save-address" type="checkbox" name="saveAddress" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid="save-address" />
      <label htmlFor="save-address">Save this address to my address book</label>
    </div>
  );
}
