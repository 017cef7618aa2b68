/**
 * The parts of a campaign that the claim path reads back from the `campaigns` table (voucher
 * types, instant discounts, sectors, amounts), as zod mini schemas, so the claim handler's bundle
 * holds no classic zod (issue 16). Their classic twins (campaign.ts, instant-discount.ts,
 * sectors.ts, money.ts) are what the OpenAPI document reads (@asteasolutions/zod-to-openapi
 * needs classic schemas). The cross-field rules are written once, here, and both use them;
 * test/unit/stored-campaign-schemas.test.ts checks that twins accept and refuse the same samples
 * with the same issues. Pure: no I/O.
 */
import * as z from "../zod-mini.js";

/** The economic sectors a campaign may subsidise and a merchant belongs to (sectors.ts). */
export const SECTORS = [
  "supermarket",
  "department_store",
  "appliance",
  "restaurant",
  "fuel",
  "tourism",
  "hotel",
  "entertainment",
  "auto",
  "other",
] as const;

/** An id of a campaign, voucher type, drop or instant discount, and what its refusal says. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const ID_MESSAGE = "must be 1–64 of A–Z, a–z, 0–9, _ and -";

/** A wall-clock time of an instant discount's window, and what its refusal says. */
export const CLOCK_TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
export const CLOCK_TIME_MESSAGE = "must be HH:MM (00:00 … 23:59)";

/**
 * An instant with `Z` or an offset, seconds required: zod's own pattern of
 * `iso.datetime({ offset: true })` and its message, as a plain pattern check, because zod's ISO
 * schema costs the claim handler's bundle about 2 KB more. test/unit/zod-twins.test.ts checks that
 * it is still zod's pattern.
 */
export const ISO_INSTANT_PATTERN =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$/;
export const ISO_INSTANT_MESSAGE = "Invalid ISO datetime";

/** A cross-field problem, its path relative to the object checked. */
export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

/** What the rules of a voucher type read. */
interface VoucherTypeFields {
  threshold: number;
  discount: number;
  validDays?: number | undefined;
  validUntil?: string | undefined;
}

/** A voucher type's own rules: its discount below its threshold, and exactly one validity. */
export function voucherTypeIssues(type: VoucherTypeFields): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (type.discount >= type.threshold) issues.push({ path: ["discount"], message: "must be less than the threshold" });
  if ((type.validDays === undefined) === (type.validUntil === undefined)) issues.push({ path: [], message: "must have exactly one of validDays and validUntil" });
  return issues;
}

/** An instant discount's tier: its discount below its threshold. */
export function instantTierIssues(tier: { threshold: number; discount: number }): FieldIssue[] {
  return tier.discount >= tier.threshold ? [{ path: ["discount"], message: "must be less than the threshold" }] : [];
}

/** An instant discount's own rules: distinct tier thresholds, a window that does not cross midnight, a daily quota within the total. */
export function instantDiscountIssues(discount: {
  tiers: readonly { threshold: number }[];
  quota: { total: number; daily?: number | undefined };
  window?: { from?: string | undefined; to?: string | undefined } | undefined;
}): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const thresholds = discount.tiers.map((tier) => tier.threshold);
  if (new Set(thresholds).size !== thresholds.length) issues.push({ path: ["tiers"], message: "two tiers have the same threshold" });
  const { from, to } = discount.window ?? {};
  if (from !== undefined && to !== undefined && from >= to) issues.push({ path: ["window", "to"], message: "must be after from (a window never crosses midnight)" });
  if (discount.quota.daily !== undefined && discount.quota.daily > discount.quota.total) {
    issues.push({ path: ["quota", "daily"], message: "must not exceed the total" });
  }
  return issues;
}

/**
 * When a voucher claimed at `claimedAt` expires: `validDays` × 24 h after the claim, or the type's
 * `validUntil`, and in no case after the campaign ends.
 */
export function voucherExpiry(campaign: { endsAt: string }, voucherType: Pick<VoucherTypeFields, "validDays" | "validUntil">, claimedAt: Date): Date {
  const ends = Date.parse(campaign.endsAt);
  const own =
    voucherType.validDays !== undefined
      ? claimedAt.getTime() + voucherType.validDays * DAY_MS
      : voucherType.validUntil !== undefined
        ? Date.parse(voucherType.validUntil)
        : ends;
  return new Date(Math.min(own, ends));
}

const DAY_MS = 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// The zod mini twins.

/** Reports each issue on the value being checked. */
function reportAll<T>(issuesOf: (value: T) => FieldIssue[]) {
  return z.superRefine<T>((value, ctx) => {
    for (const issue of issuesOf(value)) ctx.addIssue({ code: "custom", ...issue });
  });
}

const positiveInt = z.int().check(z.positive());
/** money.ts `fen`: a non-negative safe integer. */
export const storedFen = z.int().check(z.nonnegative());
const positiveFen = z.int().check(z.positive());
const idSchema = z.string().check(z.regex(ID_PATTERN, ID_MESSAGE));
const clockTime = z.string().check(z.regex(CLOCK_TIME_PATTERN, CLOCK_TIME_MESSAGE));

/** sectors.ts `sectorSchema`. */
export const storedSectorSchema = z.enum(SECTORS);

/** campaign.ts `voucherTypeSchema`. */
export const storedVoucherTypeSchema = z
  .strictObject({
    id: idSchema,
    threshold: positiveFen,
    discount: positiveFen,
    validDays: z.optional(positiveInt),
    validUntil: z.optional(z.string().check(z.regex(ISO_INSTANT_PATTERN, ISO_INSTANT_MESSAGE))),
  })
  .check(reportAll(voucherTypeIssues));

const instantTierSchema = z.strictObject({ threshold: positiveFen, discount: positiveFen }).check(reportAll(instantTierIssues));

/** instant-discount.ts `instantDiscountSchema`. */
export const storedInstantDiscountSchema = z
  .strictObject({
    id: idSchema,
    tiers: z.array(instantTierSchema).check(z.minLength(1), z.maxLength(10)),
    quota: z.strictObject({ total: positiveInt, daily: z.optional(positiveInt) }),
    perPayer: z.optional(z.strictObject({ total: z.optional(positiveInt), daily: z.optional(positiveInt) })),
    window: z.optional(
      z.strictObject({
        daysOfWeek: z.optional(z.array(z.int().check(z.minimum(1), z.maximum(7))).check(z.minLength(1), z.maxLength(7))),
        from: z.optional(clockTime),
        to: z.optional(clockTime),
      }),
    ),
    partners: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.minLength(1))),
  })
  .check(reportAll(instantDiscountIssues));
