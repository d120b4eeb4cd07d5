import { z } from "zod";
import { Prisma, type Db } from "../db";
import { decodeCursor, encodeCursor, type SortMode } from "./cursor";
import { loadProducts, type ApiProduct } from "./index";
import { sellableSql } from "./sellable";

// The catalog listing and search (GET /api/products, the home, category and search pages): PostgreSQL full-text
// search over the generated `products.search` tsvector (every word of the query as a prefix, so "hood" finds the
// hoodie), forgiving typos through pg_trgm's word similarity against the name ("hodie" still finds it), with
// filters and keyset paging. One query picks the page's ids; a second loads those products.

export const SORTS = ["relevance", "price_asc", "price_desc", "newest"] as const;
export type Sort = (typeof SORTS)[number];

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;
const MAX_INT = 2147483647;
/** how close a misspelt query must be to a word run of the name (pg_trgm word_similarity, 0..1) */
export const TYPO_SIMILARITY = 0.5;

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const minorUnits = z.preprocess(
  blankToUndefined,
  z
    .string()
    .regex(/^\d{1,10}$/, "Must be a whole number of minor units (cents), 0 or more")
    .transform(Number)
    .refine((n) => n <= MAX_INT, "Too large")
    .optional(),
);

/** The query string of GET /api/products (and of the listing pages), every value a string as it arrives. */
export const productQuerySchema = z
  .object({
    q: z.preprocess(blankToUndefined, z.string().trim().max(200, "At most 200 characters").optional()),
    category: z.preprocess(
      blankToUndefined,
      z.string().max(100).regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "Must be a category slug like \"apparel\"").optional(),
    ),
    currency: z.preprocess(
      (v) => (typeof v === "string" ? blankToUndefined(v.toUpperCase()) : v),
      z.string().regex(/^[A-Z]{3}$/, "Must be an ISO 4217 code like USD").optional(),
    ),
    minPrice: minorUnits,
    maxPrice: minorUnits,
    inStock: z.preprocess(
      blankToUndefined,
      z
        .enum(["true", "false", "1", "0"], { message: "Must be true or false" })
        .transform((v) => v === "true" || v === "1")
        .optional(),
    ),
    sort: z.preprocess(blankToUndefined, z.enum(SORTS, { message: `Must be one of ${SORTS.join(", ")}` }).optional()),
    cursor: z.preprocess(blankToUndefined, z.string().max(200).optional()),
    // larger values are clamped rather than refused, so a client asking for "everything" still gets a page
    limit: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^\d{1,9}$/, "Must be a whole number from 1")
        .transform(Number)
        .refine((n) => n >= 1, "Must be a whole number from 1")
        .transform((n) => Math.min(n, MAX_LIMIT))
        .optional(),
    ),
  })
  .refine((v) => v.minPrice === undefined || v.maxPrice === undefined || v.minPrice <= v.maxPrice, {
    path: ["maxPrice"],
    message: "Must not be below minPrice",
  });

export type ProductQuery = z.output<typeof productQuerySchema>;

const QUERY_KEYS = ["q", "category", "currency", "minPrice", "maxPrice", "inStock", "sort", "cursor", "limit"] as const;

/** The known parameters of a query string (the first value of each; unknown ones are ignored), for the schema. */
export function queryObject(params: URLSearchParams | Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const get = (k: string): string | undefined => {
    if (params instanceof URLSearchParams) return params.get(k) ?? undefined;
    const v = params[k];
    return Array.isArray(v) ? v[0] : v;
  };
  return Object.fromEntries(QUERY_KEYS.map((k) => [k, get(k)]));
}

/** The words of a query, lower-cased; only letters and digits get through, so nothing reaches tsquery syntax. */
export function queryWords(q: string): string[] {
  return q.toLowerCase().match(/[\p{L}\p{N}]+/gu)?.slice(0, 12) ?? [];
}

/** The words as one prefix tsquery ("hood tee" -> "hood:* & tee:*"), or null when there is no word. */
export function prefixTsQuery(q: string): string | null {
  const words = queryWords(q);
  return words.length ? words.map((w) => `${w}:*`).join(" & ") : null;
}

/** Words this short have too few trigrams for a similarity to mean anything: they must match as a prefix. */
const MIN_TYPO_WORD = 4;

/** The order actually used: relevance needs a query; without q or sort the order is the catalog's (by id). */
export function sortModeOf(query: Pick<ProductQuery, "q" | "sort">): SortMode {
  if (query.sort === "relevance" || query.sort === undefined) return query.q ? "relevance" : "default";
  return query.sort;
}

export type ProductPage = { products: ApiProduct[]; nextCursor: string | null };

