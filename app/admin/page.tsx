import type { Metadata } from "next";
import Link from "next/link";
import { prisma } from "@/lib/db";
import { JOB_NAMES, lastRuns } from "@/lib/jobs";
import { reminderStats } from "@/lib/mail/cart-reminders";
import { formatMoney } from "@/lib/money";
import { adminUserOrNull } from "./guard";
import { TableScroll } from "@/components/table-scroll";

export const metadata: Metadata = { title: "Dashboard" };
export const dynamic = "force-dynamic";

const when = (iso: string | null) => (iso ? `${iso.replace("T", " ").slice(0, 19)} UTC` : "never");

/** The admin home: what the scheduled jobs last did, and what abandoned-cart reminders brought back. */
export default async function AdminDashboard() {
  if (!(await adminUserOrNull("/admin"))) return null;
  const db = prisma();
  const [jobs, reminders, failedMail] = await Promise.all([
    lastRuns(db, [...JOB_NAMES]),
    reminderStats(db),
    db.mailOutbox.count({ where: { status: "failed" } }),
  ]);
  return (
    <div className="stack">
      <h1>Dashboard</h1>
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
        <TableScroll label="Scheduled jobs">
          <table className="admin">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Last run</th>
                <th scope="col">Result</th>
                <th scope="col">Processed</th>
                <th scope="col">Instance</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.job} data-testid="job-row" data-job={j.job}>
                  <td>{j.job}</td>
                  <td>{when(j.lastRunAt)}</td>
                  <td title={j.lastError ?? undefined}>{j.lastStatus ?? "—"}</td>
                  <td>{j.lastProcessed ?? "—"}</td>
                  <td className="muted">{j.instance ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>
      <p>
        <Link href="/admin/mail">Mail</Link>
        {failedMail > 0 && <span className="field-error"> · {failedMail} message(s) failed to send</span>}
      </p>
    </div>
  );
}
