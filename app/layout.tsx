import type { Metadata } from "next";
import Link from "next/link";
import { AccountMenu } from "@/components/account-menu";
import { CartCountProvider, CartLink } from "@/components/cart-count";
import { shopperCart } from "./_shared/shopper";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Cartwright Supply", template: "%s · Cartwright Supply" },
  description: "Everyday goods, honestly priced.",
};

async function cartItemCount(): Promise<number> {
  try {
    const { cart } = await shopperCart({ create: false });
    return cart?.items.reduce((n, l) => n + l.quantity, 0) ?? 0;
  } catch {
    return 0; // the header must render even when the cart store is down; the cart page says why
  }
}

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const count = await cartItemCount();
  return (
    <html lang="en">
      <body>
        <CartCountProvider count={count}>
          <header className="site-header">
            <div className="container header-row">
              <Link href="/" className="brand">
                Cartwright <span>Supply</span>
              </Link>
              <nav className="header-nav" aria-label="Main">
                <Link href="/">Shop</Link>
                <AccountMenu />
                <CartLink />
              </nav>
            </div>
          </header>
          <main className="container main">{children}</main>
        </CartCountProvider>
        <footer className="site-footer">
          <div className="container">Cartwright — an open-source storefront. Prices exclude tax.</div>
        </footer>
      </body>
    </html>
  );
}
