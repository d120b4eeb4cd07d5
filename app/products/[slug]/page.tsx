import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { findProduct } from "@/lib/catalog";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { VariantPicker } from "@/components/variant-picker";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  const product = await findProduct(prisma(), (await params).slug);
  return { title: product?.name ?? "Product not found" };
}

export default async function ProductPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  if (slug.length > 200) notFound();
  const product = await findProduct(prisma(), slug);
  if (!product) notFound();
  return (
    <article className="product-page">
      <div className="product-image">
        {/* eslint-disable-next-line @next/next/no-img-element */}
        <img src={product.imageUrl ?? "/products/placeholder.svg"} alt={product.name} width={560} height={560} />
      </div>
      <div>
        <h1 className="product-title">{product.name}</h1>
        <p className="muted">{product.description}</p>
        <VariantPicker variants={product.variants} currency={product.currency} maxQuantity={env().CART_MAX_LINE_QUANTITY} />
      </div>
    </article>
  );
}
