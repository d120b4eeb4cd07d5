import type { Metadata } from "next";
import Link from "next/link";
import { listDiscounts } from "@/lib/admin/discounts";
import { listProductChoices } from "@/lib/admin/products";
import { prisma } from "@/lib/db";
import { formatMoney } from "@/lib/money";
import { describeUsage, describeValue, describeWindow, StatusPill, TYPE_LABELS } from "@/components/admin/discount-labels";
import { adminUserOrNull } from "../guard";
import { DataTable } from "@/components/table-scroll";
import { privatePageMetadata } from "../../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Discounts", "/admin/discounts", "The shop's discount codes and automatic discounts.");
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function DiscountsPage({ searchParams }: Props) {
  if (!(await adminUserOrNull("/admin/discounts"))) return null;
  const params = await searchParams;
  const created = typeof params.created === "string" && /^[A-Z0-9_-]{1,32}$/.test(params.created) ? params.created : null;
  const [discounts, products] = await Promise.all([
    listDiscounts(prisma(), new Date()),
    listProductChoices(prisma()),
  ]);
  const productName = new Map(products.map((p) => [p.id, p.name]));

  return (
    <div className="stack">
      <div className="admin-heading">
        <h1>Discounts</h1>
        <Link href="/admin/discounts/new" className="btn">
          New discount
        </Link>
      </div>
      {created && (
        <p className="notice" role="status">
          Discount <strong>{created}</strong> created.
        </p>
      )}
      {discounts.length === 0 ? (
        <p className="panel">No discounts yet.</p>
      ) : (
        <DataTable label="Discounts" testId="discounts-table" columns={["Code", "Type", "Value", "Status", "Uses", "Valid", "Products", { srOnly: "Actions" }]}>
          {discounts.map((d) => (
            <tr key={d.id} data-testid="discount-row" data-code={d.code ?? undefined}>
              <td>
                {d.code ? <code>{d.code}</code> : <span>{d.title} (automatic)</span>}
              </td>
              <td>{TYPE_LABELS[d.type]}</td>
              <td data-testid="discount-value">
                {describeValue(d)}
                {d.minOrderAmount != null && d.currency && (
                  <div className="muted">on orders of {formatMoney({ amount: d.minOrderAmount, currency: d.currency })} or more</div>
                )}
              </td>
              <td>
                <StatusPill status={d.status} />
              </td>
              <td data-testid="discount-usage">
                {describeUsage(d)}
                {d.maxUsesPerCustomer != null && <div className="muted">{d.maxUsesPerCustomer} per customer</div>}
              </td>
              <td>{describeWindow(d)}</td>
              <td data-testid="discount-products">
                {d.applicableProductIds ? d.applicableProductIds.map((id) => productName.get(id) ?? `#${id}`).join(", ") : "All products"}
              </td>
              <td>
                <Link href={`/admin/discounts/${d.id}`} aria-label={`Edit ${d.code ?? d.title}`}>
                  Edit
                </Link>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
