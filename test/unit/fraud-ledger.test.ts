/**
 * What fraud adds to the ledger and settlement arithmetic, pure: CLAWBACK records sort and parse,
 * count as clawback in a statement's totals (net ≤ 0 → CARRIED as any clawback), as reversals in
 * the stats, and keep conservation (invariant 6) with FORFEITED statements in the books; and
 * instant-discount records (no voucher, the tier's threshold) meet the rules exactly as vouchers'.
 */
import { describe, expect, it } from "vitest";
import { STATEMENT_STATUSES, type SettledRecord, checkConservation, statementOutcome, statementTotals } from "../../shared/domain/settlement.js";
import { ledgerDeltas } from "../../shared/domain/stats.js";
import { type RedemptionRecord, ledgerRecordFacts, ledgerRecordSchema } from "../../shared/domain/ledger.js";
import { DEFAULT_FRAUD_CONFIG, EMPTY_HOUR, type Hit, type HourCounts, evaluate, hourDelta } from "../../shared/domain/fraud.js";
import { ledgerSortKey } from "../../shared/store/ledger.js";

const record = (kind: SettledRecord["kind"], transactionId: string, discount: number, amount = 12_000): SettledRecord => ({ kind, partnerId: "bank-a", transactionId, discount, amount });

describe("CLAWBACK ledger records", () => {
  it("sort after the instant they were decided, ending in #C", () => {
    expect(ledgerSortKey("2026-03-10T22:00:00+08:00", "bank-a", "t1", "CLAWBACK")).toBe("2026-03-10T14:00:00.000Z#bank-a#t1#C");
    expect(ledgerSortKey("2026-03-10T14:00:00Z", "bank-a", "t1", "REDEMPTION")).toBe("2026-03-10T14:00:00.000Z#bank-a#t1#R");
    expect(ledgerSortKey("2026-03-10T14:00:00Z", "bank-a", "t1", "REVERSAL")).toBe("2026-03-10T14:00:00.000Z#bank-a#t1#V");
  });

  it("parse with a negative discount, the payment's instant and the flag; redemptions may carry their voucher's threshold", () => {
    const base = { campaignId: "c", merchantId: "m", partnerId: "p", transactionId: "t", voucherId: "v", payerId: "u", amount: 12_000, occurredAt: "x", recordedAt: "y" };
    expect(ledgerRecordSchema.parse({ ...base, kind: "CLAWBACK", discount: -3_000, paymentOccurredAt: "z", flagId: "flag-1" }).kind).toBe("CLAWBACK");
    expect(ledgerRecordSchema.safeParse({ ...base, kind: "CLAWBACK", discount: 3_000, paymentOccurredAt: "z", flagId: "flag-1" }).success).toBe(false);
    expect(ledgerRecordSchema.safeParse({ ...base, kind: "CLAWBACK", discount: -3_000, paymentOccurredAt: "z" }).success).toBe(false);
    expect(ledgerRecordSchema.parse({ ...base, kind: "REDEMPTION", discount: 3_000, threshold: 10_000 })).toMatchObject({ threshold: 10_000 });
    // Records written before the threshold was kept still parse.
    expect(ledgerRecordSchema.parse({ ...base, kind: "REDEMPTION", discount: 3_000 })).not.toHaveProperty("threshold");
  });
});

describe("a statement holding clawbacks", () => {
  it("counts each as clawback of a redemption paid earlier", () => {
    const totals = statementTotals([record("REDEMPTION", "t2", 3_000), record("REDEMPTION", "t3", 6_000, 25_000), record("CLAWBACK", "t1", -3_000)]);
    expect(totals).toEqual({
      redemptionCount: 2,
      subsidy: 9_000,
      grossSales: 37_000,
      clawbackCount: 1,
      clawback: 3_000,
      cancelledCount: 0,
      net: 6_000,
      carriedIn: 0,
      payable: 6_000,
    });
  });

  it("with nothing else to pay nets below zero and is CARRIED, like any clawback", () => {
    const totals = statementTotals([record("CLAWBACK", "t1", -3_000), record("CLAWBACK", "t2", -6_000), record("REVERSAL", "t0", -3_000)]);
    expect(totals).toMatchObject({ redemptionCount: 0, clawbackCount: 3, clawback: 12_000, net: -12_000, payable: -12_000 });
    expect(statementOutcome(totals.payable, "APPROVED")).toBe("CARRIED");
    // Folded into the next statement, it takes the clawback from what that one pays.
    expect(statementTotals([record("REDEMPTION", "t9", 6_000, 25_000)], [totals.payable])).toMatchObject({ net: 6_000, carriedIn: -12_000, payable: -6_000 });
  });
});

describe("the books with FORFEITED statements", () => {
  it("keep a forfeited statement's net in Σ statement nets: money is conserved, nothing was paid for it", () => {
    expect(STATEMENT_STATUSES).toContain("FORFEITED");
    const conservation = checkConservation({
      records: [
        { discount: 3_000, statementId: "s-paid" },
        { discount: 6_000, statementId: "s-forfeited" },
        { discount: 3_000, statementId: "s-forfeited" },
        { discount: -3_000 },
      ],
      statements: [
        { statementId: "s-paid", net: 3_000 },
        { statementId: "s-forfeited", net: 9_000 },
      ],
    });
    expect(conservation).toEqual({ redeemed: 12_000, reversed: 3_000, inStatements: 12_000, unsettled: -3_000, difference: 0, mismatched: [] });
  });
});

