"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";

/** Puts a failed message back in the queue (the action is passed in: components never import app/ or lib/db). */
export function ResendMailButton({ id, resend }: { id: string; resend: (id: string) => Promise<{ ok: boolean; message?: string }> }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="btn btn-secondary"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const r = await resend(id);
            if (!r.ok) setError(r.message ?? "Could not resend.");
            router.refresh();
          })
        }
      >
        {pending ? "Queuing…" : "Resend"}
      </button>
      {error && <span className="field-error"> {error}</span>}
    </>
  );
}
