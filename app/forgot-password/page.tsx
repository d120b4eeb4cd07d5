import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm } from "@/components/action-form";
import { requestPasswordResetAction } from "./actions";
import { privatePageMetadata } from "../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Forgot your password?", "/forgot-password", "Get a link to choose a new password.");

export default function ForgotPasswordPage() {
  return (
    <section className="auth-card panel">
      <h1>Forgot your password?</h1>
      <p className="muted">Enter the e-mail address of your account and we will send you a link to choose a new password.</p>
      <ActionForm
        action={requestPasswordResetAction}
        fields={[{ name: "email", label: "Email", type: "email", autoComplete: "email" }]}
        submitLabel="Send me a reset link"
        pendingLabel="Sending…"
        testId="forgot-password"
      />
      <p className="muted">
        <Link href="/signin">Back to sign in</Link>
      </p>
    </section>
  );
}
