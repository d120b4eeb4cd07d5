import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { productJsonLd, serializeJsonLd } from "@/lib/catalog/json-ld";
import { listingPrice } from "@/lib/catalog/listing-price";
import { env } from "@/lib/env";
import { absoluteUrl } from "@/lib/http/site-url";
import { toMajorUnitsString } from "@/lib/money";
import { PickedVariantProvider, ProductMainImage } from "@/components/picked-variant";
import { VariantPicker } from "@/components/variant-picker";
import { requestNonce } from "../../_shared/nonce";
import { productBySlug } from "./data";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ slug: string }>; searchParams?: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const product = await productBySlug((await params).slug);
  if (!product) return { title: "Product not found" };
  const url = `/products/${product.slug}`;
  const price = listingPrice(product);
  const description = product.description.slice(0, 160);
  return {
    title: product.name,
    description,
    alternates: { canonical: url },
    openGraph: {
      type: "website",
      url,
      title: product.name,
      description,
      images: product.images.slice(0, 4).map((i) => ({ url: i.url, alt: i.alt })),
    },
    other: price.soldOut
      ? {}
      : { "product:price:amount": toMajorUnitsString(price.amount, price.currency), "product:price:currency": price.currency },
  };
}

export default async function ProductPage({ params, searchParams }: Props) {
  const { slug } = await params;
  const product = await productBySlug(slug);
  if (!product) notFound();
  const pageUrl = absoluteUrl(`/products/${product.slug}`);
  const jsonLd = serializeJsonLd(productJsonLd(product, pageUrl, (p) => absoluteUrl(p)));
  const variantLabel = (variantId: number | null) => {
    const v = product.variants.find((x) => x.id === variantId);
    // variant shots differ by colour; name that, or every attribute when there is no colour
    return v ? (v.attributes.color ?? Object.values(v.attributes).join(" / ")) : null;
  };
  // the picker starts on the first variant in stock; the main image starts on that variant's colour too
  const initial = (product.variants.find((v) => v.available) ?? product.variants[0])?.id ?? null;
  return (
    <PickedVariantProvider initial={initial}>
    <article className="product-page">
      <script type="application/ld+json" nonce={await requestNonce()} dangerouslySetInnerHTML={{ __html: jsonLd }} />
      <div>
        <ProductMainImage images={product.images} variants={product.variants} defaultUrl={product.imageUrl ?? "/products/placeholder.svg"} alt={product.name} />
        {product.images.length > 1 && (
          <div className="gallery" aria-label="More images">
            {product.images.map((i) => (
              <figure key={i.url}>
                {/* eslint-disable-next-line @next/next/no-img-element */}
                <img src={i.url} alt={i.alt} width={96} height={96} loading="lazy" />
                {i.variantId !== null && <figcaption>{variantLabel(i.variantId)}</figcaption>}
              </figure>
            ))}
          </div>
        )}
      </div>
      <div>
        <h1 className="product-title">{product.name}</h1>
        {product.categories.length > 0 && (
          <p className="muted">
            {product.categories.map((c, n) => (
              <span key={c.slug}>
                {n > 0 && " · "}
                <a href={`/categories/${c.slug}`}>{c.name}</a>
              </span>
            ))}
          </p>
        )}
        <p className="muted">{product.description}</p>
        <VariantPicker
          variants={product.variants}
          currency={product.currency}
          maxQuantity={env().CART_MAX_LINE_QUANTITY}
          returnTo={`/products/${product.slug}`}
          added={(await searchParams)?.added === "1"}
        />
      </div>
    </article>
    </PickedVariantProvider>
  );
}
