/**
 * Fraud rules, pure (DESIGN.md §2 "fraud detector", issue 6): the per-campaign rule configuration
 * with its documented defaults, the six rules, and the flags they raise. No I/O and no clock: the
 * detector (shared/use-cases/fraud.ts) keeps each rule's state in the `fraud` table, applies each
 * new ledger record to it once, reads the state back and asks these functions whether the record
 * is a hit.
 *
 * Each rule is a function of (its thresholds, its state window, the new record) → a hit or
 * undefined. The state a rule sees already counts the new record. Windows are read around the
 * record's own `occurredAt`, not the detector's clock, so late or redelivered records are judged
 * against the traffic of their own time.
 *
 * State windows:
 * - merchant rules read the merchant's hourly counters in the campaign (UTC hours): redemptions,
 *   redemptions whose voucher threshold is known with how far above it their amount was (one
 *   counter per whole percent, 0–19 %), and reversals counted at the hour of the payment they
 *   reverse;
 * - payer rules read the payer's redemptions in the campaign shortly before the record.
 *
 * One flag per (campaign, rule, subject, window): {@link flagId} is deterministic, so a record
 * delivered again, or a later record in the same window, finds the flag it raised and at most adds
 * evidence to it.
 */
import { createHash } from "node:crypto";
import * as z from "../zod.js";
import type { LedgerRecordFacts } from "./ledger.js";


export const FRAUD_RULES = ["merchant-velocity", "repeat-payer", "threshold-hugging", "refund-rate", "new-merchant-spike", "payer-spread"] as const;
export type FraudRule = (typeof FRAUD_RULES)[number];

