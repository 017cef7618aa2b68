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
