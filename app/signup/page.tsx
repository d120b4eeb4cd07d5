import type { Metadata } from "next";
import { SignUpForm } from "@/components/sign-up-form";
import { privatePageMetadata } from "../_shared/metadata";

export const metadata: Metadata = privatePageMetadata("Create an account", "/signup", "Create a Cartwright Supply account.");

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignUpPage({ searchParams }: Props) {
  const params = await searchParams;
  const callbackUrl = typeof params.callbackUrl === "string" ? params.callbackUrl : undefined;
  return (
    <section className="auth-card panel">
      <h1>Create an account</h1>
      <p className="muted">Track your orders and keep your cart on every device.</p>
      <SignUpForm callbackUrl={callbackUrl} />
    </section>
  );
}
