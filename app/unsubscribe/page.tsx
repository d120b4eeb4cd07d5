import type { Metadata } from "next";
import { ActionForm } from "@/components/action-form";
import { verifyUnsubscribeToken } from "@/lib/mail/links";
import { unsubscribeAction } from "./actions";
import { privatePageMetadata } from "../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Unsubscribe", "/unsubscribe", "Stop cart reminders.", { referrer: "no-referrer" });
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * The link in a cart reminder. Opening it only asks; the button unsubscribes (mail scanners that open every link
 * must not unsubscribe anyone).
 */
export default async function UnsubscribePage({ searchParams }: Props) {
  const token = (await searchParams).token;
  const verified = verifyUnsubscribeToken(token);
  return (
    <section className="auth-card panel">
      <h1>Cart reminders</h1>
      {!verified || typeof token !== "string" ? (
        <p className="notice">This unsubscribe link is not valid.</p>
      ) : (
        <>
          <p>Stop sending cart reminders to {verified.email}? Order and account e-mails still arrive.</p>
          <ActionForm action={unsubscribeAction} fields={[]} hidden={{ token }} submitLabel="Unsubscribe" pendingLabel="Unsubscribing…" testId="unsubscribe" />
        </>
      )}
    </section>
  );
}
