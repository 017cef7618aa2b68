/** Bodies, queries and answers of the settlement routes (API.md, settlement). Money is integer fen. */
import * as z from "../zod.js";
import { idSchema } from "../domain/campaign.js";
import { STATEMENT_STATUSES, periodSchema } from "../domain/settlement.js";

/** Body of POST /admin/settlements/run. */
export const settlementRunRequestSchema = z
  .strictObject({
    period: periodSchema.describe("The calendar day to settle, YYYY-MM-DD, in each campaign's time zone"),
    campaignId: idSchema.optional().describe("Only this campaign; by default every published or paused campaign"),
  })
  .meta({ id: "SettlementRunRequest" });

export const plannedRunSchema = z.object({
  campaignId: z.string(),
  period: z.string(),
  cutoff: z.string().describe("Records that occurred before this instant (UTC) are settled by the run"),
  firstRun: z.boolean().describe("False when an earlier run of the period fixed the cut-off and this one reused it"),
  pairs: z.int().describe("Merchants sent to the settlement queue"),
});

/** Answer of POST /admin/settlements/run (202: the work goes on in the settlement queue). */
export const settlementRunSchema = z.object({ period: z.string(), runs: z.array(plannedRunSchema) }).meta({ id: "SettlementRun" });

const limitSchema = z.coerce.number().int().min(1).max(100).default(50);
const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a token from an earlier page").max(2048).optional();

/** Query of GET /admin/settlements: a period, a status across periods, or both. */
export const settlementListQuerySchema = z
  .object({ period: periodSchema.optional(), status: z.enum(STATEMENT_STATUSES).optional(), limit: limitSchema, nextToken: tokenSchema })
  .refine((query) => query.period !== undefined || query.status !== undefined, { message: "name a period, a status or both", path: ["period"] });
export type SettlementListQuery = z.infer<typeof settlementListQuerySchema>;

/** Path of the one-statement routes. */
export const statementPathSchema = z.object({ campaignId: idSchema, merchantId: idSchema, period: periodSchema });

const money = z.int();

export const statementSchema = z
  .object({
    statementId: z.string().describe("<campaignId>/<merchantId>/<period>; also the payout's idempotency key"),
    campaignId: z.string(),
    merchantId: z.string(),
    period: z.string(),
    status: z
      .enum(STATEMENT_STATUSES)
      .describe(
        "BUILDING (records being gathered), PENDING (payout under way), PAID, HELD (merchant suspended), FAILED (payout gave up), CARRIED (net ≤ 0, carried into the next statement), FORFEITED (held, then never to be paid: a confirmed fraud flag)",
      ),
    redemptionCount: z.int().describe("Redemptions held and not reversed within the statement"),
    subsidy: money.describe("Their discounts, fen"),
    grossSales: money
      .optional()
      .describe("Their payment amounts before discount less the partial refunds of them held here, fen; absent while BUILDING, or when beyond 2^53 − 1 fen"),
    clawbackCount: z.int().optional(),
    clawback: money.optional().describe("Reversed discounts of redemptions settled earlier, and fraud clawbacks, fen"),
    cancelledCount: z.int().optional().describe("Redemptions reversed before they were settled (held with their reversal)"),
    net: money.optional().describe("subsidy − clawback, fen"),
    carriedIn: money.optional().describe("Payables (≤ 0) of CARRIED statements folded in, fen"),
    payable: money.optional().describe("net + carriedIn: paid when positive, fen"),
    partnerId: z.string().optional().describe("The partner that acquired the merchant and receives the payout"),
    carriedInto: z.string().optional(),
    payoutAttempts: z.int().optional(),
    lastPayoutError: z.string().optional(),
    payoutId: z.string().optional(),
    payoutDueAt: z.string().optional().describe("PENDING: when the ticker sends the payout message again if the statement is still PENDING (a lost send)"),
    payoutResends: z.int().optional().describe("Payout messages the ticker re-sent for this statement"),
    lastPayoutResentAt: z.string().optional(),
    cutoff: z.string(),
    arrivedBefore: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().optional(),
    paidAt: z.string().optional(),
    heldAt: z.string().optional(),
    releasedAt: z.string().optional(),
    failedAt: z.string().optional(),
    forfeitedAt: z.string().optional(),
    forfeitReason: z.string().optional().describe("FORFEITED: the operator's reason, naming the fraud flag"),
  })
  .meta({ id: "Statement" });

export const statementListSchema = z
  .object({ items: z.array(statementSchema), nextToken: z.string().optional().describe("Pass back as `nextToken` for the next page") })
  .meta({ id: "StatementList" });

const lineSchema = z.object({
  partnerId: z.string(),
  transactionId: z.string(),
  voucherId: z.string().optional().describe("The voucher redeemed; absent when the benefit was an instant discount"),
  instantDiscountId: z.string().optional().describe("The card-swipe instant discount applied; absent for a voucher"),
  payerId: z.string(),
  amount: money,
  discount: money.describe("Positive for a redemption, negative for a reversal, 0 for a partial refund"),
  occurredAt: z.string(),
  recordedAt: z.string(),
  paymentOccurredAt: z.string().optional().describe("Reversals and clawbacks: when the payment occurred"),
  flagId: z.string().optional().describe("Clawbacks: the confirmed fraud flag that named the redemption"),
  eventId: z.string().optional().describe("Reversals and partial refunds: the partner's refund event (a transaction may have several partial refunds)"),
});

export const statementDetailSchema = statementSchema
  .extend({
    redemptions: z.array(lineSchema),
    reversals: z.array(lineSchema),
    clawbacks: z.array(lineSchema).describe("Fraud clawbacks (negative discounts) of redemptions paid in earlier statements"),
    refunds: z.array(lineSchema).describe("Partial refunds that left the discount standing: amount is what was refunded, discount 0"),
    carried: z.array(z.object({ statementId: z.string(), period: z.string(), payable: money })),
  })
  .meta({ id: "StatementDetail" });

/** Answer of GET /admin/campaigns/{id}/reconciliation: invariant 6, to the fen. */
export const reconciliationSchema = z
  .object({
    campaignId: z.string(),
    budget: z.int(),
    redeemed: z.int(),
    reversed: z.int(),
    inStatements: z.int(),
    unsettled: z.int(),
    difference: z.int(),
    /** Paid out to merchants (PAID statements' payables); never above the budget (invariant 3). */
    paid: z.int(),
    merchants: z.int(),
    records: z.int(),
    statements: z.record(z.enum(STATEMENT_STATUSES), z.int()).describe("Statements by status"),
    /** Every way the books disagree; empty when they balance. */
    problems: z.array(z.string()),
    balanced: z.boolean(),
  })
  .meta({ id: "Reconciliation" });
