"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";

/** Revokes every session of the account on the server (other browsers included), then signs this browser out. */
export function SignOutEverywhereButton() {
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      className="btn-link"
      disabled={pending}
      onClick={async () => {
        setPending(true);
        try {
          await fetch("/api/account/sessions/revoke-all", { method: "POST" });
        } finally {
          // this browser's cookie is revoked either way; signOut also deletes it here
          void signOut({ callbackUrl: "/" });
        }
      }}
    >
      Sign out everywhere
    </button>
  );
}
