import type { Metadata } from "next";
import Link from "next/link";
import { currentUser } from "@/lib/auth/session";
import { adminUserOrNull, Forbidden } from "./guard";

export const metadata: Metadata = { title: { default: "Admin", template: "%s · Admin · Cartwright Supply" }, robots: { index: false } };
export const dynamic = "force-dynamic";

/** ADMIN only: signed out -> /signin; a customer gets the 403 message and none of the admin pages. */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const admin = await adminUserOrNull("/admin");
  if (!admin) return <Forbidden email={(await currentUser())?.email ?? null} />;
  return (
    <div className="admin-area">
      <nav className="admin-nav" aria-label="Admin">
        <strong>Admin</strong>
        <Link href="/admin/discounts">Discounts</Link>
        <Link href="/admin/products">Products &amp; stock</Link>
      </nav>
      {children}
    </div>
  );
}
