import type { Metadata } from "next";
import Link from "next/link";
import { currentUser } from "@/lib/auth/session";
import { redirect } from "next/navigation";
import { Forbidden } from "./guard";

export const metadata: Metadata = { title: { default: "Admin", template: "%s · Admin · Cartwright Supply" }, robots: { index: false } };
export const dynamic = "force-dynamic";

/** ADMIN only: signed out -> /signin; a customer gets the 403 message and none of the admin pages. */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const user = await currentUser();
  // the layout does not know which admin page was asked for; each page's own check redirects back to itself
  if (!user) redirect("/signin?callbackUrl=%2Fadmin");
  if (user.role !== "ADMIN") return <Forbidden email={user.email} />;
  return (
    <div className="admin-area">
      <nav className="admin-nav" aria-label="Admin">
        <strong>Admin</strong>
        <Link href="/admin">Dashboard</Link>
        <Link href="/admin/discounts">Discounts</Link>
        <Link href="/admin/products">Products &amp; stock</Link>
        <Link href="/admin/orders">Orders</Link>
        <Link href="/admin/users">Users</Link>
        <Link href="/admin/mail">Mail</Link>
      </nav>
      {children}
    </div>
  );
}
