import { priceCart, type AppliedDiscount, type CartSummary, type RateTables, type ShippingAddress } from "../pricing";
import { combines, validateDiscount, type DiscountFailureReason, type DiscountRule, type PricingLine } from "./rules";

// Which of a cart's discounts apply: candidates in, the chosen set and a reason for every other one out. Pure (no
// database, no clock: the caller passes `now`), so the property test can compare it with a brute-force search.

export type ChooseCart = {
  currency: string;
  lines: readonly PricingLine[];
  address: ShippingAddress | null;
  rates: RateTables;
  now: Date;
  /** per discount id: the customer's unreleased redemptions, where known (per-customer limits) */
  customerUses?: ReadonlyMap<number, number>;
};

export type NotApplied = {
  id: number;
  reason: DiscountFailureReason;
  /** the applied discount (its code, or its title) this one does not combine with; null when none is to blame */
  conflictsWith: string | null;
  message: string;
};

export type ChooseResult = {
  /** the chosen set, in the order of the candidates, with what each takes off (a free-shipping code: what it waives) */
  applied: AppliedDiscount[];
  notApplied: NotApplied[];
  /** the cart priced with exactly the applied set */
  summary: CartSummary;
};

/**
 * The search bound: every code the cart holds (at most MAX_CODES_PER_CART, enforced when a code is applied) plus the
 * MAX_AUTOMATIC_CANDIDATES automatic discounts worth the most on their own; so at most 2^10 = 1024 sets are priced
 * whatever the number of automatic discounts a shop has. The other qualifying automatic discounts are not applied
 * (reason not_combinable, no one to blame: the better ones were chosen among).
 */
export const MAX_AUTOMATIC_CANDIDATES = 5;

/** How a discount is named to the shopper: its code (an automatic discount has its title instead). */
export const discountLabel = (d: Pick<DiscountRule, "code">): string => d.code;

type Priced = { set: DiscountRule[]; summary: CartSummary; applied: AppliedDiscount[] };

/** Prices `set` in the order the candidates were given (the pricing engine applies discounts in order). */
function price(cart: ChooseCart, order: readonly DiscountRule[], set: ReadonlySet<number>): Priced {
  const discounts = order.filter((d) => set.has(d.id));
  const { summary, appliedDiscounts } = priceCart({
    currency: cart.currency,
    lines: [...cart.lines],
    discounts,
    address: cart.address,
    rates: cart.rates,
  });
  return { set: discounts, summary, applied: appliedDiscounts };
}

