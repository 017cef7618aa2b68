/** Bodies, queries and answers of the fraud review routes (API.md, "the fraud review queue"). */
import * as z from "../zod.js";
import { idSchema } from "../domain/campaign.js";
import { FLAG_STATUSES, FRAUD_RULES, SEVERITIES, fraudConfigSchema } from "../domain/fraud.js";

const transactionRefSchema = z.object({ partnerId: z.string(), transactionId: z.string() });
const refsSchema = z.array(transactionRefSchema);

export const flagSchema = z
  .object({
    id: z.string().describe("One flag per (campaign, rule, subject, window): the same hit always names the same flag"),
    campaignId: z.string(),
    rule: z.enum(FRAUD_RULES),
    severity: z.enum(SEVERITIES),
    merchantId: z.string().describe("The merchant accused; for payer-spread, the merchant of the latest redemption (evidence.merchants names them all)"),
    payerId: z.string().optional().describe("repeat-payer and payer-spread: the payer"),
    window: z.string().describe("Start of the rule's window (UTC)"),
    evidence: z
      .looseObject({ transactions: refsSchema.describe("The transactions the hit rests on (at most 100)") })
      .describe("The measures the rule judged (counts, baseline, share, rate, merchants…) and the transactions"),
    status: z.enum(FLAG_STATUSES),
    createdAt: z.string(),
    updatedAt: z.string(),
    lastHitAt: z.string().describe("The latest hit in the flag's window (later hits add evidence)"),
    decidedAt: z.string().optional(),
    decidedBy: z.string().optional(),
    reason: z.string().optional().describe("The operator's reason for the decision"),
    forfeit: z.boolean().optional().describe("CONFIRMED: whether the merchant's HELD statements in the campaign are forfeited"),
    autoSuspendedAt: z.string().optional().describe("When the detector suspended the merchant (a high-severity hit, the campaign's autoSuspend)"),
    enforcement: z
      .object({
        at: z.string(),
        forfeited: z.array(z.string()).describe("Statements moved HELD → FORFEITED (cumulative)"),
        clawedBack: refsSchema.describe("Named redemptions of the merchant that were paid, clawed back from its next statements"),
        withheld: refsSchema.describe("Named redemptions not yet paid: their statements are (or will be) HELD"),
        pending: refsSchema.describe("Named redemptions whose statement's payout was under way: enforce again once it is PAID"),
        notApplicable: refsSchema.describe("Named transactions not to claw back: refunded, without a discount, or at another merchant"),
        counts: z
          .object({ clawedBack: z.int(), withheld: z.int(), pending: z.int(), notApplicable: z.int() })
          .optional()
          .describe("How many transactions each list holds in all (the flag's evidence and every redemption of its subject in its window); each list shows the first 100"),
      })
      .optional()
      .describe("CONFIRMED: what the confirmation (or the latest enforcement) did"),
  })
  .meta({ id: "FraudFlag" });

export const flagListSchema = z
  .object({ items: z.array(flagSchema).describe("Newest first"), nextToken: z.string().optional().describe("Pass back as `nextToken` for the next page") })
  .meta({ id: "FraudFlagList" });

const limitSchema = z.coerce.number().int().min(1).max(100).default(50);
const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a token from an earlier page").max(2048).optional();

/** Query of GET /admin/fraud/flags. */
export const flagListQuerySchema = z.object({
  status: z.enum(FLAG_STATUSES).default("OPEN"),
  campaignId: idSchema.optional(),
  limit: limitSchema,
  nextToken: tokenSchema,
});

const reasonSchema = z.string().trim().min(1).max(500).describe("Why; kept on the flag and in the audit trail");

/** Body of POST /admin/fraud/flags/{id}/dismiss. */
export const dismissBodySchema = z.strictObject({ reason: reasonSchema }).meta({ id: "FraudFlagDismissal" });

/** Body of POST /admin/fraud/flags/{id}/confirm. */
export const confirmBodySchema = z
  .strictObject({
    reason: reasonSchema,
    forfeit: z.boolean().default(false).describe("True: the merchant's HELD statements in the campaign become FORFEITED and are never paid"),
  })
  .meta({ id: "FraudFlagConfirmation" });

/** Body of PUT /admin/campaigns/{id}/fraud-rules: what it leaves out takes the default. */
export const fraudRulesBodySchema = fraudConfigSchema.meta({ id: "FraudRulesRequest" });

/** Answer of GET and PUT /admin/campaigns/{id}/fraud-rules. */
export const fraudRulesSchema = z
  .object({
    campaignId: z.string(),
    source: z.enum(["default", "campaign"]).describe("default: the campaign has no configuration of its own"),
    config: fraudConfigSchema,
    updatedAt: z.string().optional(),
    updatedBy: z.string().optional(),
  })
  .meta({ id: "FraudRules" });
