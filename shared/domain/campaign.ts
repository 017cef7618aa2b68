/**
 * A campaign as an operator defines it (POST /admin/campaigns, docs/openapi.json): its schema,
 * the cross-field rules that make it consistent, and the budget rule that its drops may not
 * commit more subsidy than it has. Pure: no I/O, no clock.
 */
import * as z from "../zod.js";
import { BudgetExceededError, CampaignInvalidError, type CampaignIssue } from "../errors.js";
import { fen, formatYuan, multiplyFen, positiveFen, sumFen } from "./money.js";
import { DEFAULT_ATTEMPTS_PER_SECOND } from "./shard-plan.js";
import { MAX_SHARDS } from "./inventory.js";
import { sectorSchema } from "./sectors.js";
import { instantDiscountSchema, instantSubsidy } from "./instant-discount.js";
import { addLocalDays } from "./settlement.js";
import { ID_MESSAGE, ID_PATTERN, voucherTypeIssues } from "./stored-campaign.js";

// What a claim needs of a voucher type lives with the zod mini schemas of a stored campaign.
export { voucherExpiry } from "./stored-campaign.js";

export const DEFAULT_TIMEZONE = "Asia/Shanghai";

/** Ids of campaigns, voucher types and drops. */
/** The longest id of a campaign, drop or voucher type. */
const ID_MAX_LENGTH = 64;
export const idSchema = z.string().regex(ID_PATTERN, ID_MESSAGE);

/** An instant as ISO-8601 with a UTC offset (`Z` or `+08:00`), never a local time. */
const instantSchema = z.iso.datetime({ offset: true });

export const timezoneSchema = z.string().refine(isTimeZone, "must be an IANA time zone such as Asia/Shanghai");

const positiveInt = z.int().positive();

export const voucherTypeSchema = z
  .strictObject({
    id: idSchema,
    /** Smallest payment, in fen, the voucher applies to (满 threshold). */
    threshold: positiveFen,
    /** Amount taken off, in fen (减 discount). */
    discount: positiveFen,
    validDays: positiveInt.optional(),
    validUntil: instantSchema.optional(),
  })
  // The rules are stored-campaign.ts's, shared with the zod mini twin the claim path reads.
  .superRefine((type, ctx) => {
    for (const issue of voucherTypeIssues(type)) ctx.addIssue({ code: "custom", ...issue });
  });

export const dropSchema = z
  .strictObject({
    id: idSchema,
    opensAt: instantSchema,
    closesAt: instantSchema,
    /** Units per voucher type id. */
    stock: z.record(idSchema, positiveInt),
    shards: z.int().min(1).max(MAX_SHARDS).optional(),
    expectedAttemptsPerSecond: positiveInt.optional(),
    /**
     * The drop stands for `times` drops `<id>-1` … `<id>-<times>`, each `every` calendar day or
     * week after the one before at the same wall-clock time in the campaign's zone (API.md).
     */
    repeat: z.strictObject({ every: z.enum(["P1D", "P1W"]), times: z.int().min(2).max(52) }).optional(),
    /** Who may claim: everyone (default), or only residents registered for the campaign. */
    audience: z.enum(["everyone", "registered"]).optional(),
    /** `lottery`: residents register inside `registration`, and a draw at `drawAt` allocates the stock (API.md, "Fair allocation"). */
    allocation: z.literal("lottery").optional(),
    registration: z.strictObject({ opensAt: instantSchema, closesAt: instantSchema }).optional(),
    drawAt: instantSchema.optional(),
  })
  .superRefine((drop, ctx) => {
    const opens = instant(drop.opensAt);
    const closes = instant(drop.closesAt);
    if (opens !== undefined && closes !== undefined && opens >= closes) {
      ctx.addIssue({ code: "custom", path: ["closesAt"], message: "must be after opensAt" });
    }
    for (const issue of lotteryIssues(drop)) ctx.addIssue({ code: "custom", ...issue });
    if (Object.keys(drop.stock).length === 0) {
      ctx.addIssue({ code: "custom", path: ["stock"], message: "must give stock for at least one voucher type" });
    }
  })
  // A drop needs an attempt rate or a shard count to size its inventory; without either, assume the default.
  .overwrite((drop) =>
    drop.shards === undefined && drop.expectedAttemptsPerSecond === undefined
      ? { ...drop, expectedAttemptsPerSecond: DEFAULT_ATTEMPTS_PER_SECOND }
      : drop,
  );

