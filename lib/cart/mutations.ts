// Pure changes to a cart record. Both stores (KV for guests, PostgreSQL for signed-in shoppers) run these inside
// their own atomic update, so the rules live in one place and concurrent writers never lose an update.
import { sellable } from "../catalog/sellable";
import { DomainError, notFound } from "../errors";
import { assertLinesInRange, type ShippingAddress } from "../pricing";
import { normalizeOptions, optionsKey, type CartDiscountRef, type CartLine, type CartRecord, type CustomOptions, type VariantInfo } from "./model";

/**
 * maxLineQuantity (CART_MAX_LINE_QUANTITY) bounds the units of ONE variant in a cart, summed over its lines (lines
 * of one variant differ only by custom options, so a per-line bound alone could be side-stepped with gift
 * messages); a cart holds at most MAX_CART_LINES lines, so a cart (and the order made from it) stays small enough
 * to price and reserve in one short statement.
 */
export type LineLimits = { maxLineQuantity: number };

export const MAX_CART_LINES = 100;

/** 422 amount_out_of_range before a change is saved: a cart no order could hold is refused, not stored. */
function assertInRange(currency: string, items: CartLine[]): void {
  assertLinesInRange(
    currency,
    items.map((l) => ({ itemId: l.id, productId: l.productId, variantId: l.variantId, unitPrice: l.unitPrice, quantity: l.quantity })),
  );
}

function touch(cart: CartRecord, now: Date): CartRecord {
  return { ...cart, version: cart.version + 1, updatedAt: now.toISOString() };
}

function assertActive(cart: CartRecord): void {
  if (cart.status !== "ACTIVE")
    throw new DomainError("cart_not_active", "This cart has already been checked out.", { status: cart.status });
}

function quantityTooLarge(max: number): DomainError {
  return new DomainError("validation_failed", `You can order at most ${max} of one item.`, {
    fieldErrors: { quantity: [`At most ${max}`] },
  });
}

function tooManyLines(): DomainError {
  return new DomainError("too_many_lines", `A cart can hold at most ${MAX_CART_LINES} different items.`, { maxLines: MAX_CART_LINES });
}

const unitsOf = (items: readonly CartLine[], variantId: number) => items.filter((l) => l.variantId === variantId).reduce((n, l) => n + l.quantity, 0);

/** The units of one variant over all its lines (whatever their options) stay within the per-item maximum. */
function assertUnits(items: readonly CartLine[], variantId: number, limits: LineLimits): void {
  if (unitsOf(items, variantId) > limits.maxLineQuantity) throw quantityTooLarge(limits.maxLineQuantity);
}

/** Stock must cover every line of that variant in the cart together (lines differ only by options). */
function assertStock(items: CartLine[], variant: VariantInfo): void {
  const requested = items.filter((l) => l.variantId === variant.id).reduce((n, l) => n + l.quantity, 0);
  if (requested > variant.stock)
    throw new DomainError(
      "insufficient_stock",
      variant.stock === 0
        ? `${variant.name} is out of stock.`
        : `Only ${variant.stock} of ${variant.name} ${variant.stock === 1 ? "is" : "are"} available.`,
      { items: [{ variantId: variant.id, requested, available: variant.stock }] },
    );
}

const noLongerAvailable = () => new DomainError("not_found", "This product is no longer available.");

/** The catalog's sellable rule, told apart: not for sale at all is 404, for sale in another currency 422. */
export function assertSellable(cart: CartRecord, variant: VariantInfo): void {
  if (!sellable(variant)) throw noLongerAvailable();
  if (!sellable(variant, { currency: cart.currency }))
    throw new DomainError("currency_mismatch", `This item is priced in ${variant.currency}, but your cart is in ${cart.currency}.`, {
      cartCurrency: cart.currency,
      itemCurrency: variant.currency,
    });
}

export function addLine(
  cart: CartRecord,
  input: { variant: VariantInfo; quantity: number; options?: CustomOptions; newLineId: string; now: Date; limits: LineLimits },
): CartRecord {
  assertActive(cart);
  const { variant, quantity, limits } = input;
  // 0 only means "remove" when a line's quantity is SET; adding nothing (or less) is a mistake, whoever calls
  if (!Number.isInteger(quantity) || quantity < 1)
    throw new DomainError("validation_failed", "Quantity must be at least 1.", { fieldErrors: { quantity: ["Quantity must be at least 1"] } });
  // an empty cart takes the currency of its first item, so a shopper can buy in any currency the shop sells in
  if (cart.items.length === 0 && cart.discounts.length === 0 && cart.currency !== variant.currency) cart = { ...cart, currency: variant.currency };
  assertSellable(cart, variant);
  const options = normalizeOptions(input.options);
  const key = optionsKey(options);
  const existing = cart.items.find((l) => l.variantId === variant.id && l.optionsKey === key);
  let items: CartLine[];
  if (existing) {
    // the line keeps the price captured when it was first added; checkout re-prices
    items = cart.items.map((l) => (l === existing ? { ...l, quantity: existing.quantity + quantity } : l));
  } else {
    if (cart.items.length >= MAX_CART_LINES) throw tooManyLines();
    items = [
      ...cart.items,
      {
        id: input.newLineId,
        productId: variant.productId,
        variantId: variant.id,
        sku: variant.sku,
        name: variant.name,
        attributes: variant.attributes,
        imageUrl: variant.imageUrl,
        quantity,
        unitPrice: variant.price,
        customOptions: options,
        optionsKey: key,
        addedAt: input.now.toISOString(),
      },
    ];
  }
  assertUnits(items, variant.id, limits);
  assertStock(items, variant);
  assertInRange(cart.currency, items);
  return touch({ ...cart, items }, input.now);
}

