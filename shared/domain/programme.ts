/**
 * Merchant programmes (issue 14): money paid to merchants outside vouchers, each programme with a
 * budget of its own. Pure: definitions as zod schemas, the award a growth reward proposes, the
 * subsidy of a trade-in, and the rules of months and filings, all in the programme's time zone.
 *
 * - `growth_reward`: monthly; the award of the highest tier the month's year-on-year growth reaches.
 * - `event_subsidy`: the reviewer sets the award, at most `maxAward`.
 * - `new_enterprise`: a fixed `award`, once per merchant.
 * - `trade_in`: subsidy = min(floor(price × percent ÷ 100), maxPerItem) per trade-in record.
 *
 * An `exclusiveGroup` makes programmes alternatives: a merchant is awarded by at most one of them.
 */
import * as z from "../zod.js";
import { MonthNotEndedError, NoBaseYearSalesError } from "../errors.js";
import { DEFAULT_TIMEZONE, idSchema, timezoneSchema } from "./campaign.js";
import { fenAtMost, positiveFenAtMost } from "./money.js";
import { nextPeriod, startOfPeriod } from "./settlement.js";

export const PROGRAMME_KINDS = ["growth_reward", "event_subsidy", "new_enterprise", "trade_in"] as const;
export type ProgrammeKind = (typeof PROGRAMME_KINDS)[number];

/** What a programme pays: an application's award, or a trade-in record's subsidy. */
export const PAYABLE_KINDS = ["application", "trade-in"] as const;
export type PayableKind = (typeof PAYABLE_KINDS)[number];

/**
 * The life of an application or trade-in record. SUBMITTED → CHANGES_REQUESTED (resubmitted:
 * SUBMITTED again) | REJECTED | APPROVED (committed to the budget, payout under way) → PAID |
 * FAILED (payout gave up; an operator's retry makes it APPROVED again).
 */
export const PAYABLE_STATUSES = ["SUBMITTED", "CHANGES_REQUESTED", "REJECTED", "APPROVED", "PAID", "FAILED"] as const;
export type PayableStatus = (typeof PAYABLE_STATUSES)[number];

/**
 * The most a programme's budget, or any award or subsidy it defines, may be: ¥10 billion, a
 * hundred times a large city's yearly programmes; a typo of extra zeros is refused.
 */
export const MAX_PROGRAMME_AMOUNT = 1_000_000_000_000;

/** The most one month's reported sales may be: ¥100 billion, beyond any single merchant's month. */
export const MAX_MONTHLY_SALES = 10_000_000_000_000;

/** The most a trade-in's new product may cost: ¥10 million, beyond any subsidised car or appliance. */
export const MAX_TRADE_IN_PRICE = 1_000_000_000;

const programmeAmount = positiveFenAtMost(MAX_PROGRAMME_AMOUNT);

/** A calendar month, `YYYY-MM`. */
export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be a month YYYY-MM");
export type Month = z.infer<typeof monthSchema>;

/** Percentages are kept to two decimals (basis points), so tier boundaries compare exactly. */
const percentSchema = z
  .number()
  .refine((value) => Number.isFinite(value) && Math.abs(Math.round(value * 100) - value * 100) < 1e-6, "must have at most two decimals");

export const growthTierSchema = z.strictObject({
  minGrowthPercent: percentSchema.refine((value) => value > 0, "must be above 0").describe("Year-on-year growth the month must reach, in %"),
  award: programmeAmount.describe("Fen"),
});
export type GrowthTier = z.infer<typeof growthTierSchema>;

export const tradeInRuleSchema = z.strictObject({
  percent: percentSchema.refine((value) => value > 0 && value <= 100, "must be above 0 and at most 100").describe("Share of the new product's price, in %"),
  maxPerItem: programmeAmount.describe("Most one trade-in is subsidised, in fen"),
});
export type TradeInRule = z.infer<typeof tradeInRuleSchema>;

const periodSchema = z
  .strictObject({ from: z.iso.date(), to: z.iso.date() })
  .refine((period) => period.from <= period.to, { message: "from must not be after to", path: ["to"] })
  .describe("The days the programme runs, both included, in its time zone");

const common = {
  id: idSchema,
  name: z.string().trim().min(1).max(200),
  budget: programmeAmount.describe("What the programme may pay in all, in fen; counted apart from every voucher budget"),
  period: periodSchema,
  timezone: timezoneSchema.default(DEFAULT_TIMEZONE),
  exclusiveGroup: idSchema.optional().describe("Programmes sharing it are alternatives: a merchant is awarded by at most one of them"),
};

export const programmeDefinitionSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    ...common,
    kind: z.literal("growth_reward"),
    tiers: z
      .array(growthTierSchema)
      .min(1)
      .max(20)
      .refine((tiers) => tiers.every((tier, i) => i === 0 || (tier.minGrowthPercent > tiers[i - 1]!.minGrowthPercent && tier.award > tiers[i - 1]!.award)), {
        message: "tiers must rise in both minGrowthPercent and award",
      }),
  }),
  z.strictObject({ ...common, kind: z.literal("event_subsidy"), maxAward: programmeAmount }),
  z.strictObject({ ...common, kind: z.literal("new_enterprise"), award: programmeAmount }),
  z.strictObject({ ...common, kind: z.literal("trade_in"), rule: tradeInRuleSchema }),
]);
export type ProgrammeDefinition = z.infer<typeof programmeDefinitionSchema>;

