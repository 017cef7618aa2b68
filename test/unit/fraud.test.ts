/**
 * Fraud rules (shared/domain/fraud.ts) on crafted sequences: each rule with hit and no-hit cases,
 * thresholds taken from the configuration, the edges of every threshold and window; the
 * configuration's defaults and validation; hourly counters; flag ids and evidence merging.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LedgerRecordFacts } from "../../shared/domain/ledger.js";
import {
  DEFAULT_FRAUD_CONFIG,
  EMPTY_HOUR,
  FRAUD_RULES,
  type FraudConfig,
  type HourCounts,
  type MerchantWindow,
  type PayerRedemption,
  type PayerWindow,
  MAX_EVIDENCE_TRANSACTIONS,
  evaluate,
  flagId,
  fraudConfigSchema,
  hourDelta,
  hourFromKey,
  hourKey,
  hourOf,
  merchantHoursNeeded,
  merchantVelocity,
  mergeTransactions,
  nearBucket,
  newMerchantSpike,
  payerHistoryNeededMs,
  payerSpread,
  refundRate,
  repeatPayer,
  thresholdHugging,
} from "../../shared/domain/fraud.js";

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** 2026-03-10T14:25:00Z, hour 14 UTC. */
const AT = "2026-03-10T14:25:00.000Z";
const H = hourOf(AT);
const rules = DEFAULT_FRAUD_CONFIG.rules;

const redemption = (overrides: Partial<LedgerRecordFacts> = {}): LedgerRecordFacts => ({
  kind: "REDEMPTION",
  campaignId: "c1",
  merchantId: "m1",
  partnerId: "bank-a",
  transactionId: "t-new",
  payerId: "p1",
  amount: 12_000,
  threshold: 10_000,
  occurredAt: AT,
  ...overrides,
});
const reversal = (overrides: Partial<LedgerRecordFacts> = {}): LedgerRecordFacts =>
  redemption({ kind: "REVERSAL", occurredAt: AT, paymentOccurredAt: new Date(Date.parse(AT) - HOUR).toISOString(), ...overrides });

/** A merchant window from counts per hour offset (0 = the record's hour, −1 the one before…). */
function merchant(byOffset: Record<number, Partial<HourCounts>>, approvedAt?: string): MerchantWindow {
  const hours = new Map<number, HourCounts>();
  for (const [offset, counts] of Object.entries(byOffset)) hours.set(H + Number(offset), { ...EMPTY_HOUR, ...counts });
  return { hours, ...(approvedAt === undefined ? {} : { approvedAt }) };
}

const minutesBefore = (minutes: number) => new Date(Date.parse(AT) - minutes * MINUTE).toISOString();
function payer(records: [merchantId: string, minutesBefore: number][]): PayerWindow {
  return {
    redemptions: records.map(([merchantId, before], i): PayerRedemption => ({ merchantId, partnerId: "bank-a", transactionId: `t${i}`, occurredAt: minutesBefore(before) })),
  };
}

