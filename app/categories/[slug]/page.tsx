import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { listCategories } from "@/lib/catalog/categories";
import { listCurrencies, productQuerySchema, queryObject, searchProducts } from "@/lib/catalog/search";
import { prisma } from "@/lib/db";
import { isDomainError } from "@/lib/errors";
import { CategoryLinks } from "@/components/category-links";
import { CurrencySwitcher } from "@/components/currency-switcher";
import { ProductGrid } from "@/components/product-grid";
import { firstParam, listingHref, shopperCurrency, type SearchParams } from "../../_shared/listing";
import { categoryBySlug } from "./data";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<SearchParams> };

const PAGE_SIZE = "24";

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  const category = await categoryBySlug(slug);
  if (!category) return { title: "Category not found" };
  const url = `/categories/${category.slug}`;
  return {
    title: category.name,
    description: category.description || `${category.name} at Cartwright Supply.`,
    alternates: { canonical: url },
    openGraph: { type: "website", url, title: category.name, description: category.description },
  };
}

export default async function CategoryPage({ params, searchParams }: Props) {
  const { slug } = await params;
  const sp = await searchParams;
  const db = prisma();
  const [categories, currencies] = await Promise.all([listCategories(db), listCurrencies(db)]);
  const category = categories.find((c) => c.slug === slug);
  if (!category) notFound();
  const currency = await shopperCurrency(sp, currencies);
  // ?limit= (1..100, like the API) lets a link ask for smaller pages
  const limit = /^\d{1,3}$/.test(firstParam(sp, "limit") ?? "") ? firstParam(sp, "limit")! : PAGE_SIZE;
  const base = { category: slug, currency, limit: Number(limit) >= 1 ? limit : PAGE_SIZE };
  const parsed = productQuerySchema.safeParse(queryObject({ ...base, cursor: firstParam(sp, "cursor") }));
  // an unreadable cursor (an old or edited link) shows the first page instead of an error
  const page = await searchProducts(db, parsed.success ? parsed.data : productQuerySchema.parse(base)).catch((e: unknown) => {
    if (isDomainError(e)) return searchProducts(db, productQuerySchema.parse(base));
    throw e;
  });
  const path = `/categories/${slug}`;
  const nextHref = page.nextCursor ? listingHref(path, { currency: firstParam(sp, "currency"), limit: firstParam(sp, "limit"), cursor: page.nextCursor }) : null;
  return (
    <>
      <section className="hero">
        <h1>{category.name}</h1>
        {category.description && <p className="muted">{category.description}</p>}
        <CategoryLinks categories={categories} current={slug} />
        <CurrencySwitcher current={currency} currencies={currencies} hrefFor={(c) => listingHref(path, { currency: c })} />
      </section>
      <ProductGrid products={page.products} nextHref={nextHref} empty={<>Nothing on this shelf in {currency}: try another currency above.</>} />
    </>
  );
}
