/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the wiring's routes and the zod
 * schemas in `schemas.ts`. Every declared route must be documented here; the test that
 * compares this with docs/openapi.json fails otherwise.
 */
import * as z from "../zod.js";
import { routeKey } from "../wiring/define.js";
import type { AuthKind, Wiring } from "../wiring/types.js";
import {
  callerSchema,
  campaignDefinitionSchema,
  campaignDetailSchema,
  campaignListSchema,
  campaignViewSchema,
  claimRequestSchema,
  dropDefinitionSchema,
  errorBodySchema,
  gatewayMessageSchema,
  healthReportSchema,
  publicHealthSchema,
  voucherSchema,
  walletSchema,
} from "./schemas.js";
import {
  auditListSchema,
  merchantListSchema,
  merchantRegistrationSchema,
  merchantSchema,
  merchantSubmissionSchema,
  merchantSuspensionSchema,
  partnerCreatedSchema,
  partnerRegistrationDocSchema,
  partnerSecretSchema,
  secretRotationSchema,
} from "./registry-schemas.js";
import {
  reconciliationSchema,
  settlementListQuerySchema,
  settlementRunRequestSchema,
  settlementRunSchema,
  statementDetailSchema,
  statementListSchema,
  statementPathSchema,
  statementSchema,
} from "./settlement-schemas.js";
import { campaignStatsSchema } from "./stats-schemas.js";
import {
  confirmBodySchema,
  dismissBodySchema,
  flagListQuerySchema,
  flagListSchema,
  flagSchema,
  fraudRulesBodySchema,
  fraudRulesSchema,
} from "./fraud-schemas.js";
import { campaignReportSchema, reportQuerySchema } from "./report-schemas.js";
import { paymentAnswerSchema, paymentBodySchema, refundAnswerSchema, refundBodySchema } from "./payment-schemas.js";

interface ParameterDoc {
  name: string;
  /** A `path` entry describes (and gives the schema of) a parameter of the route's path; others get the id pattern. */
  in: "query" | "header" | "path";
  required?: boolean;
  description: string;
  schema: z.ZodType;
}

interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Answers in media types other than JSON, by content type (a CSV export, say). */
  media?: Record<string, z.ZodType>;
  /** Response headers the caller should read, such as Retry-After. */
  headers?: Record<string, { description: string; schema: z.ZodType }>;
}

interface RouteDoc {
  summary: string;
  description?: string;
  /** Query and header parameters; path parameters come from the route's path (a `path` entry refines one). */
  parameters?: ParameterDoc[];
  /** Documented as the schema's input (defaults optional), since callers send it. */
  requestBody?: z.ZodType;
  /** The body may be left out (it then means `{}`). */
  requestBodyOptional?: boolean;
  responses: Record<number, ResponseDoc>;
}

const errorResponse = (description: string): ResponseDoc => ({ description, schema: errorBodySchema });

/** The path of the one-statement settlement routes. */
const statementPathDocs: ParameterDoc[] = [
  { name: "campaignId", in: "path", description: "The campaign", schema: statementPathSchema.shape.campaignId },
  { name: "merchantId", in: "path", description: "The merchant", schema: statementPathSchema.shape.merchantId },
  { name: "period", in: "path", description: "The settled day, YYYY-MM-DD, in the campaign's time zone", schema: statementPathSchema.shape.period },
];