export function findLine(cart: CartRecord, itemId: string): CartLine {
  const line = cart.items.find((l) => l.id === itemId);
  if (!line) throw notFound("Cart item");
  return line;
}

/** 0 removes the line; an increase is checked against stock, a decrease never is. */
export function setLineQuantity(
  cart: CartRecord,
  input: { itemId: string; quantity: number; variant: VariantInfo | null; now: Date; limits: LineLimits },
): CartRecord {
  assertActive(cart);
  const line = findLine(cart, input.itemId);
  if (input.quantity === 0) return removeLine(cart, input.itemId, input.now);
  if (input.quantity > input.limits.maxLineQuantity) throw quantityTooLarge(input.limits.maxLineQuantity);
  const items = cart.items.map((l) => (l.id === line.id ? { ...l, quantity: input.quantity } : l));
  if (input.quantity > line.quantity) {
    assertUnits(items, line.variantId, input.limits);
    if (!input.variant || !sellable(input.variant)) throw noLongerAvailable();
    assertStock(items, input.variant);
    assertInRange(cart.currency, items);
  }
  return touch({ ...cart, items }, input.now);
}

export function removeLine(cart: CartRecord, itemId: string, now: Date): CartRecord {
  assertActive(cart);
  findLine(cart, itemId);
  return touch({ ...cart, items: cart.items.filter((l) => l.id !== itemId) }, now);
}

export function setShippingAddress(cart: CartRecord, address: ShippingAddress | null, now: Date): CartRecord {
  assertActive(cart);
  return touch({ ...cart, shippingAddress: address }, now);
}

export function addDiscount(cart: CartRecord, ref: CartDiscountRef, now: Date): CartRecord {
  assertActive(cart);
  if (cart.discounts.some((d) => d.discountId === ref.discountId)) return cart;
  return touch({ ...cart, discounts: [...cart.discounts, ref] }, now);
}

export function removeDiscount(cart: CartRecord, code: string, now: Date): CartRecord {
  assertActive(cart);
  const remaining = cart.discounts.filter((d) => d.code.toLowerCase() !== code.toLowerCase());
  if (remaining.length === cart.discounts.length) throw notFound("Discount code on this cart");
  return touch({ ...cart, discounts: remaining }, now);
}

export type CappedLine = { variantId: number; sku: string; name: string; requested: number; kept: number };

/**
 * Merges lines from another cart (a guest cart at sign-in, or a cart coming back after a failed payment) into
 * `target`. Same variant + same options: quantities add up. What comes from `source` is capped at available stock,
 * at the per-item maximum (units of a variant over all its lines) and at MAX_CART_LINES; the shopper is told which
 * lines were capped. A line `target` already holds is never reduced or removed: those units were added to the
 * target (answered 2xx) and must stay there, so only the incoming units give way. Other lines are added with their
 * captured price and options.
 */
export function mergeLines(
  target: CartRecord,
  source: CartLine[],
  stockOf: (variantId: number) => number,
  opts: { now: Date; limits: LineLimits; newLineId: () => string },
): { cart: CartRecord; capped: CappedLine[] } {
  assertActive(target);
  let items = [...target.items];
  const capped: CappedLine[] = [];
  for (const line of source) {
    const existing = items.find((l) => l.variantId === line.variantId && l.optionsKey === line.optionsKey);
    const had = existing?.quantity ?? 0;
    const wanted = had + line.quantity;
    const otherLines = items.filter((l) => l.variantId === line.variantId && l !== existing).reduce((n, l) => n + l.quantity, 0);
    const room = Math.max(0, Math.min(stockOf(line.variantId), opts.limits.maxLineQuantity) - otherLines);
    const lineRoom = existing || items.length < MAX_CART_LINES ? room : 0;
    const kept = Math.max(had, Math.min(wanted, lineRoom));
    if (kept < wanted) capped.push({ variantId: line.variantId, sku: line.sku, name: line.name, requested: wanted, kept });
    if (existing) {
      if (kept !== had) items = items.map((l) => (l === existing ? { ...l, quantity: kept } : l));
    } else if (kept > 0) {
      items.push({ ...line, id: opts.newLineId(), quantity: kept });
    }
  }
  return { cart: touch({ ...target, items }, opts.now), capped };
}

export function newCartRecord(input: {
  id: string;
  userId: string | null;
  sessionId: string | null;
  currency: string;
  now: Date;
  expiresAt: Date | null;
}): CartRecord {
  return {
    id: input.id,
    userId: input.userId,
    sessionId: input.sessionId,
    status: "ACTIVE",
    currency: input.currency,
    shippingAddress: null,
    items: [],
    discounts: [],
    version: 1,
    createdAt: input.now.toISOString(),
    updatedAt: input.now.toISOString(),
    expiresAt: input.expiresAt?.toISOString() ?? null,
  };
}