const campaignShape = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(200),
  timezone: timezoneSchema.default(DEFAULT_TIMEZONE),
  budget: fen,
  startsAt: instantSchema,
  endsAt: instantSchema,
  perPersonLimit: positiveInt,
  sectors: z
    .array(sectorSchema)
    .min(1)
    .superRefine((sectors, ctx) => {
      sectors.forEach((sector, index) => {
        if (sectors.indexOf(sector) !== index) ctx.addIssue({ code: "custom", path: [index], message: `${sector} is listed twice` });
      });
    }),
  refundPolicy: z.enum(["void", "restore"]),
  rollover: z.boolean().default(false),
  voucherTypes: z.array(voucherTypeSchema).min(1),
  drops: z.array(dropSchema),
  /** Card-swipe tiered discounts that need no claim (API.md); none when absent. */
  instantDiscounts: z.array(instantDiscountSchema).max(20).optional(),
});

/** Marks the issue that only says the budget is too small, so parseCampaign can answer BUDGET_EXCEEDED. */
const BUDGET_ISSUE = "BUDGET_EXCEEDED";

/**
 * The body of POST /admin/campaigns. Parsing reports every problem at once, each with its path;
 * a budget overrun is a custom issue whose `params` carry `{reason: "BUDGET_EXCEEDED", budget, committed}`.
 */
export const campaignSchema = campaignShape
  .superRefine((campaign, ctx) => {
  for (const issue of campaignIssues(campaign)) ctx.addIssue({ code: "custom", ...issue });
  const figures = budgetFigures(campaign);
  if (figures === "overflow") {
    ctx.addIssue({ code: "custom", path: ["drops"], message: "stock × discount overflows the safe integers" });
  } else if (figures !== undefined && figures.committed > figures.budget) {
    ctx.addIssue({
      code: "custom",
      path: ["budget"],
      message: `the drops commit ${figures.committed} fen, more than the budget of ${figures.budget} fen`,
      params: { reason: BUDGET_ISSUE, ...figures },
    });
  }
  })
  // A repeating drop is materialised here, once, as the concrete drops it stands for: publishing,
  // claims and drop close then see only ordinary drops.
  .transform((campaign) => ({ ...campaign, drops: campaign.drops.flatMap((drop) => dropOccurrences(drop, campaign.timezone)) }));

export type Campaign = z.infer<typeof campaignSchema>;
/** A campaign as sent, before defaults apply. */
export type CampaignInput = z.input<typeof campaignSchema>;
export type VoucherType = z.infer<typeof voucherTypeSchema>;
export type Drop = z.infer<typeof dropSchema>;

/**
 * Parses and checks a campaign definition. Throws CampaignInvalidError listing every issue, or
 * BudgetExceededError when the budget is the only problem: figures computed from an otherwise
 * broken definition would mislead, so structural issues take precedence.
 */
export function parseCampaign(input: unknown): Campaign {
  const parsed = campaignSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const budgetIssue = issues.find(isBudgetIssue);
  if (budgetIssue && issues.length === 1) {
    const { budget, committed } = budgetIssue.params as { budget: number; committed: number };
    throw budgetExceeded({ budget, committed });
  }
  throw new CampaignInvalidError(issues.filter((issue) => !isBudgetIssue(issue)).map(toCampaignIssue));
}