/** Documentation of each route, by route key. */
export const routeDocs: Record<string, RouteDoc> = {
  "GET /health": {
    summary: "Whether the platform answers",
    description:
      "Public: only ok or degraded and when that was checked; operators read the detail on GET /admin/health. " +
      "One probe answers every call of an instance for 5 s.",
    responses: {
      200: { description: "Every table and queue answers", schema: publicHealthSchema },
      503: { description: "Something does not answer", schema: publicHealthSchema },
    },
  },
  "GET /admin/health": {
    summary: "Reachability of every table and queue, and the dead-letter queues' depths",
    description:
      "Locally it also reports the emulators (with DynamoDB Local's java pid). Answers 503 with the same body when anything " +
      "is unreachable; a failure carries a classified `reason`, never the error's text. Messages in a dead-letter queue do " +
      "not degrade the status (the DLQ alarms report them). One probe answers every call of an instance for 5 s.",
    responses: {
      200: { description: "Everything answers", schema: healthReportSchema },
      503: { description: "Something does not answer; the body says what", schema: healthReportSchema },
    },
  },
  "GET /me": {
    summary: "The caller as the platform sees them",
    responses: { 200: { description: "The caller", schema: callerSchema } },
  },
  "GET /me/vouchers": {
    summary: "The caller's vouchers, newest first",
    responses: { 200: { description: "The wallet", schema: walletSchema } },
  },
  "GET /campaigns": {
    summary: "Published campaigns with their drops",
    description: "Published and paused campaigns, latest start first. Answers may be up to 2 s old.",
    parameters: [
      { name: "limit", in: "query", description: "Campaigns per page", schema: z.int().min(1).max(100).default(50) },
      { name: "nextToken", in: "query", description: "The `nextToken` of the previous page", schema: z.string() },
    ],
    responses: {
      200: { description: "One page of campaigns", schema: campaignListSchema },
      400: errorResponse("A bad `limit` or `nextToken` (VALIDATION_FAILED)"),
    },
  },
  "POST /campaigns/{id}/drops/{dropId}/claims": {
    summary: "Claim a voucher from an open drop",
    description: "A replay with the same Idempotency-Key by the same person answers the first answer again.",
    parameters: [
      {
        name: "Idempotency-Key",
        in: "header",
        description: "Makes retries safe: the same key and body return the first answer for at least 24 h",
        schema: z.string().min(1).max(255),
      },
    ],
    requestBody: claimRequestSchema,
    responses: {
      201: { description: "The voucher claimed", schema: voucherSchema },
      404: errorResponse("No such campaign, drop or voucher type (NOT_FOUND)"),
      409: errorResponse(
        "SOLD_OUT; LIMIT_REACHED (the per-person limit of the campaign); DROP_NOT_OPEN (not yet open, closed, or the campaign is paused); " +
          "IDEMPOTENCY_IN_PROGRESS (the first request with this key is still running; see Retry-After)",
      ),
      422: errorResponse("IDEMPOTENCY_KEY_REUSED: the key was used with a different body"),
      429: {
        description: "THROTTLED: the store kept throttling; come back after Retry-After",
        schema: errorBodySchema,
        headers: { "Retry-After": { description: "Seconds to wait", schema: z.int().positive() } },
      },
    },
  },
  "POST /admin/campaigns": {
    summary: "Create a DRAFT campaign",
    requestBody: campaignDefinitionSchema,
    responses: {
      201: { description: "The campaign, status DRAFT", schema: campaignViewSchema },
      400: errorResponse(
        "VALIDATION_FAILED with every issue and its path; BUDGET_EXCEEDED when Σ stock × discount > budget, details {budget, committed, excess} in fen",
      ),
      409: errorResponse("ALREADY_EXISTS: a campaign with this id exists"),
    },
  },
  "GET /admin/campaigns/{id}": {
    summary: "A campaign with its inventory",
    description: "Per drop and voucher type: the shard count, the units left (read strongly consistent) and sold-out and close state.",
    responses: {
      200: { description: "The campaign", schema: campaignDetailSchema },
      404: errorResponse("NOT_FOUND"),
    },
  },
  "PUT /admin/campaigns/{id}": {
    summary: "Replace a DRAFT campaign",
    description: "The body's id must be the path's. Drops not in the body are deleted.",
    requestBody: campaignDefinitionSchema,
    responses: {
      200: { description: "The campaign as replaced", schema: campaignViewSchema },
      400: errorResponse("VALIDATION_FAILED with every issue and its path; BUDGET_EXCEEDED with the figures"),
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("NOT_DRAFT: published, paused or being published; CONCURRENT_UPDATE: it kept changing, try again"),
    },
  },
  "POST /admin/campaigns/{id}/publish": {
    summary: "Provision the inventory and publish",
    description:
      "Splits each drop's stock over its shards, puts the drops on the close schedule, then sets PUBLISHED. " +
      "Publishing again, also after an interrupted publish, is harmless and answers the current state.",
    responses: {
      200: { description: "The campaign, status PUBLISHED (or PAUSED if it already was)", schema: campaignViewSchema },
      404: errorResponse("NOT_FOUND"),
    },
  },
  "POST /admin/campaigns/{id}/pause": {
    summary: "Pause a published campaign",
    description: "A paused campaign takes no claims and applies no discounts. Pausing a paused campaign is harmless.",
    responses: {
      200: { description: "The campaign, status PAUSED", schema: campaignViewSchema },
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("INVALID_STATE: a draft cannot be paused"),
    },
  },
  "POST /admin/campaigns/{id}/resume": {
    summary: "Resume a paused campaign",
    description: "Resuming a published campaign is harmless.",
    responses: {
      200: { description: "The campaign, status PUBLISHED", schema: campaignViewSchema },
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("INVALID_STATE: a draft cannot be resumed"),
    },
  },
  "POST /admin/campaigns/{id}/drops": {
    summary: "Add a drop to a published or paused campaign",
    description:
      "Its inventory is provisioned at once. It must fit the budget not yet committed; sending the same drop again after an " +
      "interrupted request finishes it.",
    requestBody: dropDefinitionSchema,
    responses: {
      200: { description: "The campaign with the new drop", schema: campaignViewSchema },
      400: errorResponse(
        "VALIDATION_FAILED (paths relative to the drop: overlap, window, unknown voucher type); BUDGET_EXCEEDED with {budget, committed, excess}",
      ),
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("ALREADY_EXISTS: the campaign has a drop with this id; INVALID_STATE: a draft (edit it with PUT); CONCURRENT_UPDATE"),
    },
  },
  "POST /admin/partners": {
    summary: "Register a partner (bank or payment network)",
    description:
      "Answers the partner's signing secret, this once: it is stored encrypted and never shown again. Without `payoutUrl`, " +
      "the deployment's default payout URL is used where one is configured (locally: the partner simulator).",
    requestBody: partnerRegistrationDocSchema,
    responses: {
      201: { description: "The partner and its signing secret", schema: partnerCreatedSchema },
      400: errorResponse("VALIDATION_FAILED: e.g. a payout URL that is not https, or names a private, loopback, link-local or metadata address"),
      409: errorResponse("ALREADY_EXISTS: a partner with this id exists"),
    },
  },
  "POST /admin/partners/{id}/rotate-secret": {
    summary: "Rotate a partner's signing secret",
    description:
      "Answers the new secret, this once. Earlier secrets stay valid for `graceSeconds` (default 86400, 24 h), so the partner can switch without downtime; " +
      "`graceSeconds: 0` revokes them (a leaked secret): they stop verifying within 30 s, the lifetime of the partner-secret cache. The body is optional.",
    requestBody: secretRotationSchema,
    requestBodyOptional: true,
    responses: {
      200: { description: "The new secret", schema: partnerSecretSchema },
      400: errorResponse("VALIDATION_FAILED: graceSeconds is not an integer from 0 to 86400, or the body has another field"),
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("CONCURRENT_UPDATE: rotated concurrently too often; try again"),
    },
  },
  "POST /partners/{partnerId}/merchants": {
    summary: "Submit a merchant the partner signed up",
    description: "Signed with the partner's secret. The merchant starts PENDING; an operator approves it. Merchant ids are global.",
    requestBody: merchantSubmissionSchema,
    responses: {
      201: { description: "The merchant, status PENDING", schema: merchantSchema },
      409: errorResponse("ALREADY_EXISTS: a merchant with this id exists (for any partner)"),
    },
  },
  "POST /partners/{partnerId}/payments": {
    summary: "Report a payment at a merchant; the payer's best eligible voucher is applied",
    description:
      "Signed with the partner's secret. The same transactionId again, in any order or concurrency, gets the same answer and nothing is applied twice. " +
      "With no eligible voucher the answer has voucherId null, discount 0 and a reason: NO_ELIGIBLE_VOUCHER, BELOW_THRESHOLD, MERCHANT_NOT_APPROVED, SECTOR_NOT_ELIGIBLE, CAMPAIGN_NOT_ACTIVE or TRANSACTION_REFUNDED.",
    requestBody: paymentBodySchema,
    responses: { 200: { description: "What the payment redeemed, or why nothing", schema: paymentAnswerSchema } },
  },
  "POST /partners/{partnerId}/refunds": {
    summary: "Report a refund of a payment, whole or partial",
    description:
      "Signed. `amount` (fen) is what this refund gives back; absent: the rest of the payment. The answer says what has been refunded so far, what remains, and whether the redemption stands reversed. " +
      "The discount is reversed once, by the refund after which what remains is below the voucher's threshold (a full refund always reverses): the voucher becomes VOID, or CLAIMED again while still valid, per the campaign's refundPolicy. " +
      "The same eventId again: the same answer. Without amount when nothing remains: the state as it is. More than remains: 400 REFUND_EXCEEDS_PAYMENT; dated before its payment: 400 REFUND_BEFORE_PAYMENT (nothing written). " +
      "A refund of an unknown transaction is kept with its amount and answered reversed false, remaining 0; its payment, if it comes later, is answered as if the refund came after it (TRANSACTION_REFUNDED when what remains is below the threshold).",
    requestBody: refundBodySchema,
    responses: { 200: { description: "Refunded so far, what remains, and whether the redemption stands reversed", schema: refundAnswerSchema } },
  },
  "GET /merchants": {
    summary: "The published list of approved merchants",
    description: "By id. Answers may be up to 2 s old.",
    parameters: [
      { name: "limit", in: "query", description: "Merchants per page", schema: z.int().min(1).max(100).default(50) },
      { name: "nextToken", in: "query", description: "The `nextToken` of the previous page", schema: z.string() },
    ],
    responses: {
      200: { description: "One page of approved merchants", schema: merchantListSchema },
      400: errorResponse("A bad `limit` or `nextToken` (VALIDATION_FAILED)"),
    },
  },
  "POST /admin/merchants": {
    summary: "Register a merchant for a partner",
    requestBody: merchantRegistrationSchema,
    responses: {
      201: { description: "The merchant, status PENDING", schema: merchantSchema },
      400: errorResponse("VALIDATION_FAILED, also when no partner with `partnerId` is registered"),
      409: errorResponse("ALREADY_EXISTS: a merchant with this id exists"),
    },
  },
  "GET /admin/merchants": {
    summary: "Merchants of one status, or all",
    description: "Without `status`: PENDING, then APPROVED, then SUSPENDED, by id within each.",
    parameters: [
      { name: "status", in: "query", description: "PENDING, APPROVED or SUSPENDED", schema: z.enum(["PENDING", "APPROVED", "SUSPENDED"]) },
      { name: "limit", in: "query", description: "Merchants per page", schema: z.int().min(1).max(100).default(50) },
      { name: "nextToken", in: "query", description: "The `nextToken` of the previous page", schema: z.string() },
    ],
    responses: {
      200: { description: "One page of merchants", schema: merchantListSchema },
      400: errorResponse("A bad `status`, `limit` or `nextToken` (VALIDATION_FAILED)"),
    },
  },
  "POST /admin/merchants/{id}/approve": {
    summary: "Approve a PENDING merchant",
    description: "It joins the public list (within seconds) and its payments get discounts. Recorded in the audit trail.",
    responses: {
      200: { description: "The merchant, status APPROVED", schema: merchantSchema },
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("INVALID_STATE: only a PENDING merchant can be approved (details.status has its status)"),
    },
  },
  "POST /admin/merchants/{id}/suspend": {
    summary: "Suspend an APPROVED merchant, with a reason",
    description: "It leaves the public list, gets no discounts and its statements are held. Recorded in the audit trail with the reason.",
    requestBody: merchantSuspensionSchema,
    responses: {
      200: { description: "The merchant, status SUSPENDED, with statusReason", schema: merchantSchema },
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("INVALID_STATE: only an APPROVED merchant can be suspended"),
    },
  },
  "POST /admin/merchants/{id}/reinstate": {
    summary: "Reinstate a SUSPENDED merchant",
    responses: {
      200: { description: "The merchant, status APPROVED", schema: merchantSchema },
      404: errorResponse("NOT_FOUND"),
      409: errorResponse("INVALID_STATE: only a SUSPENDED merchant can be reinstated"),
    },
  },
  "GET /admin/audit": {
    summary: "Who changed a partner, merchant, campaign or statement, when and why",
    description: "Every operator or partner write, oldest first; each entry was written in the same transaction as its change.",
    parameters: [
      { name: "entity", in: "query", required: true, description: "PARTNER#<id>, MERCHANT#<id>, CAMPAIGN#<id> or STATEMENT#<campaignId>/<merchantId>/<period>, URL-encoded: `MERCHANT%23m1`", schema: z.string() },
      { name: "limit", in: "query", description: "Entries per page", schema: z.int().min(1).max(100).default(50) },
      { name: "nextToken", in: "query", description: "The `nextToken` of the previous page", schema: z.string() },
    ],
    responses: {
      200: { description: "One page of the trail", schema: auditListSchema },
      400: errorResponse("A missing or malformed `entity`, a bad `limit` or `nextToken` (VALIDATION_FAILED)"),
    },
  },
  "POST /admin/settlements/run": {
    summary: "Settle a period now",
    description:
      "Plans the settlement of one calendar day, in each campaign's time zone, for every published or paused campaign (or the one named), " +
      "as the daily run does at 02:00: it fixes the period's cut-off (the end of the day, or now if the day is not over) on the first run " +
      "and sends one message per merchant with unsettled records before it. The statements are built and paid from the queue; read them " +
      "with GET /admin/settlements. Running a period again adds nothing that is settled already; records that arrive later go to a later " +
      "period's statement.",
    requestBody: settlementRunRequestSchema,
    responses: {
      202: { description: "The runs planned, one per campaign, with their cut-offs and the merchants sent to the queue", schema: settlementRunSchema },
      400: errorResponse(
        "VALIDATION_FAILED: a missing or malformed `period`, a period that has not begun in a campaign's time zone, " +
          "or a `campaignId` that names no published or paused campaign",
      ),
    },
  },
  "GET /admin/settlements": {
    summary: "The statements of a period",
    description:
      "One statement per (campaign, merchant) settled for the period, by campaign then merchant. Status PENDING (payout under way), PAID, " +
      "HELD (merchant suspended), FAILED (payout gave up), CARRIED (net ≤ 0, carried into the merchant's next statement); BUILDING " +
      "while its records are being gathered (its totals are 0 until then). Answers may be a few seconds old.",
    parameters: [
      { name: "period", in: "query", required: true, description: "The settled day, YYYY-MM-DD", schema: settlementListQuerySchema.shape.period },
      { name: "limit", in: "query", description: "Statements per page", schema: z.int().min(1).max(100).default(50) },
      { name: "nextToken", in: "query", description: "The `nextToken` of the previous page, for the same period", schema: z.string() },
    ],
    responses: {
      200: { description: "One page of statements", schema: statementListSchema },
      400: errorResponse("VALIDATION_FAILED: a missing or malformed `period`, a bad `limit`, or a `nextToken` this API did not issue for this period"),
    },
  },
  "GET /admin/settlements/{campaignId}/{merchantId}/{period}": {
    summary: "One statement with its records",
    description: "The statement with every redemption and reversal it holds (reversals with negative discounts) and the CARRIED statements folded into it. Read strongly consistent.",
    parameters: statementPathDocs,
    responses: {
      200: { description: "The statement", schema: statementDetailSchema },
      400: errorResponse("VALIDATION_FAILED: a malformed campaign id, merchant id or period"),
      404: errorResponse("NOT_FOUND: no statement for this campaign, merchant and period"),
    },
  },
  "POST /admin/settlements/{campaignId}/{merchantId}/{period}/retry-payout": {
    summary: "Retry a FAILED payout",
    description:
      "The statement goes back to PENDING and to the payout queue; the partner is paid once per statement (the statement id is the " +
      "payout's idempotency key). Recorded in the audit trail. Fix the partner's payout endpoint first.",
    parameters: statementPathDocs,
    responses: {
      202: { description: "The statement as it is now: PENDING until the payout, which goes on in the queue, is through", schema: statementSchema },
      400: errorResponse("VALIDATION_FAILED: a malformed campaign id, merchant id or period"),
      404: errorResponse("NOT_FOUND: no statement for this campaign, merchant and period"),
      409: errorResponse("INVALID_STATE: the statement is not FAILED (only a payout that gave up can be retried)"),
    },
  },
  "GET /admin/campaigns/{id}/reconciliation": {
    summary: "Check that a campaign's money is conserved, to the fen",
    description:
      "From the ledger and the statements, read strongly consistent: Σ redemptions − Σ reversals = Σ statement nets + Σ records not yet " +
      "in a statement (`difference` is 0), every statement's net is the sum of its records, every carried statement was folded in, and " +
      "payouts stay within the budget. `problems` names every disagreement; `balanced` is true when there is none.",
    responses: {
      200: { description: "The campaign's books", schema: reconciliationSchema },
      400: errorResponse("VALIDATION_FAILED: a malformed campaign id"),
      404: errorResponse("NOT_FOUND: no such campaign"),
    },
  },
  "GET /admin/campaigns/{id}/stats": {
    summary: "A campaign's figures: claimed, redeemed, subsidy, sales driven, leverage, remaining budget",
    description:
      "Projected from the vouchers and redemptions streams, each change counted once (a few seconds behind the writes). " +
      "By sector, by day (the campaign's zone) and by merchant.",
    responses: {
      200: { description: "The campaign's figures", schema: campaignStatsSchema },
      400: errorResponse("VALIDATION_FAILED: a malformed campaign id"),
      404: errorResponse("NOT_FOUND: no such campaign"),
    },
  },
  "GET /admin/reports/campaigns/{id}": {
    summary: "The bureau's report of a campaign, as JSON or CSV",
    description:
      "The figures sent upward: drops held (场次), participating merchants, vouchers issued (units put up in the drops held, a " +
      "rolled-over unit once), claimed, redeemed, reversed, expired, subsidy, sales driven, leverage and remaining budget, then by " +
      "sector and by day; the same figures GET /admin/campaigns/{id}/stats answers. Money in fen, with yuan text next to it. " +
      "`format=csv` answers text/csv as an attachment `<id>-report.csv`: UTF-8 with a BOM, CRLF line ends, RFC 4180 quoting, " +
      "headers in Chinese then English; three sections (汇总 Summary, 按行业 By sector, 按日 By day) separated by an empty line, " +
      "each a title row, a header row, then its rows.",
    parameters: [{ name: "format", in: "query", description: "json (default) or csv", schema: reportQuerySchema.shape.format }],
    responses: {
      200: {
        description: "The report: JSON, or with format=csv the CSV text",
        schema: campaignReportSchema,
        media: { "text/csv": z.string().describe("UTF-8 with a BOM (EF BB BF), CRLF line ends") },
        headers: {
          "Content-Disposition": { description: 'With format=csv: attachment; filename="<id>-report.csv"', schema: z.string() },
        },
      },
      400: errorResponse("VALIDATION_FAILED: a malformed campaign id, or a format other than csv or json"),
      404: errorResponse("NOT_FOUND: no such campaign"),
    },
  },
  "GET /admin/fraud/flags": {
    summary: "The fraud review queue",
    description:
      "Flags raised by the fraud detector on the redemptions stream, newest first: one per (campaign, rule, subject, window), with the rule, " +
      "severity, accused merchant (and payer), and evidence (the measures judged and the transactions). Answers may be a few seconds old.",
    parameters: [
      { name: "status", in: "query", description: "OPEN (the default: awaiting review), DISMISSED or CONFIRMED", schema: flagListQuerySchema.shape.status },
      { name: "campaignId", in: "query", description: "Only this campaign's flags", schema: flagListQuerySchema.shape.campaignId },
      { name: "limit", in: "query", description: "Flags per page", schema: z.int().min(1).max(100).default(50) },
      { name: "nextToken", in: "query", description: "The `nextToken` of the previous page, for the same status and campaign", schema: z.string() },
    ],
    responses: {
      200: { description: "One page of flags", schema: flagListSchema },
      400: errorResponse("VALIDATION_FAILED: a bad `status`, `campaignId`, `limit`, or a `nextToken` this API did not issue for this list"),
    },
  },
  "POST /admin/fraud/flags/{id}/dismiss": {
    summary: "Dismiss an OPEN flag, with a reason",
    description: "Recorded in the audit trail (FRAUD_FLAG#<id>). A merchant the detector suspended for the flag stays suspended: reinstate it apart.",
    requestBody: dismissBodySchema,
    responses: {
      200: { description: "The flag, status DISMISSED", schema: flagSchema },
      404: errorResponse("NOT_FOUND: no such flag"),
      409: errorResponse("INVALID_STATE: the flag is not OPEN (details.status has its status)"),
    },
  },
  "POST /admin/fraud/flags/{id}/confirm": {
    summary: "Confirm an OPEN flag: suspend the merchant, withhold what is unpaid, claw back what was paid",
    description:
      "In one transaction with their audit items (the operator's): the flag becomes CONFIRMED and an APPROVED merchant SUSPENDED with the reason " +
      "`fraud flag <id>: <reason>`, so its statements not yet paid are HELD. With `forfeit: true` its HELD statements in the campaign become FORFEITED " +
      "(terminal, never paid; each audited). Each redemption of the merchant named in the evidence whose statement was PAID is clawed back once: a " +
      "negative CLAWBACK record its next statement takes off what it pays. `enforcement` says what became of each named transaction.",
    requestBody: confirmBodySchema,
    responses: {
      200: { description: "The flag, status CONFIRMED, with its enforcement", schema: flagSchema },
      404: errorResponse("NOT_FOUND: no such flag"),
      409: errorResponse("INVALID_STATE: the flag is not OPEN; CONCURRENT_UPDATE: it kept changing, try again"),
    },
  },
  "POST /admin/fraud/flags/{id}/enforce": {
    summary: "Apply a CONFIRMED flag's consequences again",
    description:
      "Safe to repeat. Forfeits HELD statements held since (when the flag was confirmed with forfeit and the merchant is still suspended) and claws " +
      "back named redemptions paid since (a payout that was under way at confirmation: `enforcement.pending`; or statements released by a reinstatement).",
    responses: {
      200: { description: "The flag with its enforcement", schema: flagSchema },
      404: errorResponse("NOT_FOUND: no such flag"),
      409: errorResponse("INVALID_STATE: the flag is not CONFIRMED"),
    },
  },
  "GET /admin/campaigns/{id}/fraud-rules": {
    summary: "A campaign's fraud-rule configuration",
    description: "Thresholds as data, per rule, and autoSuspend. `source: default` when the campaign has none of its own: the documented defaults apply.",
    responses: {
      200: { description: "The configuration in force", schema: fraudRulesSchema },
      400: errorResponse("VALIDATION_FAILED: a malformed campaign id"),
      404: errorResponse("NOT_FOUND: no such campaign"),
    },
  },
  "PUT /admin/campaigns/{id}/fraud-rules": {
    summary: "Replace a campaign's fraud-rule configuration",
    description:
      "What the body leaves out takes its default (an empty body restores every default). Recorded in the audit trail (CAMPAIGN#<id>, " +
      "campaign.fraud-rules) with the configuration before and after. The detector applies it from its next batch.",
    requestBody: fraudRulesBodySchema,
    responses: {
      200: { description: "The configuration now in force", schema: fraudRulesSchema },
      400: errorResponse("VALIDATION_FAILED with every issue and its path (an unknown rule or field, a threshold out of range)"),
      404: errorResponse("NOT_FOUND: no such campaign"),
      409: errorResponse("CONCURRENT_UPDATE: it kept changing; try again"),
    },
  },
};

