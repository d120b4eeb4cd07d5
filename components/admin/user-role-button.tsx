"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { setUserRoleAction } from "@/app/admin/actions";
import type { AdminUserJson } from "@/lib/admin/users";

/** Promote a customer to administrator, or demote an administrator (never the last one: the server refuses). */
export function UserRoleButton({ user }: { user: AdminUserJson }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const next = user.role === "ADMIN" ? "CUSTOMER" : "ADMIN";
  return (
    <>
      <button
        type="button"
        className="btn btn-secondary"
        disabled={pending}
        data-testid="user-role-button"
        onClick={() =>
          startTransition(async () => {
            setError(null);
            const result = await setUserRoleAction(user.id, next);
            if (!result.ok) setError(result.message);
            router.refresh();
          })
        }
      >
        {next === "ADMIN" ? "Make admin" : "Remove admin"}
      </button>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
