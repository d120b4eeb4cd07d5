import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { prisma } from "@/lib/db";
import { isDomainError } from "@/lib/errors";
import { getMail } from "@/lib/mail";
import { adminUserOrNull } from "../../guard";
import { privatePageMetadata } from "../../../_shared/metadata";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return privatePageMetadata("Message", `/admin/mail/${encodeURIComponent(id)}`, "One message of the outbox.", { referrer: "no-referrer" });
}
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

/** One message: its status and, from the local mailbox, its HTML (in a sandboxed frame) and plain text. */
export default async function AdminMailMessagePage({ params }: Props) {
  const { id } = await params;
  if (!(await adminUserOrNull(`/admin/mail/${encodeURIComponent(id)}`))) return null;
  if (!/^[0-9a-f-]{36}$/i.test(id)) notFound();
  let message;
  try {
    message = await getMail(prisma(), id);
  } catch (e) {
    if (isDomainError(e) && e.code === "not_found") notFound();
    throw e;
  }
  return (
    <div className="stack" data-testid="mail-message">
      <p>
        <Link href="/admin/mail">← Mail</Link>
      </p>
      <h1 data-testid="mail-subject">{message.mailbox?.subject ?? message.subject ?? "(not rendered yet)"}</h1>
      <p className="muted">
        To {message.to} · {message.event} · {message.status} after {message.attempts} attempt(s)
        {message.sentAt && ` · sent ${message.sentAt.replace("T", " ").slice(0, 19)} UTC`}
        {message.lastError && ` · last error: ${message.lastError}`}
      </p>
      {message.mailbox ? (
        <>
          <section className="panel">
            <h2>HTML</h2>
            {/* the message's own HTML, isolated: no scripts, no same-origin access */}
            <iframe title="HTML version" sandbox="" srcDoc={message.mailbox.html} style={{ width: "100%", height: 560, border: 0, background: "#fff" }} data-testid="mail-html" />
          </section>
          <section className="panel">
            <h2>Plain text</h2>
            <pre style={{ whiteSpace: "pre-wrap" }} data-testid="mail-text">
              {message.mailbox.text}
            </pre>
          </section>
        </>
      ) : (
        <p className="notice">This message has no local copy (it went out through SMTP, or has not been delivered yet).</p>
      )}
    </div>
  );
}
