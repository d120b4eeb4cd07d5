import Link from "next/link";
import { currentUser } from "@/lib/auth/session";
import { SignOutButton } from "./sign-out-button";
import { SignOutEverywhereButton } from "./sign-out-everywhere-button";

/** The header's account area (a server component: reads the session cookie, so pages using it render per request). */
export async function AccountMenu() {
  const user = await currentUser();
  if (!user)
    return (
      <div className="header-nav" data-testid="account-menu">
        <Link href="/signin">Sign in</Link>
      </div>
    );
  return (
    <div className="header-nav" data-testid="account-menu">
      <span className="muted" data-testid="account-email">
        {user.email}
      </span>
      {/* an admin's orders are the shop's (the order desk); a customer's are their own */}
      <Link href={user.role === "ADMIN" ? "/admin/orders" : "/orders"} data-testid="orders-link">
        Orders
      </Link>
      <Link href="/account/addresses" data-testid="addresses-link">
        Addresses
      </Link>
      {user.role === "ADMIN" && <Link href="/admin/discounts">Admin</Link>}
      <SignOutButton />
      <SignOutEverywhereButton />
    </div>
  );
}
