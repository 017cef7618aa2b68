/**
 * The HTTP API's bodies as zod schemas: handlers and tests parse with them, and the OpenAPI
 * document is generated from them, so the published contract cannot drift from the code.
 */
import * as z from "../zod.js";
import { campaignSchema, dropSchema, voucherTypeSchema } from "../domain/campaign.js";
import { sectorSchema } from "../domain/sectors.js";
import { instantDiscountSchema } from "../domain/instant-discount.js";
import { CLAIM_ID_PATTERN } from "./claim-request.js";

/** Every error the platform answers (docs/architecture.md, "Error model"). */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe("Stable, machine-readable code, e.g. VALIDATION_FAILED"),
      message: z.string().describe("Human-readable; never contains internal detail"),
      details: z.unknown().optional().describe("Structured context, e.g. zod issues with their paths"),
    }),
  })
  .meta({ id: "ErrorBody" });

/** What API Gateway itself answers when its JWT authorizer refuses a token, or no route matches. */
export const gatewayMessageSchema = z.object({ message: z.string() }).meta({ id: "GatewayMessage" });

const healthStatusSchema = z.enum(["ok", "degraded"]);
const checkedAtSchema = z.iso.datetime({ offset: true }).describe("When the probe ran; answers within a few seconds share one probe");

/** `GET /health`, for anyone: nothing about what was probed or why it failed. */
export const publicHealthSchema = z
  .object({ status: healthStatusSchema, checkedAt: checkedAtSchema })
  .strict()
  .meta({ id: "PublicHealth" });

const probeSchema = z.object({
  reachable: z.boolean(),
  detail: z.record(z.string(), z.unknown()).optional(),
  reason: z
    .enum(["timeout", "not-found", "service-error", "unreachable"])
    .optional()
    .describe("Why an unreachable probe failed, classified; the error itself is only logged"),
});

/** `GET /admin/health`, for operators. */
export const healthReportSchema = z
  .object({
    status: healthStatusSchema,
    checkedAt: checkedAtSchema,
    tables: z.record(z.string(), probeSchema.extend({ name: z.string() })).describe("By logical name; `detail.tableStatus`"),
    queues: z.record(z.string(), probeSchema.extend({ url: z.string() })).describe("By logical name; `detail.messages` is the depth"),
    deadLetterQueues: z
      .record(z.string(), probeSchema.extend({ url: z.string() }))
      .describe("By the logical name of their queue; `detail.messages` is the number of messages given up on"),
    emulators: z
      .record(
        z.string(),
        probeSchema.extend({ name: z.string(), version: z.string(), endpoint: z.string(), pid: z.number().int().optional() }),
      )
      .optional()
      .describe("Only where emulators stand in for AWS"),
  })
  .meta({ id: "HealthReport" });

export const callerSchema = z
  .object({
    sub: z.string().describe("The person id: the token's subject, and partners' payerId"),
    groups: z.array(z.string()).describe("Groups from the token; operators carry `operators`"),
  })
  .meta({ id: "Caller" });

/** A voucher as residents see it; money in fen. */
export const voucherSchema = z
  .object({
    voucherId: z.string(),
    campaignId: z.string(),
    dropId: z.string(),
    voucherTypeId: z.string(),
    threshold: z.int().positive().describe("Smallest payment it applies to, in fen"),
    discount: z.int().positive().describe("Amount taken off, in fen"),
    claimedAt: z.iso.datetime({ offset: true }),
    expiresAt: z.iso.datetime({ offset: true }),
    status: z.enum(["CLAIMED", "REDEEMED", "VOID", "EXPIRED"]),
  })
  .meta({ id: "Voucher" });

/**
 * Body of POST /campaigns/{id}/drops/{dropId}/claims, for the document: the handler parses its
 * zod mini twin (`claimBodySchema`, shared/api/claim-request.ts).
 */
export const claimRequestSchema = z.strictObject({ voucherTypeId: z.string().regex(CLAIM_ID_PATTERN) }).meta({ id: "ClaimRequest" });

/** GET /me/vouchers. */
export const walletSchema = z.object({ items: z.array(voucherSchema), nextToken: z.string().optional() }).meta({ id: "Wallet" });

// ---------------------------------------------------------------------------------------------
// Campaigns (operators, and the public list)

const instantSchema = z.iso.datetime({ offset: true });

/** Body of POST /admin/campaigns and PUT /admin/campaigns/{id}; the rules are in shared/domain/campaign.ts. */
export const campaignDefinitionSchema = campaignSchema.meta({ id: "CampaignDefinition" });

/** Body of POST /admin/campaigns/{id}/drops. */
export const dropDefinitionSchema = dropSchema.meta({ id: "DropDefinition" });

