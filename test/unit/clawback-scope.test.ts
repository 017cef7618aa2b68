/**
 * Which redemptions a confirmed flag claws back beyond its capped evidence (issue 10, item 14c):
 * every record any hit of the flag's window could have named, by rule; and when a lost payout
 * message is sent again (item 13).
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_FRAUD_CONFIG, clawbackScope, fraudConfigSchema, inClawbackScope } from "../../shared/domain/fraud.js";
import { PAYOUT_RESEND_AFTER_MS, payoutResendAt } from "../../shared/domain/settlement.js";

const config = fraudConfigSchema.parse({
  rules: { "threshold-hugging": { windowHours: 6, marginPercent: 5 }, "repeat-payer": { windowHours: 24 }, "payer-spread": { windowMinutes: 10 } },
});

describe("clawbackScope", () => {
  it("is the flag's hour for merchant-velocity and new-merchant-spike", () => {
    for (const rule of ["merchant-velocity", "new-merchant-spike"] as const) {
      expect(clawbackScope({ rule, window: "2026-01-20T02:00:00.000Z" }, DEFAULT_FRAUD_CONFIG)).toEqual({ from: "2026-01-20T02:00:00.000Z", before: "2026-01-20T03:00:00.000Z" });
    }
  });

  it("covers every sliding window ending in a threshold-hugging bucket, near redemptions only", () => {
    const scope = clawbackScope({ rule: "threshold-hugging", window: "2026-01-20T06:00:00.000Z" }, config)!;
    expect(scope).toEqual({ from: "2026-01-20T01:00:00.000Z", before: "2026-01-20T12:00:00.000Z", nearMarginPercent: 5 });
    expect(inClawbackScope(scope, { payerId: "p", amount: 10_400, threshold: 10_000 })).toBe(true);
    expect(inClawbackScope(scope, { payerId: "p", amount: 10_500, threshold: 10_000 })).toBe(false);
    expect(inClawbackScope(scope, { payerId: "p", amount: 10_400 })).toBe(false);
  });

  it("is the payer's redemptions for repeat-payer and payer-spread, and nothing for refund-rate", () => {
    const repeat = clawbackScope({ rule: "repeat-payer", window: "2026-01-20T00:00:00.000Z", payerId: "p-1" }, config)!;
    expect(repeat).toEqual({ from: "2026-01-19T00:00:00.000Z", before: "2026-01-21T00:00:00.000Z", payerId: "p-1" });
    expect(inClawbackScope(repeat, { payerId: "p-1", amount: 20_000 })).toBe(true);
    expect(inClawbackScope(repeat, { payerId: "p-2", amount: 20_000 })).toBe(false);
    expect(clawbackScope({ rule: "payer-spread", window: "2026-01-20T00:00:00.000Z", payerId: "p-1" }, config)).toEqual({
      from: "2026-01-19T23:50:00.000Z",
      before: "2026-01-21T00:00:00.000Z",
      payerId: "p-1",
    });
    expect(clawbackScope({ rule: "repeat-payer", window: "2026-01-20T00:00:00.000Z" }, config)).toBeUndefined();
    expect(clawbackScope({ rule: "refund-rate", window: "2026-01-20T00:00:00.000Z" }, config)).toBeUndefined();
  });
});

describe("payoutResendAt", () => {
  it("is 15 minutes after the statement became PENDING", () => {
    expect(PAYOUT_RESEND_AFTER_MS).toBe(15 * 60_000);
    expect(payoutResendAt("2026-03-01T19:00:00.000Z")).toBe("2026-03-01T19:15:00.000Z");
  });
});
