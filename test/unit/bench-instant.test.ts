/**
 * The pure helpers of the payment benchmarks (bench/figures.ts, bench/instant-plan.ts): argument
 * ranges, the delivery plan of `bench:instant` (every payment once, re-deliveries beside the
 * first or after the flood), the tier a payment should get, and the checks of answers and
 * ledger records that decide the exit code.
 */
import { describe, expect, it } from "vitest";
import { BenchArgumentError, answersDifferingFromFirst, ledgerAgainstAnswers, numberArgument, shuffle } from "../../bench/figures.js";
import { INSTANT_TIERS, instantAmount, instantVerdict, parseInstantSettings, planDeliveries, tierDiscount } from "../../bench/instant-plan.js";

/** A seeded generator in [0, 1), so a plan can be checked for one fixed draw. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("numberArgument", () => {
  it("accepts a value in range, fractions only when asked", () => {
    expect(numberArgument("quota", "500", { min: 1, max: 100_000 })).toBe(500);
    expect(numberArgument("duplicates", "0.2", { min: 0, max: 10, integer: false })).toBe(0.2);
  });

  it.each<[string | undefined, string]>([
    ["0", "below the range"],
    ["100001", "above the range"],
    ["2.5", "a fraction for a whole number"],
    ["", "empty"],
    ["ten", "not a number"],
    [undefined, "missing"],
  ])("refuses %j (%s) with a message naming the flag", (raw) => {
    expect(() => numberArgument("quota", raw, { min: 1, max: 100_000 })).toThrow(BenchArgumentError);
    expect(() => numberArgument("quota", raw, { min: 1, max: 100_000 })).toThrow(/--quota must be a whole number in 1–100000/);
  });
});

describe("parseInstantSettings", () => {
  it("fills in the defaults of the issue's command", () => {
    expect(parseInstantSettings([])).toEqual({ payments: 2000, quota: 500, concurrency: 50, duplicates: 0.2 });
  });

  it("reads every flag, and --help", () => {
    expect(parseInstantSettings(["--payments", "600", "--quota", "150", "--concurrency", "8", "--duplicates", "0"])).toEqual({
      payments: 600,
      quota: 150,
      concurrency: 8,
      duplicates: 0,
    });
    expect(parseInstantSettings(["-h"])).toBe("help");
  });

  it("refuses an unknown flag and a value out of range", () => {
    expect(() => parseInstantSettings(["--stock", "5"])).toThrow(/stock/);
    expect(() => parseInstantSettings(["--concurrency", "0"])).toThrow(BenchArgumentError);
  });
});

describe("planDeliveries", () => {
  it("delivers every payment once as a first delivery and round(P × share) re-deliveries, half beside the first, half after", () => {
    const plan = planDeliveries(1_000, 0.2, seeded(7));
    const firsts = plan.flood.filter((d) => !d.redelivery).map((d) => d.payment);
    expect([...firsts].sort((a, b) => a - b)).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    expect(plan.flood.filter((d) => d.redelivery)).toHaveLength(100);
    expect(plan.later).toHaveLength(100);
    expect(plan.later.every((d) => d.redelivery && d.payment >= 0 && d.payment < 1_000)).toBe(true);
  });

  it("places each re-delivery in the flood right after its payment's first delivery (so both are in flight together)", () => {
    const plan = planDeliveries(300, 1, seeded(3));
    plan.flood.forEach((delivery, index) => {
      if (!delivery.redelivery) return;
      let first = index - 1;
      while (plan.flood[first]!.redelivery) first -= 1;
      expect(plan.flood[first]!.payment).toBe(delivery.payment);
    });
  });

  it("rounds an odd number of re-deliveries towards the flood, and plans none for share 0", () => {
    const odd = planDeliveries(5, 0.6, seeded(1));
    expect(odd.flood.filter((d) => d.redelivery)).toHaveLength(2);
    expect(odd.later).toHaveLength(1);
    const none = planDeliveries(50, 0, seeded(1));
    expect(none.later).toEqual([]);
    expect(none.flood).toHaveLength(50);
    expect(none.flood.some((d) => d.redelivery)).toBe(false);
  });
});

describe("amounts and tiers", () => {
  it("gives every payment an amount above the lowest tier, and the highest tier it reaches", () => {
    const amounts = Array.from({ length: 9 }, (_, i) => instantAmount(i));
    expect(amounts.every((amount) => amount >= INSTANT_TIERS[0].threshold)).toBe(true);
    expect(amounts.filter((amount) => tierDiscount(amount) === 6_000)).toHaveLength(3);
    expect(tierDiscount(9_999)).toBe(0);
    expect(tierDiscount(10_000)).toBe(2_000);
    expect(tierDiscount(29_999)).toBe(2_000);
    expect(tierDiscount(30_000)).toBe(6_000);
  });
});

describe("answersDifferingFromFirst", () => {
  it("counts deliveries whose status or bytes differ from the first answer of their transaction", () => {
    const ok = '{"transactionId":"t1","discount":2000}';
    expect(
      answersDifferingFromFirst([
        { transactionId: "t1", status: 200, text: ok },
        { transactionId: "t2", status: 200, text: '{"transactionId":"t2","discount":0}' },
        { transactionId: "t1", status: 200, text: ok },
        { transactionId: "t1", status: 200, text: '{"discount":2000,"transactionId":"t1"}' },
        { transactionId: "t1", status: 429, text: ok },
      ]),
    ).toBe(2);
  });
});

describe("ledgerAgainstAnswers", () => {
  it("finds no fault when each applied transaction has exactly one record", () => {
    expect(ledgerAgainstAnswers([{ transactionId: "a" }, { transactionId: "b" }], new Set(["a", "b"]))).toEqual({ extra: 0, severalRecords: 0, beyondOne: 0, notAnswered: 0 });
  });

  it("counts a transaction recorded twice, a record nobody was answered, and a missing record", () => {
    expect(ledgerAgainstAnswers([{ transactionId: "a" }, { transactionId: "a" }, { transactionId: "x" }], new Set(["a", "b"]))).toEqual({
      extra: 1,
      severalRecords: 1,
      beyondOne: 1,
      notAnswered: 1,
    });
    expect(ledgerAgainstAnswers([], new Set(["a"]))).toEqual({ extra: -1, severalRecords: 0, beyondOne: 0, notAnswered: 0 });
  });
});

describe("instantVerdict", () => {
  const clean = { payments: 2_000, quota: 500, applied: 500, quotaUsed: 500, ledger: { extra: 0, severalRecords: 0, beyondOne: 0, notAnswered: 0 }, ledgerNotInstant: 0, wrongDiscount: 0, differing: 0 };

  it("passes a run that applied exactly the quota, once each, with read-backs that agree", () => {
    expect(instantVerdict(clean)).toEqual({ expectedApplied: 500, overQuota: 0, duplicatesApplied: 0, failures: [] });
    expect(instantVerdict({ ...clean, payments: 300, applied: 300, quotaUsed: 300 }).failures).toEqual([]);
  });

  it("fails on a unit over the quota, whether the answers or the shards show it", () => {
    expect(instantVerdict({ ...clean, applied: 501, quotaUsed: 501, ledger: { ...clean.ledger, extra: 0 } })).toMatchObject({ overQuota: 1, failures: ["1 over the quota", "applied 501, expected 500"] });
    expect(instantVerdict({ ...clean, quotaUsed: 502 })).toMatchObject({ overQuota: 2, failures: ["2 over the quota", "the quota's shards or the ledger disagree with the answers"] });
  });

  it("fails on a duplicate applied: a second record of a transaction, or an answer other than the first", () => {
    const twice = instantVerdict({ ...clean, ledger: { extra: 1, severalRecords: 1, beyondOne: 1, notAnswered: 0 } });
    expect(twice.duplicatesApplied).toBe(1);
    expect(twice.failures).toContain("1 duplicates applied");
    expect(instantVerdict({ ...clean, differing: 3 })).toMatchObject({ duplicatesApplied: 3, failures: ["3 duplicates applied"] });
  });

  it("fails when fewer than min(quota, payments) applied, or a read-back disagrees", () => {
    expect(instantVerdict({ ...clean, applied: 499, quotaUsed: 499, ledger: { ...clean.ledger, extra: 0 } }).failures).toEqual(["applied 499, expected 500"]);
    expect(instantVerdict({ ...clean, payments: 300, applied: 299, quotaUsed: 299 }).failures).toEqual(["applied 299, expected 300"]);
    expect(instantVerdict({ ...clean, wrongDiscount: 1 }).failures).toEqual(["the quota's shards or the ledger disagree with the answers"]);
    expect(instantVerdict({ ...clean, ledgerNotInstant: 1 }).failures).toHaveLength(1);
  });
});

describe("shuffle", () => {
  it("keeps every item and, with a seeded generator, gives the same order twice", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const once = shuffle([...items], seeded(9));
    expect([...once].sort((a, b) => a - b)).toEqual(items);
    expect(once).not.toEqual(items);
    expect(shuffle([...items], seeded(9))).toEqual(once);
  });
});
