/**
 * Runs `task` over `events` in their order with at most `concurrency` in flight, never two of
 * one payer's at once and each payer's in order: a claim is done before the payment it pays for,
 * a payment before its refund, while different payers' events overlap. Fails fast: after the
 * first error no further event starts, and that error is thrown once the running ones finish.
 * No I/O of its own.
 */
export async function playInOrder<E extends { payerId: string }>(
  events: readonly E[],
  concurrency: number,
  signal: AbortSignal,
  task: (event: E) => Promise<void>,
): Promise<void> {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  /** Per payer, the promise of its latest event (settled either way). */
  const chains = new Map<string, Promise<void>>();
  const running = new Set<Promise<void>>();
  let failed = false;
  let failure: unknown;
  for (const event of events) {
    while (running.size >= concurrency && !failed) await Promise.race(running);
    if (failed || signal.aborted) break;
    const previous = chains.get(event.payerId) ?? Promise.resolve();
    const step = previous.then(async () => {
      if (!failed && !signal.aborted) await task(event);
    });
    const settled: Promise<void> = step.then(
      () => undefined,
      (error: unknown) => {
        if (!failed) {
          failed = true;
          failure = error;
        }
      },
    );
    chains.set(event.payerId, settled);
    running.add(settled);
    void settled.then(() => {
      running.delete(settled);
      if (chains.get(event.payerId) === settled) chains.delete(event.payerId);
    });
  }
  await Promise.all(running);
  if (failed) throw failure;
  signal.throwIfAborted();
}
