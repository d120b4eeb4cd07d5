"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { mergeGuestCartAction } from "@/app/cart/actions";
import { useState, type FormEvent } from "react";

export const WRONG_CREDENTIALS_MESSAGE = "Email or password is incorrect.";
export const TOO_MANY_ATTEMPTS_MESSAGE = "Too many failed sign-in attempts. Please wait 15 minutes and try again.";
/** lib/accounts/sign-in-limit.ts SIGN_IN_RATE_LIMITED (not imported: this is client code) */
const RATE_LIMITED_ERROR = "TooManySignInAttempts";

/**
 * Where to go after signing in: `callbackUrl` when it stays on this site (a path, or an absolute URL of this
 * origin, as next-auth writes it), else "/". Anything else would make the sign-in page an open redirect.
 */
export function safeCallbackPath(callbackUrl: string | null | undefined, origin: string): string {
  if (!callbackUrl) return "/";
  // "//evil.example" and "/\evil.example" are protocol-relative to browsers
  if (callbackUrl.startsWith("/") && (callbackUrl.startsWith("//") || callbackUrl.startsWith("/\\"))) return "/";
  try {
    const url = new URL(callbackUrl, origin);
    if (url.origin !== origin) return "/";
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return "/";
  }
}

/** Signs in with next-auth's credentials provider, then goes to the same-origin destination: true, or the message to show. */
export async function signInAndGo(
  email: string,
  password: string,
  callbackUrl: string | undefined,
  router: ReturnType<typeof useRouter>,
): Promise<true | string> {
  const result = await signIn("credentials", { email, password, redirect: false });
  if (result?.error === RATE_LIMITED_ERROR) return TOO_MANY_ATTEMPTS_MESSAGE;
  if (!result || result.error || !result.ok) return WRONG_CREDENTIALS_MESSAGE;
  // the cart picked as a guest joins the account's cart now, before any page renders it
  await mergeGuestCartAction();
  router.replace(safeCallbackPath(callbackUrl, window.location.origin));
  router.refresh();
  return true;
}

export function SignInForm({ callbackUrl }: { callbackUrl?: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    try {
      const outcome = await signInAndGo(String(form.get("email") ?? ""), String(form.get("password") ?? ""), callbackUrl, router);
      if (outcome !== true) {
        setError(outcome);
        setPending(false);
      }
    } catch {
      setError("We could not sign you in. Please try again.");
      setPending(false);
    }
  }

  const signUpHref = callbackUrl ? `/signup?${new URLSearchParams({ callbackUrl })}` : "/signup";
  return (
    <form onSubmit={onSubmit} noValidate aria-describedby={error ? "signin-error" : undefined}>
      <div className="field">
        <label htmlFor="signin-email">Email</label>
        <input id="signin-email" name="email" type="email" autoComplete="email" required aria-describedby={error ? "signin-error" : undefined} />
      </div>
      <div className="field">
        <label htmlFor="signin-password">Password</label>
        {/* the message is about the pair (or the attempt limit), so both fields point at it, neither is marked invalid */}
        <input id="signin-password" name="password" type="password" autoComplete="current-password" required aria-describedby={error ? "signin-error" : undefined} />
      </div>
      {error && (
        <p id="signin-error" className="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="btn btn-block" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
      <p className="muted">
        New here? <Link href={signUpHref}>Create an account</Link>
      </p>
    </form>
  );
}