const SECURITY: Record<AuthKind, Record<string, string[]>[]> = {
  public: [],
  resident: [{ bearer: [] }],
  operator: [{ bearer: [] }],
  "partner-signed": [{ partnerSignature: [] }],
};

/** Builds the document; throws naming any declared route that has no documentation. */
export function buildOpenApi(wiring: Wiring, version: string): Record<string, unknown> {
  const missing = wiring.routes.map(routeKey).filter((key) => !routeDocs[key]);
  if (missing.length > 0) throw new Error(`undocumented routes: ${missing.join(", ")}`);
  const registry = z.globalRegistry;
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = {};
  const ref = (schema: z.ZodType, io: "input" | "output" = "output"): unknown => {
    const id = registry.get(schema)?.id;
    const { root, definitions } = componentise(z.toJSONSchema(schema, { target: "openapi-3.0", unrepresentable: "any", io }));
    Object.assign(schemas, definitions);
    if (!id) return root;
    schemas[id] = definitions[id] ?? root;
    return { $ref: `#/components/schemas/${id}` };
  };
  const json = (schema: z.ZodType, io: "input" | "output" = "output") => ({ "application/json": { schema: ref(schema, io) } });
  const inline = (schema: z.ZodType, io: "input" | "output") => {
    const json = z.toJSONSchema(schema, { target: "openapi-3.0", unrepresentable: "any", io }) as Record<string, unknown>;
    delete json.$schema;
    return json;
  };

  for (const route of wiring.routes) {
    const doc = routeDocs[routeKey(route)]!;
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(doc.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(response.headers).map(([name, header]) => [name, { description: header.description, schema: inline(header.schema, "output") }]),
              ),
            }
          : {}),
        ...(response.schema || response.media
          ? {
              content: {
                ...(response.schema ? json(response.schema) : {}),
                ...Object.fromEntries(Object.entries(response.media ?? {}).map(([type, schema]) => [type, { schema: inline(schema, "output") }])),
              },
            }
          : {}),
      };
    }
    if (route.auth !== "public") {
      responses["401"] = { description: "Missing, expired or badly signed credentials", content: json(route.auth === "partner-signed" ? errorBodySchema : gatewayMessageSchema) };
    }
    if (route.auth === "operator") responses["403"] = { description: "The token lacks the operators group", content: json(errorBodySchema) };
    if (doc.requestBody && !responses["400"]) responses["400"] = { description: "The body fails validation; details list every issue", content: json(errorBodySchema) };
    responses["500"] = { description: "Unexpected fault; the body carries only a request id", content: json(errorBodySchema) };
    const pathDocs = new Map((doc.parameters ?? []).filter((parameter) => parameter.in === "path").map((parameter) => [parameter.name, parameter]));
    const unknownPath = [...pathDocs.keys()].filter((name) => !route.path.includes(`{${name}}`));
    if (unknownPath.length > 0) throw new Error(`${routeKey(route)} documents path parameters it does not have: ${unknownPath.join(", ")}`);
    const parameters: Record<string, unknown>[] = [
      ...[...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => {
        const documented = pathDocs.get(match[1]!);
        return {
          name: match[1],
          in: "path",
          required: true,
          ...(documented
            ? { description: documented.description, schema: inline(documented.schema, "input") }
            : { schema: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } }),
        };
      }),
      ...(doc.parameters ?? []).filter((parameter) => parameter.in !== "path").map((parameter) => ({
        name: parameter.name,
        in: parameter.in,
        required: parameter.required ?? false,
        description: parameter.description,
        schema: inline(parameter.schema, "input"),
      })),
    ];
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, "").split("/").map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join("")}`,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      "x-auth": route.auth,
      security: SECURITY[route.auth],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(doc.requestBody ? { requestBody: { required: doc.requestBodyOptional !== true, content: json(doc.requestBody, "input") } } : {}),
      responses,
    };
  }
  ref(errorBodySchema);
  return {
    openapi: "3.1.0",
    info: {
      title: "Voucher campaign platform",
      version,
      description: "Money is integer fen; times are ISO-8601 with offset; every error is {\"error\":{\"code\",\"message\",\"details?\"}}.",
    },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "Resident and operator tokens; operators carry the group `operators`" },
        partnerSignature: {
          type: "apiKey",
          in: "header",
          name: "X-Voucher-Signature",
          description: "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + \".\" + raw body)>",
        },
      },
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}

/**
 * zod writes a schema that holds other registered schemas (an `id` in their meta) with those under
 * `definitions` and refers to them there, the root included. OpenAPI keeps them all under
 * `components/schemas`: this moves them there and rewrites every reference.
 */
function componentise(generated: unknown): { root: Record<string, unknown>; definitions: Record<string, Record<string, unknown>> } {
  const text = JSON.stringify(generated).replace(/"#\/(?:definitions|\$defs)\//g, '"#/components/schemas/');
  const json = JSON.parse(text) as Record<string, unknown> & { definitions?: Record<string, Record<string, unknown>>; $defs?: Record<string, Record<string, unknown>> };
  const definitions = { ...json.definitions, ...json.$defs };
  delete json.definitions;
  delete json.$defs;
  delete json.$schema;
  delete json.id;
  for (const definition of Object.values(definitions)) delete definition.id;
  return { root: json, definitions };
}
