/**
 * The small helpers every benchmark uses to drive load and print figures. No project imports, so
 * a benchmark may import it statically before it sets its logging environment.
 */

/** Runs `count` tasks with at most `concurrency` in flight; stops starting new ones once `signal` aborts. */
export async function pool(count: number, concurrency: number, signal: AbortSignal, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count && !signal.aborted) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  signal.throwIfAborted();
}

/** The nearest-rank `p`th percentile of ascending `sorted` values; NaN when there are none. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** A figure with `digits` decimals, or "n/a" when it is not a finite number. */
export const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

/** A command-line argument out of its range: the benchmark prints the message and exits 2. */
export class BenchArgumentError extends Error {
  override readonly name = "BenchArgumentError";
}

/** The number `raw` given for `--name`, checked against `min`–`max` (and wholeness unless `integer` is false). */
export function numberArgument(name: string, raw: string | undefined, range: { min: number; max: number; integer?: boolean }): number {
  const integer = range.integer ?? true;
  const value = Number(raw);
  if (raw === undefined || raw.trim() === "" || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value)) || value < range.min || value > range.max) {
    throw new BenchArgumentError(`--${name} must be ${integer ? "a whole number" : "a number"} in ${range.min}–${range.max}, got ${raw}`);
  }
  return value;
}

/** Runs `parse`; a {@link BenchArgumentError} is printed and the process exits 2. */
export function argumentsOrExit<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof BenchArgumentError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

/** Shuffles `items` in place (Fisher–Yates) with `random` in [0, 1) and returns it. */
export function shuffle<T>(items: T[], random: () => number = Math.random): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** One HTTP answer to one delivery of a partner transaction. */
export interface DeliveryAnswer {
  transactionId: string;
  status: number;
  text: string;
}

/** How many deliveries got an answer (status and bytes) other than the first answer of their transaction, in the order given. */
export function answersDifferingFromFirst(deliveries: readonly DeliveryAnswer[]): number {
  const first = new Map<string, string>();
  let differing = 0;
  for (const delivery of deliveries) {
    const answer = `${delivery.status} ${delivery.text}`;
    const seen = first.get(delivery.transactionId);
    if (seen === undefined) first.set(delivery.transactionId, answer);
    else if (seen !== answer) differing += 1;
  }
  return differing;
}

/** {@link pool} with a progress line on stderr (`label done/count elapsed`), every 200 ms and at the end. */
export async function poolWithProgress(count: number, concurrency: number, signal: AbortSignal, label: string, task: (index: number) => Promise<void>): Promise<void> {
  let done = 0;
  const start = performance.now();
  const progress = () => process.stderr.write(`\r  ${label} ${done}/${count}  elapsed ${((performance.now() - start) / 1000).toFixed(1)} s   `);
  const ticker = setInterval(progress, 200);
  try {
    await pool(count, concurrency, signal, async (index) => {
      await task(index);
      done += 1;
    });
  } finally {
    clearInterval(ticker);
    progress();
    process.stderr.write("\n");
  }
}

/** How a campaign's REDEMPTION ledger records stand against the transactions answered with a discount. */
export interface LedgerCheck {
  /** Records beyond one per answered transaction (negative when some are missing). */
  extra: number;
  /** Transactions with more than one record. */
  severalRecords: number;
  /** Records beyond the first of their transaction: discounts applied again. */
  beyondOne: number;
  /** Records of transactions that were not answered with a discount. */
  notAnswered: number;
}

/** Compares REDEMPTION records (one per applied transaction expected) with the transactions answered with a discount. */
export function ledgerAgainstAnswers(records: readonly { transactionId: string }[], answered: ReadonlySet<string>): LedgerCheck {
  const perTransaction = new Map<string, number>();
  for (const record of records) perTransaction.set(record.transactionId, (perTransaction.get(record.transactionId) ?? 0) + 1);
  return {
    extra: records.length - answered.size,
    severalRecords: [...perTransaction.values()].filter((n) => n > 1).length,
    beyondOne: records.length - perTransaction.size,
    notAnswered: [...perTransaction.keys()].filter((transactionId) => !answered.has(transactionId)).length,
  };
}
