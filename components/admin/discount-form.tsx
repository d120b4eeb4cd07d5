"use client";

import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState, useTransition, type ReactNode } from "react";
import { createDiscountAction, setDiscountActiveAction, updateDiscountAction } from "@/app/admin/actions";
import type { DiscountJson } from "@/lib/admin/discounts";
import { isPercentType } from "@/lib/discounts/rules";
import { parseMajorUnits, toMajorUnitsString } from "@/lib/money";
import { StatusPill } from "./discount-labels";

// The one form for creating and editing a discount. Fields follow the type; amounts are typed in major units
// ("5.00") and sent in minor units (parseMajorUnits); percents are sent as typed (12.5); times are typed in the
// browser's time zone and sent as ISO instants. The server validates everything and its field errors show next to
// each field.

type DiscountType = DiscountJson["type"];
export type ProductOption = { id: number; name: string; isActive: boolean };

type FormState = {
  code: string;
  automatic: boolean;
  title: string;
  type: DiscountType;
  value: string;
  currency: string;
  minOrder: string;
  budget: string;
  maxUses: string;
  maxUsesPerCustomer: string;
  validFrom: string;
  validUntil: string;
  buyQuantity: string;
  getQuantity: string;
  maxApplications: string;
  scope: "all" | "some";
  productIds: number[];
  /** BUY_X_GET_Y: where the discounted units come from */
  getScope: "same" | "other";
  getProductIds: number[];
  /** PERCENTAGE / FIXED_AMOUNT tiers: one kind of minimum for every row; values as typed */
  tierKind: "minSubtotal" | "minQuantity";
  tiers: { min: string; value: string }[];
  isActive: boolean;
  combinesWith: DiscountJson["combinesWith"];
};

type Errors = Record<string, string[]>;

const TYPES: [DiscountType, string][] = [
  ["PERCENTAGE", "Percentage off"],
  ["FIXED_AMOUNT", "Fixed amount off"],
  ["FREE_SHIPPING", "Free shipping"],
  ["BUY_X_GET_Y", "Buy X get Y"],
];

const pad = (n: number) => String(n).padStart(2, "0");

/** An ISO instant as the value of a datetime-local input, in the browser's time zone. */
function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const NO_COMBINATIONS: DiscountJson["combinesWith"] = { productDiscounts: false, orderDiscounts: false, shippingDiscounts: false };

/** `defaultCurrency` (the shop's) preselects the currency, so adding an amount never fails on an unchosen one. */
function initialState(d: DiscountJson | undefined, defaultCurrency: string): FormState {
  const money = (amount: number | null) => (amount != null && d?.currency ? toMajorUnitsString(amount, d.currency) : "");
  const int = (n: number | null | undefined) => (n == null ? "" : String(n));
  if (!d)
    return {
      code: "", automatic: false, title: "", type: "PERCENTAGE", value: "", currency: defaultCurrency, minOrder: "", budget: "", maxUses: "", maxUsesPerCustomer: "",
      validFrom: "", validUntil: "", buyQuantity: "", getQuantity: "", maxApplications: "", scope: "all", productIds: [], isActive: true,
      combinesWith: NO_COMBINATIONS, getScope: "same", getProductIds: [], tierKind: "minSubtotal", tiers: [],
    };
  const tierKind = d.tiers?.some((t) => t.minQuantity != null) ? "minQuantity" : "minSubtotal";
  return {
    code: d.code ?? "",
    automatic: d.automatic,
    title: d.title ?? "",
    type: d.type,
    value: isPercentType(d.type) ? String(d.value) : d.type === "FIXED_AMOUNT" ? money(d.value) : "",
    currency: d.currency ?? defaultCurrency,
    minOrder: money(d.minOrderAmount),
    budget: money(d.maxDiscountAmount),
    maxUses: int(d.maxUses),
    maxUsesPerCustomer: int(d.maxUsesPerCustomer),
    // set after mount: the server does not know the browser's time zone
    validFrom: "",
    validUntil: "",
    buyQuantity: int(d.buyQuantity),
    getQuantity: int(d.getQuantity),
    maxApplications: int(d.maxApplications),
    scope: d.applicableProductIds ? "some" : "all",
    productIds: d.applicableProductIds ?? [],
    getScope: d.getProductIds ? "other" : "same",
    getProductIds: d.getProductIds ?? [],
    tierKind,
    tiers: (d.tiers ?? []).map((t) => ({
      min: tierKind === "minQuantity" ? String(t.minQuantity ?? "") : money(t.minSubtotal ?? null),
      value: d.type === "FIXED_AMOUNT" ? money(t.value) : String(t.value),
    })),
    isActive: d.isActive,
    combinesWith: { ...d.combinesWith },
  };
}