export async function searchProducts(db: Db, query: ProductQuery): Promise<ProductPage> {
  const mode = sortModeOf(query);
  const limit = query.limit ?? DEFAULT_LIMIT;
  const after = query.cursor ? decodeCursor(query.cursor, mode) : null;

  const q = query.q ?? "";
  const tsText = q ? prefixTsQuery(q) : null;
  const tsq = tsText ? Prisma.sql`to_tsquery('english', ${tsText})` : Prisma.sql`NULL::tsquery`;
  const qLower = q.toLowerCase();

  const where: Prisma.Sql[] = [Prisma.sql`p.is_active`];
  if (query.currency) where.push(Prisma.sql`p.currency = ${query.currency}`);
  if (query.category)
    where.push(Prisma.sql`EXISTS (SELECT 1 FROM product_categories pc JOIN categories c ON c.id = pc.category_id
                                  WHERE pc.product_id = p.id AND c.slug = ${query.category})`);
  if (q) {
    // Every word must match: as a prefix of a word of the name or description, or (typo tolerance) closely enough
    // to a run of the name's letters. A stop word ("the") matches anything, as it would in the full-text query.
    const words = queryWords(q);
    if (words.length === 0) where.push(Prisma.sql`FALSE`);
    for (const w of words) {
      const wq = Prisma.sql`to_tsquery('english', ${`${w}:*`})`;
      const typo = w.length >= MIN_TYPO_WORD ? Prisma.sql` OR word_similarity(${w}, lower(p.name)) >= ${TYPO_SIMILARITY}::real` : Prisma.empty;
      where.push(Prisma.sql`(numnode(${wq}) = 0 OR p.search @@ ${wq}${typo})`);
    }
  }

  // Relevance as an integer (millionths), so the cursor compares exactly: full-text rank (name above description)
  // plus the trigram closeness of the query to the name, which is what lifts the hoodie above a text that merely
  // mentions a hood.
  const score = q
    ? Prisma.sql`round((coalesce(ts_rank(p.search, ${tsq}), 0) + word_similarity(${qLower}, lower(p.name))) * 1000000)::bigint`
    : Prisma.sql`0::bigint`;

  // Keys ascending for every order: k1 the sort value (negated for descending sorts), k2 the tie-breaker.
  const keys: Record<SortMode, { k1: Prisma.Sql; k2: Prisma.Sql }> = {
    default: { k1: Prisma.sql`0::bigint`, k2: Prisma.sql`id` },
    relevance: { k1: Prisma.sql`-score`, k2: Prisma.sql`id` },
    // a product with nothing sellable has no price: last in both directions
    price_asc: { k1: Prisma.sql`coalesce(price, ${MAX_INT})::bigint`, k2: Prisma.sql`id` },
    price_desc: { k1: Prisma.sql`-coalesce(price, -1)::bigint`, k2: Prisma.sql`id` },
    newest: { k1: Prisma.sql`-created_ms`, k2: Prisma.sql`-id` },
  };
  const { k1, k2 } = keys[mode];

  const filters: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (query.minPrice !== undefined) filters.push(Prisma.sql`price >= ${query.minPrice}`);
  if (query.maxPrice !== undefined) filters.push(Prisma.sql`price <= ${query.maxPrice}`);
  if (query.inStock === true) filters.push(Prisma.sql`in_stock`);
  if (query.inStock === false) filters.push(Prisma.sql`NOT in_stock`);
  const afterSql = after ? Prisma.sql`WHERE (keyed.k1, keyed.k2) > (${after.k1}::bigint, ${after.k2}::int)` : Prisma.empty;

  const rows = await db.$queryRaw<{ id: number; key1: string; key2: number }[]>`
    WITH candidates AS (
      SELECT p.id,
             -- the price a shopper can pay: the lowest price among variants that can be sold (active, of an active product)
             (SELECT min(coalesce(v.price_override, p.base_price)) FROM product_variants v
               WHERE v.product_id = p.id AND ${sellableSql("v", "p")}) AS price,
             EXISTS (SELECT 1 FROM product_variants v
                      WHERE v.product_id = p.id AND ${sellableSql("v", "p", { quantity: 1 })}) AS in_stock,
             floor(extract(epoch FROM p.created_at) * 1000)::bigint AS created_ms,
             ${score} AS score
      FROM products p
      WHERE ${Prisma.join(where, " AND ")}
    ),
    keyed AS (
      SELECT id, ${k1} AS k1, (${k2})::int AS k2 FROM candidates WHERE ${Prisma.join(filters, " AND ")}
    )
    SELECT id, k1::text AS key1, k2 AS key2 FROM keyed ${afterSql}
    ORDER BY keyed.k1, keyed.k2
    LIMIT ${limit + 1}`;

  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor({ mode, k1: BigInt(last.key1), k2: last.key2 }) : null;
  return { products: await loadProducts(db, page.map((r) => r.id)), nextCursor };
}

/** The currencies the active catalog is priced in (for the listing's currency switcher). */
export async function listCurrencies(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ currency: string }[]>`SELECT DISTINCT currency FROM products WHERE is_active ORDER BY currency`;
  return rows.map((r) => r.currency.trim());
}
