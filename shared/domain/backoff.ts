/**
 * The one back-off the platform waits with before trying again (a conflicted transaction, unprocessed
 * keys of a batch get, failed entries of an SQS batch, a payout the partner asked to retry): full
 * jitter, so that callers who failed together do not come back together.
 */

export interface Backoff {
  /** The ceiling of the first wait, ms; it doubles with each retry. */
  baseMs: number;
  /** The largest ceiling, ms (default: none). */
  maxMs?: number;
  /** Uniform in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

/**
 * How long to wait before retry `retry` (1 for the first retry): a uniformly random whole number
 * of ms below min(maxMs, baseMs · 2^(retry − 1)).
 */
export function backoffDelay(retry: number, backoff: Backoff): number {
  const ceiling = Math.min(backoff.maxMs ?? Number.POSITIVE_INFINITY, backoff.baseMs * 2 ** (retry - 1));
  return Math.floor((backoff.random ?? Math.random)() * ceiling);
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}
