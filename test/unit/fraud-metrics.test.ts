import { describe, expect, it } from "vitest";
import { FRAUD_RULES, type FlagLike, type Label, accusationKey, f1, matches, ratio, score } from "../../bench/fraud/metrics.js";

const label = (rule: Label["rule"], merchantId: string, extra: Partial<Label> = {}): Label => ({ rule, merchantId, scenario: "s", expected: true, ...extra });
const flag = (rule: string, merchantId: string, payerId?: string): FlagLike => ({ rule, merchantId, payerId });
const row = (result: ReturnType<typeof score>, rule: string) => result.rules.find((r) => r.rule === rule)!;

describe("ratio and f1", () => {
  it("answer null for 0 ÷ 0 and the harmonic mean otherwise", () => {
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(1, 4)).toBe(0.25);
    expect(f1(null, 1)).toBeNull();
    expect(f1(1, null)).toBeNull();
    expect(f1(0, 0)).toBe(0);
    expect(f1(0.5, 1)).toBeCloseTo(2 / 3, 10);
  });
});

describe("matches", () => {
  it("matches merchant rules on the merchant, whatever payer the flag names", () => {
    expect(matches(flag("threshold-hugging", "m1", "p9"), label("threshold-hugging", "m1"))).toBe(true);
    expect(matches(flag("threshold-hugging", "m2"), label("threshold-hugging", "m1"))).toBe(false);
    expect(matches(flag("refund-rate", "m1"), label("threshold-hugging", "m1"))).toBe(false);
  });

  it("matches repeat-payer on the merchant and the payer together", () => {
    const truth = label("repeat-payer", "m1", { payerId: "p1" });
    expect(matches(flag("repeat-payer", "m1", "p1"), truth)).toBe(true);
    expect(matches(flag("repeat-payer", "m1", "p2"), truth)).toBe(false);
    expect(matches(flag("repeat-payer", "m2", "p1"), truth)).toBe(false);
    expect(matches(flag("repeat-payer", "m1"), truth)).toBe(false);
  });

  it("matches payer-spread on the payer, at whichever merchant the flag was raised", () => {
    const truth = label("payer-spread", "m1", { payerId: "p1", merchantIds: ["m1", "m2", "m3"] });
    expect(matches(flag("payer-spread", "m3", "p1"), truth)).toBe(true);
    expect(matches(flag("payer-spread", "m9", "p1"), truth)).toBe(true);
    expect(matches(flag("payer-spread", "m1", "p2"), truth)).toBe(false);
    expect(matches(flag("payer-spread", "m1"), truth)).toBe(false);
  });

  it("keys one accusation per rule and subject", () => {
    expect(accusationKey(flag("merchant-velocity", "m1", "p1"))).toBe(accusationKey(flag("merchant-velocity", "m1")));
    expect(accusationKey(flag("repeat-payer", "m1", "p1"))).not.toBe(accusationKey(flag("repeat-payer", "m1", "p2")));
    expect(accusationKey(flag("payer-spread", "m1", "p1"))).toBe(accusationKey(flag("payer-spread", "m2", "p1")));
  });
});

describe("score", () => {
  it("has a row per rule and n/a (null) figures when there are neither flags nor labels", () => {
    const result = score([], []);
    expect(result.rules.map((r) => r.rule)).toEqual([...FRAUD_RULES]);
    for (const r of [...result.rules, result.overall]) {
      expect(r).toMatchObject({ truePositives: 0, falsePositives: 0, falseNegatives: 0, precision: null, recall: null, f1: null });
    }
  });

  it("counts true and false positives and false negatives per rule", () => {
    const labels = [label("threshold-hugging", "m1"), label("threshold-hugging", "m2"), label("refund-rate", "m1")];
    const flags = [flag("threshold-hugging", "m1"), flag("threshold-hugging", "m3"), flag("refund-rate", "m1")];
    const result = score(flags, labels);
    expect(row(result, "threshold-hugging")).toMatchObject({ labels: 2, flags: 2, truePositives: 1, falsePositives: 1, falseNegatives: 1, precision: 0.5, recall: 0.5 });
    expect(row(result, "threshold-hugging").missed.map((l) => l.merchantId)).toEqual(["m2"]);
    expect(row(result, "threshold-hugging").falsePositiveKeys).toEqual(["threshold-hugging|m3"]);
    expect(row(result, "refund-rate")).toMatchObject({ truePositives: 1, falsePositives: 0, falseNegatives: 0, precision: 1, recall: 1, f1: 1 });
    // A rule with labels and no flags: recall 0, precision unknown.
    expect(score([], labels).rules[2]).toMatchObject({ rule: "threshold-hugging", precision: null, recall: 0 });
    // A rule with flags and no labels: precision 0, recall unknown.
    expect(row(score([flag("payer-spread", "m1", "p1")], []), "payer-spread")).toMatchObject({ precision: 0, recall: null, f1: null });
  });

  it("counts a flag raised again for the same accusation once", () => {
    const result = score([flag("merchant-velocity", "m1"), flag("merchant-velocity", "m1"), flag("merchant-velocity", "m2"), flag("merchant-velocity", "m2")], [
      label("merchant-velocity", "m1"),
    ]);
    expect(row(result, "merchant-velocity")).toMatchObject({ flags: 4, truePositives: 1, falsePositives: 1, falseNegatives: 0 });
  });

  it("counts flags of tolerated labels apart: neither false positives nor, when missing, false negatives", () => {
    const labels = [label("merchant-velocity", "m1"), label("merchant-velocity", "ring", { expected: false })];
    const result = score([flag("merchant-velocity", "ring")], labels);
    expect(row(result, "merchant-velocity")).toMatchObject({ labels: 1, truePositives: 0, falsePositives: 0, tolerated: 1, falseNegatives: 1, precision: null, recall: 0 });
    expect(row(score([], labels), "merchant-velocity")).toMatchObject({ falseNegatives: 1, tolerated: 0 });
  });

  it("scores flags of unknown rules as false positives in rows of their own", () => {
    const result = score([flag("night-owl", "m1"), flag("night-owl", "m2")], []);
    expect(result.rules.at(-1)).toMatchObject({ rule: "night-owl", flags: 2, falsePositives: 2, precision: 0 });
    expect(result.overall.falsePositives).toBe(2);
  });

  it("micro-averages the overall figures", () => {
    const labels = [label("repeat-payer", "m1", { payerId: "p1" }), label("repeat-payer", "m1", { payerId: "p2" }), label("refund-rate", "m1")];
    const flags = [flag("repeat-payer", "m1", "p1"), flag("repeat-payer", "m1", "p3"), flag("refund-rate", "m1"), flag("refund-rate", "m5")];
    const { overall } = score(flags, labels);
    expect(overall).toMatchObject({ labels: 3, flags: 4, truePositives: 2, falsePositives: 2, falseNegatives: 1, precision: 0.5 });
    expect(overall.recall).toBeCloseTo(2 / 3, 10);
    expect(overall.f1).toBeCloseTo(f1(0.5, 2 / 3)!, 10);
  });
});
