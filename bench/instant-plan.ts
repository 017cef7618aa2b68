/**
 * The pure part of `npm run bench:instant` (bench/instant.ts): its arguments, the instant
 * discount it seeds, the payments' amounts and what each should get, and the order of the
 * deliveries. No project imports, so the benchmark may import it before it sets its logging
 * environment.
 */
import { parseArgs } from "node:util";
import { type LedgerCheck, numberArgument, shuffle } from "./figures.js";

export interface InstantBenchSettings {
  /** Distinct payments, one per payer. */
  payments: number;
  /** The instant discount's total quota. */
  quota: number;
  /** Requests in flight. */
  concurrency: number;
  /** Re-deliveries as a share of `payments`. */
  duplicates: number;
}

export const INSTANT_USAGE = "usage: npm run bench:instant -- [--payments 2000] [--quota 500] [--concurrency 50] [--duplicates 0.2]";

/** The settings `args` ask for (defaults filled in), or "help"; a value out of range throws BenchArgumentError. */
export function parseInstantSettings(args: string[]): InstantBenchSettings | "help" {
  const { values } = parseArgs({
    args,
    options: {
      payments: { type: "string", default: "2000" },
      quota: { type: "string", default: "500" },
      concurrency: { type: "string", default: "50" },
      duplicates: { type: "string", default: "0.2" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return "help";
  return {
    payments: numberArgument("payments", values.payments, { min: 1, max: 20_000 }),
    quota: numberArgument("quota", values.quota, { min: 1, max: 100_000 }),
    concurrency: numberArgument("concurrency", values.concurrency, { min: 1, max: 1_000 }),
    duplicates: numberArgument("duplicates", values.duplicates, { min: 0, max: 10, integer: false }),
  };
}

/** The seeded discount's tiers (fen): ¥20 off from ¥100, ¥60 off from ¥300. */
export const INSTANT_TIERS = [
  { threshold: 10_000, discount: 2_000 },
  { threshold: 30_000, discount: 6_000 },
] as const;

/** A payment's amount: above the lowest tier, a third of them above the highest (¥120 or ¥350). */
export const instantAmount = (payment: number) => (payment % 3 === 2 ? 35_000 : 12_000);

/** The discount of the highest tier `amount` reaches; 0 below every tier. */
export function tierDiscount(amount: number): number {
  return INSTANT_TIERS.filter((tier) => amount >= tier.threshold).reduce((best, tier) => Math.max(best, tier.discount), 0);
}

/** One delivery: which payment (its index), and whether it repeats one already planned. */
export interface PlannedDelivery {
  payment: number;
  redelivery: boolean;
}

/** The deliveries of a run: the flood, then re-deliveries sent once the flood is answered. */
export interface DeliveryPlan {
  flood: PlannedDelivery[];
  later: PlannedDelivery[];
}

/**
 * Every payment once, in random order, plus round(payments × share) re-deliveries of random
 * payments: half of them (rounded up) placed right after their payment in the flood, so both are
 * in flight together; the others sent after the flood, in random order, when the quota is gone.
 */
export function planDeliveries(payments: number, share: number, random: () => number = Math.random): DeliveryPlan {
  const order = shuffle(Array.from({ length: payments }, (_, i) => i), random);
  const repeated = Array.from({ length: Math.round(payments * share) }, () => Math.floor(random() * payments));
  const concurrent = repeated.slice(0, Math.ceil(repeated.length / 2));
  const beside = new Map<number, number>();
  for (const payment of concurrent) beside.set(payment, (beside.get(payment) ?? 0) + 1);
  const flood: PlannedDelivery[] = [];
  for (const payment of order) {
    flood.push({ payment, redelivery: false });
    for (let i = 0; i < (beside.get(payment) ?? 0); i += 1) flood.push({ payment, redelivery: true });
  }
  const later = shuffle(repeated.slice(concurrent.length), random).map((payment) => ({ payment, redelivery: true }));
  return { flood, later };
}

/** What a run saw: the answers and the read-backs. */
export interface InstantRunFigures {
  payments: number;
  quota: number;
  /** Distinct transactions answered with the discount. */
  applied: number;
  /** The quota's used units, from its shards. */
  quotaUsed: number;
  /** The campaign's REDEMPTION records against the applied transactions. */
  ledger: LedgerCheck;
  /** REDEMPTION records that do not name the instant discount. */
  ledgerNotInstant: number;
  /** Applied answers with another tier's discount, or another campaign or discount. */
  wrongDiscount: number;
  /** Deliveries answered otherwise than their transaction's first delivery. */
  differing: number;
}

/** The verdict on a run: units over the quota, duplicates applied, and every reason to exit 1 (none: pass). */
export function instantVerdict(run: InstantRunFigures): { expectedApplied: number; overQuota: number; duplicatesApplied: number; failures: string[] } {
  const expectedApplied = Math.min(run.quota, run.payments);
  const overQuota = Math.max(0, run.applied - run.quota, run.quotaUsed - run.quota);
  const duplicatesApplied = run.ledger.beyondOne + run.differing;
  const readBacksAgree =
    run.quotaUsed === run.applied && run.ledger.extra === 0 && run.ledger.notAnswered === 0 && run.ledgerNotInstant === 0 && run.wrongDiscount === 0;
  const failures = [
    ...(overQuota > 0 ? [`${overQuota} over the quota`] : []),
    ...(duplicatesApplied > 0 ? [`${duplicatesApplied} duplicates applied`] : []),
    ...(run.applied === expectedApplied ? [] : [`applied ${run.applied}, expected ${expectedApplied}`]),
    ...(readBacksAgree ? [] : ["the quota's shards or the ledger disagree with the answers"]),
  ];
  return { expectedApplied, overQuota, duplicatesApplied, failures };
}