describe("the configuration", () => {
  it("has documented defaults for every rule, autoSuspend off", () => {
    expect(DEFAULT_FRAUD_CONFIG).toEqual({
      autoSuspend: false,
      rules: {
        "merchant-velocity": { enabled: true, severity: "medium", baselineHours: 24, multiplier: 5, minBaseline: 2, minRedemptions: 20 },
        "repeat-payer": { enabled: true, severity: "medium", windowHours: 24, maxRedemptions: 3 },
        "threshold-hugging": { enabled: true, severity: "low", windowHours: 24, marginPercent: 5, minShare: 0.5, minTransactions: 10 },
        "refund-rate": { enabled: true, severity: "medium", windowHours: 24, minRate: 0.3, minRedemptions: 10 },
        "new-merchant-spike": { enabled: true, severity: "high", newForDays: 7, maxHourlyRedemptions: 15 },
        "payer-spread": { enabled: true, severity: "medium", windowMinutes: 10, maxMerchants: 3 },
      },
    });
    expect(Object.keys(DEFAULT_FRAUD_CONFIG.rules)).toEqual([...FRAUD_RULES]);
  });

  it("fills what a body leaves out with the defaults, field by field", () => {
    const config = fraudConfigSchema.parse({ autoSuspend: true, rules: { "repeat-payer": { maxRedemptions: 5, severity: "high" } } });
    expect(config.autoSuspend).toBe(true);
    expect(config.rules["repeat-payer"]).toEqual({ enabled: true, severity: "high", windowHours: 24, maxRedemptions: 5 });
    expect(config.rules["payer-spread"]).toEqual(DEFAULT_FRAUD_CONFIG.rules["payer-spread"]);
  });

  it.each([
    [{ rules: { "no-such-rule": {} } }, "rules"],
    [{ rules: { "repeat-payer": { maxRedemption: 5 } } }, "rules.repeat-payer"],
    [{ rules: { "repeat-payer": { windowHours: 0 } } }, "rules.repeat-payer.windowHours"],
    [{ rules: { "repeat-payer": { windowHours: 169 } } }, "rules.repeat-payer.windowHours"],
    [{ rules: { "threshold-hugging": { marginPercent: 21 } } }, "rules.threshold-hugging.marginPercent"],
    [{ rules: { "threshold-hugging": { marginPercent: 2.5 } } }, "rules.threshold-hugging.marginPercent"],
    [{ rules: { "threshold-hugging": { minShare: 0 } } }, "rules.threshold-hugging.minShare"],
    [{ rules: { "refund-rate": { minRate: 1.5 } } }, "rules.refund-rate.minRate"],
    [{ rules: { "merchant-velocity": { severity: "critical" } } }, "rules.merchant-velocity.severity"],
    [{ rules: { "merchant-velocity": { multiplier: 0.5 } } }, "rules.merchant-velocity.multiplier"],
    [{ autoSuspend: "yes" }, "autoSuspend"],
    [{ extra: 1 }, ""],
  ])("refuses %j (at %s)", (body, path) => {
    const parsed = fraudConfigSchema.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((issue) => issue.path.join("."))).toContain(path);
  });

  it("says how much state the rules read", () => {
    expect(merchantHoursNeeded(DEFAULT_FRAUD_CONFIG)).toBe(25);
    expect(payerHistoryNeededMs(DEFAULT_FRAUD_CONFIG)).toBe(24 * HOUR);
    const wide = fraudConfigSchema.parse({ rules: { "refund-rate": { windowHours: 72 }, "payer-spread": { windowMinutes: 1_440 }, "repeat-payer": { windowHours: 2 } } });
    expect(merchantHoursNeeded(wide)).toBe(72);
    expect(payerHistoryNeededMs(wide)).toBe(24 * HOUR);
  });
});

describe("hourly counters", () => {
  it("file a redemption under its hour with its percent above the threshold, a reversal under its payment's hour", () => {
    expect(hourDelta(redemption({ amount: 10_450 }))).toEqual({ hour: H, counts: { redemptions: 1, thresholded: 1, near: [0, 0, 0, 0, 1], reversals: 0 } });
    expect(hourDelta(redemption({ amount: 30_000 }))).toEqual({ hour: H, counts: { redemptions: 1, thresholded: 1, near: [], reversals: 0 } });
    expect(hourDelta(redemption({ threshold: undefined }))).toEqual({ hour: H, counts: { redemptions: 1, thresholded: 0, near: [], reversals: 0 } });
    expect(hourDelta(reversal())).toEqual({ hour: H - 1, counts: { ...EMPTY_HOUR, reversals: 1 } });
  });

  it("name hours as sortable UTC keys and back", () => {
    expect(hourKey(H)).toBe("2026-03-10T14");
    expect(hourFromKey("2026-03-10T14")).toBe(H);
    expect(hourKey(H + 10) > hourKey(H + 9)).toBe(true);
  });

  it("bucket the percent above the threshold exactly: near < margin ⇔ amount < threshold × (1 + margin/100)", () => {
    expect(nearBucket(10_000, 10_000)).toBe(0);
    expect(nearBucket(10_499, 10_000)).toBe(4);
    expect(nearBucket(10_500, 10_000)).toBe(5);
    expect(nearBucket(11_999, 10_000)).toBe(19);
    expect(nearBucket(12_000, 10_000)).toBeUndefined();
    expect(nearBucket(9_999, 10_000)).toBeUndefined();
    expect(nearBucket(10_000, undefined)).toBeUndefined();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 3_000_000 }), fc.integer({ min: 1, max: 20 }), (threshold, over, margin) => {
        const amount = threshold + over;
        const bucket = nearBucket(amount, threshold);
        const near = bucket !== undefined && bucket < margin;
        expect(near).toBe(amount * 100 < threshold * (100 + margin));
      }),
    );
  });
});

