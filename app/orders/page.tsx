import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { listOrdersOfUser } from "@/lib/checkout/history";
import { prisma } from "@/lib/db";
import { formatMinor } from "@/components/money";
import { DataTable } from "@/components/table-scroll";
import { privatePageMetadata } from "../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Your orders", "/orders", "Your orders at Cartwright Supply.");
export const dynamic = "force-dynamic";

export default async function OrdersPage() {
  const user = await currentUser();
  if (!user) redirect("/signin?callbackUrl=/orders");
  const orders = await listOrdersOfUser(prisma(), user.id);
  return (
    <div>
      <h1>Your orders</h1>
      {orders.length === 0 ? (
        <p className="muted">
          No orders yet. <Link href="/">Start shopping</Link>.
        </p>
      ) : (
        <DataTable label="Your orders" testId="order-history" columns={["Order", "Placed", "Items", "Status", "Total"]}>
          {orders.map((o) => (
            <tr key={o.id}>
              <td>
                <Link href={`/orders/${o.id}`}>{o.id.slice(0, 8)}</Link>
              </td>
              <td>{o.createdAt.toISOString().slice(0, 10)}</td>
              <td>{o.itemCount}</td>
              <td>{o.status === "PENDING_PAYMENT" ? "Awaiting payment" : o.status === "PAID" ? "Paid" : "Cancelled"}</td>
              <td>{formatMinor(o.total, o.currency)}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
