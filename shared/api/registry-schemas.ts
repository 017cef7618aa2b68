/**
 * Bodies of the partner, merchant and audit routes as zod schemas: handlers parse with them and
 * the OpenAPI document is generated from them.
 */
import * as z from "../zod.js";
import { idSchema } from "../domain/campaign.js";
import { MERCHANT_STATUSES } from "../domain/merchant.js";
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from "../domain/partner.js";
import { type PayoutUrlRules, MAX_PAYOUT_URL_LENGTH, payoutUrlProblem } from "../domain/payout-url.js";
import { sectorSchema } from "../domain/sectors.js";

const instantSchema = z.iso.datetime({ offset: true });
const nameSchema = z.string().trim().min(1).max(200);

/** A payout URL under the given rules (https and public on AWS). */
export function payoutUrlSchema(rules: PayoutUrlRules) {
  return z
    .string()
    .max(MAX_PAYOUT_URL_LENGTH)
    .superRefine((value, ctx) => {
      const problem = payoutUrlProblem(value, rules);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    })
    .describe("Where payouts are sent: https, and never a private, loopback, link-local or metadata address");
}

/** Body of POST /admin/partners, under the given payout URL rules. */
export function partnerRegistrationSchema(rules: PayoutUrlRules) {
  return z.strictObject({
    id: idSchema,
    name: nameSchema,
    payoutUrl: payoutUrlSchema(rules).optional().describe("Optional where the deployment configures a default (locally: the partner simulator)"),
  });
}

/** The registration body as published (the AWS rules). */
export const partnerRegistrationDocSchema = partnerRegistrationSchema({ allowHttp: false }).meta({ id: "PartnerRegistration" });

const signingSecretSchema = z
  .string()
  .describe("32 random bytes, base64url. Shown only in this answer: store it; sign requests with it (X-Voucher-Signature)");

/** Answer of POST /admin/partners. */
export const partnerCreatedSchema = z
  .object({ id: z.string(), name: z.string(), payoutUrl: z.string(), signingSecret: signingSecretSchema })
  .meta({ id: "PartnerCreated" });

/** Body of POST /admin/partners/{id}/rotate-secret; an empty body is `{}`. */
export const secretRotationSchema = z
  .strictObject({
    graceSeconds: z
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .default(DEFAULT_GRACE_SECONDS)
      .describe(
        "How long every earlier secret stays valid, in seconds (default 86400, 24 h). 0 revokes them: " +
          "they stop verifying within 30 s (the partner-secret cache's lifetime)",
      ),
  })
  .meta({ id: "SecretRotation" });

/** Answer of POST /admin/partners/{id}/rotate-secret. */
export const partnerSecretSchema = z
  .object({
    id: z.string(),
    signingSecret: signingSecretSchema.describe("The new secret; earlier ones stay valid for the grace period"),
    graceSeconds: z.int().describe("The grace period given to earlier secrets"),
  })
  .meta({ id: "PartnerSecret" });

/** Body of POST /partners/{partnerId}/merchants. */
export const merchantSubmissionSchema = z.strictObject({ id: idSchema, name: nameSchema, sector: sectorSchema }).meta({ id: "MerchantSubmission" });

/** Body of POST /admin/merchants. */
export const merchantRegistrationSchema = z
  .strictObject({ id: idSchema, name: nameSchema, sector: sectorSchema, partnerId: idSchema.describe("The registered partner that acquired the merchant") })
  .meta({ id: "MerchantRegistration" });

/** Body of POST /admin/merchants/{id}/suspend. */
export const merchantSuspensionSchema = z
  .strictObject({ reason: z.string().trim().min(1).max(500).describe("Why; kept on the merchant and in the audit trail") })
  .meta({ id: "MerchantSuspension" });

export const merchantStatusSchema = z.enum(MERCHANT_STATUSES);

/** A merchant as the API shows it. */
export const merchantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    sector: sectorSchema,
    partnerId: z.string(),
    status: merchantStatusSchema,
    statusReason: z.string().optional().describe("Why it is suspended"),
    approvedAt: instantSchema.optional().describe("When it was first approved (merchants approved since this was kept)"),
    createdAt: instantSchema,
    updatedAt: instantSchema,
  })
  .meta({ id: "Merchant" });

export const merchantListSchema = z
  .object({ items: z.array(merchantSchema), nextToken: z.string().optional().describe("Pass back as `nextToken` for the next page") })
  .meta({ id: "MerchantList" });

const limitSchema = z.coerce.number().int().min(1).max(100).default(50);
const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a token from an earlier page").max(2048).optional();

