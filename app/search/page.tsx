import type { Metadata } from "next";
import { listCategories } from "@/lib/catalog/categories";
import { listCurrencies, productQuerySchema, queryObject, searchProducts, SORTS, type ProductPage } from "@/lib/catalog/search";
import { prisma } from "@/lib/db";
import { isDomainError } from "@/lib/errors";
import { currencyExponent, parseMajorUnits, toMajorUnitsString } from "@/lib/money";
import { CurrencySwitcher } from "@/components/currency-switcher";
import { ProductGrid } from "@/components/product-grid";
import { firstParam, listingHref, shopperCurrency, type SearchParams } from "../_shared/listing";

export const dynamic = "force-dynamic";

const SORT_LABELS: Record<(typeof SORTS)[number], string> = {
  relevance: "Best match",
  price_asc: "Price: low to high",
  price_desc: "Price: high to low",
  newest: "Newest",
};

export async function generateMetadata({ searchParams }: { searchParams: Promise<SearchParams> }): Promise<Metadata> {
  const q = firstParam(await searchParams, "q")?.trim().slice(0, 100);
  const title = q ? `Search: ${q}` : "Search";
  return {
    title,
    description: q ? `Products matching “${q}” at Cartwright Supply.` : "Search the Cartwright Supply catalog.",
    // every query is the same page to a search engine: one canonical URL, and result pages stay out of the index
    alternates: { canonical: "/search" },
    robots: { index: false, follow: true },
    openGraph: { type: "website", url: "/search", title },
  };
}

/**
 * The search page: a plain GET form (q, category, price range in major units, in stock, sort), so it works without
 * JavaScript; the results come from the same function as GET /api/products.
 */
export default async function SearchPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const sp = await searchParams;
  const db = prisma();
  const [currencies, categories] = await Promise.all([listCurrencies(db), listCategories(db)]);
  const currency = await shopperCurrency(sp, currencies);
  const raw = { q: firstParam(sp, "q"), category: firstParam(sp, "category"), min: firstParam(sp, "min"), max: firstParam(sp, "max"), inStock: firstParam(sp, "inStock"), sort: firstParam(sp, "sort"), cursor: firstParam(sp, "cursor") };

  // the form's prices are in major units ("12.50"); the API's are minor units
  const problems: string[] = [];
  const toMinor = (text: string | undefined, label: string): string | undefined => {
    if (!text?.trim()) return undefined;
    const minor = parseMajorUnits(text.trim(), currency);
    if (minor === null || minor < 0) {
      problems.push(`${label} must be an amount like ${toMajorUnitsString(1250 * 10 ** Math.max(0, currencyExponent(currency) - 2), currency)}.`);
      return undefined;
    }
    return String(minor);
  };
  const minPrice = toMinor(raw.min, "Min price");
  const maxPrice = toMinor(raw.max, "Max price");

  const parsed = productQuerySchema.safeParse(
    queryObject({ q: raw.q, category: raw.category, currency, minPrice, maxPrice, inStock: raw.inStock === "1" ? "true" : undefined, sort: raw.sort, cursor: raw.cursor, limit: "24" }),
  );
  let page: ProductPage = { products: [], nextCursor: null };
  if (!parsed.success) problems.push("Some of the filters are not valid; please check them.");
  else {
    try {
      page = await searchProducts(db, parsed.data);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      problems.push(e.message);
    }
  }
  const keep = { q: raw.q, category: raw.category, min: raw.min, max: raw.max, inStock: raw.inStock, sort: raw.sort, currency: firstParam(sp, "currency") };
  const nextHref = page.nextCursor ? listingHref("/search", { ...keep, cursor: page.nextCursor }) : null;

  return (
    <>
      <h1>{raw.q ? <>Results for “{raw.q}”</> : "Search"}</h1>
      <form action="/search" method="get" className="search-filters" data-testid="search-form">
        <div className="field">
          <label htmlFor="search-q">Search</label>
          <input id="search-q" type="search" name="q" defaultValue={raw.q ?? ""} maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor="search-category">Category</label>
          <select id="search-category" name="category" defaultValue={raw.category ?? ""}>
            <option value="">All</option>
            {categories.map((c) => (
              <option key={c.slug} value={c.slug}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="search-min">Min price ({currency})</label>
          <input id="search-min" name="min" inputMode="decimal" defaultValue={raw.min ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="search-max">Max price ({currency})</label>
          <input id="search-max" name="max" inputMode="decimal" defaultValue={raw.max ?? ""} />
        </div>
        <label className="checkbox">
          <input type="checkbox" name="inStock" value="1" defaultChecked={raw.inStock === "1"} /> In stock only
        </label>
        <div className="field">
          <label htmlFor="search-sort">Sort</label>
          <select id="search-sort" name="sort" defaultValue={raw.sort ?? ""}>
            <option value="">{raw.q ? "Best match" : "Featured"}</option>
            {SORTS.filter((s) => s !== "relevance").map((s) => (
              <option key={s} value={s}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        {firstParam(sp, "currency") && <input type="hidden" name="currency" value={currency} />}
        <button type="submit" className="btn">
          Search
        </button>
      </form>
      <CurrencySwitcher current={currency} currencies={currencies} hrefFor={(c) => listingHref("/search", { ...keep, currency: c })} />
      {problems.length > 0 && (
        <div className="notice" role="alert">
          {problems.map((p) => (
            <p key={p}>{p}</p>
          ))}
        </div>
      )}
      <ProductGrid products={page.products} nextHref={nextHref} empty={<>No products match. Try fewer words or another spelling.</>} />
    </>
  );
}
