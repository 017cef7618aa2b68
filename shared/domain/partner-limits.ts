/**
 * The bounds a partner's payment or refund must respect before anything is read or written
 * (API.md "Partner interface hardening"). Pure: the caller passes the instant it received the
 * request, so tests inject their clock.
 */
import { AmountOutOfRangeError, OccurredInFutureError } from "../errors.js";

/** How far a partner's clock may be from ours, either way. Partners send whole seconds. */
export const PARTNER_CLOCK_TOLERANCE_MS = 5 * 60 * 1000;

/** The largest payment (and refund) amount accepted unless configured otherwise: ¥1,000,000. */
export const DEFAULT_MAX_PARTNER_AMOUNT = 100_000_000;

/**
 * Refuses an `occurredAt` more than the tolerance after `receivedAt`.
 *
 * @throws OccurredInFutureError when `occurredAt` lies beyond `receivedAt` + 5 minutes.
 * @throws RangeError when `occurredAt` is not an instant (bodies are parsed before this).
 */
export function assertNotInFuture(occurredAt: string, receivedAt: Date): void {
  const at = Date.parse(occurredAt);
  if (Number.isNaN(at)) throw new RangeError(`occurredAt ${occurredAt} is not an instant`);
  const latest = receivedAt.getTime() + PARTNER_CLOCK_TOLERANCE_MS;
  if (at > latest) {
    throw new OccurredInFutureError(`occurredAt ${occurredAt} is more than 5 minutes after the platform received the request`, {
      details: { occurredAt, latestAccepted: new Date(latest).toISOString() },
    });
  }
}

/**
 * Refuses an integer amount outside 1 … `max` fen (a non-integer never gets here: the body's
 * schema answers VALIDATION_FAILED for it).
 *
 * @throws AmountOutOfRangeError when `amount` < 1 or `amount` > `max`.
 */
export function assertAmountInRange(amount: number, max: number = DEFAULT_MAX_PARTNER_AMOUNT, what = "amount"): void {
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > max) {
    throw new AmountOutOfRangeError(`${what} must be between 1 and ${max} fen`, { details: { [what]: amount, min: 1, max } });
  }
}
