import { allocate } from "../money";

// What a refund is worth. Pure: no database, no provider.
//
// A unit's amount is its exact share of its line's total (the line's discount and tax included), split over the
// line's units by largest remainder (lib/money allocate, ties to the earlier unit), so the units of a line always add
// up to the line's total; units are refunded in order (the first refund takes unit 0, ...). Shipping is refunded as
// shipping + shippingTax. Refunding every unit and the shipping therefore returns exactly the order's total.

export type RefundableLine = { id: string; quantity: number; total: number; refundedQuantity: number };

/** The amount of units [from, from + count) of a line. */
export function unitsAmount(line: Pick<RefundableLine, "quantity" | "total">, from: number, count: number): number {
  if (!Number.isInteger(from) || !Number.isInteger(count) || from < 0 || count < 0 || from + count > line.quantity)
    throw new RangeError(`units [${from}, ${from + count}) are not within a line of ${line.quantity}`);
  if (count === 0) return 0;
  const shares = allocate(line.total, Array.from({ length: line.quantity }, () => 1));
  let sum = 0;
  for (let i = from; i < from + count; i++) sum += shares[i]!;
  return sum;
}

/** The amount of refunding `count` more units of a line (after those already refunded). */
export const nextUnitsAmount = (line: RefundableLine, count: number) => unitsAmount(line, line.refundedQuantity, count);

/** The shipping part of a refund. */
export const shippingAmount = (order: { shippingTotal: number; shippingTax: number }) => order.shippingTotal + order.shippingTax;
