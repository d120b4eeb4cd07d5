import { toBigInt, toSafeNumber } from "./rounding";

/**
 * Splits `total` into integer parts proportional to `weights` by largest remainder: every part first gets the
 * floor of its exact share, then the units still missing go one each to the parts with the largest remainders,
 * ties to the EARLIER index. The parts always sum exactly to `total`.
 *
 * - weights are non-negative safe integers (negative -> RangeError); all zero -> split equally by the same rule.
 * - total may be negative: the magnitude is allocated and every part negated, so parts are never of the other sign.
 * - no weights: only a total of 0 can be allocated ([]).
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  const t = toBigInt(total, "total");
  if (weights.length === 0) {
    if (t === 0n) return [];
    throw new RangeError("Cannot allocate a non-zero total over no weights.");
  }
  let w = weights.map((x, i) => {
    const b = toBigInt(x, `weights[${i}]`);
    if (b < 0n) throw new RangeError(`weights[${i}] must not be negative, got ${x}.`);
    return b;
  });
  let weightSum = w.reduce((a, b) => a + b, 0n);
  if (weightSum === 0n) {
    w = w.map(() => 1n);
    weightSum = BigInt(w.length);
  }
  const negative = t < 0n;
  const magnitude = negative ? -t : t;

  const parts = w.map((x) => (magnitude * x) / weightSum);
  const remainders = w.map((x) => (magnitude * x) % weightSum);
  let missing = magnitude - parts.reduce((a, b) => a + b, 0n);

  const order = remainders
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of order) {
    if (missing === 0n) break;
    parts[i] = (parts[i] ?? 0n) + 1n;
    missing -= 1n;
  }
  return parts.map((p) => toSafeNumber(negative ? -p : p, "allocated part"));
}
