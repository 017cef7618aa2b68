/**
 * Card-swipe instant discounts (刷卡满额立减, API.md "Instant discounts and recurring drops"): a
 * campaign's tiered discounts that apply at the till with no claim, first come first served
 * while the quota lasts. Pure: the definition, the weekly window in the campaign's zone, the tier
 * an amount reaches, the budget an instant discount commits, and which campaign's discount wins
 * when several apply. Quotas and per-payer counts are the store's (sharded counters).
 */
import * as z from "../zod.js";
import { multiplyFen, positiveFen } from "./money.js";
import { type CampaignFacts, type ChoiceReason, campaignActiveAt } from "./redemption.js";
import { localDate } from "./settlement.js";
import { CLOCK_TIME_MESSAGE, CLOCK_TIME_PATTERN, ID_MESSAGE, ID_PATTERN, type FieldIssue, instantDiscountIssues, instantTierIssues } from "./stored-campaign.js";
import type { Sector } from "./sectors.js";

const positiveInt = z.int().positive();
const clockTime = z.string().regex(CLOCK_TIME_PATTERN, CLOCK_TIME_MESSAGE);

/** Adds each issue to the value being refined. */
function addAll(ctx: z.RefinementCtx, issues: FieldIssue[]): void {
  for (const issue of issues) ctx.addIssue({ code: "custom", ...issue });
}

/** A threshold and the discount it earns, in fen (the rule is stored-campaign.ts's, shared with the claim path's twin). */
export const instantTierSchema = z.strictObject({ threshold: positiveFen, discount: positiveFen }).superRefine((tier, ctx) => addAll(ctx, instantTierIssues(tier)));

/** One instant discount of a campaign (the claim path reads its zod mini twin, stored-campaign.ts). */
export const instantDiscountSchema = z
  .strictObject({
    id: z.string().regex(ID_PATTERN, ID_MESSAGE),
    tiers: z.array(instantTierSchema).min(1).max(10),
    quota: z.strictObject({ total: positiveInt, daily: positiveInt.optional() }),
    perPayer: z.strictObject({ total: positiveInt.optional(), daily: positiveInt.optional() }).optional(),
    /** ISO weekdays (1 = Monday … 7 = Sunday) and a wall-clock span in the campaign's zone; `from` inclusive, `to` exclusive. */
    window: z
      .strictObject({
        daysOfWeek: z.array(z.int().min(1).max(7)).min(1).max(7).optional(),
        from: clockTime.optional(),
        to: clockTime.optional(),
      })
      .optional(),
    /** Partners whose payments it applies to; absent: every partner. */
    partners: z.array(z.string().min(1).max(64)).min(1).optional(),
  })
  .superRefine((discount, ctx) => addAll(ctx, instantDiscountIssues(discount)));

export type InstantDiscount = z.infer<typeof instantDiscountSchema>;
export type InstantTier = z.infer<typeof instantTierSchema>;

/** The subsidy an instant discount commits against the budget: its total quota × its largest tier discount. */
export function instantSubsidy(discount: Pick<InstantDiscount, "tiers" | "quota">): number {
  return multiplyFen(Math.max(...discount.tiers.map((tier) => tier.discount)), discount.quota.total);
}

/**
 * Units of a discount's day counter: its daily quota, or without one its total quota (the day's
 * counter is then kept only to tell how much was used that day, and never refuses on its own).
 */
export function dayQuotaUnits(discount: Pick<InstantDiscount, "quota">): number {
  return discount.quota.daily ?? discount.quota.total;
}

/** The tier with the highest threshold `amount` reaches, or undefined when it reaches none. */
export function reachedTier(tiers: readonly InstantTier[], amount: number): InstantTier | undefined {
  let best: InstantTier | undefined;
  for (const tier of tiers) if (amount >= tier.threshold && (best === undefined || tier.threshold > best.threshold)) best = tier;
  return best;
}

const weekdayFormats = new Map<string, Intl.DateTimeFormat>();

/** The ISO weekday (1 = Monday … 7 = Sunday) and the wall-clock HH:MM of `instant` in `timezone`. */
export function localWeekTime(instant: Date, timezone: string): { weekday: number; time: string } {
  let format = weekdayFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", { timeZone: timezone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    weekdayFormats.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(String(parts.weekday)) + 1;
  return { weekday, time: `${parts.hour}:${parts.minute}` };
}

/** Whether a payment at `instant` falls in the discount's window, read in the campaign's `timezone`. */
export function inWindow(window: InstantDiscount["window"], instant: Date, timezone: string): boolean {
  if (window === undefined) return true;
  const { weekday, time } = localWeekTime(instant, timezone);
  if (window.daysOfWeek !== undefined && !window.daysOfWeek.includes(weekday)) return false;
  if (window.from !== undefined && time < window.from) return false;
  if (window.to !== undefined && time >= window.to) return false;
  return true;
}

/** An instant discount a payment could take, before quota and payer limits are tried. */
export interface InstantCandidate {
  campaignId: string;
  /** When the campaign starts: on a tie the campaign that started first wins. */
  campaignStartsAt: string;
  instantDiscountId: string;
  tier: InstantTier;
}

/**
 * The order in which candidates are tried (API.md): the largest discount first; on a tie the
 * campaign that started first, then by campaign id, then by instant discount id.
 */