describe("(1) merchant-velocity", () => {
  const config = rules["merchant-velocity"];
  const steady = (perHour: number) => Object.fromEntries(Array.from({ length: 24 }, (_, i) => [-(i + 1), { redemptions: perHour }]));

  it("hits an hour far above the merchant's own baseline, naming the hour's transactions", () => {
    const hit = merchantVelocity(config, merchant({ ...steady(4), 0: { redemptions: 21 } }), redemption());
    expect(hit).toEqual({
      rule: "merchant-velocity",
      severity: "medium",
      merchantId: "m1",
      window: "2026-03-10T14:00:00.000Z",
      measures: { hour: "2026-03-10T14:00:00.000Z", redemptions: 21, baseline: 4, limit: 20 },
      evidenceRange: { select: "redemptions", from: "2026-03-10T14:00:00.000Z", before: "2026-03-10T15:00:00.000Z" },
    });
  });

  it("does not hit at exactly multiplier × baseline, nor a busy merchant's ordinary hour", () => {
    expect(merchantVelocity(config, merchant({ ...steady(4), 0: { redemptions: 20 } }), redemption())).toBeUndefined();
    expect(merchantVelocity(config, merchant({ ...steady(40), 0: { redemptions: 150 } }), redemption())).toBeUndefined();
    expect(merchantVelocity(config, merchant({ ...steady(40), 0: { redemptions: 201 } }), redemption())).toBeDefined();
  });

  it("needs minRedemptions in the hour, and floors a quiet merchant's baseline at minBaseline", () => {
    // Baseline 0: the floor 2 makes the limit 10; 19 is still under minRedemptions.
    expect(merchantVelocity(config, merchant({ 0: { redemptions: 19 } }), redemption())).toBeUndefined();
    expect(merchantVelocity(config, merchant({ 0: { redemptions: 20 } }), redemption())?.measures).toMatchObject({ baseline: 0, limit: 10 });
    const lenient = { ...config, minRedemptions: 5, minBaseline: 0.5 };
    expect(merchantVelocity(lenient, merchant({ 0: { redemptions: 3 } }), redemption())).toBeUndefined();
    expect(merchantVelocity(lenient, merchant({ 0: { redemptions: 5 } }), redemption())).toBeDefined();
  });

  it("counts only the baselineHours before the hour: older traffic and the hour itself do not raise the baseline", () => {
    // 24 hours of 4, and a very busy hour 25 h before, outside the baseline.
    const window = merchant({ ...steady(4), [-25]: { redemptions: 10_000 }, 0: { redemptions: 21 } });
    expect(merchantVelocity(config, window, redemption())?.measures.baseline).toBe(4);
    // A shorter baseline from the configuration.
    const short = { ...config, baselineHours: 2 };
    expect(merchantVelocity(short, merchant({ [-1]: { redemptions: 2 }, [-2]: { redemptions: 2 }, [-3]: { redemptions: 500 }, 0: { redemptions: 21 } }), redemption())).toBeDefined();
  });

  it("is judged in the record's own hour, and only on redemptions of an enabled rule", () => {
    const lateRecord = redemption({ occurredAt: new Date(Date.parse(AT) - 2 * HOUR).toISOString() });
    expect(merchantVelocity(config, merchant({ 0: { redemptions: 500 } }), lateRecord)).toBeUndefined();
    expect(merchantVelocity(config, merchant({ [-2]: { redemptions: 500 } }), lateRecord)?.window).toBe("2026-03-10T12:00:00.000Z");
    expect(merchantVelocity(config, merchant({ 0: { redemptions: 500 } }), reversal())).toBeUndefined();
    expect(merchantVelocity({ ...config, enabled: false }, merchant({ 0: { redemptions: 500 } }), redemption())).toBeUndefined();
    expect(merchantVelocity({ ...config, severity: "high" }, merchant({ 0: { redemptions: 500 } }), redemption())?.severity).toBe("high");
  });
});

