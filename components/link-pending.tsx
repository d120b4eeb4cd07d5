"use client";
import { useLinkStatus } from "next/link";

/**
 * Inside a <Link>: says "Loading…" while the navigation it started is pending. The listing pages have no
 * loading.tsx on purpose: a route's loading boundary streams the page into a hidden node that only JavaScript
 * reveals, and these pages must work without it; this is their loading state instead.
 */
export function LinkPending({ label = "Loading…" }: { label?: string }) {
  const { pending } = useLinkStatus();
  return (
    <span role="status" aria-live="polite" className={pending ? "link-pending" : "sr-only"}>
      {pending ? label : ""}
    </span>
  );
}
