/**
 * Money is integer fen (1 yuan = 100 fen) everywhere: in bodies, in tables and in arithmetic.
 * Floating-point yuan never appear, so sums and subsidies are exact to the fen.
 */
import * as z from "../zod.js";
import { FenOverflowError } from "../errors.js";

/** An amount of money in fen: a non-negative safe integer. */
export const fen = z.int().nonnegative();

/** An amount of money in fen that must be more than zero (a threshold, a discount). */
export const positiveFen = z.int().positive();

export type Fen = z.infer<typeof fen>;

/** The message of an amount above its bound: the bound in yuan, and in fen as the body carries it. */
function atMost(max: number): string {
  return `must be at most ${formatYuan(max)} (${max} fen)`;
}

/**
 * Fen from 0 to `max`. Amounts that a caller reports (a merchant's sales, a product's price) get
 * a bound that no honest figure reaches, so an absurd one is refused at its field instead of
 * being summed into budgets and reports.
 */
export function fenAtMost(max: number) {
  return fen.max(max, atMost(max));
}

/** Fen from 1 to `max` (see {@link fenAtMost}). */
export function positiveFenAtMost(max: number) {
  return positiveFen.max(max, atMost(max));
}

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

/**
 * The exact sum of amounts in fen, as a BigInt: never rounds, whatever the count or size of the
 * summands (each must be a safe integer, or a BigInt).
 *
 * @throws RangeError when a summand is a number that is not a safe integer.
 */
export function sumFenExact(values: Iterable<number | bigint>): bigint {
  let total = 0n;
  for (const value of values) {
    if (typeof value === "bigint") total += value;
    else {
      assertSafeInteger(value, "summand");
      total += BigInt(value);
    }
  }
  return total;
}

/** `total` as a number when it is a safe integer, otherwise undefined (the caller says what it shows instead). */
export function safeFen(total: bigint): number | undefined {
  return total <= BigInt(Number.MAX_SAFE_INTEGER) && total >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(total) : undefined;
}

/**
 * The exact sum of amounts in fen. Accumulated as a BigInt, so no partial sum can lose precision
 * and the order of the summands never matters; only the total must be a safe integer.
 *
 * @throws FenOverflowError (a RangeError) when the total is not a safe integer; RangeError when a summand is not.
 */
export function sumFen(values: Iterable<number | bigint>): number {
  const total = sumFenExact(values);
  const safe = safeFen(total);
  if (safe === undefined) throw new FenOverflowError(total);
  return safe;
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
