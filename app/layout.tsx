import type { Metadata } from "next";
import Link from "next/link";
import { AccountMenu } from "@/components/account-menu";
import { CartCountProvider, CartLink } from "@/components/cart-count";
import { SearchBox } from "@/components/search-box";
import { siteUrl } from "@/lib/http/site-url";
import { shopperCart } from "./_shared/shopper";
import "./globals.css";

// Absolute URLs in canonical links and Open Graph tags come from NEXTAUTH_URL, the shop's public URL.
export function generateMetadata(): Metadata {
  return {
    metadataBase: siteUrl(),
    title: { default: "Cartwright Supply", template: "%s · Cartwright Supply" },
    description: "Everyday goods, honestly priced.",
    openGraph: { siteName: "Cartwright Supply", type: "website", locale: "en_US" },
  };
}

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
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <CartCountProvider count={count}>
          <header className="site-header">
            <div className="container header-row">
              <Link href="/" className="brand">
                Cartwright <span>Supply</span>
              </Link>
              <SearchBox />
              <nav className="header-nav" aria-label="Main">
                <Link href="/">Shop</Link>
                <Link href="/search">Browse</Link>
                <AccountMenu />
                <CartLink />
              </nav>
            </div>
          </header>
          <main id="main" tabIndex={-1} className="container main">{children}</main>
        </CartCountProvider>
        <footer className="site-footer">
          <div className="container">Cartwright — an open-source storefront. Prices exclude tax.</div>
        </footer>
      </body>
    </html>
  );
}
