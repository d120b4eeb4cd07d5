import { cache } from "react";
import { findCategory } from "@/lib/catalog/categories";
import { prisma } from "@/lib/db";

const validSlug = (slug: string) => slug.length <= 100 && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug);

// The layout, generateMetadata and the page of one request read the same category: one query.
export const categoryBySlug = cache((slug: string) => (validSlug(slug) ? findCategory(prisma(), slug) : Promise.resolve(null)));
