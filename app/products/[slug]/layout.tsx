import { notFound } from "next/navigation";
import { productBySlug } from "./data";

// An unknown product must answer 404. The page sits inside loading.tsx's Suspense boundary, so by the time it
// could call notFound() the 200 has already been sent with the loading state; the layout renders before that
// first byte, so the decision is made here.
export default async function ProductLayout({ children, params }: { children: React.ReactNode; params: Promise<{ slug: string }> }) {
  if (!(await productBySlug((await params).slug))) notFound();
  return children;
}