describe("the stats of a clawback", () => {
  it("count it as a reversal on the day of the payment", () => {
    const deltas = ledgerDeltas(
      { kind: "CLAWBACK", merchantId: "m1", discount: -3_000, amount: 12_000, occurredAt: "2026-03-12T02:00:00.000Z", paymentOccurredAt: "2026-03-10T02:00:00.000Z" },
      "restaurant",
      "Asia/Shanghai",
    );
    const counters = { reversals: 1, reversalDiscount: 3_000, reversalAmount: 12_000 };
    expect(deltas).toEqual([
      { bucket: "TOTAL", counters },
      { bucket: "DAY#2026-03-10", counters },
      { bucket: "SECTOR#restaurant", counters },
      { bucket: "MERCHANT#m1", counters },
    ]);
  });
});

describe("instant-discount ledger records under the fraud rules", () => {
  /** Filed records as the payment path writes them for a card-swipe discount: no voucherId, the tier's threshold kept. */
  const START = Date.parse("2026-03-10T14:00:00.000Z");
  const filed = (i: number, payerId: string): RedemptionRecord =>
    ledgerRecordSchema.parse({
      kind: "REDEMPTION",
      campaignId: "c1",
      merchantId: "m1",
      partnerId: "unionpay",
      transactionId: `t${i}`,
      instantDiscountId: "swipe",
      payerId,
      // 1 % above the tier's threshold of 100 yuan (满100减20): just above it.
      amount: 10_100,
      discount: 2_000,
      threshold: 10_000,
      occurredAt: new Date(START + i * 60_000).toISOString(),
      recordedAt: new Date(START + i * 60_000).toISOString(),
    }) as RedemptionRecord;
  const asVoucher = ({ instantDiscountId: _instant, ...record }: RedemptionRecord): RedemptionRecord => ({ ...record, voucherId: `v-${record.transactionId}` });

  /** Every rule's hits on the last record, with the merchant's hours and the payer's log holding them all, as the detector reads them. */
  function hitsOnLast(records: readonly RedemptionRecord[]): Hit[] {
    const facts = records.map(ledgerRecordFacts);
    const hours = new Map<number, HourCounts>();
    for (const record of facts) {
      const { hour, counts } = hourDelta(record);
      const into = hours.get(hour) ?? { ...EMPTY_HOUR, near: [] };
      const near = Array.from({ length: Math.max(into.near.length, counts.near.length) }, (_, k) => (into.near[k] ?? 0) + (counts.near[k] ?? 0));
      hours.set(hour, { redemptions: into.redemptions + counts.redemptions, thresholded: into.thresholded + counts.thresholded, near, reversals: into.reversals + counts.reversals });
    }
    const last = facts.at(-1)!;
    const payerLog = facts.filter((record) => record.payerId === last.payerId).map(({ merchantId, partnerId, transactionId, occurredAt }) => ({ merchantId, partnerId, transactionId, occurredAt }));
    return evaluate(DEFAULT_FRAUD_CONFIG, { merchant: { hours }, payer: { redemptions: payerLog } }, last);
  }

  it("keep the tier's threshold and name no voucher in the facts the detector judges", () => {
    const facts = ledgerRecordFacts(filed(1, "card-1"));
    expect(facts).toMatchObject({ kind: "REDEMPTION", threshold: 10_000, amount: 10_100 });
    expect(hourDelta(facts).counts).toEqual({ redemptions: 1, thresholded: 1, near: [0, 1], reversals: 0 });
  });

  it("raise threshold-hugging on a merchant whose instant discounts are all just above the tier, exactly as vouchers would", () => {
    const records = Array.from({ length: 10 }, (_, i) => filed(i, `card-${i}`));
    const hits = hitsOnLast(records);
    expect(hits.map((hit) => hit.rule)).toEqual(["threshold-hugging"]);
    expect(hits[0]).toMatchObject({ merchantId: "m1", measures: { redemptions: 10, nearThreshold: 10, share: 1 } });
    expect(hitsOnLast(records.map(asVoucher))).toEqual(hits);
    // Nine are too few (minTransactions 10): no hit.
    expect(hitsOnLast(records.slice(0, 9))).toEqual([]);
  });

  it("raise repeat-payer on one card taking the instant discount again and again at one shop, exactly as vouchers would", () => {
    const records = Array.from({ length: 4 }, (_, i) => ({ ...filed(i, "card-same"), amount: 25_000 }));
    const hits = hitsOnLast(records);
    expect(hits).toEqual([expect.objectContaining({ rule: "repeat-payer", merchantId: "m1", payerId: "card-same" })]);
    expect(hits[0]!.transactions).toEqual(records.map((record) => ({ partnerId: "unionpay", transactionId: record.transactionId })));
    expect(hitsOnLast(records.map(asVoucher))).toEqual(hits);
  });
});
