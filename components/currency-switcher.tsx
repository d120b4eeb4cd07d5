import Link from "next/link";

/** Links to the same listing in the shop's other currencies (a product is priced in one currency only). */
export function CurrencySwitcher({ current, currencies, hrefFor }: { current: string; currencies: string[]; hrefFor: (currency: string) => string }) {
  if (currencies.length < 2) return null;
  return (
    <nav className="currency-switcher" aria-label="Currency">
      <span className="muted">Prices in</span>
      {currencies.map((c) =>
        c === current ? (
          <strong key={c} aria-current="true">
            {c}
          </strong>
        ) : (
          <Link key={c} href={hrefFor(c)} data-testid={`currency-${c}`}>
            {c}
          </Link>
        ),
      )}
    </nav>
  );
}
