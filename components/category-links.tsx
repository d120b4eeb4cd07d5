import Link from "next/link";

export function CategoryLinks({ categories, current }: { categories: { slug: string; name: string; productCount: number }[]; current?: string }) {
  if (categories.length === 0) return null;
  return (
    <nav className="category-links" aria-label="Categories">
      {categories.map((c) => (
        <Link key={c.slug} href={`/categories/${c.slug}`} aria-current={c.slug === current ? "page" : undefined}>
          {c.name} <span className="muted">({c.productCount})</span>
        </Link>
      ))}
    </nav>
  );
}
