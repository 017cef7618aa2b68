/**
 * Money is integer fen (1 yuan = 100 fen) everywhere: in bodies, in tables and in arithmetic.
 * Floating-point yuan never appear, so sums and subsidies are exact to the fen.
 */
import * as z from "../zod.js";

/** An amount of money in fen: a non-negative safe integer. */
export const fen = z.int().nonnegative();

/** An amount of money in fen that must be more than zero (a threshold, a discount). */
export const positiveFen = z.int().positive();

export type Fen = z.infer<typeof fen>;

/**
 * Formats fen as yuan for messages and reports: 3000 → "¥30.00", -150 → "-¥1.50". No thousands
 * separators, so the text can go into a CSV cell as it is.
 */
export function formatYuan(amount: number): string {
  assertSafeInteger(amount, "amount");
  const sign = amount < 0 ? "-" : "";
  const abs = Math.abs(amount);
  // Integer division keeps it exact; toFixed on amount / 100 would round through binary floats.
  const yuan = Math.trunc(abs / 100);
  const cents = String(abs % 100).padStart(2, "0");
  return `${sign}¥${yuan}.${cents}`;
}

/** The exact sum of amounts in fen; throws a RangeError when any partial sum leaves the safe integers. */
export function sumFen(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) {
    assertSafeInteger(value, "summand");
    total += value;
    // Checked at every step: once past 2^53 the float sum is no longer exact, even if it comes back.
    assertSafeInteger(total, "sum");
  }
  return total;
}

/** The exact product of an amount in fen and a count; throws a RangeError when it is not a safe integer. */
export function multiplyFen(amount: number, count: number): number {
  assertSafeInteger(amount, "amount");
  assertSafeInteger(count, "count");
  const product = amount * count;
  assertSafeInteger(product, "product");
  return product;
}

function assertSafeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} ${value} is not a safe integer number of fen`);
}
