"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type ReactNode } from "react";
import { createCategoryAction, createProductAction, updateProductAction } from "@/app/admin/actions";
import type { AdminCategoryJson, AdminProductJson } from "@/lib/admin/products";
import { toMajorUnitsString } from "@/lib/money";

// The one form for creating and editing a product. The base price is typed in major units ("19.99") and sent as
// typed: the server reads it with the currency's exponent (never as a float) and validates everything with the
// schema the API uses; its field errors show under each field (images by row: "images.0.url").

type Errors = Record<string, string[]>;
type ImageRow = { url: string; alt: string; variantId: string };
type FormState = {
  name: string;
  slug: string;
  description: string;
  currency: string;
  basePrice: string;
  categoryIds: number[];
  images: ImageRow[];
  isActive: boolean;
};

function initialState(p: AdminProductJson | undefined, defaultCurrency: string): FormState {
  if (!p) return { name: "", slug: "", description: "", currency: defaultCurrency, basePrice: "", categoryIds: [], images: [], isActive: true };
  const images = p.images.map((i) => ({ url: i.url, alt: i.alt, variantId: i.variantId == null ? "" : String(i.variantId) }));
  // a product made before galleries has only its main image: show it as the first, so saving keeps it
  if (p.imageUrl && !images.some((i) => i.url === p.imageUrl)) images.unshift({ url: p.imageUrl, alt: "", variantId: "" });
  return {
    name: p.name,
    slug: p.slug,
    description: p.description,
    currency: p.currency,
    basePrice: toMajorUnitsString(p.basePrice, p.currency),
    categoryIds: p.categories.map((c) => c.id),
    images,
    isActive: p.isActive,
  };
}

