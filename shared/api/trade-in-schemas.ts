/**
 * Trade-in subsidy records (API.md "Merchant programmes and trade-in"): what a dealer records, and
 * how records are shown — the buyer masked in every list, whole only on the single-record route.
 */
import * as z from "../zod.js";
import { idSchema } from "../domain/campaign.js";
import { fen, positiveFenAtMost } from "../domain/money.js";
import { MAX_TRADE_IN_PRICE, PAYABLE_STATUSES } from "../domain/programme.js";
import { attachmentDownloadsSchema, attachmentIdsSchema } from "./attachment-schemas.js";

const instantSchema = z.iso.datetime({ offset: true });
const textSchema = (max: number) => z.string().trim().min(1).max(max);

/** The buyer as the dealer records it; stored only encrypted, per field. */
export const tradeInBuyerSchema = z
  .strictObject({
    name: textSchema(50),
    phone: z.string().trim().regex(/^\+?[0-9][0-9 ()-]{2,24}$/, "must be a phone number: digits, optionally +, spaces, hyphens, parentheses"),
  })
  .meta({ id: "TradeInBuyer" });

const newProductSchema = z.strictObject({
  category: textSchema(50).describe("e.g. 家电/冰箱, 汽车/新能源"),
  model: textSchema(100),
  price: positiveFenAtMost(MAX_TRADE_IN_PRICE).describe("What the buyer paid, fen (the invoice's amount)"),
});

const oldProductSchema = z.strictObject({
  category: textSchema(50),
  description: textSchema(500),
});

/** POST /merchant/programmes/{id}/trade-ins. */
export const tradeInBodySchema = z
  .strictObject({
    buyer: tradeInBuyerSchema,
    newProduct: newProductSchema,
    oldProduct: oldProductSchema,
    invoiceNumber: z.string().trim().regex(/^[A-Za-z0-9-]{1,64}$/, "must be 1–64 letters, digits or -").describe("Once per programme"),
    attachments: attachmentIdsSchema.min(1).describe("Evidence: at least the invoice's copy, uploaded through POST /merchant/attachments"),
  })
  .meta({ id: "TradeInRecord" });
export type TradeInBody = z.infer<typeof tradeInBodySchema>;

export const tradeInCreatedSchema = z
  .object({ id: idSchema, subsidy: fen.describe("min(floor(price × percent ÷ 100), maxPerItem), fen"), status: z.literal("SUBMITTED") })
  .meta({ id: "TradeInCreated" });

const tradeInFields = {
  id: idSchema,
  programmeId: idSchema,
  merchantId: idSchema,
  newProduct: newProductSchema,
  oldProduct: oldProductSchema,
  invoiceNumber: z.string(),
  subsidy: fen,
  status: z.enum(PAYABLE_STATUSES),
  createdAt: instantSchema,
  reviewNote: z.string().optional(),
  rejectReason: z.string().optional(),
  payoutAmount: fen.optional(),
};

/** A record in a list: the buyer masked (`张**`, `138****8000`). */
export const tradeInSummarySchema = z
  .object({ ...tradeInFields, buyer: z.object({ name: z.string(), phone: z.string() }).describe("Masked"), attachments: z.array(idSchema) })
  .meta({ id: "TradeInSummary" });
export const tradeInListSchema = z.object({ items: z.array(tradeInSummarySchema) }).meta({ id: "TradeInList" });

/** GET /admin/trade-ins/{id}: the buyer whole (the read is audited), attachments with presigned GETs. */
export const tradeInDetailSchema = z
  .object({
    ...tradeInFields,
    buyer: tradeInBuyerSchema.describe("Whole: this read is recorded in the audit trail"),
    attachments: z.array(idSchema),
    attachmentDownloads: attachmentDownloadsSchema,
  })
  .meta({ id: "TradeInDetail" });

/** GET /admin/programmes/{id}/trade-ins?status=. */
export const tradeInListQuerySchema = z.object({ status: z.enum(PAYABLE_STATUSES).optional() });

/** POST /admin/trade-ins/{id}/approve. */
export const tradeInApprovalSchema = z.strictObject({ note: textSchema(1_000).optional() }).meta({ id: "TradeInApproval" });
/** POST /admin/trade-ins/{id}/reject. */
export const tradeInRejectionSchema = z.strictObject({ reason: textSchema(1_000) }).meta({ id: "TradeInRejection" });

/** POST /admin/trade-ins/approve: a batch. */
export const tradeInBatchApprovalSchema = z
  .strictObject({ ids: z.array(idSchema).min(1).max(100), note: textSchema(1_000).optional() })
  .meta({ id: "TradeInBatchApproval" });
export const tradeInBatchResultSchema = z
  .object({
    approved: z.array(idSchema),
    refused: z.array(z.object({ id: idSchema, code: z.string().describe("The error code approving it alone would answer") })),
  })
  .meta({ id: "TradeInBatchResult" });

/** What an approval or rejection answers. */
export const tradeInReviewedSchema = z
  .object({ id: idSchema, status: z.enum(PAYABLE_STATUSES), payoutAmount: fen.optional() })
  .meta({ id: "TradeInReviewed" });
