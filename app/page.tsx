import type { Metadata } from "next";
import { listCategories } from "@/lib/catalog/categories";
import { listCurrencies, productQuerySchema, queryObject, searchProducts } from "@/lib/catalog/search";
import { prisma } from "@/lib/db";
import { isDomainError } from "@/lib/errors";
import { CategoryLinks } from "@/components/category-links";
import { CurrencySwitcher } from "@/components/currency-switcher";
import { ProductGrid } from "@/components/product-grid";
import { firstParam, listingHref, shopperCurrency, type SearchParams } from "./_shared/listing";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { absolute: "Cartwright Supply: everyday goods, honestly priced" },
  description: "Tees, hoodies, bags, mugs and more, with free domestic shipping over $75.",
  alternates: { canonical: "/" },
  openGraph: { type: "website", url: "/", title: "Cartwright Supply", description: "Everyday goods, honestly priced." },
};

export default async function HomePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const db = prisma();
  const [currencies, categories] = await Promise.all([listCurrencies(db), listCategories(db)]);
  const currency = await shopperCurrency(sp, currencies);
  const cursor = firstParam(sp, "cursor");
  // a cursor from an old link that no longer parses starts the listing again rather than failing the home page
  const parsed = productQuerySchema.safeParse(queryObject({ currency, cursor }));
  const page = await searchProducts(db, parsed.success ? parsed.data : { currency }).catch((e: unknown) => {
    if (isDomainError(e)) return searchProducts(db, { currency });
    throw e;
  });
  const nextHref = page.nextCursor ? listingHref("/", { currency: firstParam(sp, "currency"), cursor: page.nextCursor }) : null;
  return (
    <>
      <section className="hero">
        <h1>Everyday goods, honestly priced.</h1>
        <p className="muted">Tees, bags, mugs and more. Free domestic shipping over $75.</p>
        <CategoryLinks categories={categories} />
        <CurrencySwitcher current={currency} currencies={currencies} hrefFor={(c) => listingHref("/", { currency: c })} />
      </section>
      <ProductGrid
        products={page.products}
        nextHref={nextHref}
        empty={
          currencies.length === 0 ? (
            <>
              The shop is empty. Run <code>npm run db:seed</code> to add the demo catalog.
            </>
          ) : (
            <>Nothing is priced in {currency} yet: pick another currency above.</>
          )
        }
      />
    </>
  );
}