/** The overrun of `budget` by `committed`, with its figures in yuan in the message. */
function budgetExceeded(figures: { budget: number; committed: number }): BudgetExceededError {
  const excess = figures.committed - figures.budget;
  return new BudgetExceededError(
    `The drops commit ${formatYuan(figures.committed)} of subsidy, ${formatYuan(excess)} over the budget of ${formatYuan(figures.budget)}`,
    figures,
  );
}

/**
 * Σ over drops and voucher types of stock × discount, plus each instant discount's total quota ×
 * its largest tier discount, in fen: the subsidy the campaign has committed. A repeating drop
 * counts once per occurrence.
 */
export function committedSubsidy(campaign: Pick<Campaign, "voucherTypes" | "drops" | "instantDiscounts">): number {
  const discounts = new Map(campaign.voucherTypes.map((type) => [type.id, type.discount]));
  return sumFen([
    ...campaign.drops.map((drop) => multiplyFen(dropSubsidy(discounts, drop), drop.repeat?.times ?? 1)),
    ...(campaign.instantDiscounts ?? []).map(instantSubsidy),
  ]);
}

/** Calendar days between two occurrences of a repeating drop. */
const REPEAT_DAYS = { P1D: 1, P1W: 7 } as const;

/** The id of occurrence `k` (from 1) of a repeating drop. */
export function occurrenceId(dropId: string, k: number): string {
  return `${dropId}-${k}`;
}

/**
 * The concrete drops `drop` stands for: itself when it does not repeat; otherwise its `times`
 * occurrences `<id>-1` … `<id>-N`, each with the same stock and sizing, opening and closing k − 1
 * days (or weeks) later at the same wall-clock time in `timezone`.
 */
export function dropOccurrences(drop: Drop, timezone: string): Drop[] {
  const { repeat, ...single } = drop;
  if (repeat === undefined) return [drop];
  const opens = new Date(drop.opensAt);
  const closes = new Date(drop.closesAt);
  // Text that is no instant was reported by its field; the occurrences then keep it as it is.
  const shift = (at: Date, text: string, days: number) => (Number.isNaN(at.getTime()) ? text : addLocalDays(at, days, timezone).toISOString());
  return Array.from({ length: repeat.times }, (_, index) => ({
    ...single,
    id: occurrenceId(drop.id, index + 1),
    opensAt: index === 0 ? drop.opensAt : shift(opens, drop.opensAt, index * REPEAT_DAYS[repeat.every]),
    closesAt: index === 0 ? drop.closesAt : shift(closes, drop.closesAt, index * REPEAT_DAYS[repeat.every]),
  }));
}

/**
 * Parses a drop on its own, as POST /admin/campaigns/{id}/drops sends it (defaults applied);
 * throws CampaignInvalidError ("The drop is invalid") listing every issue. What depends on the
 * campaign (its window, voucher types, other drops, budget) is {@link checkNewDrop}'s.
 */
export function parseDrop(input: unknown): Drop {
  const parsed = dropSchema.safeParse(input);
  if (!parsed.success) throw new CampaignInvalidError(parsed.error.issues.map(toCampaignIssue), "The drop is invalid");
  return parsed.data;
}

/**
 * Checks a drop to be added to a published campaign: the same rules as the campaign's own drops,
 * against the drops it already has, and its stock × discount must fit in the budget not yet
 * committed. Returns the parsed drop (defaults applied); throws CampaignInvalidError with paths
 * relative to the drop, or BudgetExceededError whose `committed` includes the new drop.
 */
export function checkNewDrop(campaign: Campaign, input: unknown): Drop {
  const drop = parseDrop(input);
  checkNewDrops(campaign, drop);
  return drop;
}

/**
 * The concrete drops a parsed drop adds to a published campaign (its occurrences when it
 * repeats), each checked like a drop of the campaign against those it already has and against
 * each other, all of them counted against the budget not yet committed.
 */