describe("(2) repeat-payer", () => {
  const config = rules["repeat-payer"];

  it("hits a payer redeeming more than maxRedemptions times at one merchant within the window, naming those transactions", () => {
    const window = payer([["m1", 600], ["m1", 300], ["m1", 60], ["m1", 0]]);
    expect(repeatPayer(config, window, redemption())).toEqual({
      rule: "repeat-payer",
      severity: "medium",
      merchantId: "m1",
      payerId: "p1",
      window: "2026-03-10T00:00:00.000Z",
      measures: { redemptions: 4, windowHours: 24 },
      transactions: ["t0", "t1", "t2", "t3"].map((transactionId) => ({ partnerId: "bank-a", transactionId })),
    });
  });

  it("does not hit at maxRedemptions, nor count other merchants or redemptions outside the window", () => {
    expect(repeatPayer(config, payer([["m1", 300], ["m1", 60], ["m1", 0]]), redemption())).toBeUndefined();
    expect(repeatPayer(config, payer([["m2", 300], ["m2", 200], ["m1", 60], ["m1", 0]]), redemption())).toBeUndefined();
    // Exactly 24 h before is outside (after from, up to the record); one minute later is inside.
    expect(repeatPayer(config, payer([["m1", 24 * 60], ["m1", 60], ["m1", 30], ["m1", 0]]), redemption())).toBeUndefined();
    expect(repeatPayer(config, payer([["m1", 24 * 60 - 1], ["m1", 60], ["m1", 30], ["m1", 0]]), redemption())).toBeDefined();
    // Redemptions after the record (a late record) are not in its window.
    expect(repeatPayer(config, payer([["m1", -30], ["m1", -20], ["m1", -10], ["m1", 0]]), redemption())).toBeUndefined();
  });

  it("takes its thresholds from the configuration", () => {
    const window = payer([["m1", 90], ["m1", 0]]);
    expect(repeatPayer(config, window, redemption())).toBeUndefined();
    expect(repeatPayer({ ...config, maxRedemptions: 1 }, window, redemption())?.measures.redemptions).toBe(2);
    expect(repeatPayer({ ...config, maxRedemptions: 1, windowHours: 1 }, window, redemption())).toBeUndefined();
    expect(repeatPayer({ ...config, maxRedemptions: 1, enabled: false }, window, redemption())).toBeUndefined();
    expect(repeatPayer({ ...config, maxRedemptions: 1, windowHours: 6 }, window, redemption())?.window).toBe("2026-03-10T12:00:00.000Z");
  });

  it("is not judged on reversals", () => {
    expect(repeatPayer({ ...config, maxRedemptions: 1 }, payer([["m1", 90], ["m1", 0]]), reversal())).toBeUndefined();
  });
});

