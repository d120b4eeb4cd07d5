"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { FieldError, fieldErrorProps } from "./field-error";
import { signInAndGo } from "./sign-in-form";

type FieldErrors = Partial<Record<"email" | "password", string[]>>;
type ErrorBody = { error?: { code?: string; message?: string; details?: { fieldErrors?: Record<string, string[]> } } };

export function SignUpForm({ callbackUrl }: { callbackUrl?: string }) {
  const router = useRouter();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setPending(true);
    setError(null);
    setFieldErrors({});
    try {
      const res = await fetch("/api/account/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password }),
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as ErrorBody;
        const fe = body.error?.details?.fieldErrors ?? {};
        const next: FieldErrors = { email: fe.email, password: fe.password };
        setFieldErrors(next);
        if (!next.email && !next.password) setError(body.error?.message ?? "We could not create your account. Please try again.");
        setPending(false);
        return;
      }
      if ((await signInAndGo(email, password, callbackUrl, router)) !== true) {
        // the account exists; only the automatic sign-in failed
        router.push("/signin");
      }
    } catch {
      setError("We could not create your account. Please try again.");
      setPending(false);
    }
  }

  const signInHref = callbackUrl ? `/signin?${new URLSearchParams({ callbackUrl })}` : "/signin";
  return (
    <form onSubmit={onSubmit} noValidate>
      <div className="field">
        <label htmlFor="signup-email">Email</label>
        <input
          id="signup-email"
          name="email"
          type="email"
          autoComplete="email"
          required
          {...fieldErrorProps("signup-email", fieldErrors.email)}
        />
        <FieldError inputId="signup-email" error={fieldErrors.email} as="p" />
      </div>
      <div className="field">
        <label htmlFor="signup-password">Password</label>
        <input
          id="signup-password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          maxLength={200}
          {...fieldErrorProps("signup-password", fieldErrors.password, "signup-password-hint")}
        />
        <span id="signup-password-hint" className="muted">
          At least 10 characters, and not one of the most common passwords.
        </span>
        <FieldError inputId="signup-password" error={fieldErrors.password} as="p" />
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="btn btn-block" disabled={pending}>
        {pending ? "Creating your account…" : "Create account"}
      </button>
      <p className="muted">
        Already have an account? <Link href={signInHref}>Sign in</Link>
      </p>
    </form>
  );
}
