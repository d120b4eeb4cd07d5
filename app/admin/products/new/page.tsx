import type { Metadata } from "next";
import Link from "next/link";
import { listCategoriesForAdmin, productCurrencies } from "@/lib/admin/products";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { ProductForm } from "@/components/admin/product-form";
import { adminUserOrNull } from "../../guard";
import { privatePageMetadata } from "../../../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("New product", "/admin/products/new", "Add a product to the catalog.");
export const dynamic = "force-dynamic";

export default async function NewProductPage() {
  if (!(await adminUserOrNull("/admin/products/new"))) return null;
  const [categories, currencies] = await Promise.all([listCategoriesForAdmin(prisma()), productCurrencies(prisma())]);
  return (
    <div className="stack">
      <p>
        <Link href="/admin/products">← Products</Link>
      </p>
      <h1>New product</h1>
      <p className="muted">Create the product first; its variants (SKU, size, colour, stock) are added on the next page.</p>
      <ProductForm categories={categories} currencies={currencies} defaultCurrency={env().DEFAULT_CURRENCY} />
    </div>
  );
}
