import { notFound } from "next/navigation";
import { categoryBySlug } from "./data";

// An unknown category must answer 404: decided here, before loading.tsx's boundary sends the first byte (see the
// product layout).
export default async function CategoryLayout({ children, params }: { children: React.ReactNode; params: Promise<{ slug: string }> }) {
  if (!(await categoryBySlug((await params).slug))) notFound();
  return children;
}
