import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm } from "@/components/action-form";
import { RESET_PASSWORD_MIN_LENGTH } from "@/lib/accounts/password-reset";
import { confirmPasswordResetAction } from "../forgot-password/actions";
import { privatePageMetadata } from "../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Choose a new password", "/reset-password", "Choose a new password for your account.", { referrer: "no-referrer" });

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ResetPasswordPage({ searchParams }: Props) {
  const token = (await searchParams).token;
  return (
    <section className="auth-card panel">
      <h1>Choose a new password</h1>
      {typeof token !== "string" || token === "" ? (
        <p className="notice">
          This page needs the link from your reset e-mail. <Link href="/forgot-password">Ask for a new link</Link>.
        </p>
      ) : (
        <>
          <ActionForm
            action={confirmPasswordResetAction}
            fields={[{ name: "password", label: "New password", type: "password", autoComplete: "new-password", minLength: RESET_PASSWORD_MIN_LENGTH, hint: `At least ${RESET_PASSWORD_MIN_LENGTH} characters.` }]}
            hidden={{ token }}
            submitLabel="Set my new password"
            pendingLabel="Saving…"
            testId="reset-password"
          />
          <p className="muted">
            <Link href="/signin">Sign in</Link> · <Link href="/forgot-password">Ask for a new link</Link>
          </p>
        </>
      )}
    </section>
  );
}
