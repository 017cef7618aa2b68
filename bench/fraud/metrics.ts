/**
 * Scoring a fraud detector against the simulation's ground truth: which flags match an injected
 * scenario, and precision and recall per rule. Pure: no I/O.
 *
 * What a flag is matched on depends on its rule, because that is what the rule accuses:
 * - merchant rules (`merchant-velocity`, `threshold-hugging`, `refund-rate`, `new-merchant-spike`):
 *   the merchant;
 * - `repeat-payer`: the merchant and the payer together;
 * - `payer-spread`: the payer (the merchant of such a flag is whichever of the many it happened at).
 *
 * Flags are counted once per accusation: a detector that flags the same merchant for the same
 * rule on each of several evaluations has made one accusation, right or wrong. So a rule's
 * - true positives are the distinct accusations that match an expected label,
 * - false positives are the distinct accusations that match no label at all,
 * - false negatives are the expected labels no flag matches,
 * and an accusation that matches only a *tolerated* label (something an injection may rightly
 * show besides what it was built for, such as a cash-out ring raising its merchant's volume) is
 * counted apart, as neither.
 */
import { FRAUD_RULES, type FraudRule, RULE_SUBJECT } from "../../shared/domain/fraud.js";

export { FRAUD_RULES, type FraudRule, RULE_SUBJECT };

/** Ground truth: one thing an injected scenario did. */
export interface Label {
  rule: FraudRule;
  merchantId: string;
  /** For repeat-payer and payer-spread. */
  payerId?: string | undefined;
  /** For payer-spread: every merchant the payer went through (merchantId is the first). */
  merchantIds?: readonly string[] | undefined;
  /** The injection it belongs to, e.g. `ring-1`. */
  scenario: string;
  /**
   * True: the scenario was built to show this, and a detector should flag it (it counts for
   * recall). False: tolerated, the scenario may rightly show it too; a flag for it is not a
   * false positive, and no flag is not a false negative.
   */
  expected: boolean;
}

/** The part of a detector's flag the scoring reads. */
export interface FlagLike {
  rule: string;
  merchantId: string;
  payerId?: string | undefined;
}

export interface RuleScore {
  rule: string;
  /** Flags as the detector raised them, before counting each accusation once. */
  flags: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Accusations matching only a tolerated label. */
  tolerated: number;
  /** Expected labels. */
  labels: number;
  /** TP ÷ (TP + FP); null when nothing was accused (0 ÷ 0). */
  precision: number | null;
  /** TP ÷ (TP + FN); null when nothing was expected (0 ÷ 0). */
  recall: number | null;
  /** Harmonic mean of precision and recall; null when either is null, 0 when both are 0. */
  f1: number | null;
  /** The accusations counted as false positives and the labels missed, for the report. */
  falsePositiveKeys: string[];
  missed: Label[];
}

export interface Score {
  /** One per known rule, in FRAUD_RULES order, then any unknown rule a flag named. */
  rules: RuleScore[];
  /** Micro-averaged over every rule (sums of TP, FP, FN). */
  overall: RuleScore;
}

/** x ÷ y, or null when y is 0. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/** The harmonic mean of precision and recall; null when either is unknown. */
export function f1(precision: number | null, recall: number | null): number | null {
  if (precision === null || recall === null) return null;
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

export function isFraudRule(rule: string): rule is FraudRule {
  return (FRAUD_RULES as readonly string[]).includes(rule);
}

/** The accusation a flag makes: its rule and subject. Flags with the same key are one accusation. */
export function accusationKey(flag: FlagLike): string {
  if (!isFraudRule(flag.rule)) return `${flag.rule}|${flag.merchantId}|${flag.payerId ?? ""}`;
  switch (RULE_SUBJECT[flag.rule]) {
    case "merchant":
      return `${flag.rule}|${flag.merchantId}`;
    case "merchant+payer":
      return `${flag.rule}|${flag.merchantId}|${flag.payerId ?? ""}`;
    case "payer":
      return `${flag.rule}||${flag.payerId ?? ""}`;
  }
}

/** Whether a flag accuses what a label records. A payer rule's flag without a payer matches nothing. */
export function matches(flag: FlagLike, label: Label): boolean {
  if (flag.rule !== label.rule) return false;
  switch (RULE_SUBJECT[label.rule]) {
    case "merchant":
      return flag.merchantId === label.merchantId;
    case "merchant+payer":
      return flag.payerId !== undefined && flag.merchantId === label.merchantId && flag.payerId === label.payerId;
    case "payer":
      return flag.payerId !== undefined && flag.payerId === label.payerId;
  }
}

/** Scores the flags of one campaign against its labels. */
export function score(flags: readonly FlagLike[], labels: readonly Label[]): Score {
  const extraRules = [...new Set(flags.map((flag) => flag.rule).filter((rule) => !isFraudRule(rule)))].sort();
  const rules = [...FRAUD_RULES, ...extraRules].map((rule) => scoreRule(
    rule,
    flags.filter((flag) => flag.rule === rule),
    labels.filter((label) => label.rule === rule),
  ));
  const sum = (pick: (row: RuleScore) => number) => rules.reduce((total, row) => total + pick(row), 0);
  const tp = sum((row) => row.truePositives);
  const fp = sum((row) => row.falsePositives);
  const fn = sum((row) => row.falseNegatives);
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    rules,
    overall: {
      rule: "overall",
      flags: sum((row) => row.flags),
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      tolerated: sum((row) => row.tolerated),
      labels: sum((row) => row.labels),
      precision,
      recall,
      f1: f1(precision, recall),
      falsePositiveKeys: rules.flatMap((row) => row.falsePositiveKeys),
      missed: rules.flatMap((row) => row.missed),
    },
  };
}

function scoreRule(rule: string, flags: readonly FlagLike[], labels: readonly Label[]): RuleScore {
  const expected = labels.filter((label) => label.expected);
  const tolerated = labels.filter((label) => !label.expected);
  // One representative flag per accusation.
  const accusations = new Map<string, FlagLike>();
  for (const flag of flags) if (!accusations.has(accusationKey(flag))) accusations.set(accusationKey(flag), flag);

  let truePositives = 0;
  let toleratedCount = 0;
  const falsePositiveKeys: string[] = [];
  for (const [key, flag] of accusations) {
    if (expected.some((label) => matches(flag, label))) truePositives++;
    else if (tolerated.some((label) => matches(flag, label))) toleratedCount++;
    else falsePositiveKeys.push(key);
  }
  // Two labels never share an accusation (the generator gives each its own subject), so a label
  // is found exactly when some accusation matches it.
  const missed = expected.filter((label) => ![...accusations.values()].some((flag) => matches(flag, label)));
  const precision = ratio(truePositives, truePositives + falsePositiveKeys.length);
  const recall = ratio(expected.length - missed.length, expected.length);
  return {
    rule,
    flags: flags.length,
    truePositives,
    falsePositives: falsePositiveKeys.length,
    falseNegatives: missed.length,
    tolerated: toleratedCount,
    labels: expected.length,
    precision,
    recall,
    f1: f1(precision, recall),
    falsePositiveKeys,
    missed,
  };
}
