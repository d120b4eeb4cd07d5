import { cache } from "react";
import { findProduct } from "@/lib/catalog";
import { prisma } from "@/lib/db";

// The layout, generateMetadata and the page of one request read the same product: one query.
export const productBySlug = cache((slug: string) => (slug.length > 200 ? Promise.resolve(null) : findProduct(prisma(), slug)));
