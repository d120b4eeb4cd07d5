import { listProducts } from "@/lib/catalog";
import { prisma } from "@/lib/db";
import { ProductCard } from "@/components/product-card";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const products = await listProducts(prisma());
  return (
    <>
      <section className="hero">
        <h1>Everyday goods, honestly priced.</h1>
        <p className="muted">Tees, bags, mugs and more. Free domestic shipping over $75.</p>
      </section>
      {products.length === 0 ? (
        <p>The shop is empty. Run <code>npm run db:seed</code> to add the demo catalog.</p>
      ) : (
        <ul className="product-grid" aria-label="Products">
          {products.map((p) => (
            <ProductCard key={p.id} product={p} />
          ))}
        </ul>
      )}
    </>
  );
}