export function checkNewDrops(campaign: Campaign, drop: Drop): Drop[] {
  const window = campaignWindow(campaign);
  const validity = typeValidity(campaign.voucherTypes);
  const occurrences = dropOccurrences(drop, campaign.timezone);
  const problems: CampaignIssue[] = [];
  const others = [...campaign.drops];
  for (const occurrence of occurrences) {
    if (occurrence.id.length > ID_MAX_LENGTH) problems.push({ path: "repeat", message: `occurrence id ${occurrence.id} is longer than ${ID_MAX_LENGTH} characters` });
    for (const { path, message } of dropIssues(occurrence, [], window, validity, others)) {
      problems.push({ path: path.join("."), message: drop.repeat === undefined ? message : `occurrence ${occurrence.id}: ${message}` });
    }
    others.push(occurrence);
  }
  if (problems.length > 0) throw new CampaignInvalidError(problems, "The drop is invalid");

  const discounts = new Map(campaign.voucherTypes.map((type) => [type.id, type.discount]));
  // Overflow here is a fault of the figures, not the caller's to fix: let the RangeError surface.
  const committed = sumFen([committedSubsidy(campaign), multiplyFen(dropSubsidy(discounts, drop), occurrences.length)]);
  if (committed > campaign.budget) throw budgetExceeded({ budget: campaign.budget, committed });
  return occurrences;
}

// ---------------------------------------------------------------------------------------------

interface RawIssue {
  path: (string | number)[];
  message: string;
}

interface Window {
  starts: number | undefined;
  ends: number | undefined;
}

type CampaignShape = z.infer<typeof campaignShape>;

/**
 * Every cross-field problem of a campaign. Field checks (a negative stock, a bad id) may already
 * have failed, since zod runs this refinement whenever the types are right, so nothing here
 * assumes more than the types.
 */
function campaignIssues(campaign: CampaignShape): RawIssue[] {
  const issues: RawIssue[] = [];
  const window = campaignWindow(campaign);
  if (window.starts !== undefined && window.ends !== undefined && window.starts >= window.ends) {
    issues.push({ path: ["endsAt"], message: "must be after startsAt" });
  }

  const types = new Set<string>();
  campaign.voucherTypes.forEach((type, index) => {
    if (types.has(type.id)) issues.push({ path: ["voucherTypes", index, "id"], message: `voucher type ${type.id} is defined twice` });
    types.add(type.id);
    const until = type.validUntil === undefined ? undefined : instant(type.validUntil);
    if (until !== undefined && !within(until, window, false)) {
      issues.push({ path: ["voucherTypes", index, "validUntil"], message: "must be within the campaign (after startsAt, at or before endsAt)" });
    }
  });

  const instantIds = new Set<string>();
  (campaign.instantDiscounts ?? []).forEach((discount, index) => {
    if (instantIds.has(discount.id)) issues.push({ path: ["instantDiscounts", index, "id"], message: `instant discount ${discount.id} is defined twice` });
    instantIds.add(discount.id);
  });

  const validity = typeValidity(campaign.voucherTypes);
  // Occurrences of a repeating drop are checked like drops of their own, reported at their source.
  const concrete: Drop[] = [];
  campaign.drops.forEach((drop, index) => {
    const occurrences = dropOccurrences(drop, campaign.timezone);
    for (const occurrence of occurrences) {
      if (occurrence.id.length > ID_MAX_LENGTH) {
        issues.push({ path: ["drops", index, "repeat"], message: `occurrence id ${occurrence.id} is longer than ${ID_MAX_LENGTH} characters` });
      }
      const found = dropIssues(occurrence, ["drops", index], window, validity, concrete);
      issues.push(...(drop.repeat === undefined ? found : found.map((issue) => ({ ...issue, message: `occurrence ${occurrence.id}: ${issue.message}` }))));
      concrete.push(occurrence);
    }
  });
  return issues;
}

/**
 * Per voucher type id, its `validUntil` in ms since the epoch, or undefined for a type valid
 * `validDays` after each claim (or whose validUntil is no instant, already reported by its field).
 */
