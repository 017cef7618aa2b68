/**
 * Settlement rules (shared/domain/settlement.ts): periods and cut-offs in the campaign's zone
 * (daylight-saving days included), the daily run's period, what a statement adds up to, what
 * becomes of it, and the conservation check of invariant 6.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type SettledRecord,
  checkConservation,
  dueSettlementPeriod,
  localDate,
  nextPeriod,
  periodCutoff,
  previousPeriod,
  startOfPeriod,
  statementId,
  statementOutcome,
  statementTotals,
} from "../../shared/domain/settlement.js";

const HOUR = 3_600_000;
const SHANGHAI = "Asia/Shanghai";
const NEW_YORK = "America/New_York";

describe("startOfPeriod", () => {
  it("is local midnight in Asia/Shanghai (UTC+8, no daylight saving)", () => {
    expect(startOfPeriod("2024-05-01", SHANGHAI).toISOString()).toBe("2024-04-30T16:00:00.000Z");
    expect(startOfPeriod("2024-01-01", SHANGHAI).toISOString()).toBe("2023-12-31T16:00:00.000Z");
    // Every Shanghai day lasts 24 h.
    expect(startOfPeriod("2024-05-02", SHANGHAI).getTime() - startOfPeriod("2024-05-01", SHANGHAI).getTime()).toBe(24 * HOUR);
  });

  it("is local midnight in America/New_York on its spring-forward day, which lasts 23 h", () => {
    // 2024-03-10: 02:00 EST becomes 03:00 EDT. Midnight is still EST (UTC−5); the next one is EDT (UTC−4).
    const start = startOfPeriod("2024-03-10", NEW_YORK);
    const end = startOfPeriod("2024-03-11", NEW_YORK);
    expect(start.toISOString()).toBe("2024-03-10T05:00:00.000Z");
    expect(end.toISOString()).toBe("2024-03-11T04:00:00.000Z");
    expect(end.getTime() - start.getTime()).toBe(23 * HOUR);
  });

  it("is local midnight in America/New_York on its fall-back day, which lasts 25 h", () => {
    // 2024-11-03: 02:00 EDT becomes 01:00 EST. Midnight is still EDT (UTC−4); the next one is EST (UTC−5).
    const start = startOfPeriod("2024-11-03", NEW_YORK);
    const end = startOfPeriod("2024-11-04", NEW_YORK);
    expect(start.toISOString()).toBe("2024-11-03T04:00:00.000Z");
    expect(end.toISOString()).toBe("2024-11-04T05:00:00.000Z");
    expect(end.getTime() - start.getTime()).toBe(25 * HOUR);
  });

  it("refuses a period that is not a date", () => {
    expect(() => startOfPeriod("2024-02-30x", SHANGHAI)).toThrow();
    expect(() => startOfPeriod("20240501", SHANGHAI)).toThrow();
  });

  it("brackets every instant: the day an instant falls on starts at or before it and the next day after it", () => {
    const zones = [SHANGHAI, NEW_YORK, "Europe/London", "America/Santiago", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        // 2020–2030, to the second.
        fc.integer({ min: Date.UTC(2020, 0, 1) / 1000, max: Date.UTC(2030, 0, 1) / 1000 }),
        (zone, seconds) => {
          const instant = new Date(seconds * 1000);
          const day = localDate(instant, zone);
          expect(startOfPeriod(day, zone).getTime()).toBeLessThanOrEqual(instant.getTime());
          expect(startOfPeriod(nextPeriod(day), zone).getTime()).toBeGreaterThan(instant.getTime());
          // The first instant of a day is on that day.
          expect(localDate(startOfPeriod(day, zone), zone)).toBe(day);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("nextPeriod and previousPeriod", () => {
  it("step over month and year ends and leap days", () => {
    expect(nextPeriod("2024-02-28")).toBe("2024-02-29");
    expect(nextPeriod("2024-02-29")).toBe("2024-03-01");
    expect(nextPeriod("2023-12-31")).toBe("2024-01-01");
    expect(previousPeriod("2024-03-01")).toBe("2024-02-29");
    expect(previousPeriod("2024-01-01")).toBe("2023-12-31");
  });
});

describe("periodCutoff", () => {
  it("is the end of the period once it is over", () => {
    const now = new Date("2024-05-03T09:00:00+08:00");
    expect(periodCutoff("2024-05-01", SHANGHAI, now)).toEqual({ cutoff: new Date("2024-05-01T16:00:00.000Z"), periodOver: true });
  });

  it("is the end of the period at the very instant it ends", () => {
    const end = new Date("2024-05-01T16:00:00.000Z");
    expect(periodCutoff("2024-05-01", SHANGHAI, end)).toEqual({ cutoff: end, periodOver: true });
  });

  it("is the moment of the run while the period is not over", () => {
    const now = new Date("2024-05-01T10:30:00+08:00");
    expect(periodCutoff("2024-05-01", SHANGHAI, now)).toEqual({ cutoff: now, periodOver: false });
    const firstInstant = new Date("2024-04-30T16:00:00.000Z");
    expect(periodCutoff("2024-05-01", SHANGHAI, firstInstant)).toEqual({ cutoff: firstInstant, periodOver: false });
  });

  it("refuses a period that has not begun (RangeError)", () => {
    const justBefore = new Date("2024-04-30T15:59:59.999Z");
    expect(() => periodCutoff("2024-05-01", SHANGHAI, justBefore)).toThrow(RangeError);
    expect(() => periodCutoff("2024-06-01", SHANGHAI, new Date("2024-05-01T12:00:00+08:00"))).toThrow(RangeError);
  });

  it("ends a 23 h and a 25 h New York day at the next local midnight", () => {
    const later = new Date("2024-12-01T00:00:00Z");
    expect(periodCutoff("2024-03-10", NEW_YORK, later).cutoff.toISOString()).toBe("2024-03-11T04:00:00.000Z");
    expect(periodCutoff("2024-11-03", NEW_YORK, later).cutoff.toISOString()).toBe("2024-11-04T05:00:00.000Z");
    // 23:30 EST on the fall-back day is 25.5 h after its midnight, and still in the day.
    const lateOnFallBack = new Date("2024-11-04T04:30:00Z");
    expect(periodCutoff("2024-11-03", NEW_YORK, lateOnFallBack)).toEqual({ cutoff: lateOnFallBack, periodOver: false });
  });
});

describe("dueSettlementPeriod", () => {
  it("is the day before yesterday until 02:00 local, yesterday from 02:00 (Asia/Shanghai)", () => {
    expect(dueSettlementPeriod(new Date("2024-05-03T00:30:00+08:00"), SHANGHAI)).toBe("2024-05-01");
    expect(dueSettlementPeriod(new Date("2024-05-03T01:59:59+08:00"), SHANGHAI)).toBe("2024-05-01");
    expect(dueSettlementPeriod(new Date("2024-05-03T02:00:00+08:00"), SHANGHAI)).toBe("2024-05-02");
    expect(dueSettlementPeriod(new Date("2024-05-03T23:59:59+08:00"), SHANGHAI)).toBe("2024-05-02");
  });

  it("reads the hour in the campaign's zone, not in UTC", () => {
    // 2024-05-02T18:30Z is 02:30 on 05-03 in Shanghai but 14:30 on 05-02 in New York.
    const instant = new Date("2024-05-02T18:30:00Z");
    expect(dueSettlementPeriod(instant, SHANGHAI)).toBe("2024-05-02");
    expect(dueSettlementPeriod(instant, NEW_YORK)).toBe("2024-05-01");
  });

  it("counts local hours across a New York spring-forward night", () => {
    // 2024-03-10 01:30 EST (06:30Z): before 02:00 → 03-08. 03:30 EDT (07:30Z): after → 03-09.
    expect(dueSettlementPeriod(new Date("2024-03-10T06:30:00Z"), NEW_YORK)).toBe("2024-03-08");
    expect(dueSettlementPeriod(new Date("2024-03-10T07:30:00Z"), NEW_YORK)).toBe("2024-03-09");
  });
});

describe("statementId", () => {
  it("names the statement by campaign, merchant and period", () => {
    expect(statementId("c1", "m1", "2024-05-01")).toBe("c1/m1/2024-05-01");
  });
});

// ---------------------------------------------------------------------------------------------

function redemption(transactionId: string, discount: number, amount = 10_000): SettledRecord {
  return { kind: "REDEMPTION", partnerId: "bank-a", transactionId, discount, amount };
}
function reversal(transactionId: string, discount: number, amount = 10_000): SettledRecord {
  return { kind: "REVERSAL", partnerId: "bank-a", transactionId, discount: -discount, amount };
}

describe("statementTotals", () => {
  it("adds up redemptions", () => {
    expect(statementTotals([redemption("t1", 3_000, 12_000), redemption("t2", 6_000, 25_000)])).toEqual({
      redemptionCount: 2,
      subsidy: 9_000,
      grossSales: 37_000,
      clawbackCount: 0,
      clawback: 0,
      cancelledCount: 0,
      net: 9_000,
      carriedIn: 0,
      payable: 9_000,
    });
  });

  it("cancels a redemption reversed within the same statement: it counts nowhere and contributes 0", () => {
    const totals = statementTotals([redemption("t1", 3_000), redemption("t2", 3_000, 15_000), reversal("t2", 3_000, 15_000)]);
    expect(totals).toMatchObject({ redemptionCount: 1, subsidy: 3_000, grossSales: 10_000, cancelledCount: 1, clawbackCount: 0, clawback: 0, net: 3_000, payable: 3_000 });
  });

  it("claws back a reversal whose redemption was settled earlier", () => {
    const totals = statementTotals([redemption("t1", 6_000), reversal("t0", 3_000)]);
    expect(totals).toMatchObject({ redemptionCount: 1, subsidy: 6_000, clawbackCount: 1, clawback: 3_000, cancelledCount: 0, net: 3_000, payable: 3_000 });
  });

  it("a statement holding only a clawback has a negative net and payable", () => {
    expect(statementTotals([reversal("t0", 3_000)])).toMatchObject({ redemptionCount: 0, subsidy: 0, clawback: 3_000, net: -3_000, payable: -3_000 });
  });

  it("tells the same transaction id of two partners apart", () => {
    const other: SettledRecord = { ...reversal("t1", 3_000), partnerId: "bank-b" };
    expect(statementTotals([redemption("t1", 3_000), other])).toMatchObject({ cancelledCount: 0, redemptionCount: 1, clawbackCount: 1, net: 0 });
  });

  it("folds carried payables in: payable = net + carriedIn", () => {
    const totals = statementTotals([redemption("t1", 6_000)], [-3_000, -1_000]);
    expect(totals).toMatchObject({ net: 6_000, carriedIn: -4_000, payable: 2_000 });
    expect(statementTotals([redemption("t1", 3_000)], [-5_000])).toMatchObject({ net: 3_000, carriedIn: -5_000, payable: -2_000 });
  });

  it("refuses a positive carried payable", () => {
    expect(() => statementTotals([redemption("t1", 3_000)], [1])).toThrow(RangeError);
  });

  it("an empty statement adds up to zero", () => {
    expect(statementTotals([])).toMatchObject({ redemptionCount: 0, net: 0, payable: 0 });
  });

  it("for any records: net = Σ signed discounts, net = subsidy − clawback, counts partition the transactions", () => {
    // Each transaction is a redemption, a reversal of one settled earlier, or both (reversed before settlement).
    const transaction = fc.record({
      discount: fc.integer({ min: 1, max: 100_000 }),
      amount: fc.integer({ min: 1, max: 1_000_000 }),
      partner: fc.constantFrom("bank-a", "bank-b"),
      parts: fc.constantFrom("R", "V", "RV"),
    });
    fc.assert(
      fc.property(
        fc.array(transaction, { maxLength: 40 }),
        fc.array(fc.integer({ min: -100_000, max: 0 }), { maxLength: 4 }),
        (transactions, carried) => {
          const records: SettledRecord[] = transactions.flatMap((t, i) => {
            const base = { partnerId: t.partner, transactionId: `t${i}`, amount: t.amount };
            const parts: SettledRecord[] = [];
            if (t.parts.includes("R")) parts.push({ ...base, kind: "REDEMPTION", discount: t.discount });
            if (t.parts.includes("V")) parts.push({ ...base, kind: "REVERSAL", discount: -t.discount });
            return parts;
          });
          const totals = statementTotals(records, carried);
          // Order does not matter (lines are read by sort key, not as they were put).
          expect(statementTotals([...records].reverse(), carried)).toEqual(totals);
          const signed = records.reduce((sum, r) => sum + r.discount, 0);
          const only = (parts: string) => transactions.filter((t) => t.parts === parts);
          expect(totals.net).toBe(signed);
          expect(totals.net).toBe(totals.subsidy - totals.clawback);
          expect(totals.redemptionCount).toBe(only("R").length);
          expect(totals.clawbackCount).toBe(only("V").length);
          expect(totals.cancelledCount).toBe(only("RV").length);
          expect(totals.subsidy).toBe(only("R").reduce((sum, t) => sum + t.discount, 0));
          expect(totals.grossSales).toBe(only("R").reduce((sum, t) => sum + t.amount, 0));
          expect(totals.clawback).toBe(only("V").reduce((sum, t) => sum + t.discount, 0));
          expect(totals.carriedIn).toBe(carried.reduce((sum, c) => sum + c, 0));
          expect(totals.payable).toBe(totals.net + totals.carriedIn);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("partial refunds lower the gross sales of the redemptions held with them, move no money, and vanish with a cancelled redemption", () => {
    const refund = (transactionId: string, amount: number): SettledRecord => ({ kind: "PARTIAL_REFUND", partnerId: "bank-a", transactionId, discount: 0, amount });
    const totals = statementTotals([
      redemption("t1", 3_000, 12_000),
      refund("t1", 1_500),
      redemption("t2", 3_000, 12_000),
      refund("t2", 1_500),
      reversal("t2", 3_000, 12_000),
      refund("t0", 700), // of a redemption settled earlier: a line only
    ]);
    expect(totals).toMatchObject({ redemptionCount: 1, subsidy: 3_000, grossSales: 10_500, cancelledCount: 1, clawbackCount: 0, net: 3_000, payable: 3_000 });
  });

  it("stays exact when gross sales pass 2^53 fen (the amounts that once stuck a statement in BUILDING): money to the fen, gross sales left out, not rounded", () => {
    // Two payments of 5e15 fen, as accepted before amounts were bounded, and 2^53 − 1 more.
    const records = [redemption("t1", 3_000, 5e15), redemption("t2", 6_000, 5e15), redemption("t3", 1, Number.MAX_SAFE_INTEGER)];
    const totals = statementTotals(records, [-2_000]);
    expect(totals).toEqual({ redemptionCount: 3, subsidy: 9_001, clawbackCount: 0, clawback: 0, cancelledCount: 0, net: 9_001, carriedIn: -2_000, payable: 7_001 });
    expect(totals).not.toHaveProperty("grossSales");
  });

  it("for any amounts: gross sales is the exact BigInt sum when a safe integer, absent otherwise; net never depends on it", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { minLength: 1, maxLength: 20 }), (amounts) => {
        const totals = statementTotals(amounts.map((amount, i) => redemption(`t${i}`, 1, amount)));
        const exact = amounts.reduce((sum, amount) => sum + BigInt(amount), 0n);
        if (exact <= BigInt(Number.MAX_SAFE_INTEGER)) expect(BigInt(totals.grossSales!)).toBe(exact);
        else expect(totals.grossSales).toBeUndefined();
        expect(totals.net).toBe(amounts.length);
      }),
    );
  });
});

describe("statementOutcome", () => {
  it("carries a statement with nothing to pay, whatever the merchant's status", () => {
    expect(statementOutcome(0, "APPROVED")).toBe("CARRIED");
    expect(statementOutcome(-3_000, "APPROVED")).toBe("CARRIED");
    expect(statementOutcome(-1, "SUSPENDED")).toBe("CARRIED");
    expect(statementOutcome(0, "SUSPENDED")).toBe("CARRIED");
  });

  it("holds a positive statement of a suspended merchant (invariant 7)", () => {
    expect(statementOutcome(1, "SUSPENDED")).toBe("HELD");
    expect(statementOutcome(3_000, "SUSPENDED")).toBe("HELD");
  });

  it("pays a positive statement of any other merchant", () => {
    expect(statementOutcome(1, "APPROVED")).toBe("PENDING");
    expect(statementOutcome(3_000, "PENDING")).toBe("PENDING");
  });
});

describe("checkConservation", () => {
  const records = [
    { discount: 3_000, statementId: "s1" },
    { discount: 6_000, statementId: "s1" },
    { discount: -3_000, statementId: "s2" },
    { discount: 3_000, statementId: "s2" },
    { discount: 6_000 },
    { discount: -6_000 },
  ];

  it("balances when every record is in exactly the statement whose net counts it, or unsettled", () => {
    const books = checkConservation({ records, statements: [{ statementId: "s1", net: 9_000 }, { statementId: "s2", net: 0 }] });
    expect(books).toEqual({ redeemed: 18_000, reversed: 9_000, inStatements: 9_000, unsettled: 0, difference: 0, mismatched: [] });
  });

  it("counts a record naming an unfinished (BUILDING) statement as unsettled", () => {
    const books = checkConservation({ records, statements: [{ statementId: "s1", net: 9_000 }] });
    expect(books).toMatchObject({ inStatements: 9_000, unsettled: 0, difference: 0, mismatched: [] });
    // s2's records (−3 000 + 3 000) are unsettled: their sum is 0 here, so take one away to see it.
    const withoutS2 = checkConservation({ records: records.filter((r) => !(r.statementId === "s2" && r.discount > 0)), statements: [{ statementId: "s1", net: 9_000 }] });
    expect(withoutS2).toMatchObject({ unsettled: -3_000, difference: 0 });
  });

  it("reports the difference to the fen when a statement's net is off", () => {
    const books = checkConservation({ records, statements: [{ statementId: "s1", net: 9_001 }, { statementId: "s2", net: 0 }] });
    expect(books.difference).toBe(-1);
    expect(books.mismatched).toEqual([{ statementId: "s1", net: 9_001, records: 9_000 }]);
  });

  it("reports money lost: a statement without the record that names it", () => {
    const books = checkConservation({ records: [{ discount: 3_000, statementId: "s1" }], statements: [{ statementId: "s1", net: 0 }] });
    expect(books).toMatchObject({ redeemed: 3_000, inStatements: 0, unsettled: 0, difference: 3_000 });
    expect(books.mismatched).toEqual([{ statementId: "s1", net: 0, records: 3_000 }]);
  });

  it("names mismatched statements even when the totals balance", () => {
    // Nets swapped between s1 and s2: the sum is right, each statement is wrong.
    const books = checkConservation({ records, statements: [{ statementId: "s1", net: 0 }, { statementId: "s2", net: 9_000 }] });
    expect(books.difference).toBe(0);
    expect(books.mismatched).toEqual([
      { statementId: "s1", net: 0, records: 9_000 },
      { statementId: "s2", net: 9_000, records: 0 },
    ]);
  });

  it("a finished statement holding no records has net 0 or is mismatched", () => {
    expect(checkConservation({ records: [], statements: [{ statementId: "s9", net: 0 }] })).toMatchObject({ difference: 0, mismatched: [] });
    expect(checkConservation({ records: [], statements: [{ statementId: "s9", net: 5 }] }).mismatched).toEqual([{ statementId: "s9", net: 5, records: 0 }]);
  });
});