export const SEVERITIES = ["low", "medium", "high"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FLAG_STATUSES = ["OPEN", "DISMISSED", "CONFIRMED"] as const;
export type FlagStatus = (typeof FLAG_STATUSES)[number];

/** Who a rule accuses: the merchant, the merchant and one payer there, or a payer (the flag names the merchant of its latest record). */
export const RULE_SUBJECT: Readonly<Record<FraudRule, "merchant" | "merchant+payer" | "payer">> = {
  "merchant-velocity": "merchant",
  "repeat-payer": "merchant+payer",
  "threshold-hugging": "merchant",
  "refund-rate": "merchant",
  "new-merchant-spike": "merchant",
  "payer-spread": "payer",
};

// ---------------------------------------------------------------------------------------------
// Configuration: thresholds as data, per campaign. Every field has a default, so `{}` is the
// whole default configuration and a PUT body names only what it changes from the defaults.

const severity = z.enum(SEVERITIES);
const enabled = z.boolean().default(true).describe("False: the rule raises no flags in this campaign");
const hours = (fallback: number) => z.int().min(1).max(168).default(fallback);

export const ruleConfigSchemas = {
  "merchant-velocity": z.strictObject({
    enabled,
    severity: severity.default("medium"),
    baselineHours: hours(24).describe("Hours before the record's hour whose mean is the merchant's baseline (hours without redemptions count as 0)"),
    multiplier: z.number().min(1).max(1_000).default(5).describe("Hit when the hour's redemptions exceed multiplier × max(baseline, minBaseline)"),
    minBaseline: z.number().min(0).max(100_000).default(2).describe("Floor of the baseline, per hour, so a quiet merchant is not flagged for a handful"),
    minRedemptions: z.int().min(1).max(1_000_000).default(20).describe("…and the hour has at least this many"),
  }),
  "repeat-payer": z.strictObject({
    enabled,
    severity: severity.default("medium"),
    windowHours: hours(24).describe("Sliding window before the record"),
    maxRedemptions: z.int().min(1).max(10_000).default(3).describe("Hit when one payer redeems more than this many times at one merchant within the window"),
  }),
  "threshold-hugging": z.strictObject({
    enabled,
    severity: severity.default("low"),
    windowHours: hours(24).describe("The merchant's redemptions in the hours up to the record's"),
    marginPercent: z.int().min(1).max(20).default(5).describe("'Just above': amount < threshold × (1 + marginPercent / 100)"),
    minShare: z.number().gt(0).max(1).default(0.5).describe("Hit when at least this share of the window's redemptions is just above its threshold"),
    minTransactions: z.int().min(1).max(1_000_000).default(10).describe("…out of at least this many (with a known threshold)"),
  }),
  "refund-rate": z.strictObject({
    enabled,
    severity: severity.default("medium"),
    windowHours: hours(24).describe("Redemptions paid in the hours up to the reversal's, and the reversals of those payments"),
    minRate: z.number().gt(0).max(1).default(0.3).describe("Hit when reversals ÷ redemptions of the window reach this"),
    minRedemptions: z.int().min(1).max(1_000_000).default(10).describe("…with at least this many redemptions in the window"),
  }),
  "new-merchant-spike": z.strictObject({
    enabled,
    severity: severity.default("high"),
    newForDays: z.int().min(1).max(365).default(7).describe("A merchant is new for this many days after its approval"),
    maxHourlyRedemptions: z.int().min(1).max(1_000_000).default(15).describe("Hit when a new merchant has more than this many redemptions in one hour"),
  }),
  "payer-spread": z.strictObject({
    enabled,
    severity: severity.default("medium"),
    windowMinutes: z.int().min(1).max(1_440).default(10).describe("Sliding window before the record"),
    maxMerchants: z.int().min(1).max(1_000).default(3).describe("Hit when one payer redeems at more than this many merchants within the window"),
  }),
} as const;

export type RuleConfigs = { [R in FraudRule]: z.infer<(typeof ruleConfigSchemas)[R]> };

export const fraudConfigSchema = z.strictObject({
  autoSuspend: z
    .boolean()
    .default(false)
    .describe("True: a high-severity hit suspends the merchant at once (audited as fraud-detector); the flag stays OPEN for review"),
  rules: z
    .strictObject({
      "merchant-velocity": ruleConfigSchemas["merchant-velocity"].prefault({}),
      "repeat-payer": ruleConfigSchemas["repeat-payer"].prefault({}),
      "threshold-hugging": ruleConfigSchemas["threshold-hugging"].prefault({}),
      "refund-rate": ruleConfigSchemas["refund-rate"].prefault({}),
      "new-merchant-spike": ruleConfigSchemas["new-merchant-spike"].prefault({}),
      "payer-spread": ruleConfigSchemas["payer-spread"].prefault({}),
    })
    .prefault({}),
});
export type FraudConfig = z.infer<typeof fraudConfigSchema>;

/** The configuration a campaign without one of its own uses. */
export const DEFAULT_FRAUD_CONFIG: FraudConfig = fraudConfigSchema.parse({});

/** Hours of merchant counters the rules of `config` read before (and including) a record's hour. */
export function merchantHoursNeeded(config: FraudConfig): number {
  const { rules } = config;
  return Math.max(rules["merchant-velocity"].baselineHours + 1, rules["threshold-hugging"].windowHours, rules["refund-rate"].windowHours, 1);
}

/** Milliseconds of a payer's history the rules of `config` read before a record. */
export function payerHistoryNeededMs(config: FraudConfig): number {
  const { rules } = config;
  return Math.max(rules["repeat-payer"].windowHours * HOUR_MS, rules["payer-spread"].windowMinutes * MINUTE_MS);
}

// ---------------------------------------------------------------------------------------------
// Records and state.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Percent-above-threshold counters kept per hour: 0 %, 1 %, …, 19 % (the widest margin allowed is 20). */
export const NEAR_BUCKETS = 20;

export interface TransactionRef {
  partnerId: string;
  transactionId: string;
}

/** The hour (epoch hours, UTC) an instant falls in. */
export function hourOf(instant: string): number {
  const at = Date.parse(instant);
  if (Number.isNaN(at)) throw new RangeError(`${instant} is not an instant`);
  return Math.floor(at / HOUR_MS);
}

/** `2026-01-02T03` for an epoch hour: the key of an hour's counters, in time order as text. */
export function hourKey(hour: number): string {
  return new Date(hour * HOUR_MS).toISOString().slice(0, 13);
}

/** The epoch hour of an hour key. */
export function hourFromKey(key: string): number {
  return hourOf(`${key}:00:00Z`);
}

/** The instant an epoch hour starts, UTC ISO. */
export function hourStart(hour: number): string {
  return new Date(hour * HOUR_MS).toISOString();
}

/**
 * Whole percent a redemption's amount is above its voucher's threshold, or undefined when the
 * threshold is unknown, the amount is below it, or it is NEAR_BUCKETS % above or more. `near <
 * margin` ⇔ amount < threshold × (1 + margin / 100), exactly, for whole-percent margins.
 */
export function nearBucket(amount: number, threshold: number | undefined): number | undefined {
  if (threshold === undefined || threshold <= 0 || amount < threshold) return undefined;
  const percent = Math.floor(((amount - threshold) * 100) / threshold);
  return percent < NEAR_BUCKETS ? percent : undefined;
}

/** One hour of a merchant's counters in a campaign. */
export interface HourCounts {
  redemptions: number;
  /** Redemptions whose voucher threshold is known (the threshold-hugging rule's denominator). */
  thresholded: number;
  /** near[k]: redemptions k % (whole) above their threshold, k < NEAR_BUCKETS. */
  near: readonly number[];
  /** Reversals of payments made in this hour. */
  reversals: number;
}

export const EMPTY_HOUR: HourCounts = { redemptions: 0, thresholded: 0, near: [], reversals: 0 };

/** What a new record adds to its merchant's hourly counters: the hour and the counter deltas. */
export function hourDelta(record: LedgerRecordFacts): { hour: number; counts: HourCounts } {
  if (record.kind === "REVERSAL") {
    return { hour: hourOf(record.paymentOccurredAt ?? record.occurredAt), counts: { ...EMPTY_HOUR, reversals: 1 } };
  }
  const bucket = nearBucket(record.amount, record.threshold);
  const near = bucket === undefined ? [] : Array.from({ length: bucket + 1 }, (_, k) => (k === bucket ? 1 : 0));
  return { hour: hourOf(record.occurredAt), counts: { redemptions: 1, thresholded: record.threshold === undefined ? 0 : 1, near, reversals: 0 } };
}

/** The merchant's state as merchant rules read it: counters by epoch hour (missing hours are empty), and when it was approved. */
export interface MerchantWindow {
  hours: ReadonlyMap<number, HourCounts>;
  /** UTC ISO; absent for merchants approved before it was kept. */
  approvedAt?: string | undefined;
}

/** One of the payer's redemptions in the campaign. */
export interface PayerRedemption extends TransactionRef {
  merchantId: string;
  /** UTC ISO. */
  occurredAt: string;
}

/** The payer's state as payer rules read it: its redemptions shortly before (and including) the record. */
export interface PayerWindow {
  redemptions: readonly PayerRedemption[];
}

/** Where the transactions of a merchant rule's evidence are: the merchant's records in [from, before). */
export interface EvidenceRange {
  /** `redemptions`: redemptions by occurredAt; `near`: those just above their threshold; `reversals`: reversals by the payment's occurredAt. */
  select: "redemptions" | "near" | "reversals";
  from: string;
  before: string;
  /** `near`: the margin, whole percent. */
  marginPercent?: number;
}

/** A rule's verdict on a record: who it accuses, in which window, and why. */
export interface Hit {
  rule: FraudRule;
  severity: Severity;
  merchantId: string;
  payerId?: string;
  /** Start of the flag's window (UTC ISO): one flag per (campaign, rule, subject, window). */
  window: string;
  /** The measures the rule judged, for the reviewer. */
  measures: Record<string, number | string | string[]>;
  /** Payer rules name their transactions… */
  transactions?: TransactionRef[];
  /** …merchant rules say where the detector finds them. */
  evidenceRange?: EvidenceRange;
}

// ---------------------------------------------------------------------------------------------
// The rules.

const counts = (window: MerchantWindow, hour: number) => window.hours.get(hour) ?? EMPTY_HOUR;
const sumHours = (window: MerchantWindow, last: number, length: number, pick: (hour: HourCounts) => number) => {
  let total = 0;
  for (let hour = last - length + 1; hour <= last; hour++) total += pick(counts(window, hour));
  return total;
};
const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;
/** Start of the fixed window of `length` hours (aligned to the epoch) holding `hour`. */
const bucketStart = (hour: number, length: number) => hourStart(Math.floor(hour / length) * length);

/**
 * (1) A merchant's redemptions in the record's hour far above its own baseline: more than
 * `multiplier` × max(mean of the `baselineHours` before, `minBaseline`), and at least
 * `minRedemptions`. Window: the hour.
 */
export function merchantVelocity(config: RuleConfigs["merchant-velocity"], window: MerchantWindow, record: LedgerRecordFacts): Hit | undefined {
  if (!config.enabled || record.kind !== "REDEMPTION") return undefined;
  const hour = hourOf(record.occurredAt);
  const current = counts(window, hour).redemptions;
  const baseline = sumHours(window, hour - 1, config.baselineHours, (h) => h.redemptions) / config.baselineHours;
  const limit = config.multiplier * Math.max(baseline, config.minBaseline);
  if (current < config.minRedemptions || current <= limit) return undefined;
  return {
    rule: "merchant-velocity",
    severity: config.severity,
    merchantId: record.merchantId,
    window: hourStart(hour),
    measures: { hour: hourStart(hour), redemptions: current, baseline: round(baseline, 2), limit: round(limit, 2) },
    evidenceRange: { select: "redemptions", from: hourStart(hour), before: hourStart(hour + 1) },
  };
}

/**
 * (2) One payer redeeming at one merchant more than `maxRedemptions` times within `windowHours`
 * up to the record. Window: the fixed `windowHours` bucket of the record.
 */
export function repeatPayer(config: RuleConfigs["repeat-payer"], window: PayerWindow, record: LedgerRecordFacts): Hit | undefined {
  if (!config.enabled || record.kind !== "REDEMPTION") return undefined;
  const at = Date.parse(record.occurredAt);
  const from = at - config.windowHours * HOUR_MS;
  const here = window.redemptions.filter((r) => r.merchantId === record.merchantId && inWindow(r.occurredAt, from, at));
  if (here.length <= config.maxRedemptions) return undefined;
  return {
    rule: "repeat-payer",
    severity: config.severity,
    merchantId: record.merchantId,
    payerId: record.payerId,
    window: bucketStart(hourOf(record.occurredAt), config.windowHours),
    measures: { redemptions: here.length, windowHours: config.windowHours },
    transactions: refs(here),
  };
}

/**
 * (3) A high share of a merchant's redemptions just above their voucher's threshold: in the
 * `windowHours` up to the record's hour, at least `minTransactions` redemptions with a known
 * threshold, of which a share ≥ `minShare` is less than `marginPercent` % above it. Window: the
 * fixed `windowHours` bucket of the record.
 */
export function thresholdHugging(config: RuleConfigs["threshold-hugging"], window: MerchantWindow, record: LedgerRecordFacts): Hit | undefined {
  if (!config.enabled || record.kind !== "REDEMPTION") return undefined;
  const hour = hourOf(record.occurredAt);
  const total = sumHours(window, hour, config.windowHours, (h) => h.thresholded);
  const near = sumHours(window, hour, config.windowHours, (h) => h.near.slice(0, config.marginPercent).reduce((a, b) => a + b, 0));
  if (total < config.minTransactions || near / total < config.minShare) return undefined;
  const from = hour - config.windowHours + 1;
  return {
    rule: "threshold-hugging",
    severity: config.severity,
    merchantId: record.merchantId,
    window: bucketStart(hour, config.windowHours),
    measures: { redemptions: total, nearThreshold: near, share: round(near / total), marginPercent: config.marginPercent, windowHours: config.windowHours },
    evidenceRange: { select: "near", from: hourStart(from), before: hourStart(hour + 1), marginPercent: config.marginPercent },
  };
}

/**
 * (4) The refund-after-redeem rate: of a merchant's redemptions paid in the `windowHours` up to a
 * reversal's hour, the share reversed so far reaches `minRate`, with at least `minRedemptions`
 * redemptions. Judged on reversals. Window: the fixed `windowHours` bucket of the reversal.
 */
export function refundRate(config: RuleConfigs["refund-rate"], window: MerchantWindow, record: LedgerRecordFacts): Hit | undefined {
  if (!config.enabled || record.kind !== "REVERSAL") return undefined;
  const hour = hourOf(record.occurredAt);
  const redemptions = sumHours(window, hour, config.windowHours, (h) => h.redemptions);
  const reversals = sumHours(window, hour, config.windowHours, (h) => h.reversals);
  if (redemptions < config.minRedemptions || reversals / redemptions < config.minRate) return undefined;
  const from = hour - config.windowHours + 1;
  return {
    rule: "refund-rate",
    severity: config.severity,
    merchantId: record.merchantId,
    window: bucketStart(hour, config.windowHours),
    measures: { redemptions, reversals, rate: round(reversals / redemptions), windowHours: config.windowHours },
    evidenceRange: { select: "reversals", from: hourStart(from), before: hourStart(hour + 1) },
  };
}

/**
 * (5) A newly approved merchant spiking: within `newForDays` of its approval, more than
 * `maxHourlyRedemptions` redemptions in the record's hour. Window: the hour.
 */
export function newMerchantSpike(config: RuleConfigs["new-merchant-spike"], window: MerchantWindow, record: LedgerRecordFacts): Hit | undefined {
  if (!config.enabled || record.kind !== "REDEMPTION" || window.approvedAt === undefined) return undefined;
  const approved = Date.parse(window.approvedAt);
  const at = Date.parse(record.occurredAt);
  if (Number.isNaN(approved) || at - approved >= config.newForDays * DAY_MS) return undefined;
  const hour = hourOf(record.occurredAt);
  const current = counts(window, hour).redemptions;
  if (current <= config.maxHourlyRedemptions) return undefined;
  return {
    rule: "new-merchant-spike",
    severity: config.severity,
    merchantId: record.merchantId,
    window: hourStart(hour),
    measures: { approvedAt: window.approvedAt, hour: hourStart(hour), redemptions: current, maxHourlyRedemptions: config.maxHourlyRedemptions },
    evidenceRange: { select: "redemptions", from: hourStart(hour), before: hourStart(hour + 1) },
  };
}

/**
 * (6) One payer across many merchants within minutes: redemptions at more than `maxMerchants`
 * merchants within `windowMinutes` up to the record. The flag names the record's merchant; the
 * evidence names every merchant. Window: the record's UTC day (one accusation of a payer a day).
 */
export function payerSpread(config: RuleConfigs["payer-spread"], window: PayerWindow, record: LedgerRecordFacts): Hit | undefined {
  if (!config.enabled || record.kind !== "REDEMPTION") return undefined;
  const at = Date.parse(record.occurredAt);
  const recent = window.redemptions.filter((r) => inWindow(r.occurredAt, at - config.windowMinutes * MINUTE_MS, at));
  const merchants = [...new Set(recent.map((r) => r.merchantId))].sort();
  if (merchants.length <= config.maxMerchants) return undefined;
  return {
    rule: "payer-spread",
    severity: config.severity,
    merchantId: record.merchantId,
    payerId: record.payerId,
    window: new Date(Math.floor(at / DAY_MS) * DAY_MS).toISOString(),
    measures: { merchants, merchantCount: merchants.length, windowMinutes: config.windowMinutes },
    transactions: refs(recent),
  };
}

/** Every rule's verdict on a record, hits only, in FRAUD_RULES order. */
export function evaluate(config: FraudConfig, state: { merchant: MerchantWindow; payer: PayerWindow }, record: LedgerRecordFacts): Hit[] {
  const { rules } = config;
  return [
    merchantVelocity(rules["merchant-velocity"], state.merchant, record),
    repeatPayer(rules["repeat-payer"], state.payer, record),
    thresholdHugging(rules["threshold-hugging"], state.merchant, record),
    refundRate(rules["refund-rate"], state.merchant, record),
    newMerchantSpike(rules["new-merchant-spike"], state.merchant, record),
    payerSpread(rules["payer-spread"], state.payer, record),
  ].filter((hit): hit is Hit => hit !== undefined);
}

/** (from, to]: after `from`, up to and including `to` (ms). */
function inWindow(instant: string, from: number, to: number): boolean {
  const at = Date.parse(instant);
  return at > from && at <= to;
}

function refs(records: readonly TransactionRef[]): TransactionRef[] {
  return records.map((r) => ({ partnerId: r.partnerId, transactionId: r.transactionId }));
}

// ---------------------------------------------------------------------------------------------
// Flags.

/** What a flag accuses, as text: the merchant, `merchant/payer`, or the payer. */
export function flagSubject(hit: Pick<Hit, "rule" | "merchantId" | "payerId">): string {
  switch (RULE_SUBJECT[hit.rule]) {
    case "merchant":
      return hit.merchantId;
    case "merchant+payer":
      return `${hit.merchantId}/${hit.payerId ?? ""}`;
    case "payer":
      return `payer:${hit.payerId ?? ""}`;
  }
}

/** The flag of (campaign, rule, subject, window): the same hit always names the same flag. An id of the API's kind: `[A-Za-z0-9_-]`. */
export function flagId(campaignId: string, hit: Pick<Hit, "rule" | "merchantId" | "payerId" | "window">): string {
  const digest = createHash("sha256").update(JSON.stringify([campaignId, hit.rule, flagSubject(hit), hit.window])).digest("base64url");
  return `flag-${digest.slice(0, 24)}`;
}

/** At most this many transactions are named in a flag's evidence. */
export const MAX_EVIDENCE_TRANSACTIONS = 100;

/** The union of two evidence lists, first come first, at most MAX_EVIDENCE_TRANSACTIONS; `added` is false when `more` named nothing new. */
export function mergeTransactions(existing: readonly TransactionRef[], more: readonly TransactionRef[]): { transactions: TransactionRef[]; added: boolean } {
  const seen = new Set(existing.map((t) => `${t.partnerId}#${t.transactionId}`));
  const transactions = [...existing];
  let added = false;
  for (const t of more) {
    if (transactions.length >= MAX_EVIDENCE_TRANSACTIONS) break;
    const key = `${t.partnerId}#${t.transactionId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    transactions.push({ partnerId: t.partnerId, transactionId: t.transactionId });
    added = true;
  }
  return { transactions, added };
}

/** The reason a merchant suspended for a flag carries (and its audit entry). */
export function suspensionReason(flagId: string, reason: string): string {
  return `fraud flag ${flagId}: ${reason}`;
}

// ---------------------------------------------------------------------------------------------
// Clawback scope.

/** Which ledger redemptions a confirmed flag claws back: its merchant's, in [from, before), of one payer or near their threshold when set. */
export interface ClawbackScope {
  /** UTC ISO. */
  from: string;
  before: string;
  payerId?: string;
  /** Only redemptions less than this many whole percent above their threshold (threshold-hugging). */
  nearMarginPercent?: number;
}

/**
 * The redemptions a confirmed flag accuses, however many: every record any hit of the flag's
 * window could have named as evidence (which is capped at MAX_EVIDENCE_TRANSACTIONS), by rule:
 * the hour (merchant-velocity, new-merchant-spike); the redemptions near their threshold in the
 * sliding windows ending in the bucket (threshold-hugging); the payer's redemptions at the merchant
 * in the sliding windows ending in the bucket (repeat-payer) or the day (payer-spread). Undefined
 * for refund-rate: its evidence is refunded redemptions, which have nothing left to claw back.
 */
export function clawbackScope(
  flag: { rule: FraudRule; window: string; payerId?: string | undefined },
  config: FraudConfig,
): ClawbackScope | undefined {
  const start = Date.parse(flag.window);
  const span = (from: number, before: number) => ({ from: new Date(from).toISOString(), before: new Date(before).toISOString() });
  const { rules } = config;
  switch (flag.rule) {
    case "merchant-velocity":
    case "new-merchant-spike":
      return span(start, start + HOUR_MS);
    case "threshold-hugging": {
      const length = rules["threshold-hugging"].windowHours * HOUR_MS;
      // A hit in the bucket's last hour looks back windowHours − 1 hours before it.
      return { ...span(start - length + HOUR_MS, start + length), nearMarginPercent: rules["threshold-hugging"].marginPercent };
    }
    case "repeat-payer": {
      const length = rules["repeat-payer"].windowHours * HOUR_MS;
      return flag.payerId === undefined ? undefined : { ...span(start - length, start + length), payerId: flag.payerId };
    }
    case "payer-spread":
      return flag.payerId === undefined ? undefined : { ...span(start - rules["payer-spread"].windowMinutes * MINUTE_MS, start + DAY_MS), payerId: flag.payerId };
    case "refund-rate":
      return undefined;
  }
}

/** Whether a ledger redemption is in a flag's clawback scope (its merchant's ledger, read over [from, before), is the caller's). */
export function inClawbackScope(scope: ClawbackScope, redemption: { payerId: string; amount: number; threshold?: number | undefined }): boolean {
  if (scope.payerId !== undefined && redemption.payerId !== scope.payerId) return false;
  if (scope.nearMarginPercent !== undefined) {
    const near = nearBucket(redemption.amount, redemption.threshold);
    return near !== undefined && near < scope.nearMarginPercent;
  }
  return true;
}