function typeValidity(voucherTypes: readonly Pick<VoucherType, "id" | "validUntil">[]): ReadonlyMap<string, number | undefined> {
  return new Map(voucherTypes.map((type) => [type.id, type.validUntil === undefined ? undefined : instant(type.validUntil)]));
}

/**
 * The problems of one drop against the campaign and the drops before it: a reused id, a time
 * outside the campaign, an unknown voucher type, a voucher type whose `validUntil` comes before
 * the drop closes (claims would issue vouchers already expired, or expiring before the drop
 * ends, that still consume stock and per-person limits; so every voucher type a drop stocks must
 * be valid at least until the drop's close), or an overlap in time with another drop of the same
 * voucher type (one drop of a type at a time, so a claim never has to choose).
 */
function dropIssues(
  drop: Drop,
  prefix: (string | number)[],
  window: Window,
  types: ReadonlyMap<string, number | undefined>,
  others: readonly Drop[],
): RawIssue[] {
  const issues: RawIssue[] = [];
  if (others.some((other) => other.id === drop.id)) issues.push({ path: [...prefix, "id"], message: `drop ${drop.id} is defined twice` });

  const opens = instant(drop.opensAt);
  const closes = instant(drop.closesAt);
  if (opens !== undefined && !within(opens, window, true)) {
    issues.push({ path: [...prefix, "opensAt"], message: "must be within the campaign (between startsAt and endsAt)" });
  }
  if (closes !== undefined && !within(closes, window, true)) {
    issues.push({ path: [...prefix, "closesAt"], message: "must be within the campaign (between startsAt and endsAt)" });
  }

  for (const typeId of Object.keys(drop.stock)) {
    if (!types.has(typeId)) {
      issues.push({ path: [...prefix, "stock", typeId], message: `unknown voucher type ${typeId}` });
      continue;
    }
    const until = types.get(typeId);
    if (until !== undefined && closes !== undefined && until < closes) {
      issues.push({
        path: [...prefix, "stock", typeId],
        message:
          `voucher type ${typeId} has validUntil ${new Date(until).toISOString()}, before the drop closes at ${new Date(closes).toISOString()}: ` +
          "every voucher type a drop stocks must be valid at least until the drop closes",
      });
    }
  }

  if (opens !== undefined && closes !== undefined && opens < closes) {
    for (const other of others) {
      const otherOpens = instant(other.opensAt);
      const otherCloses = instant(other.closesAt);
      if (otherOpens === undefined || otherCloses === undefined) continue;
      // Half-open intervals: a drop may open the moment the previous one closes.
      if (!(opens < otherCloses && otherOpens < closes)) continue;
      for (const typeId of Object.keys(drop.stock)) {
        if (Object.hasOwn(other.stock, typeId)) {
          issues.push({ path: [...prefix, "opensAt"], message: `overlaps drop ${other.id} for voucher type ${typeId}` });
        }
      }
    }
  }
  return issues;
}

/**
 * The rules of a lottery drop, on the drop alone: registration opens no earlier than the drop and
 * before it closes, the draw comes at or after registration closes, and the drop stays open until
 * the draw. With the drop inside the campaign (checked against the campaign), the registration
 * window is inside it too. A lottery drop cannot `repeat`: its seed, commitment and draw belong to
 * one drop, so each occurrence would need windows of its own; declare each draw as its own drop.
 */