/** The request body for create (mode "create") or PATCH (mode "edit"), or the errors found before sending. */
function buildPayload(
  s: FormState,
  mode: "create" | "edit",
  savedTimes: { validFrom: string; validUntil: string },
): { payload: Record<string, unknown>; errors: Errors } {
  const errors: Errors = {};
  const err = (field: string, message: string) => (errors[field] ??= []).push(message);
  // an automatic discount has a title instead of a code
  const payload: Record<string, unknown> = s.automatic ? { title: s.title.trim() || null } : { code: s.code.trim() };
  if (mode === "create") payload.type = s.type;
  if (mode === "create") payload.automatic = s.automatic;

  const tiered = (s.type === "PERCENTAGE" || s.type === "FIXED_AMOUNT") && s.tiers.length > 0;
  const needsCurrency = s.type === "FIXED_AMOUNT" || s.minOrder.trim() !== "" || s.budget.trim() !== "" || (tiered && s.tierKind === "minSubtotal");
  const currency = needsCurrency ? s.currency || null : null;
  payload.currency = currency;

  const amount = (field: string, text: string): number | null => {
    if (text.trim() === "") return null;
    if (!currency) {
      err("currency", "Choose the currency of this amount.");
      return null;
    }
    const minor = parseMajorUnits(text, currency);
    if (minor === null) err(field, `Enter an amount in ${currency}, like ${toMajorUnitsString(500, currency)}.`);
    return minor;
  };
  const whole = (field: string, text: string): number | null => {
    if (text.trim() === "") return null;
    if (!/^\d{1,10}$/.test(text.trim())) {
      err(field, "Enter a whole number.");
      return null;
    }
    return Number(text.trim());
  };

  const percent = (field: string, text: string): number | null => {
    const t = text.trim();
    if (t === "") return null;
    if (/^\d{1,3}(\.\d+)?$/.test(t)) return Number(t);
    err(field, "Enter a percent like 15 or 12.5.");
    return null;
  };
  if (tiered) {
    // tiers are sent instead of a value; each row's errors are tied to its inputs (tiers.<i>.min / .value)
    payload.value = null;
    payload.tiers = s.tiers.map((t, i) => {
      const minField = `tiers.${i}.min`;
      const min = s.tierKind === "minSubtotal" ? amount(minField, t.min) : whole(minField, t.min);
      if (t.min.trim() === "") err(minField, "Enter the minimum.");
      const valueField = `tiers.${i}.value`;
      const value = s.type === "PERCENTAGE" ? percent(valueField, t.value) : amount(valueField, t.value);
      if (t.value.trim() === "") err(valueField, "Enter the value.");
      return { [s.tierKind]: min, value };
    });
  } else if (isPercentType(s.type)) {
    payload.value = percent("value", s.value);
  } else if (s.type === "FIXED_AMOUNT") {
    payload.value = amount("value", s.value);
  }
  if (!tiered && mode === "edit" && (s.type === "PERCENTAGE" || s.type === "FIXED_AMOUNT")) payload.tiers = null;
  payload.minOrderAmount = amount("minOrderAmount", s.minOrder);
  payload.maxDiscountAmount = amount("maxDiscountAmount", s.budget);
  payload.maxUses = whole("maxUses", s.maxUses);
  payload.maxUsesPerCustomer = whole("maxUsesPerCustomer", s.maxUsesPerCustomer);
  if (s.type === "BUY_X_GET_Y") {
    payload.buyQuantity = whole("buyQuantity", s.buyQuantity);
    payload.getQuantity = whole("getQuantity", s.getQuantity);
    payload.maxApplications = whole("maxApplications", s.maxApplications);
    payload.getProductIds = s.getScope === "same" ? null : s.getProductIds;
  }
  for (const field of ["validFrom", "validUntil"] as const) {
    // an unchanged time is not sent, so editing something else never rounds a stored time to the minute
    if (mode === "edit" && s[field] === savedTimes[field]) continue;
    if (s[field] === "") payload[field] = null;
    else {
      const d = new Date(s[field]);
      if (Number.isNaN(d.getTime())) err(field, "Enter a date and time.");
      else payload[field] = d.toISOString();
    }
  }
  payload.applicableProductIds = s.scope === "all" ? null : s.productIds;
  payload.combinesWith = s.combinesWith;
  if (mode === "create") payload.isActive = s.isActive;
  if (mode === "create") for (const [k, v] of Object.entries(payload)) if (v === null) delete payload[k];
  return { payload, errors };
}

