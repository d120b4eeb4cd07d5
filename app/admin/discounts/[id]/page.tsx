import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { discountIdSchema, getDiscount, type DiscountJson } from "@/lib/admin/discounts";
import { listProductChoices } from "@/lib/admin/products";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { isDomainError } from "@/lib/errors";
import { describeValue } from "@/components/admin/discount-labels";
import { DiscountForm } from "@/components/admin/discount-form";
import { DiscountStatsChart } from "@/components/admin/discount-stats-chart";
import { formatMinor } from "@/components/money";
import { discountStats } from "@/lib/admin/discount-stats";
import { discountCodeCounts } from "@/lib/admin/discount-codes";
import { BulkCodes } from "@/components/admin/bulk-codes";
import { adminUserOrNull } from "../../guard";
import { privatePageMetadata } from "../../../_shared/metadata";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return privatePageMetadata("Edit discount", `/admin/discounts/${encodeURIComponent(id)}`, "Edit a discount and read its results.");
}
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

async function load(id: number): Promise<DiscountJson | null> {
  try {
    return await getDiscount(prisma(), id, new Date());
  } catch (e) {
    if (isDomainError(e) && e.code === "not_found") return null;
    throw e;
  }
}

export default async function EditDiscountPage({ params }: Props) {
  const raw = (await params).id;
  if (!(await adminUserOrNull(`/admin/discounts/${encodeURIComponent(raw)}`))) return null;
  const id = discountIdSchema.safeParse(raw);
  if (!id.success) notFound();
  const discount = await load(id.data);
  if (!discount) notFound();
  const products = await listProductChoices(prisma());
  const stats = await discountStats(prisma(), discount.id, new Date());
  const codes = discount.automatic ? null : await discountCodeCounts(prisma(), discount.id);
  const statsCurrency = discount.currency ?? env().DEFAULT_CURRENCY;
  const currencies = [...new Set([env().DEFAULT_CURRENCY, ...products.map((p) => p.currency), ...(discount.currency ? [discount.currency] : [])])];
  return (
    <div className="stack">
      <p>
        <Link href="/admin/discounts">← Discounts</Link>
      </p>
      <h1>
        <code>{discount.code ?? discount.title}</code> <span className="muted">{describeValue(discount)}</span>
      </h1>
      <DiscountForm products={products.map(({ id, name, isActive }) => ({ id, name, isActive }))} currencies={currencies} discount={discount} />
      {codes && <BulkCodes discountId={discount.id} total={codes.total} used={codes.used} />}
      <DiscountStatsChart stats={stats} format={(n) => formatMinor(n, statsCurrency)} />
    </div>
  );
}