function lotteryIssues(drop: Pick<Drop, "opensAt" | "closesAt" | "allocation" | "registration" | "drawAt" | "repeat">): RawIssue[] {
  if (drop.allocation !== "lottery") {
    return [
      ...(drop.registration === undefined ? [] : [{ path: ["registration"], message: 'is only for a drop with allocation "lottery"' }]),
      ...(drop.drawAt === undefined ? [] : [{ path: ["drawAt"], message: 'is only for a drop with allocation "lottery"' }]),
    ];
  }
  const issues: RawIssue[] = [];
  if (drop.repeat !== undefined) issues.push({ path: ["repeat"], message: "a lottery drop cannot repeat: declare each draw as a drop of its own" });
  if (drop.registration === undefined) issues.push({ path: ["registration"], message: "a lottery drop needs a registration window" });
  if (drop.drawAt === undefined) issues.push({ path: ["drawAt"], message: "a lottery drop needs drawAt" });
  if (drop.registration === undefined || drop.drawAt === undefined) return issues;
  const [dropOpens, dropCloses] = [instant(drop.opensAt), instant(drop.closesAt)];
  const [opens, closes, drawAt] = [instant(drop.registration.opensAt), instant(drop.registration.closesAt), instant(drop.drawAt)];
  if (opens === undefined || closes === undefined || drawAt === undefined || dropOpens === undefined || dropCloses === undefined) return issues;
  if (opens >= closes) issues.push({ path: ["registration", "closesAt"], message: "must be after registration.opensAt" });
  if (opens < dropOpens) issues.push({ path: ["registration", "opensAt"], message: "must be at or after the drop's opensAt" });
  if (drawAt < closes) issues.push({ path: ["drawAt"], message: "must be at or after registration.closesAt" });
  if (dropCloses < drawAt) issues.push({ path: ["closesAt"], message: "must be at or after drawAt" });
  return issues;
}

/** Subsidy one drop commits; stock of unknown types counts nothing (it is reported on its own). */
function dropSubsidy(discounts: ReadonlyMap<string, number>, drop: Pick<Drop, "stock">): number {
  return sumFen(
    Object.entries(drop.stock).map(([typeId, units]) => {
      const discount = discounts.get(typeId);
      return discount === undefined ? 0 : multiplyFen(discount, units);
    }),
  );
}

/**
 * Budget and committed subsidy, or undefined when the figures would mean nothing because a
 * discount or stock is not a positive safe integer (that issue is reported by its field).
 */
function budgetFigures(campaign: CampaignShape): { budget: number; committed: number } | "overflow" | undefined {
  const sane = (n: number) => Number.isSafeInteger(n) && n > 0;
  if (!Number.isSafeInteger(campaign.budget) || campaign.budget < 0) return undefined;
  if (!campaign.voucherTypes.every((type) => sane(type.discount))) return undefined;
  if (!campaign.drops.every((drop) => Object.values(drop.stock).every(sane))) return undefined;
  if (!(campaign.instantDiscounts ?? []).every((discount) => sane(discount.quota.total) && discount.tiers.every((tier) => sane(tier.discount)))) return undefined;
  try {
    return { budget: campaign.budget, committed: committedSubsidy(campaign) };
  } catch (error) {
    if (error instanceof RangeError) return "overflow";
    throw error;
  }
}

function campaignWindow(campaign: Pick<Campaign, "startsAt" | "endsAt">): Window {
  return { starts: instant(campaign.startsAt), ends: instant(campaign.endsAt) };
}

/** Whether `at` lies in the campaign window; `closedStart` includes startsAt itself. Unknown bounds do not constrain. */
function within(at: number, window: Window, closedStart: boolean): boolean {
  if (window.starts !== undefined && (closedStart ? at < window.starts : at <= window.starts)) return false;
  if (window.ends !== undefined && at > window.ends) return false;
  return true;
}

/** Milliseconds since the epoch, or undefined for text that is no instant (already reported by its field). */
function instant(text: string): number | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function isBudgetIssue(issue: z.core.$ZodIssue): issue is z.core.$ZodIssueCustom {
  return issue.code === "custom" && (issue.params as { reason?: unknown } | undefined)?.reason === BUDGET_ISSUE;
}

function toCampaignIssue(issue: z.core.$ZodIssue): CampaignIssue {
  return { path: issue.path.map(String).join("."), message: issue.message };
}

function isTimeZone(zone: string): boolean {
  // Intl also takes offsets such as "+08:00" on newer engines; those are not IANA zones.
  if (!/^[A-Za-z]/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