/** A growth reward's figures for one month, in fen. */
export const monthlySalesSchema = z.strictObject({
  current: fenAtMost(MAX_MONTHLY_SALES).describe("The month's retail sales"),
  lastYear: fenAtMost(MAX_MONTHLY_SALES).describe("The same month a year earlier"),
  previousMonth: fenAtMost(MAX_MONTHLY_SALES).describe("The month before (month-on-month, kept for the reviewer)"),
});
export type MonthlySales = z.infer<typeof monthlySalesSchema>;

export interface GrowthOutcome {
  /** Year-on-year growth in %, rounded to two decimals (for display; tiers compare exactly). */
  growthPercent: number;
  /** The award of the highest tier reached; 0 when none is. */
  award: number;
  /** The tier reached, by its threshold; absent when none is. */
  tier?: number;
}

/**
 * The award a month's sales reach: growth = (current − lastYear) ÷ lastYear × 100, compared with
 * each tier exactly (in integers, never through a rounded percentage, so 4.99 % stays below 5 %).
 * A base year of 0 has no growth: NO_BASE_YEAR_SALES.
 */
export function growthAward(tiers: readonly GrowthTier[], sales: Pick<MonthlySales, "current" | "lastYear">): GrowthOutcome {
  if (sales.lastYear === 0) {
    throw new NoBaseYearSalesError("The growth cannot be computed: sales.lastYear (the same month a year earlier) is 0, and growth over nothing is undefined. Apply under another programme or correct the figures.");
  }
  const difference = BigInt(sales.current) - BigInt(sales.lastYear);
  // growth % ≥ min  ⇔  difference × 10 000 ≥ min × 100 × lastYear (basis points, exact).
  const reached = [...tiers].reverse().find((tier) => difference * 10_000n >= BigInt(Math.round(tier.minGrowthPercent * 100)) * BigInt(sales.lastYear));
  const growthPercent = Math.round(((sales.current - sales.lastYear) / sales.lastYear) * 10_000) / 100;
  return { growthPercent, award: reached?.award ?? 0, ...(reached ? { tier: reached.minGrowthPercent } : {}) };
}

/** A trade-in's subsidy: min(floor(price × percent ÷ 100), maxPerItem), in fen, exact. */
export function tradeInSubsidy(rule: TradeInRule, price: number): number {
  const subsidy = (BigInt(price) * BigInt(Math.round(rule.percent * 100))) / 10_000n;
  return Number(subsidy < BigInt(rule.maxPerItem) ? subsidy : BigInt(rule.maxPerItem));
}

/** The instant `month` begins in `timezone`. */
export function startOfMonth(month: Month, timezone: string): Date {
  return startOfPeriod(`${month}-01`, timezone);
}

/** The month after `month`. */
export function nextMonth(month: Month): Month {
  const [year, number] = month.split("-").map(Number) as [number, number];
  return number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, "0")}`;
}

/** The instant the programme's period is over: the start of the day after `period.to`, in its zone. */
export function periodEnd(programme: Pick<ProgrammeDefinition, "period" | "timezone">): Date {
  return startOfPeriod(nextPeriod(programme.period.to), programme.timezone);
}

/** Whether the programme's period has ended at `now` (no filings then, and merchants no longer see it). */
export function programmeEnded(programme: Pick<ProgrammeDefinition, "period" | "timezone">, now: Date): boolean {
  return now.getTime() >= periodEnd(programme).getTime();
}

/**
 * Checks the month a growth reward is applied for: it lies in the programme's period (its
 * months, from's to to's) and has ended in the programme's zone at `now`. MONTH_NOT_ENDED otherwise.
 */
export function checkApplicationMonth(programme: Pick<ProgrammeDefinition, "period" | "timezone">, month: Month, now: Date): void {
  if (month < programme.period.from.slice(0, 7) || month > programme.period.to.slice(0, 7)) {
    throw new MonthNotEndedError(`Month ${month} lies outside the programme's period ${programme.period.from} – ${programme.period.to}`, { details: { month } });
  }
  const ends = startOfMonth(nextMonth(month), programme.timezone);
  if (now.getTime() < ends.getTime()) {
    throw new MonthNotEndedError(`Month ${month} has not ended in ${programme.timezone}: apply from ${ends.toISOString()}`, { details: { month, endsAt: ends.toISOString() } });
  }
}

/** Whether a filing made at `filedAt` counts for `month`: it was made before the month began, in the programme's zone. */
export function filedBeforeMonth(filedAt: string, month: Month, timezone: string): boolean {
  return Date.parse(filedAt) < startOfMonth(month, timezone).getTime();
}

/**
 * The award an application proposes: a growth reward's tier award (needs `sales`), an event
 * subsidy's `maxAward` (the reviewer sets the award), a new enterprise's `award`.
 */
export function proposedAward(programme: ProgrammeDefinition, sales?: Pick<MonthlySales, "current" | "lastYear">): GrowthOutcome | { award: number } {
  switch (programme.kind) {
    case "growth_reward":
      if (sales === undefined) throw new Error("a growth reward's proposed award needs the month's sales");
      return growthAward(programme.tiers, sales);
    case "event_subsidy":
      return { award: programme.maxAward };
    case "new_enterprise":
      return { award: programme.award };
    case "trade_in":
      throw new Error("trade-in programmes take trade-in records, not applications");
  }
}

/** The payout's idempotency key (and `payableId` in its body) of an application or trade-in record: paid once per key. */
export function payableId(kind: PayableKind, id: string): string {
  return `${kind}/${id}`;
}
