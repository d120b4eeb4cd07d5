import type { Metadata } from "next";
import Link from "next/link";
import { dashboard } from "@/lib/admin/dashboard";
import { prisma } from "@/lib/db";
import { JOB_NAMES, lastRuns } from "@/lib/jobs";
import { reminderStats } from "@/lib/mail/cart-reminders";
import { formatMoney } from "@/lib/money";
import { adminUserOrNull } from "./guard";
import { DataTable } from "@/components/table-scroll";
import { privatePageMetadata } from "../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Dashboard", "/admin", "Today's orders and revenue, orders to ship, low stock and recent refunds.");
export const dynamic = "force-dynamic";

const when = (iso: string | null) => (iso ? `${iso.replace("T", " ").slice(0, 19)} UTC` : "never");

/**
 * The admin home: today's orders and revenue (per currency), orders waiting to ship, low stock, recent refunds, what
 * the scheduled jobs last did, and what abandoned-cart reminders brought back.
 */
export default async function AdminDashboard() {
  if (!(await adminUserOrNull("/admin"))) return null;
  const db = prisma();
  const [jobs, reminders, d] = await Promise.all([lastRuns(db, [...JOB_NAMES]), reminderStats(db), dashboard(db, { now: new Date(), limit: 10 })]);
  const amounts = (list: { amount: number; currency: string }[]) => (list.length === 0 ? "—" : list.map((m) => formatMoney(m)).join(" · "));
  return (
    <div className="stack">
      <h1>Dashboard</h1>
      <section className="panel" data-testid="today-stats">
        <h2>Today (UTC)</h2>
        <dl className="summary-rows" style={{ maxWidth: 420 }}>
          <div>
            <dt>Orders placed</dt>
            <dd data-testid="orders-today">{d.today.ordersPlaced}</dd>
          </div>
          <div>
            <dt>Orders paid</dt>
            <dd>{d.today.ordersPaid}</dd>
          </div>
          <div>
            <dt>Revenue</dt>
            <dd data-testid="revenue-today">{amounts(d.today.revenue)}</dd>
          </div>
          <div>
            <dt>Refunded</dt>
            <dd>{amounts(d.today.refunded)}</dd>
          </div>
        </dl>
      </section>
      <section className="panel" data-testid="to-ship">
        <h2>
          Waiting to ship <span className="muted">({d.toShip.count})</span>
        </h2>
        {d.toShip.orders.length === 0 ? (
          <p className="muted">Nothing to ship.</p>
        ) : (
          <ul>
            {d.toShip.orders.map((o) => (
              <li key={o.id}>
                <Link href={`/admin/orders/${o.id}`}>
                  <code>{o.id.slice(0, 8)}</code>
                </Link>{" "}
                {o.email} · {formatMoney({ amount: o.total, currency: o.currency })} · paid {when(o.paidAt)}
                {o.fulfillmentStatus === "PARTIALLY_FULFILLED" && <span className="muted"> · partly shipped</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="panel" data-testid="low-stock">
        <h2>
          Low stock (5 or fewer) <span className="muted">({d.lowStock.count})</span>
        </h2>
        {d.lowStock.variants.length === 0 ? (
          <p className="muted">No variant is low.</p>
        ) : (
          <ul>
            {d.lowStock.variants.map((v) => (
              <li key={v.id}>
                {v.productName} <span className="muted">{v.sku}</span> · {v.stock} left
              </li>
            ))}
          </ul>
        )}
        <Link href="/admin/products">Products and stock</Link>
      </section>
      <section className="panel" data-testid="recent-refunds">
        <h2>Recent refunds</h2>
        {d.recentRefunds.length === 0 ? (
          <p className="muted">No refunds yet.</p>
        ) : (
          <ul>
            {d.recentRefunds.map((r) => (
              <li key={r.id}>
                {formatMoney({ amount: r.amount, currency: r.currency })} ·{" "}
                <Link href={`/admin/orders/${r.orderId}`}>
                  <code>{r.orderId.slice(0, 8)}</code>
                </Link>{" "}
                · {when(r.createdAt)}
                {r.status !== "succeeded" && <span className="field-error"> · {r.status}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="panel" data-testid="reminder-stats">
        <h2>Abandoned-cart reminders</h2>
        <dl className="summary-rows" style={{ maxWidth: 420 }}>
          <div>
            <dt>Reminders sent</dt>
            <dd data-testid="reminders-sent">{reminders.remindersSent}</dd>
          </div>
          <div>
            <dt>Carts reopened from a reminder</dt>
            <dd>{reminders.cartsRestored}</dd>
          </div>
          <div>
            <dt>Carts recovered (paid after a reminder)</dt>
            <dd data-testid="carts-recovered">{reminders.cartsRecovered}</dd>
          </div>
          <div>
            <dt>Revenue recovered</dt>
            <dd data-testid="revenue-recovered">
              {reminders.revenueRecovered.length === 0 ? "—" : reminders.revenueRecovered.map((r) => formatMoney(r)).join(" · ")}
            </dd>
          </div>
        </dl>
      </section>
      <section className="panel" data-testid="job-status">
        <h2>Scheduled jobs</h2>
        <DataTable label="Scheduled jobs" columns={["Job", "Last run", "Result", "Processed", "Instance"]}>
          {jobs.map((j) => (
            <tr key={j.job} data-testid="job-row" data-job={j.job}>
              <td>{j.job}</td>
              <td>{when(j.lastRunAt)}</td>
              <td title={j.lastError ?? undefined}>{j.lastStatus ?? "—"}</td>
              <td>{j.lastProcessed ?? "—"}</td>
              <td className="muted">{j.instance ?? "—"}</td>
            </tr>
          ))}
        </DataTable>
      </section>
      <p>
        <Link href="/admin/mail">Mail</Link>
        {d.failedMail > 0 && <span className="field-error"> · {d.failedMail} message(s) failed to send</span>}
      </p>
    </div>
  );
}