function FieldError({ name, errors, shownElsewhere }: { name: string; errors: Errors; shownElsewhere?: (key: string) => boolean }) {
  const list = Object.entries(errors)
    .filter(([k]) => (k === name || k.startsWith(`${name}.`)) && !shownElsewhere?.(k))
    .flatMap(([, v]) => v);
  if (list.length === 0) return null;
  return (
    <span className="field-error" id={`${name}-error`} data-testid={`error-${name}`}>
      {list.join(" ")}
    </span>
  );
}

function Field({ name, label, hint, errors, children }: { name: string; label: string; hint?: string; errors: Errors; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      {children}
      {hint && <span className="muted field-hint">{hint}</span>}
      <FieldError name={name} errors={errors} />
    </div>
  );
}

const KNOWN_FIELDS = [
  "code", "automatic", "title", "type", "value", "currency", "minOrderAmount", "maxUses", "maxUsesPerCustomer", "maxDiscountAmount", "validFrom", "validUntil",
  "buyQuantity", "getQuantity", "maxApplications", "applicableProductIds", "getProductIds", "combinesWith", "tiers",
];

/** A searchable list of product checkboxes (the buy side's products, or the discounted units' products). */
function ProductChecklist({
  id,
  products,
  selected,
  onChange,
}: {
  id: string;
  products: ProductOption[];
  selected: number[];
  onChange: (ids: number[]) => void;
}) {
  const [search, setSearch] = useState("");
  const chosen = new Set(selected);
  const visible = products.filter((p) => (p.isActive || chosen.has(p.id)) && p.name.toLowerCase().includes(search.trim().toLowerCase()));
  return (
    <div className="product-picker-list">
      <div className="field">
        <label htmlFor={`${id}-search`}>Search products</label>
        <input id={`${id}-search`} type="search" value={search} onChange={(e) => setSearch(e.target.value)} autoComplete="off" />
      </div>
      <ul data-testid={`${id}-options`}>
        {visible.map((p) => (
          <li key={p.id}>
            <label className="checkbox">
              <input type="checkbox" checked={chosen.has(p.id)} onChange={(e) => onChange(e.target.checked ? [...selected, p.id] : selected.filter((x) => x !== p.id))} />
              {p.name}
              {!p.isActive && <span className="muted"> (inactive)</span>}
            </label>
          </li>
        ))}
        {visible.length === 0 && <li className="muted">No product matches “{search}”.</li>}
      </ul>
      <p className="muted">{selected.length} selected</p>
    </div>
  );
}

