import { Prisma } from "../db";

// THE sellable rule, stated once: a variant can be bought when the variant is active, its product is active, it is
// priced in the currency the buyer pays in (a cart's currency), and its stock covers what the buyer needs. The
// catalog's `available`, the cart's checks, the cart page's warnings, the merge at sign-in and checkout's pre-check
// all ask `sellable`; the statements that must decide inside PostgreSQL (a search's lowest price, the reserve step's
// row-locked check) use `sellableSql`, the same rule in SQL (tests/integration/sellable.test.ts holds the two equal).
// The database function cw_place_order (prisma/migrations) repeats the active part in PL/pgSQL: it cannot call either.

/** What the rule reads of a variant. */
export type SellableFacts = {
  variantActive: boolean;
  productActive: boolean;
  /** units in stock now (may be read as negative from a bad row: never sellable then) */
  stock: number;
  /** the product's currency (ISO 4217) */
  currency: string;
};

/** What the caller needs: a currency the variant must be priced in, and a number of units stock must cover. */
export type SellableNeed = { currency?: string; quantity?: number };

/**
 * Whether the variant can be sold for this need. Without a quantity, only whether it is for sale at all (the
 * caller then reads how many from `stock`); `{ quantity: 1 }` is the API's `available` (in stock and for sale).
 */
export function sellable(v: SellableFacts | null | undefined, need: SellableNeed = {}): boolean {
  if (!v || !v.variantActive || !v.productActive) return false;
  if (need.currency !== undefined && v.currency !== need.currency) return false;
  return need.quantity === undefined || v.stock >= need.quantity;
}

/** How many units can be sold for this need's currency: the stock when sellable, else 0 (never negative). */
export function sellableUnits(v: SellableFacts | null | undefined, need: Omit<SellableNeed, "quantity"> = {}): number {
  return v && sellable(v, need) ? Math.max(0, v.stock) : 0;
}

const ALIAS = /^[a-z_][a-z0-9_]*$/;

/**
 * The same rule as a SQL condition over a variant row `v` (product_variants) and its product row `p` (products),
 * for the table aliases given (identifiers written into the statement: constants only). NULL rows (a LEFT JOIN that
 * found nothing) are not sellable: wrap it in coalesce(..., false) where that can happen.
 */
export function sellableSql(v: string, p: string, need: SellableNeed = {}): Prisma.Sql {
  if (!ALIAS.test(v) || !ALIAS.test(p)) throw new RangeError(`sellableSql: not a table alias: ${v}, ${p}`);
  const parts = [Prisma.raw(`${v}.is_active`), Prisma.raw(`${p}.is_active`)];
  if (need.currency !== undefined) parts.push(Prisma.sql`${Prisma.raw(`${p}.currency`)} = ${need.currency}`);
  if (need.quantity !== undefined) parts.push(Prisma.sql`${Prisma.raw(`${v}.stock_quantity`)} >= ${need.quantity}::int`);
  return Prisma.sql`(${Prisma.join(parts, " AND ")})`;
}