/** Query of GET /merchants. */
export const merchantListQuerySchema = z.object({ limit: limitSchema, nextToken: tokenSchema });

/** Query of GET /admin/merchants. */
export const adminMerchantListQuerySchema = z.object({ status: merchantStatusSchema.optional(), limit: limitSchema, nextToken: tokenSchema });

/** The audited kinds of entity, as they appear in `entity`. */
export const AUDITED_ENTITIES = ["PARTNER", "MERCHANT", "CAMPAIGN", "STATEMENT", "FRAUD_FLAG", "PROGRAMME", "FILING", "APPLICATION", "TRADE_IN", "CARD_LINK"] as const;
export type AuditedEntity = (typeof AUDITED_ENTITIES)[number];

const ID = "[A-Za-z0-9_-]{1,64}";

/**
 * `<TYPE>#<id>`, e.g. `MERCHANT#m1` (`MERCHANT%23m1` in a query string); a statement's id is
 * `<campaignId>/<merchantId>/<period>` (`STATEMENT%23c1%2Fm1%2F2026-11-21`); a fraud flag's is
 * its id (`FRAUD_FLAG%23flag-…`); a card link's is `<partnerId>/<cardToken>`, the token as the
 * partner sent it (1–256 characters).
 */
export const auditEntitySchema = z
  .string()
  .regex(
    new RegExp(
      `^((PARTNER|MERCHANT|CAMPAIGN|FRAUD_FLAG|PROGRAMME|APPLICATION|TRADE_IN)#${ID}|FILING#${ID}/${ID}|STATEMENT#${ID}/${ID}/\\d{4}-\\d{2}-\\d{2}|CARD_LINK#${ID}/.{1,256})$`,
      "s",
    ),
    "must be PARTNER#<id>, MERCHANT#<id>, CAMPAIGN#<id>, FRAUD_FLAG#<id>, PROGRAMME#<id>, FILING#<programmeId>/<merchantId>, APPLICATION#<id>, TRADE_IN#<id>, " +
      "STATEMENT#<campaignId>/<merchantId>/<period> or CARD_LINK#<partnerId>/<cardToken>",
  )
  .describe(
    "PARTNER#<id>, MERCHANT#<id>, CAMPAIGN#<id>, FRAUD_FLAG#<id>, PROGRAMME#<id>, FILING#<programmeId>/<merchantId>, APPLICATION#<id>, TRADE_IN#<id>, " +
      "STATEMENT#<campaignId>/<merchantId>/<period> or CARD_LINK#<partnerId>/<cardToken>, URL-encoded: MERCHANT%23m1",
  );

/** Query of GET /admin/audit. */
export const auditQuerySchema = z.object({ entity: auditEntitySchema, limit: limitSchema, nextToken: tokenSchema });

/** One audited change. */
export const auditEntrySchema = z
  .object({
    entity: z.string().describe("As asked for: PARTNER#<id>, MERCHANT#<id>, PROGRAMME#<id>, APPLICATION#<id>, STATEMENT#<campaignId>/<merchantId>/<period>, CARD_LINK#<partnerId>/<cardToken>, …"),
    at: instantSchema,
    who: z.string().describe("The operator's sub, partner:<id> for a partner's signed request, or merchant:<id> for a merchant's"),
    action: z
      .string()
      .describe(
        "e.g. partner.register, partner.rotate-secret, merchant.create, merchant.approve, merchant.suspend, statement.retry-payout, statement.forfeit, " +
          "campaign.fraud-rules, fraud.dismiss, fraud.confirm, fraud.auto-suspend, fraud.clawback, card.link, programme.create, filing.online, filing.paper, " +
          "application.submit, application.resubmit, application.approve, application.reject, application.request-changes, application.paid, " +
          "application.payout-failed, application.retry-payout",
      ),
    reason: z.string().optional(),
    before: z.record(z.string(), z.unknown()).optional().describe("The entity before the change; secrets never appear"),
    after: z.record(z.string(), z.unknown()).optional().describe("The entity after the change; secrets never appear"),
  })
  .meta({ id: "AuditEntry" });

export const auditListSchema = z
  .object({ items: z.array(auditEntrySchema).describe("Oldest first"), nextToken: z.string().optional() })
  .meta({ id: "AuditList" });

/** A parsed POST /admin/partners body. */
export type PartnerRegistration = z.infer<ReturnType<typeof partnerRegistrationSchema>>;
/** A parsed POST /admin/partners/{id}/rotate-secret body (the default grace period applied). */
export type SecretRotation = z.infer<typeof secretRotationSchema>;
