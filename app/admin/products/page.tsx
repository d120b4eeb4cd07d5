import type { Metadata } from "next";
import Link from "next/link";
import { listProductsForAdmin } from "@/lib/admin/variants";
import { prisma } from "@/lib/db";
import { formatMoney } from "@/lib/money";
import { VariantEditor } from "@/components/admin/variant-editor";
import { adminUserOrNull } from "../guard";
import { DataTable } from "@/components/table-scroll";
import { privatePageMetadata } from "../../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Products & stock", "/admin/products", "The catalog: products, variants, prices and stock.");
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<{ q?: string | string[] }> };

export default async function AdminProductsPage({ searchParams }: Props) {
  if (!(await adminUserOrNull("/admin/products"))) return null;
  const raw = (await searchParams).q;
  const q = (typeof raw === "string" ? raw : "").slice(0, 200);
  const products = await listProductsForAdmin(prisma(), q);
  return (
    <div className="stack">
      <h1>Products &amp; stock</h1>
      <div className="toolbar">
        <form method="get" action="/admin/products" role="search">
          <label htmlFor="product-q" className="sr-only">
            Search products
          </label>
          <input id="product-q" name="q" type="search" defaultValue={q} placeholder="Name, slug or SKU" maxLength={200} />{" "}
          <button type="submit" className="btn btn-secondary">
            Search
          </button>
        </form>
        <Link href="/admin/products/new" className="btn">
          New product
        </Link>
      </div>
      {products.length === 0 && <p className="muted">No product matches “{q}”.</p>}
      <p className="muted">
        Stock is set to the number you enter. A price override replaces the product&apos;s base price for that variant; leave it
        empty to use the base price. Carts keep the price they were filled at, and checkout asks shoppers to confirm a change.
      </p>
      {products.map((p) => (
        <section key={p.id} className="panel" data-testid="admin-product" data-slug={p.slug}>
          <h2 className="admin-product-title">
            {p.name} <span className="muted">· base price {formatMoney({ amount: p.basePrice, currency: p.currency })}</span>
            {!p.isActive && <span className="status-pill status-inactive">Inactive</span>}{" "}
            <Link href={`/admin/products/${p.id}`} aria-label={`Edit ${p.name}`}>
              Edit
            </Link>
          </h2>
          <DataTable label={`Variants of ${p.name}`} columns={["Variant", "Price", "Price override", "Stock", { srOnly: "Save" }]}>
            {p.variants.map((v) => (
              <VariantEditor key={v.id} variant={v} currency={p.currency} basePrice={p.basePrice} />
            ))}
          </DataTable>
        </section>
      ))}
    </div>
  );
}
