import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getProduct, listCategoriesForAdmin, productCurrencies, productIdSchema, type AdminProductJson } from "@/lib/admin/products";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { isDomainError } from "@/lib/errors";
import { ProductForm } from "@/components/admin/product-form";
import { VariantEditor } from "@/components/admin/variant-editor";
import { VariantActiveToggle, VariantCreateForm } from "@/components/admin/variant-create-form";
import { adminUserOrNull } from "../../guard";
import { privatePageMetadata } from "../../../_shared/metadata";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return privatePageMetadata("Edit product", `/admin/products/${encodeURIComponent(id)}`, "Edit a product, its variants, prices and stock.");
}
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<{ created?: string }> };

async function load(id: number): Promise<AdminProductJson | null> {
  try {
    return await getProduct(prisma(), id);
  } catch (e) {
    if (isDomainError(e) && e.code === "not_found") return null;
    throw e;
  }
}

export default async function EditProductPage({ params, searchParams }: Props) {
  const raw = (await params).id;
  if (!(await adminUserOrNull(`/admin/products/${encodeURIComponent(raw)}`))) return null;
  const id = productIdSchema.safeParse(raw);
  if (!id.success) notFound();
  const product = await load(id.data);
  if (!product) notFound();
  const [categories, currencies] = await Promise.all([listCategoriesForAdmin(prisma()), productCurrencies(prisma())]);
  const created = (await searchParams).created === "1";
  return (
    <div className="stack">
      <p>
        <Link href="/admin/products">← Products</Link>
        {product.isActive && (
          <>
            {" · "}
            <Link href={`/products/${product.slug}`}>View in the shop</Link>
          </>
        )}
      </p>
      <h1>{product.name}</h1>
      {created && (
        <p className="success" role="status">
          Product created. Add its variants below: it can be bought once it has an active variant in stock.
        </p>
      )}
      {/* keyed by updatedAt: a save elsewhere (another tab) starts the form over from what is stored */}
      <ProductForm key={product.updatedAt} product={product} categories={categories} currencies={currencies} defaultCurrency={env().DEFAULT_CURRENCY} />

      <section className="panel" data-testid="admin-product" data-slug={product.slug}>
        <h2>Variants</h2>
        {product.variants.length === 0 ? (
          <p className="muted" data-testid="no-variants">
            No variants yet.
          </p>
        ) : (
          <div className="table-scroll">
            <table className="admin">
              <thead>
                <tr>
                  <th scope="col">Variant</th>
                  <th scope="col">Price</th>
                  <th scope="col">Price override</th>
                  <th scope="col">Stock</th>
                  <th scope="col">
                    <span className="sr-only">Save</span>
                  </th>
                  <th scope="col">
                    <span className="sr-only">Active</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {product.variants.map((v) => (
                  <VariantEditor
                    key={`${v.id}-${v.isActive}`}
                    variant={v}
                    currency={product.currency}
                    basePrice={product.basePrice}
                    extra={<VariantActiveToggle id={v.id} sku={v.sku} isActive={v.isActive} />}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <VariantCreateForm productId={product.id} currency={product.currency} />
      </section>
    </div>
  );
}
