import type { Metadata } from "next";
import Link from "next/link";
import { listProductChoices } from "@/lib/admin/products";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { DiscountForm } from "@/components/admin/discount-form";
import { adminUserOrNull } from "../../guard";
import { privatePageMetadata } from "../../../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("New discount", "/admin/discounts/new", "Create a discount code or an automatic discount.");
export const dynamic = "force-dynamic";

export default async function NewDiscountPage() {
  if (!(await adminUserOrNull("/admin/discounts/new"))) return null;
  const products = await listProductChoices(prisma());
  const currencies = [...new Set([env().DEFAULT_CURRENCY, ...products.map((p) => p.currency)])];
  return (
    <div className="stack">
      <p>
        <Link href="/admin/discounts">← Discounts</Link>
      </p>
      <h1>New discount</h1>
      <DiscountForm products={products.map(({ id, name, isActive }) => ({ id, name, isActive }))} currencies={currencies} />
    </div>
  );
}
