/**
 * Bodies of the merchant-programme routes (API.md "Merchant programmes and trade-in") as zod
 * schemas: handlers parse with them and the OpenAPI document is generated from them.
 */
import * as z from "../zod.js";
import { attachmentDownloadsSchema } from "./attachment-schemas.js";
import { idSchema } from "../domain/campaign.js";
import { fen, positiveFen } from "../domain/money.js";
import {
  PAYABLE_STATUSES,
  PROGRAMME_KINDS,
  growthTierSchema,
  monthSchema,
  monthlySalesSchema,
  programmeDefinitionSchema,
  tradeInRuleSchema,
} from "../domain/programme.js";

const instantSchema = z.iso.datetime({ offset: true });
const textSchema = (max: number) => z.string().trim().min(1).max(max);

/** POST /admin/programmes. */
export const programmeBodySchema = programmeDefinitionSchema.meta({ id: "ProgrammeDefinition" });

/** A programme as the API shows it: its definition and its money. */
export const programmeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(PROGRAMME_KINDS),
    budget: positiveFen,
    period: z.object({ from: z.iso.date(), to: z.iso.date() }),
    timezone: z.string(),
    exclusiveGroup: z.string().optional(),
    tiers: z.array(growthTierSchema).optional().describe("growth_reward"),
    maxAward: positiveFen.optional().describe("event_subsidy"),
    award: positiveFen.optional().describe("new_enterprise"),
    rule: tradeInRuleSchema.optional().describe("trade_in"),
    committed: fen.describe("Σ approved, fen (paid or being paid)"),
    paid: fen.describe("Σ paid, fen"),
    remaining: fen.describe("budget − committed, fen"),
    createdAt: instantSchema,
  })
  .meta({ id: "Programme" });

export const programmeListSchema = z.object({ items: z.array(programmeSchema) }).meta({ id: "ProgrammeList" });

const planSchema = textSchema(5_000).describe("What the merchant plans to do (备案: the activity filed before it runs)");

/** POST /merchant/programmes/{id}/filings. */
export const filingBodySchema = z.strictObject({ plan: planSchema }).meta({ id: "Filing" });

/** POST /admin/programmes/{id}/filings: a paper filing an operator records with the date it was made. */
export const paperFilingBodySchema = z
  .strictObject({
    merchantId: idSchema,
    plan: planSchema,
    filedAt: instantSchema.describe("When the merchant filed on paper; not after now"),
  })
  .meta({ id: "PaperFiling" });

export const filingSchema = z
  .object({
    programmeId: z.string(),
    merchantId: z.string(),
    filedAt: instantSchema,
    plan: z.string(),
    paper: z.boolean().describe("Recorded by an operator from a paper filing"),
    recordedAt: instantSchema,
    recordedBy: z.string(),
  })
  .meta({ id: "FilingRecord" });

const attachmentIdsSchema = z.array(idSchema).max(20).describe("Ids of evidence files uploaded with POST /merchant/attachments");

/** POST /merchant/programmes/{id}/applications (and PUT /merchant/applications/{id}, which resubmits). */
export const applicationBodySchema = z
  .strictObject({
    month: monthSchema.optional().describe("growth_reward only (required): the month applied for, YYYY-MM"),
    sales: monthlySalesSchema.optional().describe("growth_reward only (required): the month's sales, fen"),
    summary: textSchema(5_000).describe("What was done and achieved"),
    attachments: attachmentIdsSchema.optional(),
  })
  .meta({ id: "ApplicationBody" });
export type ApplicationBody = z.infer<typeof applicationBodySchema>;

export const applicationStatusSchema = z.enum(PAYABLE_STATUSES);

export const applicationSchema = z
  .object({
    id: z.string(),
    programmeId: z.string(),
    programmeKind: z.enum(PROGRAMME_KINDS),
    merchantId: z.string(),
    month: monthSchema.optional(),
    sales: monthlySalesSchema.optional(),
    growthPercent: z.number().optional().describe("growth_reward: year-on-year growth in %, two decimals"),
    tier: z.number().optional().describe("growth_reward: the minGrowthPercent of the tier reached"),
    proposedAward: fen,
    award: fen.optional().describe("The award approved, fen"),
    summary: z.string(),
    attachments: z.array(z.string()),
    status: applicationStatusSchema,
    reason: z.string().optional().describe("Why it was rejected, or what to change"),
    note: z.string().optional().describe("The reviewer's note on approval"),
    payoutId: z.string().optional(),
    lastPayoutError: z.string().optional(),
    submittedAt: instantSchema,
    updatedAt: instantSchema,
  })
  .meta({ id: "Application" });

/** GET /admin/applications/{id}: the application with its evidence readable. */
export const applicationDetailSchema = applicationSchema.extend({ attachmentDownloads: attachmentDownloadsSchema }).meta({ id: "ApplicationDetail" });
export type ApplicationView = z.infer<typeof applicationSchema>;

export const applicationListSchema = z.object({ items: z.array(applicationSchema) }).meta({ id: "ApplicationList" });

export const applicationListQuerySchema = z.object({ status: applicationStatusSchema.optional() });

/** POST /admin/applications/{id}/approve. */
export const approvalBodySchema = z
  .strictObject({
    award: positiveFen.optional().describe("Fen; defaults to proposedAward; required for event_subsidy, at most maxAward"),
    note: textSchema(1_000).optional(),
  })
  .meta({ id: "Approval" });

/** POST /admin/applications/{id}/reject and /request-changes. */
export const reviewReasonBodySchema = z.strictObject({ reason: textSchema(1_000) }).meta({ id: "ReviewReason" });

export const programmeReconciliationSchema = z
  .object({
    programmeId: z.string(),
    budget: fen,
    committed: fen.describe("As the programme keeps it"),
    paid: fen.describe("As the programme keeps it"),
    approvedTotal: fen.describe("Σ approved amounts of its applications and trade-in records (APPROVED, PAID, FAILED)"),
    paidTotal: fen.describe("Σ of those PAID"),
    pending: fen.describe("Approved, not paid yet"),
    problems: z.array(z.string()),
    balanced: z.boolean(),
  })
  .meta({ id: "ProgrammeReconciliation" });