const campaignDropShape = {
  id: z.string(),
  opensAt: instantSchema,
  closesAt: instantSchema,
  stock: z.record(z.string(), z.int().nonnegative()).describe("Units per voucher type id, including units rolled in from earlier drops"),
  shards: z.int().positive().optional(),
  expectedAttemptsPerSecond: z.int().positive().optional(),
  audience: z.enum(["everyone", "registered"]).optional().describe("registered: only residents registered for the campaign may claim"),
  allocation: z.literal("lottery").optional().describe("lottery: residents register inside `registration`; a draw at `drawAt` allocates the stock"),
  registration: z.object({ opensAt: instantSchema, closesAt: instantSchema }).optional().describe("A lottery drop's registration window"),
  drawAt: instantSchema.optional().describe("When a lottery drop is drawn"),
  drawCommitment: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .describe("A lottery drop's commitment: lowercase hex sha256 of its 32 secret seed bytes, published before registration opens"),
};

/** A drop as operators and residents see it. */
export const campaignDropSchema = z.object(campaignDropShape).meta({ id: "Drop" });

const campaignShape = {
  id: z.string(),
  name: z.string(),
  timezone: z.string(),
  budget: z.int().nonnegative().describe("In fen"),
  startsAt: instantSchema,
  endsAt: instantSchema,
  perPersonLimit: z.int().positive(),
  sectors: z.array(sectorSchema),
  refundPolicy: z.enum(["void", "restore"]),
  rollover: z.boolean(),
  voucherTypes: z.array(voucherTypeSchema),
  instantDiscounts: z.array(instantDiscountSchema).optional().describe("Card-swipe tiered discounts that need no claim"),
  status: z.enum(["DRAFT", "PUBLISHED", "PAUSED"]).describe("PAUSED takes no claims and applies no discounts"),
  createdAt: instantSchema,
  updatedAt: instantSchema,
};

/** A campaign with its drops: the answer of the operator writes, and an item of GET /campaigns. */
export const campaignViewSchema = z.object({ ...campaignShape, drops: z.array(campaignDropSchema) }).meta({ id: "Campaign" });

const dropCloseOutcomeViewSchema = z.object({
  issued: z.int().nonnegative(),
  unclaimed: z.int().nonnegative(),
  movedTo: z.string().optional().describe("The drop the unclaimed units rolled into"),
  released: z.int().nonnegative().optional().describe("Subsidy given back to the budget, in fen"),
});

/** A drop with its inventory, as GET /admin/campaigns/{id} shows it. */
export const campaignDropDetailSchema = z
  .object({
    ...campaignDropShape,
    shardCounts: z.record(z.string(), z.int().positive()).describe("Inventory shards per voucher type; empty until published"),
    remaining: z
      .record(z.string(), z.int().nonnegative())
      .describe("Units left per voucher type: the sum of its shards, or the stock while not yet provisioned"),
    soldOut: z.record(z.string(), z.boolean()).describe("Voucher types whose every shard was found empty"),
    soldOutAt: z
      .record(z.string(), instantSchema)
      .describe("Per sold-out voucher type, when a claim first found every shard empty (absent for types marked before this was kept)"),
    shardRemaining: z
      .record(z.string(), z.array(z.int().nonnegative()))
      .describe("Units left in each inventory shard per voucher type (index = shard number); empty until published"),
    registrations: z.int().nonnegative().optional().describe("A lottery drop's registrations so far (its live counters)"),
    drawnAt: instantSchema.optional().describe("When a lottery drop's draw published its result (GET /campaigns/{id}/drops/{dropId}/draw)"),
    closedAt: instantSchema.optional(),
    closeOutcome: z.record(z.string(), dropCloseOutcomeViewSchema).optional().describe("Per voucher type, what drop close did with unclaimed units"),
  })
  .meta({ id: "DropDetail" });

/** An instant discount with its use, as GET /admin/campaigns/{id} shows it. */
export const instantDiscountDetailSchema = instantDiscountSchema
  .safeExtend({
    used: z.int().nonnegative().describe("Units taken of the total quota"),
    remaining: z.int().nonnegative().describe("quota.total − used, never below 0"),
    usedToday: z.int().nonnegative().describe("Units taken today (the local day in the campaign's zone)"),
  })
  .meta({ id: "InstantDiscountDetail" });

/** GET /admin/campaigns/{id}. */
export const campaignDetailSchema = z
  .object({
    ...campaignShape,
    instantDiscounts: z.array(instantDiscountDetailSchema).optional().describe("Card-swipe tiered discounts that need no claim, each with its use"),
    drops: z.array(campaignDropDetailSchema),
  })
  .meta({ id: "CampaignDetail" });

/** GET /campaigns. */
export const campaignListSchema = z
  .object({ items: z.array(campaignViewSchema), nextToken: z.string().optional().describe("Pass back as `nextToken` for the next page") })
  .meta({ id: "CampaignList" });

/** Query of GET /admin/campaigns. */
export const adminCampaignListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  nextToken: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a token from an earlier page").max(2048).optional(),
  status: z.enum(["DRAFT", "PUBLISHED", "PAUSED"]).optional(),
});

/** Query of GET /campaigns. */
export const campaignListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  nextToken: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a token from an earlier page").max(2048).optional(),
});


/** POST /campaigns/{id}/registrations: the resident's registration for the campaign (the first one, when repeated). */
export const campaignRegistrationSchema = z.object({ campaignId: z.string(), registeredAt: instantSchema }).meta({ id: "CampaignRegistration" });
