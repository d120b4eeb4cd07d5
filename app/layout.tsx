import type { Metadata } from "next";
import Link from "next/link";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Cartwright Supply", template: "%s · Cartwright Supply" },
  description: "Everyday goods, honestly priced.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <div className="container header-row">
            <Link href="/" className="brand">
              Cartwright <span>Supply</span>
            </Link>
            <nav className="header-nav" aria-label="Main">
              <Link href="/">Shop</Link>
            </nav>
          </div>
        </header>
        <main className="container main">{children}</main>
        <footer className="site-footer">
          <div className="container">Cartwright — an open-source storefront. Prices exclude tax.</div>
        </footer>
      </body>
    </html>
  );
}