export function byPreference(a: InstantCandidate, b: InstantCandidate): number {
  return (
    b.tier.discount - a.tier.discount ||
    Date.parse(a.campaignStartsAt) - Date.parse(b.campaignStartsAt) ||
    a.campaignId.localeCompare(b.campaignId) ||
    a.instantDiscountId.localeCompare(b.instantDiscountId)
  );
}

/** Why no instant discount applied, in the order API.md names them. */
export type InstantRefusal = "BELOW_THRESHOLD" | "PAYER_LIMIT_REACHED" | "QUOTA_EXHAUSTED" | "NO_ELIGIBLE_VOUCHER";

/**
 * The candidates a payment may take, best first, or the reason it may take none: outside every
 * window or for a partner none lists is `NO_ELIGIBLE_VOUCHER`; in some window but below every
 * tier is `BELOW_THRESHOLD`. (Limits and quota are tried on the candidates by the caller.)
 */
export function instantCandidates(
  offers: readonly { campaignId: string; campaignStartsAt: string; timezone: string; discount: InstantDiscount }[],
  payment: { amount: number; occurredAt: Date; partnerId: string },
): InstantCandidate[] | "BELOW_THRESHOLD" | "NO_ELIGIBLE_VOUCHER" {
  let anyOpen = false;
  const candidates: InstantCandidate[] = [];
  for (const offer of offers) {
    if (offer.discount.partners !== undefined && !offer.discount.partners.includes(payment.partnerId)) continue;
    if (!inWindow(offer.discount.window, payment.occurredAt, offer.timezone)) continue;
    anyOpen = true;
    const tier = reachedTier(offer.discount.tiers, payment.amount);
    if (tier) candidates.push({ campaignId: offer.campaignId, campaignStartsAt: offer.campaignStartsAt, instantDiscountId: offer.discount.id, tier });
  }
  if (candidates.length > 0) return candidates.sort(byPreference);
  return anyOpen ? "BELOW_THRESHOLD" : "NO_ELIGIBLE_VOUCHER";
}

/** An instant discount as a payment may meet it: its campaign's id, start and zone with it. */
export interface InstantOffer {
  campaignId: string;
  campaignStartsAt: string;
  timezone: string;
  discount: InstantDiscount;
}

/**
 * The instant discounts open to a payment at a merchant of `sector` at `occurredAt`: those of
 * campaigns active then (PUBLISHED, between startsAt and endsAt) that list the sector. Window,
 * partner and tier are {@link instantCandidates}'s.
 */
export function instantOffers(
  campaigns: readonly (CampaignFacts & { id: string; timezone: string; instantDiscounts?: readonly InstantDiscount[] | undefined })[],
  sector: Sector,
  occurredAt: Date,
): InstantOffer[] {
  return campaigns
    .filter((campaign) => campaignActiveAt(campaign, occurredAt.getTime()) && campaign.sectors.includes(sector))
    .flatMap((campaign) =>
      (campaign.instantDiscounts ?? []).map((discount) => ({ campaignId: campaign.id, campaignStartsAt: campaign.startsAt, timezone: campaign.timezone, discount })),
    );
}

/**
 * Whether a payment that no voucher served may take an instant discount: the payer's best claimed
 * voucher applies when one does (the two never stack), and otherwise an instant discount may,
 * whatever kept the payer's vouchers from applying; but never at a merchant that is not approved,
 * and never when the payment names a voucher (that voucher or nothing).
 */
export function instantDiscountMayApply(voucherRefusal: ChoiceReason, payment: { voucherId?: string | undefined }): boolean {
  return voucherRefusal !== "MERCHANT_NOT_APPROVED" && payment.voucherId === undefined;
}

/** The reasons a payment gets no benefit, first to last (API.md "Instant discounts and recurring drops"). */
const REFUSAL_ORDER = [
  "MERCHANT_NOT_APPROVED",
  "CAMPAIGN_NOT_ACTIVE",
  "SECTOR_NOT_ELIGIBLE",
  "BELOW_THRESHOLD",
  "PAYER_LIMIT_REACHED",
  "QUOTA_EXHAUSTED",
  "NO_ELIGIBLE_VOUCHER",
] as const;

/**
 * The one reason a payment is answered when neither a voucher nor an instant discount applied:
 * whichever of the two refusals comes first in API.md's order (the vouchers' own reasons, then
 * BELOW_THRESHOLD, PAYER_LIMIT_REACHED, QUOTA_EXHAUSTED, and NO_ELIGIBLE_VOUCHER last).
 */
export function firstRefusal(voucherRefusal: ChoiceReason, instantRefusal: InstantRefusal): ChoiceReason | InstantRefusal {
  return REFUSAL_ORDER.indexOf(voucherRefusal) <= REFUSAL_ORDER.indexOf(instantRefusal) ? voucherRefusal : instantRefusal;
}

/**
 * The day whose daily quota and per-payer daily count a payment at `occurredAt` takes: its local
 * date in the campaign's zone. Counters are keyed by it, so a new day starts at local midnight
 * with fresh counters and no job races the payments.
 */
export function quotaDay(occurredAt: Date, timezone: string): string {
  return localDate(occurredAt, timezone);
}
