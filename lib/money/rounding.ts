// Integer division with a named rounding mode, one function per mode. Everything is done in BigInt so that a
// product such as amount * basisPoints can exceed 2^53 without losing a cent; the quotient must fit back into a
// safe integer (it is an amount of money in minor units).

export type IntegerLike = bigint | number;

/** A bigint from a bigint or a safe integer; anything else is a programming error. */
export function toBigInt(value: IntegerLike, name = "value"): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer, got ${String(value)}.`);
  return BigInt(value);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** A number from a bigint, refusing anything a number cannot hold exactly. */
export function toSafeNumber(value: bigint, name = "result"): number {
  if (value > MAX_SAFE || value < MIN_SAFE) throw new RangeError(`${name} ${value} is outside the safe integer range.`);
  return Number(value);
}

/** Normalised so the denominator is positive: (q truncated toward zero, r with the sign of n, d > 0). */
function divmod(numerator: IntegerLike, denominator: IntegerLike): { n: bigint; d: bigint; q: bigint; r: bigint } {
  let n = toBigInt(numerator, "numerator");
  let d = toBigInt(denominator, "denominator");
  if (d === 0n) throw new RangeError("Division by zero.");
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  return { n, d, q: n / d, r: n % d };
}

const abs = (x: bigint) => (x < 0n ? -x : x);

/** numerator / denominator rounded to the nearest integer, halves away from zero (2.5 -> 3, -2.5 -> -3). */
export function divideRoundHalfUpBig(numerator: IntegerLike, denominator: IntegerLike): bigint {
  const { n, d, q, r } = divmod(numerator, denominator);
  if (2n * abs(r) >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** numerator / denominator rounded to the nearest integer, halves to the even neighbour (2.5 -> 2, 3.5 -> 4). */
export function divideRoundHalfEvenBig(numerator: IntegerLike, denominator: IntegerLike): bigint {
  const { n, d, q, r } = divmod(numerator, denominator);
  const twice = 2n * abs(r);
  if (twice > d || (twice === d && q % 2n !== 0n)) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** numerator / denominator rounded toward negative infinity (floor: 2.9 -> 2, -2.1 -> -3). */
export function divideRoundDownBig(numerator: IntegerLike, denominator: IntegerLike): bigint {
  const { q, r } = divmod(numerator, denominator);
  return r < 0n ? q - 1n : q;
}

/** Half away from zero, as a safe-integer number. */
export function divideRoundHalfUp(numerator: IntegerLike, denominator: IntegerLike): number {
  return toSafeNumber(divideRoundHalfUpBig(numerator, denominator));
}

/** Half to even (banker's rounding), as a safe-integer number. */
export function divideRoundHalfEven(numerator: IntegerLike, denominator: IntegerLike): number {
  return toSafeNumber(divideRoundHalfEvenBig(numerator, denominator));
}

/** Floor, as a safe-integer number. */
export function divideRoundDown(numerator: IntegerLike, denominator: IntegerLike): number {
  return toSafeNumber(divideRoundDownBig(numerator, denominator));
}