describe("(3) threshold-hugging", () => {
  const config = rules["threshold-hugging"];
  /** `total` redemptions with a known threshold in the hour, `near[k]` of them k % above. */
  const hour = (total: number, near: number[]): Partial<HourCounts> => ({ redemptions: total, thresholded: total, near });

  it("hits a merchant whose redemptions are mostly just above their threshold", () => {
    const hit = thresholdHugging(config, merchant({ 0: hour(6, [2, 1]), [-3]: hour(4, [0, 0, 1, 0, 1]) }), redemption());
    expect(hit).toEqual({
      rule: "threshold-hugging",
      severity: "low",
      merchantId: "m1",
      window: "2026-03-10T00:00:00.000Z",
      measures: { redemptions: 10, nearThreshold: 5, share: 0.5, marginPercent: 5, windowHours: 24 },
      evidenceRange: { select: "near", from: "2026-03-09T15:00:00.000Z", before: "2026-03-10T15:00:00.000Z", marginPercent: 5 },
    });
  });

  it("does not hit below minShare, with too few transactions, or counting amounts at or beyond the margin", () => {
    expect(thresholdHugging(config, merchant({ 0: hour(10, [4]) }), redemption())).toBeUndefined();
    expect(thresholdHugging(config, merchant({ 0: hour(9, [9]) }), redemption())).toBeUndefined();
    // 5 % above is not within 5 %.
    expect(thresholdHugging(config, merchant({ 0: hour(10, [0, 0, 0, 0, 0, 10]) }), redemption())).toBeUndefined();
    // Redemptions without a known threshold count in neither the share nor its denominator.
    expect(thresholdHugging(config, merchant({ 0: { redemptions: 100, thresholded: 10, near: [5] } }), redemption())).toBeDefined();
  });

  it("counts only the windowHours up to the record's hour", () => {
    expect(thresholdHugging(config, merchant({ [-24]: hour(20, [20]), 0: hour(2, []) }), redemption())).toBeUndefined();
    expect(thresholdHugging(config, merchant({ [-23]: hour(20, [20]), 0: hour(2, []) }), redemption())).toBeDefined();
    expect(thresholdHugging(config, merchant({ 1: hour(20, [20]) }), redemption())).toBeUndefined();
  });

  it("takes margin, share, minimum and window from the configuration", () => {
    const window = merchant({ 0: hour(10, [0, 0, 0, 0, 0, 0, 0, 6]) });
    expect(thresholdHugging(config, window, redemption())).toBeUndefined();
    expect(thresholdHugging({ ...config, marginPercent: 8 }, window, redemption())?.measures.share).toBe(0.6);
    expect(thresholdHugging({ ...config, marginPercent: 8, minShare: 0.7 }, window, redemption())).toBeUndefined();
    expect(thresholdHugging({ ...config, marginPercent: 8, minTransactions: 11 }, window, redemption())).toBeUndefined();
    expect(thresholdHugging({ ...config, marginPercent: 8, enabled: false }, window, redemption())).toBeUndefined();
    expect(thresholdHugging({ ...config, marginPercent: 8 }, window, reversal())).toBeUndefined();
  });
});

describe("(4) refund-rate", () => {
  const config = rules["refund-rate"];

  it("hits when the window's refund-after-redeem rate reaches minRate, judged on the reversal, naming the reversals", () => {
    const hit = refundRate(config, merchant({ [-1]: { redemptions: 6, reversals: 2 }, [-5]: { redemptions: 4, reversals: 1 } }), reversal());
    expect(hit).toEqual({
      rule: "refund-rate",
      severity: "medium",
      merchantId: "m1",
      window: "2026-03-10T00:00:00.000Z",
      measures: { redemptions: 10, reversals: 3, rate: 0.3, windowHours: 24 },
      evidenceRange: { select: "reversals", from: "2026-03-09T15:00:00.000Z", before: "2026-03-10T15:00:00.000Z" },
    });
  });

  it("does not hit below the rate, with too few redemptions, or on redemptions", () => {
    expect(refundRate(config, merchant({ [-1]: { redemptions: 10, reversals: 2 } }), reversal())).toBeUndefined();
    expect(refundRate(config, merchant({ [-1]: { redemptions: 9, reversals: 9 } }), reversal())).toBeUndefined();
    expect(refundRate(config, merchant({ [-1]: { redemptions: 10, reversals: 5 } }), redemption())).toBeUndefined();
  });

  it("counts reversals of the window's payments only, and the window from the configuration", () => {
    // Redemptions paid 30 hours ago, reversed now: outside the 24 h window.
    expect(refundRate(config, merchant({ [-30]: { redemptions: 10, reversals: 10 }, 0: { redemptions: 10 } }), reversal())).toBeUndefined();
    expect(refundRate({ ...config, windowHours: 48 }, merchant({ [-30]: { redemptions: 10, reversals: 10 }, 0: { redemptions: 10 } }), reversal())?.measures).toMatchObject({
      redemptions: 20,
      reversals: 10,
      rate: 0.5,
    });
    expect(refundRate({ ...config, minRate: 0.6, windowHours: 48 }, merchant({ [-30]: { redemptions: 10, reversals: 10 }, 0: { redemptions: 10 } }), reversal())).toBeUndefined();
    expect(refundRate({ ...config, enabled: false }, merchant({ 0: { redemptions: 10, reversals: 10 } }), reversal())).toBeUndefined();
  });
});

