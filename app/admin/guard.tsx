import Link from "next/link";
import { redirect } from "next/navigation";
import { currentUser, type SessionUser } from "@/lib/auth/session";

/**
 * The admin pages' access check. Signed out: redirected to sign in, and back to `path` after. Signed in without the
 * ADMIN role: null (the caller renders <Forbidden/> or nothing). The layout checks, and so does every page: a
 * layout alone is no boundary (Next renders a page's content next to its layout, not inside it).
 */
export async function adminUserOrNull(path: string): Promise<SessionUser | null> {
  const user = await currentUser();
  if (!user) redirect(`/signin?${new URLSearchParams({ callbackUrl: path })}`);
  return user.role === "ADMIN" ? user : null;
}

/** What a signed-in customer sees instead of an admin page. */
export function Forbidden({ email }: { email: string | null }) {
  return (
    <section className="panel auth-card" data-testid="admin-forbidden">
      <h1>403 — Forbidden</h1>
      <p>You do not have access to this page. It needs an administrator account.</p>
      {email && <p className="muted">You are signed in as {email}.</p>}
      <p>
        <Link href="/">Back to the shop</Link> · <Link href="/signin?callbackUrl=%2Fadmin%2Fdiscounts">Sign in as an administrator</Link>
      </p>
    </section>
  );
}