function FieldError({ name, errors }: { name: string; errors: Errors }) {
  const list = errors[name];
  if (!list || list.length === 0) return null;
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

const invalidProps = (name: string, errors: Errors) => ({
  "aria-invalid": errors[name] ? true : undefined,
  "aria-describedby": errors[name] ? `${name}-error` : undefined,
});

const KNOWN = ["name", "slug", "description", "currency", "basePrice", "categoryIds", "images", "isActive"];

export function ProductForm({
  product,
  categories: initialCategories,
  currencies,
  defaultCurrency,
}: {
  product?: AdminProductJson;
  categories: AdminCategoryJson[];
  currencies: string[];
  defaultCurrency: string;
}) {
  const router = useRouter();
  const [s, setS] = useState<FormState>(() => initialState(product, defaultCurrency));
  const [categories, setCategories] = useState(initialCategories);
  const [newCategory, setNewCategory] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [pending, startTransition] = useTransition();

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setS((prev) => ({ ...prev, [key]: value }));
  const text = (key: "name" | "slug" | "description" | "basePrice") => ({
    id: key,
    name: key,
    value: s[key],
    onChange: (e: { target: { value: string } }) => set(key, e.target.value),
    ...invalidProps(key, errors),
  });
  const setImage = (i: number, patch: Partial<ImageRow>) => set("images", s.images.map((img, j) => (j === i ? { ...img, ...patch } : img)));
  const moveImage = (i: number, by: number) => {
    const next = [...s.images];
    const [img] = next.splice(i, 1);
    next.splice(i + by, 0, img!);
    set("images", next);
  };

  function payload(): Record<string, unknown> {
    return {
      name: s.name,
      slug: s.slug.trim(),
      description: s.description,
      currency: s.currency,
      basePrice: s.basePrice,
      categoryIds: s.categoryIds,
      images: s.images.map((img) => ({ url: img.url.trim(), alt: img.alt, variantId: img.variantId === "" ? null : Number(img.variantId) })),
      isActive: s.isActive,
    };
  }

  function submit() {
    setMessage(null);
    startTransition(async () => {
      const r = product ? await updateProductAction(product.id, payload()) : await createProductAction(payload());
      if (!r.ok) {
        setErrors(r.fieldErrors ?? {});
        setMessage({ kind: "error", text: r.fieldErrors ? "Please correct the marked fields." : r.message });
        return;
      }
      setErrors({});
      if (!product) {
        router.push(`/admin/products/${r.data.id}?created=1`);
        return;
      }
      setS(initialState(r.data, defaultCurrency));
      setMessage({ kind: "ok", text: "Saved." });
      router.refresh();
    });
  }

  function addCategory() {
    setMessage(null);
    startTransition(async () => {
      const r = await createCategoryAction({ name: newCategory });
      if (!r.ok) {
        setErrors((prev) => ({ ...prev, newCategory: r.fieldErrors ? Object.values(r.fieldErrors).flat() : [r.message] }));
        return;
      }
      setErrors(({ newCategory: _, ...rest }) => rest);
      setCategories((prev) => [...prev, r.data]);
      setS((prev) => ({ ...prev, categoryIds: [...prev.categoryIds, r.data.id] }));
      setNewCategory("");
    });
  }

  const otherErrors = Object.entries(errors).filter(([k]) => k !== "newCategory" && !KNOWN.some((f) => k === f || k.startsWith(`${f}.`)));
  const variants = product?.variants ?? [];

  return (
    <form
      className="panel discount-form"
      noValidate
      data-testid="product-form"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="form-grid">
        <Field name="name" label="Name" errors={errors}>
          <input {...text("name")} maxLength={200} autoComplete="off" />
        </Field>
        <Field name="slug" label="Slug" hint={product ? "The product's address: /products/{slug}." : "Empty = made from the name."} errors={errors}>
          <input {...text("slug")} maxLength={100} autoComplete="off" spellCheck={false} />
        </Field>
        <Field name="currency" label="Currency" hint={product ? "The currency of a product cannot change." : undefined} errors={errors}>
          <select id="currency" name="currency" value={s.currency} disabled={!!product} onChange={(e) => set("currency", e.target.value)} {...invalidProps("currency", errors)}>
            {[...new Set([s.currency, ...currencies])].map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </Field>
        <Field name="basePrice" label="Base price" hint={`In ${s.currency}, e.g. ${toMajorUnitsString(1999, s.currency)}.`} errors={errors}>
          <input {...text("basePrice")} inputMode="decimal" autoComplete="off" />
        </Field>
      </div>
      <Field name="description" label="Description" errors={errors}>
        <textarea {...text("description")} rows={4} maxLength={5000} />
      </Field>

      <fieldset className="product-picker" aria-describedby={errors.categoryIds ? "categoryIds-error" : undefined}>
        <legend>Categories</legend>
        <ul data-testid="category-options">
          {categories.map((c) => (
            <li key={c.id}>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={s.categoryIds.includes(c.id)}
                  onChange={(e) => set("categoryIds", e.target.checked ? [...s.categoryIds, c.id] : s.categoryIds.filter((id) => id !== c.id))}
                />
                {c.name}
              </label>
            </li>
          ))}
        </ul>
        <FieldError name="categoryIds" errors={errors} />
        <div className="field">
          <label htmlFor="newCategory">New category</label>
          <input id="newCategory" value={newCategory} onChange={(e) => setNewCategory(e.target.value)} maxLength={100} {...invalidProps("newCategory", errors)} />
          <FieldError name="newCategory" errors={errors} />
        </div>
        <button type="button" className="btn btn-secondary" onClick={addCategory} disabled={pending || newCategory.trim() === ""}>
          Create category
        </button>
      </fieldset>

      <fieldset className="product-picker" aria-describedby={errors.images ? "images-error" : undefined}>
        <legend>Images</legend>
        <p className="muted">A path on this site (/products/tote.svg) or an https:// URL. The first image is the main one.</p>
        <FieldError name="images" errors={errors} />
        {s.images.map((img, i) => (
          <div key={i} className="form-grid" data-testid="image-row">
            <Field name={`images.${i}.url`} label={`Image ${i + 1} URL`} errors={errors}>
              <input id={`images.${i}.url`} value={img.url} onChange={(e) => setImage(i, { url: e.target.value })} autoComplete="off" {...invalidProps(`images.${i}.url`, errors)} />
            </Field>
            <Field name={`images.${i}.alt`} label={`Image ${i + 1} description (alt text)`} errors={errors}>
              <input id={`images.${i}.alt`} value={img.alt} onChange={(e) => setImage(i, { alt: e.target.value })} maxLength={300} {...invalidProps(`images.${i}.alt`, errors)} />
            </Field>
            {variants.length > 0 && (
              <Field name={`images.${i}.variantId`} label={`Image ${i + 1} shows`} errors={errors}>
                <select id={`images.${i}.variantId`} value={img.variantId} onChange={(e) => setImage(i, { variantId: e.target.value })} {...invalidProps(`images.${i}.variantId`, errors)}>
                  <option value="">The whole product</option>
                  {variants.map((v) => (
                    <option key={v.id} value={String(v.id)}>
                      {v.sku}
                    </option>
                  ))}
                </select>
              </Field>
            )}
            <div className="field">
              <span className="muted">Order</span>
              <div>
                <button type="button" className="btn btn-secondary" disabled={i === 0} onClick={() => moveImage(i, -1)} aria-label={`Move image ${i + 1} up`}>
                  ↑
                </button>
                <button type="button" className="btn btn-secondary" disabled={i === s.images.length - 1} onClick={() => moveImage(i, 1)} aria-label={`Move image ${i + 1} down`}>
                  ↓
                </button>
                <button type="button" className="btn btn-secondary" onClick={() => set("images", s.images.filter((_, j) => j !== i))} aria-label={`Remove image ${i + 1}`}>
                  Remove
                </button>
              </div>
            </div>
          </div>
        ))}
        <button type="button" className="btn btn-secondary" disabled={s.images.length >= 20} onClick={() => set("images", [...s.images, { url: "", alt: "", variantId: "" }])}>
          Add image
        </button>
      </fieldset>

      <label className="checkbox">
        <input type="checkbox" checked={s.isActive} onChange={(e) => set("isActive", e.target.checked)} /> Active (shown in the shop)
      </label>

      {otherErrors.length > 0 && (
        <ul className="error" role="alert">
          {otherErrors.map(([k, v]) => (
            <li key={k}>
              {k || "Form"}: {v.join(" ")}
            </li>
          ))}
        </ul>
      )}
      {message && (
        <div className={message.kind === "ok" ? "success" : "error"} role={message.kind === "ok" ? "status" : "alert"} data-testid="form-message">
          {message.text}
        </div>
      )}
      <button type="submit" className="btn" disabled={pending}>
        {pending ? "Saving…" : product ? "Save product" : "Create product"}
      </button>
    </form>
  );
}