/** Lexicographic comparison of two ascending id lists (a prefix is smaller). */
function compareIds(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The order in which candidate sets are ranked: lowest total, then fewer discounts that take something off, then the
 * smaller sorted list of their ids. Only sets whose every member takes something off are ranked (a member worth 0
 * leaves the total as it is: the same set without it ranks equal); members worth 0 join afterwards (joinZeroWorth).
 */
export function rankPriced(a: Priced, b: Priced): number {
  if (a.summary.total !== b.summary.total) return a.summary.total - b.summary.total;
  if (a.applied.length !== b.applied.length) return a.applied.length - b.applied.length;
  return compareIds(
    a.applied.map((x) => x.discountId).sort((x, y) => x - y),
    b.applied.map((x) => x.discountId).sort((x, y) => x - y),
  );
}

/**
 * The compatible discounts worth 0 now (free shipping before an address, a buy-X-get-Y without a complete group)
 * join the chosen set, in ascending id order, each only if it combines with every member so far and joining
 * changes neither the total nor what it takes (0). They then show as applied and start counting the moment the
 * cart qualifies.
 */
export function joinZeroWorth(cart: ChooseCart, order: readonly DiscountRule[], best: Priced, valid: readonly DiscountRule[]): Priced {
  let current = best;
  for (const d of [...valid].sort((a, b) => a.id - b.id)) {
    if (current.set.some((m) => m.id === d.id)) continue;
    if (!current.set.every((m) => combines(m, d))) continue;
    const next = price(cart, order, new Set([...current.set.map((m) => m.id), d.id]));
    const worth = next.applied.find((a) => a.discountId === d.id)?.amount ?? 0;
    if (worth === 0 && next.summary.total === current.summary.total) current = next;
  }
  return current;
}

/**
 * Chooses the discounts a cart gets: every candidate is validated (`validateDiscount`, with the customer's uses when
 * known); among the valid ones, every set in which each pair combines (each allows the other's class) is priced, and
 * the set with the lowest total wins (ties: fewer discounts that take something off, then the smaller sorted list of
 * ids); compatible discounts worth 0 now then join it. Every other candidate is in `notApplied` with its reason:
 * the validation failure, or `not_combinable` with the applied discount it clashes with (null when it combines with
 * all of them but the total is lower without it).
 *
 * The search walks only compatible sets (a branch stops as soon as a member clashes), so it prices far fewer sets
 * than the 2^n subsets when discounts do not combine, and only within the bound (boundCandidates): the codes plus
 * the MAX_AUTOMATIC_CANDIDATES automatic discounts worth the most alone.
 */
export function chooseDiscounts(cart: ChooseCart, candidates: readonly DiscountRule[]): ChooseResult {
  const seen = new Set<number>();
  const order = candidates.filter((d) => (seen.has(d.id) ? false : (seen.add(d.id), true)));
  const failures = new Map<number, NotApplied>();
  const valid: DiscountRule[] = [];
  for (const d of order) {
    const check = validateDiscount(d, {
      currency: cart.currency,
      lines: cart.lines,
      now: cart.now,
      customerUses: cart.customerUses?.get(d.id) ?? null,
    });
    if (check.ok) valid.push(d);
    else failures.set(d.id, { id: d.id, reason: check.reason, conflictsWith: null, message: check.message });
  }

  let best = price(cart, order, new Set());
  const { considered, left } = boundCandidates(cart, order, valid, best);
  for (const d of left)
    failures.set(d.id, {
      id: d.id,
      reason: "not_combinable",
      conflictsWith: null,
      message: `Your other discounts give you a better price without ${discountLabel(d)}.`,
    });
  const chosen: DiscountRule[] = [];
  const walk = (from: number): void => {
    for (let i = from; i < considered.length; i++) {
      const d = considered[i]!;
      if (!chosen.every((m) => combines(m, d))) continue;
      chosen.push(d);
      const priced = price(cart, order, new Set(chosen.map((m) => m.id)));
      // a set in which a member takes nothing ranks equal to the same set without it, which is walked too
      if (priced.applied.every((a) => a.amount > 0) && rankPriced(priced, best) < 0) best = priced;
      walk(i + 1);
      chosen.pop();
    }
  };
  walk(0);
  const final = joinZeroWorth(cart, order, best, considered);

  const inSet = new Set(final.set.map((d) => d.id));
  const notApplied: NotApplied[] = [];
  for (const d of order) {
    if (inSet.has(d.id)) continue;
    const failure = failures.get(d.id);
    if (failure) {
      notApplied.push(failure);
      continue;
    }
    const clash = final.set.find((m) => !combines(m, d));
    notApplied.push({
      id: d.id,
      reason: "not_combinable",
      conflictsWith: clash ? discountLabel(clash) : null,
      message: clash
        ? `${discountLabel(d)} can't be combined with ${discountLabel(clash)}, which gives you a better price.`
        : `Your other discounts give you a better price without ${discountLabel(d)}.`,
    });
  }
  return { applied: final.applied, notApplied, summary: final.summary };
}

/**
 * The candidates the search considers: every valid code, and the MAX_AUTOMATIC_CANDIDATES valid automatic discounts
 * that save the most on their own (the total without any discount minus the total with it alone; ties: lower id).
 * `left` are the other valid automatic discounts.
 */
export function boundCandidates(
  cart: ChooseCart,
  order: readonly DiscountRule[],
  valid: readonly DiscountRule[],
  none: Priced = price(cart, order, new Set()),
): { considered: DiscountRule[]; left: DiscountRule[] } {
  const automatic = valid.filter((d) => d.automatic);
  if (automatic.length <= MAX_AUTOMATIC_CANDIDATES) return { considered: [...valid], left: [] };
  const saving = new Map(automatic.map((d) => [d.id, none.summary.total - price(cart, order, new Set([d.id])).summary.total]));
  const best = new Set(
    [...automatic]
      .sort((a, b) => saving.get(b.id)! - saving.get(a.id)! || a.id - b.id)
      .slice(0, MAX_AUTOMATIC_CANDIDATES)
      .map((d) => d.id),
  );
  return { considered: valid.filter((d) => !d.automatic || best.has(d.id)), left: automatic.filter((d) => !best.has(d.id)) };
}

/**
 * chooseDiscounts, and then the budgets predicted: an applied discount that would give more than what is left of
 * its budget (`budgetLeft`), and that `predict` says to leave out, is listed as not applied with reason
 * budget_exhausted, and the choice is made again without it (so the other discounts can take its place). The cart
 * leaves out every such discount (what checkout would refuse with budget_exhausted); checkout leaves out the
 * automatic ones only (a code the shopper kept is refused at checkout, as the contract says, and taken off).
 */
export function chooseWithinBudgets(
  cart: ChooseCart,
  candidates: readonly DiscountRule[],
  predict: (d: DiscountRule) => boolean = () => true,
): ChooseResult {
  let pool = [...candidates];
  const exhausted: NotApplied[] = [];
  for (;;) {
    const result = chooseDiscounts(cart, pool);
    const over = result.applied.flatMap((a) => {
      const d = pool.find((c) => c.id === a.discountId);
      return d && d.budgetLeft != null && a.amount > d.budgetLeft && predict(d) ? [d] : [];
    });
    if (over.length === 0) {
      // in the order of the candidates
      const notApplied = [...result.notApplied, ...exhausted];
      const at = new Map(candidates.map((c, i) => [c.id, i]));
      notApplied.sort((a, b) => (at.get(a.id) ?? 0) - (at.get(b.id) ?? 0));
      return { ...result, notApplied };
    }
    for (const d of over)
      exhausted.push({
        id: d.id,
        reason: "budget_exhausted",
        conflictsWith: null,
        message: `${discountLabel(d)} has run out: what is left of its budget is less than it would take off.`,
      });
    pool = pool.filter((c) => !over.includes(c));
  }
}