describe("(5) new-merchant-spike", () => {
  const config = rules["new-merchant-spike"];
  const approved = (daysBefore: number) => new Date(Date.parse(AT) - daysBefore * 86_400_000).toISOString();

  it("hits a merchant approved days ago with more than maxHourlyRedemptions in an hour", () => {
    const hit = newMerchantSpike(config, merchant({ 0: { redemptions: 16 } }, approved(0.1)), redemption());
    expect(hit).toEqual({
      rule: "new-merchant-spike",
      severity: "high",
      merchantId: "m1",
      window: "2026-03-10T14:00:00.000Z",
      measures: { approvedAt: approved(0.1), hour: "2026-03-10T14:00:00.000Z", redemptions: 16, maxHourlyRedemptions: 15 },
      evidenceRange: { select: "redemptions", from: "2026-03-10T14:00:00.000Z", before: "2026-03-10T15:00:00.000Z" },
    });
  });

  it("does not hit at the limit, an established merchant, or one whose approval is unknown", () => {
    expect(newMerchantSpike(config, merchant({ 0: { redemptions: 15 } }, approved(1)), redemption())).toBeUndefined();
    expect(newMerchantSpike(config, merchant({ 0: { redemptions: 100 } }, approved(7)), redemption())).toBeUndefined();
    expect(newMerchantSpike(config, merchant({ 0: { redemptions: 100 } }, approved(6.99)), redemption())).toBeDefined();
    expect(newMerchantSpike(config, merchant({ 0: { redemptions: 100 } }), redemption())).toBeUndefined();
    expect(newMerchantSpike(config, merchant({ 0: { redemptions: 100 } }, approved(1)), reversal())).toBeUndefined();
  });

  it("takes its thresholds from the configuration", () => {
    const window = merchant({ 0: { redemptions: 8 } }, approved(10));
    expect(newMerchantSpike(config, window, redemption())).toBeUndefined();
    expect(newMerchantSpike({ ...config, newForDays: 30 }, window, redemption())).toBeUndefined();
    expect(newMerchantSpike({ ...config, newForDays: 30, maxHourlyRedemptions: 7 }, window, redemption())).toBeDefined();
    expect(newMerchantSpike({ ...config, newForDays: 30, maxHourlyRedemptions: 7, enabled: false }, window, redemption())).toBeUndefined();
  });
});

describe("(6) payer-spread", () => {
  const config = rules["payer-spread"];

  it("hits a payer redeeming at more than maxMerchants merchants within minutes, naming every merchant and transaction", () => {
    const hit = payerSpread(config, payer([["m4", 9], ["m3", 6], ["m2", 3], ["m1", 0]]), redemption());
    expect(hit).toEqual({
      rule: "payer-spread",
      severity: "medium",
      merchantId: "m1",
      payerId: "p1",
      window: "2026-03-10T00:00:00.000Z",
      measures: { merchants: ["m1", "m2", "m3", "m4"], merchantCount: 4, windowMinutes: 10 },
      transactions: ["t0", "t1", "t2", "t3"].map((transactionId) => ({ partnerId: "bank-a", transactionId })),
    });
  });

  it("does not hit a shopping trip through maxMerchants shops, many visits to few shops, or visits spread over more than the window", () => {
    expect(payerSpread(config, payer([["m3", 6], ["m2", 3], ["m1", 0]]), redemption())).toBeUndefined();
    expect(payerSpread(config, payer([["m1", 8], ["m2", 6], ["m1", 4], ["m2", 2], ["m1", 0]]), redemption())).toBeUndefined();
    expect(payerSpread(config, payer([["m4", 10], ["m3", 6], ["m2", 3], ["m1", 0]]), redemption())).toBeUndefined();
    expect(payerSpread(config, payer([["m4", 30], ["m3", 20], ["m2", 10], ["m1", 0]]), redemption())).toBeUndefined();
  });

  it("takes its thresholds from the configuration", () => {
    const window = payer([["m4", 30], ["m3", 20], ["m2", 10], ["m1", 0]]);
    expect(payerSpread({ ...config, windowMinutes: 31 }, window, redemption())?.measures.merchantCount).toBe(4);
    expect(payerSpread({ ...config, windowMinutes: 21, maxMerchants: 2 }, window, redemption())?.measures.merchants).toEqual(["m1", "m2", "m3"]);
    expect(payerSpread({ ...config, windowMinutes: 31, enabled: false }, window, redemption())).toBeUndefined();
    expect(payerSpread({ ...config, windowMinutes: 31 }, window, reversal())).toBeUndefined();
  });
});