export function DiscountForm({ products, currencies, discount }: { products: ProductOption[]; currencies: string[]; discount?: DiscountJson }) {
  const mode = discount ? "edit" : "create";
  const router = useRouter();
  const [s, setS] = useState<FormState>(() => initialState(discount, currencies[0] ?? ""));
  const [savedTimes, setSavedTimes] = useState({ validFrom: "", validUntil: "" });
  const [current, setCurrent] = useState(discount);
  const [errors, setErrors] = useState<Errors>({});
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [search, setSearch] = useState("");
  const [pending, startTransition] = useTransition();

  const [timeZone, setTimeZone] = useState("");
  const storedFrom = discount?.validFrom ?? null;
  const storedUntil = discount?.validUntil ?? null;
  useEffect(() => {
    setTimeZone(Intl.DateTimeFormat().resolvedOptions().timeZone);
    if (!storedFrom && !storedUntil) return;
    const times = { validFrom: toLocalInput(storedFrom), validUntil: toLocalInput(storedUntil) };
    setSavedTimes(times);
    setS((prev) => ({ ...prev, ...times }));
  }, [storedFrom, storedUntil]);

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setS((prev) => ({ ...prev, [key]: value }));
  const input = (name: keyof FormState & string, field: string = name) => ({
    id: field,
    name: field,
    value: s[name] as string,
    onChange: (e: { target: { value: string } }) => set(name, e.target.value as never),
    "aria-invalid": errors[field] ? true : undefined,
    "aria-describedby": errors[field] ? `${field}-error` : undefined,
  });

  const selected = useMemo(() => new Set(s.productIds), [s.productIds]);
  const visibleProducts = products.filter(
    (p) => (p.isActive || selected.has(p.id)) && p.name.toLowerCase().includes(search.trim().toLowerCase()),
  );
  const canTier = s.type === "PERCENTAGE" || s.type === "FIXED_AMOUNT";
  const tiered = canTier && s.tiers.length > 0;
  const showCurrency =
    s.type === "FIXED_AMOUNT" || s.minOrder.trim() !== "" || s.budget.trim() !== "" || (tiered && s.tierKind === "minSubtotal") || errors.currency !== undefined;
  const setTier = (i: number, key: "min" | "value", value: string) =>
    setS((prev) => ({ ...prev, tiers: prev.tiers.map((t, j) => (j === i ? { ...t, [key]: value } : t)) }));
  const tierInput = (i: number, key: "min" | "value") => {
    const field = `tiers.${i}.${key}`;
    return {
      id: field,
      name: field,
      value: s.tiers[i]![key],
      onChange: (e: { target: { value: string } }) => setTier(i, key, e.target.value),
      "aria-invalid": errors[field] ? true : undefined,
      "aria-describedby": errors[field] ? `${field}-error` : undefined,
    };
  };
  const otherErrors = Object.entries(errors).filter(([k]) => !KNOWN_FIELDS.some((f) => k === f || k.startsWith(`${f}.`)));

  function changeType(type: DiscountType) {
    // the value means something else in another type: start it over (a buy-X-get-Y deal is usually "free")
    setS((prev) => ({
      ...prev,
      type,
      value: type === "BUY_X_GET_Y" ? "100" : "",
      buyQuantity: type === "BUY_X_GET_Y" && prev.buyQuantity === "" ? "2" : prev.buyQuantity,
      getQuantity: type === "BUY_X_GET_Y" && prev.getQuantity === "" ? "1" : prev.getQuantity,
    }));
    setErrors({});
  }

  function submit() {
    setMessage(null);
    const { payload, errors: found } = buildPayload(s, mode, savedTimes);
    if (Object.keys(found).length > 0) {
      setErrors(found);
      setMessage({ kind: "error", text: "Please correct the marked fields." });
      return;
    }
    setErrors({});
    startTransition(async () => {
      const r = current ? await updateDiscountAction(current.id, payload) : await createDiscountAction(payload);
      if (!r.ok) {
        setErrors(r.fieldErrors ?? {});
        setMessage({ kind: "error", text: r.fieldErrors ? "Please correct the marked fields." : r.message });
        return;
      }
      if (!current) {
        router.push(`/admin/discounts?${new URLSearchParams({ created: r.data.code ?? String(r.data.id) })}`);
        return;
      }
      setCurrent(r.data);
      const times = { validFrom: toLocalInput(r.data.validFrom), validUntil: toLocalInput(r.data.validUntil) };
      setSavedTimes(times);
      setS((prev) => ({ ...prev, code: r.data.code ?? "", title: r.data.title ?? "", ...times }));
      setMessage({ kind: "ok", text: "Saved." });
      router.refresh();
    });
  }

  function toggleActive() {
    if (!current) return;
    setMessage(null);
    startTransition(async () => {
      const r = await setDiscountActiveAction(current.id, !current.isActive);
      if (!r.ok) {
        setMessage({ kind: "error", text: r.message });
        return;
      }
      setCurrent(r.data);
      setMessage({ kind: "ok", text: r.data.isActive ? "Activated." : "Deactivated." });
      router.refresh();
    });
  }

  return (
    <form
      className="panel discount-form"
      noValidate
      data-testid="discount-form"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {current && (
        <div className="discount-form-status">
          <StatusPill status={current.status} />
          <span className="muted">
            Used {current.usesCount} {current.usesCount === 1 ? "time" : "times"}
            {current.maxUses != null ? ` of ${current.maxUses}` : ""}
          </span>
          <button type="button" className="btn btn-secondary" onClick={toggleActive} disabled={pending} data-testid="toggle-active">
            {current.isActive ? "Deactivate" : "Activate"}
          </button>
        </div>
      )}

      <div className="form-grid">
        <label className="checkbox">
          <input type="checkbox" name="automatic" checked={s.automatic} disabled={!!current} onChange={(e) => set("automatic", e.target.checked)} /> Automatic
          (shoppers get it whenever their cart qualifies)
        </label>
        <FieldError name="automatic" errors={errors} />
        {s.automatic ? (
          <Field name="title" label="Title" hint="What shoppers see in their cart, e.g. 10% off orders over $100." errors={errors}>
            <input {...input("title")} maxLength={100} autoComplete="off" />
          </Field>
        ) : (
          <Field name="code" label="Code" hint="3–32 letters, digits, - or _; saved in capitals." errors={errors}>
            <input {...input("code")} maxLength={32} autoComplete="off" spellCheck={false} style={{ textTransform: "uppercase" }} />
          </Field>
        )}
        <Field name="type" label="Type" hint={current ? "The type of a code cannot change." : undefined} errors={errors}>
          <select id="type" name="type" value={s.type} disabled={!!current} onChange={(e) => changeType(e.target.value as DiscountType)}>
            {TYPES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>

        {s.type === "PERCENTAGE" && !tiered && (
          <Field name="value" label="Percent off" hint="More than 0, at most 100, up to 2 decimals." errors={errors}>
            <input {...input("value")} inputMode="decimal" placeholder="15" />
          </Field>
        )}
        {s.type === "FIXED_AMOUNT" && !tiered && (
          <Field name="value" label="Amount off" hint={s.currency ? `In ${s.currency}.` : "Choose the currency too."} errors={errors}>
            <input {...input("value")} inputMode="decimal" placeholder="5.00" />
          </Field>
        )}
        {s.type === "BUY_X_GET_Y" && (
          <>
            <Field name="buyQuantity" label="Buy quantity" hint="Units the shopper pays for in each group." errors={errors}>
              <input {...input("buyQuantity")} inputMode="numeric" />
            </Field>
            <Field name="getQuantity" label="Get quantity" hint="Units discounted in each group (the cheapest)." errors={errors}>
              <input {...input("getQuantity")} inputMode="numeric" />
            </Field>
            <Field name="value" label="Percent off the discounted units" hint="100 = free." errors={errors}>
              <input {...input("value")} inputMode="decimal" />
            </Field>
            <Field name="maxApplications" label="Max groups per order" hint="Empty = no limit." errors={errors}>
              <input {...input("maxApplications")} inputMode="numeric" />
            </Field>
          </>
        )}
        {tiered && (
          <p className="muted" data-testid="tiered-note">
            The value comes from the tiers below.
          </p>
        )}

        <Field name="minOrderAmount" label="Minimum order" hint="Of the products the code applies to. Empty = none." errors={errors}>
          <input {...input("minOrder", "minOrderAmount")} inputMode="decimal" placeholder="none" />
        </Field>
        {showCurrency && (
          <Field name="currency" label="Currency" hint="Of the amount off and the minimum order; the cart must be in it." errors={errors}>
            <select id="currency" name="currency" value={s.currency} onChange={(e) => set("currency", e.target.value)}>
              {currencies.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </Field>
        )}

        <Field name="maxDiscountAmount" label="Budget" hint={`Money it may give away in total${s.currency ? ` (in ${s.currency})` : ""}. Empty = no budget.`} errors={errors}>
          <input {...input("budget", "maxDiscountAmount")} inputMode="decimal" />
        </Field>
        <Field name="maxUses" label="Total uses limit" hint="Empty = no limit." errors={errors}>
          <input {...input("maxUses")} inputMode="numeric" />
        </Field>
        <Field name="maxUsesPerCustomer" label="Uses per customer" hint="Empty = no limit." errors={errors}>
          <input {...input("maxUsesPerCustomer")} inputMode="numeric" />
        </Field>
        <Field name="validFrom" label="Starts" hint={timeZone ? `Your time (${timeZone}). Empty = now.` : "Empty = now."} errors={errors}>
          <input {...input("validFrom")} type="datetime-local" />
        </Field>
        <Field name="validUntil" label="Ends" hint="The code stops working at this time. Empty = never." errors={errors}>
          <input {...input("validUntil")} type="datetime-local" />
        </Field>
      </div>

      <fieldset className="product-picker" aria-describedby={errors.applicableProductIds ? "applicableProductIds-error" : undefined}>
        <legend>Applies to</legend>
        <label className="checkbox">
          <input type="radio" name="scope" value="all" checked={s.scope === "all"} onChange={() => set("scope", "all")} /> All products
        </label>
        <label className="checkbox">
          <input type="radio" name="scope" value="some" checked={s.scope === "some"} onChange={() => set("scope", "some")} /> Only selected products
        </label>
        {s.scope === "some" && (
          <div className="product-picker-list">
            <div className="field">
              <label htmlFor="product-search">Search products</label>
              <input id="product-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} autoComplete="off" />
            </div>
            <ul data-testid="product-options">
              {visibleProducts.map((p) => (
                <li key={p.id}>
                  <label className="checkbox">
                    <input
                      type="checkbox"
                      checked={selected.has(p.id)}
                      onChange={(e) =>
                        set("productIds", e.target.checked ? [...s.productIds, p.id] : s.productIds.filter((id) => id !== p.id))
                      }
                    />
                    {p.name}
                    {!p.isActive && <span className="muted"> (inactive)</span>}
                  </label>
                </li>
              ))}
              {visibleProducts.length === 0 && <li className="muted">No product matches “{search}”.</li>}
            </ul>
            <p className="muted">{s.productIds.length} selected</p>
          </div>
        )}
        <FieldError name="applicableProductIds" errors={errors} />
      </fieldset>

      {s.type === "BUY_X_GET_Y" && (
        <fieldset className="product-picker" aria-describedby={errors.getProductIds ? "getProductIds-error" : undefined}>
          <legend>Discounted units come from</legend>
          <label className="checkbox">
            <input type="radio" name="getScope" value="same" checked={s.getScope === "same"} onChange={() => set("getScope", "same")} /> The same products
            as the ones bought
          </label>
          <label className="checkbox">
            <input type="radio" name="getScope" value="other" checked={s.getScope === "other"} onChange={() => set("getScope", "other")} /> Other
            products (buy these, get those)
          </label>
          {s.getScope === "other" && (
            <ProductChecklist id="get-products" products={products} selected={s.getProductIds} onChange={(ids) => set("getProductIds", ids)} />
          )}
          <FieldError name="getProductIds" errors={errors} />
        </fieldset>
      )}

      {canTier && (
        <fieldset className="tiers" data-testid="tiers" aria-describedby={errors.tiers ? "tiers-error" : undefined}>
          <legend>Tiers</legend>
          <p className="muted">
            Optional: the value grows with the order. The highest tier reached applies; below the first tier the discount gives nothing.
          </p>
          {s.tiers.length > 0 && (
            <div className="field">
              <label htmlFor="tierKind">Tiers by</label>
              <select id="tierKind" name="tierKind" value={s.tierKind} onChange={(e) => set("tierKind", e.target.value as FormState["tierKind"])}>
                <option value="minSubtotal">Minimum subtotal{s.currency ? ` (${s.currency})` : ""}</option>
                <option value="minQuantity">Minimum quantity</option>
              </select>
            </div>
          )}
          {s.tiers.map((_, i) => (
            <div className="tier-row form-grid" key={i} data-testid="tier-row">
              <Field name={`tiers.${i}.min`} label={`Tier ${i + 1}: ${s.tierKind === "minSubtotal" ? "minimum subtotal" : "minimum quantity"}`} errors={errors}>
                <input {...tierInput(i, "min")} inputMode={s.tierKind === "minSubtotal" ? "decimal" : "numeric"} />
              </Field>
              <Field name={`tiers.${i}.value`} label={`Tier ${i + 1}: ${s.type === "PERCENTAGE" ? "percent off" : "amount off"}`} errors={errors}>
                <input {...tierInput(i, "value")} inputMode="decimal" />
              </Field>
              <button
                type="button"
                className="btn btn-secondary"
                onClick={() => setS((prev) => ({ ...prev, tiers: prev.tiers.filter((__, j) => j !== i) }))}
                aria-label={`Remove tier ${i + 1}`}
              >
                Remove
              </button>
            </div>
          ))}
          <button type="button" className="btn btn-secondary" onClick={() => setS((prev) => ({ ...prev, tiers: [...prev.tiers, { min: "", value: "" }] }))}>
            Add tier
          </button>
          <FieldError name="tiers" errors={errors} shownElsewhere={(k) => /^tiers\.\d+\.(min|value)$/.test(k)} />
        </fieldset>
      )}

      <fieldset>
        <legend>Combinations</legend>
        <p className="muted">
          This discount is a {s.scope === "some" ? "product" : s.type === "FREE_SHIPPING" ? "shipping" : "order"} discount. It is applied
          together with another discount only when each allows the other&apos;s class; otherwise the cart gets the better one.
        </p>
        {(
          [
            ["productDiscounts", "Combines with product discounts"],
            ["orderDiscounts", "Combines with order discounts"],
            ["shippingDiscounts", "Combines with shipping discounts"],
          ] as const
        ).map(([key, label]) => (
          <label className="checkbox" key={key}>
            <input
              type="checkbox"
              name={`combinesWith.${key}`}
              checked={s.combinesWith[key]}
              onChange={(e) => set("combinesWith", { ...s.combinesWith, [key]: e.target.checked })}
            />{" "}
            {label}
          </label>
        ))}
        <FieldError name="combinesWith" errors={errors} />
      </fieldset>

      {!current && (
        <label className="checkbox">
          <input type="checkbox" checked={s.isActive} onChange={(e) => set("isActive", e.target.checked)} /> Active (shoppers can use it in its time window)
        </label>
      )}

      {otherErrors.length > 0 && (
        <ul className="field-error">
          {otherErrors.map(([k, v]) => (
            <li key={k}>
              {k ? `${k}: ` : ""}
              {v.join(" ")}
            </li>
          ))}
        </ul>
      )}
      {message && (
        <p className={message.kind === "ok" ? "success" : "error"} role={message.kind === "ok" ? "status" : "alert"} data-testid="form-message">
          {message.text}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="btn" disabled={pending}>
          {pending ? "Saving…" : current ? "Save changes" : "Create discount"}
        </button>
      </div>
    </form>
  );
}
