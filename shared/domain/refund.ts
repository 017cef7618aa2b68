/**
 * Partial refunds, pure (API.md "Partner interface hardening"): what a refund takes off its
 * payment, whether it reverses the discount, and how a payment meets refunds that came before it.
 *
 * A payment of `amount` fen may be refunded in any number of parts. `refunded` is what has been
 * refunded so far and `remaining = amount − refunded`. The discount is reversed once: by the
 * first refund after which `remaining` is below the threshold of the voucher applied (a full
 * refund always reverses, since a threshold is positive). Later refunds only lower `remaining`.
 */
import { RefundBeforePaymentError, RefundExceedsPaymentError } from "../errors.js";

/** A payment as its refunds see it. */
export interface RefundedPayment {
  /** What the payer paid before any discount, fen (positive). */
  amount: number;
  /** What has been refunded so far, fen (0 … amount). */
  refunded: number;
  /** The threshold of the voucher the payment redeemed; undefined when no discount was applied. */
  threshold?: number | undefined;
  /** Whether the redemption stands reversed already (it is reversed at most once). */
  reversed: boolean;
}

/** What one refund does. */
export interface RefundDecision {
  /** What this refund takes off the payment, fen (0 when nothing remained and no amount was asked). */
  refund: number;
  /** Refunded so far, this refund included. */
  refunded: number;
  /** amount − refunded. */
  remaining: number;
  /** True when this refund is the one that reverses the discount. */
  reverses: boolean;
  /** Whether the redemption stands reversed after this refund. */
  reversed: boolean;
}

/**
 * Decides a refund of `requested` fen (undefined: the rest of the payment) against `payment`.
 *
 * @throws RefundExceedsPaymentError when `requested` is more than what remains.
 * @throws RangeError when the figures are not whole fen with 0 ≤ refunded ≤ amount (a caller's bug).
 */
export function decideRefund(payment: RefundedPayment, requested?: number): RefundDecision {
  const { amount, refunded, threshold } = payment;
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError(`amount ${amount} must be a positive whole number of fen`);
  if (!Number.isSafeInteger(refunded) || refunded < 0 || refunded > amount) throw new RangeError(`refunded ${refunded} must lie between 0 and the amount ${amount}`);
  if (threshold !== undefined && (!Number.isSafeInteger(threshold) || threshold <= 0)) throw new RangeError(`threshold ${threshold} must be a positive whole number of fen`);
  const remainingBefore = amount - refunded;
  if (requested !== undefined && (!Number.isSafeInteger(requested) || requested <= 0)) throw new RangeError(`a refund of ${requested} fen is not a positive whole number`);
  if (requested !== undefined && requested > remainingBefore) {
    throw new RefundExceedsPaymentError(`A refund of ${requested} fen is more than the ${remainingBefore} fen that remain of the payment`, {
      details: { requested, remaining: remainingBefore, refunded, amount },
    });
  }
  const refund = requested ?? remainingBefore;
  const remaining = remainingBefore - refund;
  // Only a refund that takes something off can reverse: a refund of nothing answers the state as it is.
  const reverses = !payment.reversed && threshold !== undefined && refund > 0 && (remaining === 0 || remaining < threshold);
  return { refund, refunded: refunded + refund, remaining, reverses, reversed: payment.reversed || reverses };
}

/**
 * Refuses a refund dated before the payment it refunds (instants compared as instants, never as
 * text: offsets differ between partners).
 *
 * @throws RefundBeforePaymentError when `refundAt` is before `paymentAt`.
 * @throws RangeError when either is not an instant (bodies and records are parsed before this).
 */
export function assertRefundNotBeforePayment(refundAt: string, paymentAt: string): void {
  const refund = Date.parse(refundAt);
  const payment = Date.parse(paymentAt);
  if (Number.isNaN(refund) || Number.isNaN(payment)) throw new RangeError(`${refundAt} or ${paymentAt} is not an instant`);
  if (refund < payment) {
    throw new RefundBeforePaymentError(`The refund occurred at ${refundAt}, before its payment at ${paymentAt}`, {
      details: { occurredAt: refundAt, paymentOccurredAt: paymentAt },
    });
  }
}

/** Refunds that arrived before their payment: what they asked for, kept until the payment comes. */
export interface EarlyRefunds {
  /** Σ amounts of the early refunds that named one, fen. */
  refunded: number;
  /** True when one of them named no amount: "the rest of the payment", i.e. all of it. */
  inFull: boolean;
}

/**
 * What the early refunds take off a payment of `amount` when it arrives: all of it when one asked
 * for the rest, otherwise their amounts, capped at the payment (they could not be checked
 * against a payment nobody had seen; the excess refunds nothing).
 */
export function refundedAtPayment(amount: number, early: EarlyRefunds): number {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError(`amount ${amount} must be a positive whole number of fen`);
  return early.inFull ? amount : Math.min(early.refunded, amount);
}

/**
 * Whether a payment whose refunds came first still keeps the discount of a voucher with
 * `threshold`: answered as if the refunds had come after it, the discount stands only while
 * what remains is at or above the threshold. So a small early partial refund does not block the
 * discount, and an early full refund always does.
 */
export function discountSurvivesEarlyRefunds(amount: number, early: EarlyRefunds, threshold: number): boolean {
  // The same rule a refund after the payment follows: reversed once remaining < threshold.
  return amount - refundedAtPayment(amount, early) >= threshold;
}
