import type { Metadata } from "next";
import Link from "next/link";
import { SignInForm } from "@/components/sign-in-form";
import { currentUser } from "@/lib/auth/session";
import { privatePageMetadata } from "../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Sign in", "/signin", "Sign in to your Cartwright Supply account.");

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignInPage({ searchParams }: Props) {
  const params = await searchParams;
  const callbackUrl = typeof params.callbackUrl === "string" ? params.callbackUrl : undefined;
  const user = await currentUser();
  return (
    <section className="auth-card panel">
      <h1>Sign in</h1>
      {user && (
        <p className="notice">
          You are signed in as {user.email}. Sign in below to switch accounts.
        </p>
      )}
      {/* next-auth sends failed or expired sign-ins back here with ?error= */}
      {typeof params.error === "string" && !user && <p className="notice">Please sign in again.</p>}
      <SignInForm callbackUrl={callbackUrl} />
      <p className="muted">
        <Link href="/forgot-password">Forgot your password?</Link> · <Link href="/orders/find">Find an order placed without an account</Link>
      </p>
    </section>
  );
}
