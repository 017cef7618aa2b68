/**
 * Partial refund rules (shared/domain/refund.ts): what a refund takes off its payment, the one
 * reversal when what remains first falls below the threshold, over-refunds, refunds dated before
 * their payment, and payments that meet refunds which came first.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertRefundNotBeforePayment, decideRefund, discountSurvivesEarlyRefunds, refundedAtPayment } from "../../shared/domain/refund.js";
import { RefundBeforePaymentError, RefundExceedsPaymentError } from "../../shared/errors.js";

describe("decideRefund", () => {
  const redeemed = { amount: 12_000, refunded: 0, threshold: 10_000, reversed: false };

  it("a partial refund that leaves the threshold covered does not reverse", () => {
    expect(decideRefund(redeemed, 1_500)).toEqual({ refund: 1_500, refunded: 1_500, remaining: 10_500, reverses: false, reversed: false });
  });

  it("reverses once, when what remains first falls below the threshold", () => {
    const first = decideRefund(redeemed, 1_500);
    const second = decideRefund({ ...redeemed, refunded: first.refunded }, 1_000);
    expect(second).toEqual({ refund: 1_000, refunded: 2_500, remaining: 9_500, reverses: true, reversed: true });
    const third = decideRefund({ ...redeemed, refunded: second.refunded, reversed: true }, 500);
    expect(third).toEqual({ refund: 500, refunded: 3_000, remaining: 9_000, reverses: false, reversed: true });
  });

  it("leaving exactly the threshold keeps the discount", () => {
    expect(decideRefund(redeemed, 2_000)).toMatchObject({ remaining: 10_000, reverses: false, reversed: false });
  });

  it("without an amount refunds the rest, and a full refund always reverses", () => {
    expect(decideRefund({ ...redeemed, refunded: 1_000 })).toEqual({ refund: 11_000, refunded: 12_000, remaining: 0, reverses: true, reversed: true });
  });

  it("without an amount when nothing remains refunds nothing and answers the state as it is", () => {
    expect(decideRefund({ ...redeemed, refunded: 12_000, reversed: true })).toEqual({ refund: 0, refunded: 12_000, remaining: 0, reverses: false, reversed: true });
  });

  it("of more than remains is REFUND_EXCEEDS_PAYMENT", () => {
    expect(() => decideRefund({ ...redeemed, refunded: 11_000 }, 1_001)).toThrow(RefundExceedsPaymentError);
    expect(() => decideRefund({ ...redeemed, refunded: 12_000, reversed: true }, 1)).toThrow(RefundExceedsPaymentError);
  });

  it("of a payment without discount never reverses", () => {
    expect(decideRefund({ amount: 5_000, refunded: 0, reversed: false })).toEqual({ refund: 5_000, refunded: 5_000, remaining: 0, reverses: false, reversed: false });
  });

  it("over any sequence of refunds: refunded + remaining = amount, reversed once, exactly when remaining < threshold", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 100_000_000 }), fc.array(fc.integer({ min: 1, max: 100_000_000 }), { maxLength: 12 }), fc.double({ min: 0, max: 1, noNaN: true }), (amount, asks, t) => {
        const threshold = Math.max(1, Math.floor(amount * t));
        let state = { amount, refunded: 0, threshold, reversed: false };
        let reversals = 0;
        for (const ask of asks) {
          const requested = Math.min(ask, amount);
          if (requested > amount - state.refunded) {
            expect(() => decideRefund(state, requested)).toThrow(RefundExceedsPaymentError);
            continue;
          }
          const decision = decideRefund(state, requested);
          expect(decision.refunded + decision.remaining).toBe(amount);
          expect(decision.reversed).toBe(decision.remaining < threshold);
          if (decision.reverses) reversals += 1;
          state = { ...state, refunded: decision.refunded, reversed: decision.reversed };
        }
        expect(reversals).toBe(state.reversed ? 1 : 0);
      }),
    );
  });
});

describe("assertRefundNotBeforePayment", () => {
  it("refuses a refund dated before its payment, comparing instants across offsets", () => {
    expect(() => assertRefundNotBeforePayment("2026-11-05T09:59:59+08:00", "2026-11-05T02:00:00Z")).toThrow(RefundBeforePaymentError);
    expect(() => assertRefundNotBeforePayment("2026-11-05T10:00:00+08:00", "2026-11-05T02:00:00Z")).not.toThrow();
    expect(() => assertRefundNotBeforePayment("2026-11-05T02:00:00Z", "2026-11-05T10:00:00.001+08:00")).toThrow(RefundBeforePaymentError);
  });
});

describe("refunds that came before their payment", () => {
  it("take what they asked, capped at the payment, or all of it when one asked for the rest", () => {
    expect(refundedAtPayment(12_000, { refunded: 1_000, inFull: false })).toBe(1_000);
    expect(refundedAtPayment(12_000, { refunded: 50_000, inFull: false })).toBe(12_000);
    expect(refundedAtPayment(12_000, { refunded: 1_000, inFull: true })).toBe(12_000);
  });

  it("leave the discount when what remains still reaches the threshold: a small early partial refund does not block it", () => {
    expect(discountSurvivesEarlyRefunds(12_000, { refunded: 2_000, inFull: false }, 10_000)).toBe(true);
    expect(discountSurvivesEarlyRefunds(12_000, { refunded: 2_001, inFull: false }, 10_000)).toBe(false);
    expect(discountSurvivesEarlyRefunds(12_000, { refunded: 0, inFull: true }, 10_000)).toBe(false);
  });
});
