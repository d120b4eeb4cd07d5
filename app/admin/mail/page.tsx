import type { Metadata } from "next";
import Link from "next/link";
import { ResendMailButton } from "@/components/admin/resend-mail-button";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { listMail } from "@/lib/mail";
import { adminUserOrNull } from "../guard";
import { resendMailAction } from "./actions";
import { DataTable } from "@/components/table-scroll";
import { privatePageMetadata } from "../../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Mail", "/admin/mail", "Every message the shop has sent or will send.");
export const dynamic = "force-dynamic";

/** Every message in the outbox, newest first. On the embedded default (no SMTP_URL) this is the shop's mailbox. */
export default async function AdminMailPage() {
  if (!(await adminUserOrNull("/admin/mail"))) return null;
  const messages = await listMail(prisma(), { limit: 200 });
  const local = !env().SMTP_URL;
  return (
    <div className="stack">
      <h1>Mail</h1>
      <p className="muted">
        {local
          ? "No SMTP server is configured (SMTP_URL), so mail lands in this local mailbox: open a message to read it."
          : "Mail goes out through SMTP_URL. Failed messages were retried with backoff and can be resent."}
      </p>
      <DataTable label="Mail" testId="mail-list" columns={["Created", "To", "Event", "Subject", "Status", "Attempts", { srOnly: "Actions" }]}>
        {messages.map((m) => (
          <tr key={m.id} data-testid="mail-row" data-event={m.event} data-to={m.to} data-status={m.status}>
            <td>{m.createdAt.replace("T", " ").slice(0, 19)}</td>
            <td>{m.to}</td>
            <td>{m.event}</td>
            <td>
              <Link href={`/admin/mail/${m.id}`}>{m.subject ?? "(not rendered yet)"}</Link>
            </td>
            <td title={m.lastError ?? undefined}>{m.status}</td>
            <td>{m.attempts}</td>
            <td>{(m.status === "failed" || m.status === "skipped") && <ResendMailButton id={m.id} resend={resendMailAction} />}</td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}