describe("every rule at once", () => {
  it("evaluate returns each rule's hit, in rule order, and nothing for quiet traffic", () => {
    const busy = merchant({ 0: { redemptions: 30, thresholded: 30, near: [30] } }, new Date(Date.parse(AT) - HOUR).toISOString());
    const hopping = payer([["m4", 4], ["m3", 3], ["m2", 2], ["m1", 1], ["m1", 0.5], ["m1", 0.2], ["m1", 0]]);
    expect(evaluate(DEFAULT_FRAUD_CONFIG, { merchant: busy, payer: hopping }, redemption()).map((hit) => hit.rule)).toEqual([
      "merchant-velocity",
      "repeat-payer",
      "threshold-hugging",
      "new-merchant-spike",
      "payer-spread",
    ]);
    expect(evaluate(DEFAULT_FRAUD_CONFIG, { merchant: merchant({ 0: { redemptions: 1, thresholded: 1 } }), payer: payer([["m1", 0]]) }, redemption())).toEqual([]);
    const off: FraudConfig = fraudConfigSchema.parse({ rules: Object.fromEntries(FRAUD_RULES.map((rule) => [rule, { enabled: false }])) });
    expect(evaluate(off, { merchant: busy, payer: hopping }, redemption())).toEqual([]);
  });
});

describe("flags", () => {
  it("have one id per (campaign, rule, subject, window), of the API's id kind", () => {
    const hit = { rule: "repeat-payer" as const, merchantId: "m1", payerId: "p1", window: "2026-03-10T00:00:00.000Z" };
    const id = flagId("c1", hit);
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(flagId("c1", { ...hit })).toBe(id);
    expect(new Set([id, flagId("c2", hit), flagId("c1", { ...hit, payerId: "p2" }), flagId("c1", { ...hit, merchantId: "m2" }), flagId("c1", { ...hit, window: "x" }), flagId("c1", { ...hit, rule: "payer-spread" })]).size).toBe(6);
    // payer-spread accuses the payer: the merchant it happened at last does not make another flag.
    const spread = { rule: "payer-spread" as const, payerId: "p1", window: "w" };
    expect(flagId("c1", { ...spread, merchantId: "m1" })).toBe(flagId("c1", { ...spread, merchantId: "m9" }));
    // merchant rules accuse the merchant, whoever paid.
    expect(flagId("c1", { rule: "merchant-velocity", merchantId: "m1", payerId: "p1", window: "w" })).toBe(flagId("c1", { rule: "merchant-velocity", merchantId: "m1", window: "w" }));
  });

  it("merge evidence as a union, first come first, capped", () => {
    const t = (id: string) => ({ partnerId: "b", transactionId: id });
    expect(mergeTransactions([t("1"), t("2")], [t("2"), t("3")])).toEqual({ transactions: [t("1"), t("2"), t("3")], added: true });
    expect(mergeTransactions([t("1"), t("2")], [t("2")])).toEqual({ transactions: [t("1"), t("2")], added: false });
    const many = Array.from({ length: MAX_EVIDENCE_TRANSACTIONS + 5 }, (_, i) => t(String(i)));
    expect(mergeTransactions([], many).transactions).toHaveLength(MAX_EVIDENCE_TRANSACTIONS);
    expect(mergeTransactions(many.slice(0, MAX_EVIDENCE_TRANSACTIONS), [t("new")])).toEqual({ transactions: many.slice(0, MAX_EVIDENCE_TRANSACTIONS), added: false });
  });
});
