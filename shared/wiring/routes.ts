/**
 * The platform's HTTP routes, each with its documentation next to it: summary, request and answer
 * schemas (the zod schemas of `shared/api` its handler parses with) and the error codes it may
 * answer. `platform.ts` wires them; docs/openapi.json is generated from them
 * (`shared/api/openapi.ts`), so a route cannot be declared without being documented.
 */
import {
  auditListSchema,
  auditQuerySchema,
  adminMerchantListQuerySchema,
  merchantListQuerySchema,
  merchantListSchema,
  merchantRegistrationSchema,
  merchantSchema,
  merchantSubmissionSchema,
  merchantSuspensionSchema,
  partnerCreatedSchema,
  partnerRegistrationDocSchema,
  partnerSecretSchema,
  secretRotationSchema,
} from "../api/registry-schemas.js";
import {
  callerSchema,
  campaignDefinitionSchema,
  campaignDetailSchema,
  campaignListQuerySchema,
  campaignListSchema,
  campaignViewSchema,
  campaignRegistrationSchema,
  claimRequestSchema,
  dropDefinitionSchema,
  healthReportSchema,
  publicHealthSchema,
  voucherSchema,
  walletSchema,
} from "../api/schemas.js";
import { drawRegistrationRequestSchema, drawRegistrationSchema, drawResultQuerySchema, drawResultSchema, drawStartedSchema, myRegistrationsSchema } from "../api/lottery-schemas.js";
import { claimHeadersSchema, dropPathSchema, idPathSchema, partnerPathSchema, walletQuerySchema } from "../api/parameters.js";
import { cardLinkAnswerSchema, cardLinkBodySchema, paymentAnswerSchema, paymentBodySchema, refundAnswerSchema, refundBodySchema } from "../api/payment-schemas.js";
import {
  reconciliationSchema,
  settlementListQuerySchema,
  settlementRunRequestSchema,
  settlementRunSchema,
  statementDetailSchema,
  statementListSchema,
  statementPathSchema,
  statementSchema,
} from "../api/settlement-schemas.js";
import { campaignStatsSchema } from "../api/stats-schemas.js";
import {
  confirmBodySchema,
  dismissBodySchema,
  flagListQuerySchema,
  flagListSchema,
  flagSchema,
  fraudRulesBodySchema,
  fraudRulesSchema,
} from "../api/fraud-schemas.js";
import { campaignReportSchema, reportQuerySchema } from "../api/report-schemas.js";
import {
  applicationBodySchema,
  applicationDetailSchema,
  applicationListQuerySchema,
  applicationListSchema,
  applicationSchema,
  approvalBodySchema,
  filingBodySchema,
  filingSchema,
  paperFilingBodySchema,
  programmeBodySchema,
  programmeListSchema,
  programmeReconciliationSchema,
  programmeSchema,
  reviewReasonBodySchema,
} from "../api/programme-schemas.js";
import { attachmentUploadRequestSchema, attachmentUploadSchema } from "../api/attachment-schemas.js";
import {
  tradeInApprovalSchema,
  tradeInBatchApprovalSchema,
  tradeInBatchResultSchema,
  tradeInBodySchema,
  tradeInCreatedSchema,
  tradeInDetailSchema,
  tradeInListQuerySchema,
  tradeInListSchema,
  tradeInRejectionSchema,
  tradeInReviewedSchema,
} from "../api/trade-in-schemas.js";
import { PAYABLE_STATUSES } from "../domain/programme.js";
import * as z from "../zod.js";
import type { RouteDeclaration, RouteRequest } from "./types.js";

const PAGE = { limit: "Items per page, 1–100 (default 50)", nextToken: "The `nextToken` of the previous page" } as const;

/** The path of the one-statement settlement routes. */
const statementPath: RouteRequest = {
  path: statementPathSchema,
  parameters: {
    campaignId: "The campaign",
    merchantId: "The merchant",
    period: "The settled day, YYYY-MM-DD, in the campaign's time zone",
  },
};

/** An `{id}` path, with what the id names. */
const idPath = (what: string): RouteRequest => ({ path: idPathSchema, parameters: { id: what } });
const campaignPath = idPath("The campaign");
const merchantPath = idPath("The merchant");
const flagPath = idPath("The fraud flag");
const programmePath = idPath("The programme");
const applicationPath = idPath("The application");
const partnerPath: RouteRequest = { path: partnerPathSchema, parameters: { partnerId: "Your partner id, as registered; the signature must be made with its secret" } };

export const platformRoutes = [
  {
    method: "GET",
    path: "/health",
    auth: "public",
    function: "health",
    docs: {
      operationId: "getHealth",
      tag: "platform",
      summary: "Whether the platform answers",
      description:
        "Public: only ok or degraded and when that was checked; operators read the detail on GET /admin/health. " +
        "One probe answers every call of an instance for 5 s.",
      answers: {
        200: { description: "Every table and queue answers", body: publicHealthSchema },
        503: { description: "Something does not answer", body: publicHealthSchema },
      },
      errors: [],
    },
  },
  {
    method: "GET",
    path: "/admin/health",
    auth: "operator",
    function: "health",
    docs: {
      operationId: "getHealthReport",
      tag: "platform",
      summary: "Reachability of every table and queue, and the dead-letter queues' depths",
      description:
        "Locally it also reports the emulators (with DynamoDB Local's java pid). Answers 503 with the same body when anything " +
        "is unreachable; a failure carries a classified `reason`, never the error's text. Messages in a dead-letter queue do " +
        "not degrade the status (the DLQ alarms report them). One probe answers every call of an instance for 5 s.",
      answers: {
        200: { description: "Everything answers", body: healthReportSchema },
        503: { description: "Something does not answer; the body says what", body: healthReportSchema },
      },
      errors: [],
    },
  },
  {
    method: "GET",
    path: "/me",
    auth: "resident",
    function: "me",
    docs: {
      operationId: "getCaller",
      tag: "platform",
      summary: "The caller as the platform sees them",
      answers: { 200: { description: "The caller", body: callerSchema } },
      errors: [],
    },
  },
  {
    method: "GET",
    path: "/me/vouchers",
    auth: "resident",
    function: "listMyVouchers",
    docs: {
      operationId: "listMyVouchers",
      tag: "residents",
      summary: "The caller's vouchers, newest first",
      request: { query: walletQuerySchema, parameters: { limit: "Vouchers per page, 1–100 (default 50)", nextToken: PAGE.nextToken } },
      answers: { 200: { description: "One page of the wallet", body: walletSchema } },
      errors: ["VALIDATION_FAILED"],
    },
  },
  {
    method: "POST",
    path: "/campaigns/{id}/registrations",
    auth: "resident",
    function: "registerForCampaign",
    docs: {
      operationId: "registerForCampaign",
      tag: "residents",
      summary: "Register for a campaign",
      description: "Once per resident: drops with `audience: registered` take claims only from registered residents. Registering again answers 200 with the first registration.",
      request: { path: idPathSchema, parameters: { id: "The campaign" } },
      answers: {
        201: { description: "Registered now", body: campaignRegistrationSchema },
        200: { description: "Registered before: the first registration", body: campaignRegistrationSchema },
      },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "POST",
    path: "/campaigns/{id}/drops/{dropId}/registrations",
    auth: "resident",
    function: "registerForDraw",
    docs: {
      operationId: "registerForDraw",
      tag: "residents",
      summary: "Register for a lottery drop",
      description:
        "Once per person and drop, inside the drop's registration window; again: 200 with the first registration (its voucher type " +
        "stays). LIMIT_REACHED: the person already holds the campaign's per-person limit. The draw ranks every registration by " +
        "HMAC-SHA256(seed, registrationId); see GET /campaigns/{id}/drops/{dropId}/draw.",
      request: { path: dropPathSchema, parameters: { id: "The campaign", dropId: "The lottery drop" }, body: drawRegistrationRequestSchema },
      answers: {
        201: { description: "Registered now", body: drawRegistrationSchema },
        200: { description: "Registered before: the first registration", body: drawRegistrationSchema },
      },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "REGISTRATION_CLOSED", "LIMIT_REACHED", "NOT_A_LOTTERY_DROP", "THROTTLED"],
    },
  },
  {
    method: "GET",
    path: "/me/registrations",
    auth: "resident",
    function: "listMyRegistrations",
    docs: {
      operationId: "listMyRegistrations",
      tag: "residents",
      summary: "The caller's lottery registrations",
      description: "Each REGISTERED until its drop is drawn, then WON (with `voucherId`, unless the winner had reached the per-person limit) or LOST.",
      answers: { 200: { description: "The registrations, newest first", body: myRegistrationsSchema } },
      errors: [],
    },
  },
  {
    method: "GET",
    path: "/campaigns/{id}/drops/{dropId}/draw",
    auth: "public",
    function: "getDrawResult",
    docs: {
      operationId: "getDrawResult",
      tag: "residents",
      summary: "The published result of a lottery draw",
      description:
        "The seed, its commitment, the counts and every registration's id with its voucher type, paged: anyone can check " +
        "sha256(seed) = commitment and recompute the winners (npm run verify-draw; docs/lottery.md).",
      request: {
        path: dropPathSchema,
        query: drawResultQuerySchema,
        parameters: { id: "The campaign", dropId: "The lottery drop", limit: "Registration ids per page, 1–1000 (default 1000)", nextToken: PAGE.nextToken },
      },
      answers: { 200: { description: "The result, with one page of registration ids", body: drawResultSchema } },
      errors: ["VALIDATION_FAILED", "NOT_DRAWN"],
    },
  },
  {
    method: "GET",
    path: "/campaigns",
    auth: "public",
    function: "listCampaigns",
    docs: {
      operationId: "listCampaigns",
      tag: "residents",
      summary: "Published campaigns with their drops",
      description: "Published and paused campaigns, latest start first. Answers may be up to 2 s old.",
      request: { query: campaignListQuerySchema, parameters: { limit: "Campaigns per page, 1–100 (default 50)", nextToken: PAGE.nextToken } },
      answers: { 200: { description: "One page of campaigns", body: campaignListSchema } },
      errors: ["VALIDATION_FAILED"],
    },
  },
  {
    method: "POST",
    path: "/campaigns/{id}/drops/{dropId}/claims",
    auth: "resident",
    function: "claimVoucher",
    docs: {
      operationId: "claimVoucher",
      tag: "residents",
      summary: "Claim a voucher from an open drop",
      description:
        "With an Idempotency-Key, a replay by the same person answers the first answer again for at least 24 h; the same key " +
        "with another campaign, drop or voucher type is 422 IDEMPOTENCY_KEY_REUSED. 409 DROP_NOT_OPEN also when the campaign is paused.",
      request: {
        path: dropPathSchema,
        headers: claimHeadersSchema,
        parameters: {
          id: "The campaign",
          dropId: "The drop",
          "Idempotency-Key": "Makes retries safe: the same key and body return the first answer for at least 24 h",
        },
        body: claimRequestSchema,
      },
      answers: { 201: { description: "The voucher claimed", body: voucherSchema } },
      errors: [
        "VALIDATION_FAILED",
        "NOT_FOUND",
        "SOLD_OUT",
        "LIMIT_REACHED",
        "NOT_REGISTERED",
        "LOTTERY_DROP",
        "DROP_NOT_OPEN",
        "IDEMPOTENCY_IN_PROGRESS",
        "IDEMPOTENCY_KEY_REUSED",
        "THROTTLED",
        "UNAVAILABLE",
      ],
    },
  },
  {
    method: "POST",
    path: "/admin/campaigns",
    auth: "operator",
    function: "createCampaign",
    docs: {
      operationId: "createCampaign",
      tag: "campaigns",
      summary: "Create a DRAFT campaign",
      description:
        "VALIDATION_FAILED lists every issue with its path; BUDGET_EXCEEDED when Σ stock × discount > budget, with details {budget, committed, excess} in fen.",
      request: { body: campaignDefinitionSchema },
      answers: { 201: { description: "The campaign, status DRAFT", body: campaignViewSchema } },
      errors: ["VALIDATION_FAILED", "BUDGET_EXCEEDED", "ALREADY_EXISTS"],
    },
  },
  {
    method: "GET",
    path: "/admin/campaigns/{id}",
    auth: "operator",
    function: "getCampaign",
    docs: {
      operationId: "getCampaign",
      tag: "campaigns",
      summary: "A campaign with its inventory",
      description: "Per drop and voucher type: the shard count, the units left (read strongly consistent) and sold-out and close state.",
      request: campaignPath,
      answers: { 200: { description: "The campaign", body: campaignDetailSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "PUT",
    path: "/admin/campaigns/{id}",
    auth: "operator",
    function: "replaceCampaign",
    docs: {
      operationId: "replaceCampaign",
      tag: "campaigns",
      summary: "Replace a DRAFT campaign",
      description:
        "The body's id must be the path's. Drops not in the body are deleted. NOT_DRAFT: published, paused or being published; " +
        "CONCURRENT_UPDATE: it kept changing, try again.",
      request: { ...campaignPath, body: campaignDefinitionSchema },
      answers: { 200: { description: "The campaign as replaced", body: campaignViewSchema } },
      errors: ["VALIDATION_FAILED", "BUDGET_EXCEEDED", "NOT_FOUND", "NOT_DRAFT", "CONCURRENT_UPDATE"],
    },
  },
  {
    method: "POST",
    path: "/admin/campaigns/{id}/publish",
    auth: "operator",
    function: "publishCampaign",
    docs: {
      operationId: "publishCampaign",
      tag: "campaigns",
      summary: "Provision the inventory and publish",
      description:
        "Splits each drop's stock over its shards, puts the drops on the close schedule, then sets PUBLISHED. " +
        "Publishing again, also after an interrupted publish, is harmless and answers the current state.",
      request: campaignPath,
      answers: { 200: { description: "The campaign, status PUBLISHED (or PAUSED if it already was)", body: campaignViewSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "THROTTLED"],
    },
  },
  {
    method: "POST",
    path: "/admin/campaigns/{id}/pause",
    auth: "operator",
    function: "setCampaignStatus",
    docs: {
      operationId: "pauseCampaign",
      tag: "campaigns",
      summary: "Pause a published campaign",
      description: "A paused campaign takes no claims and applies no discounts. Pausing a paused campaign is harmless; a draft cannot be paused (INVALID_STATE).",
      request: campaignPath,
      answers: { 200: { description: "The campaign, status PAUSED", body: campaignViewSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE"],
    },
  },
  {
    method: "POST",
    path: "/admin/campaigns/{id}/resume",
    auth: "operator",
    function: "setCampaignStatus",
    docs: {
      operationId: "resumeCampaign",
      tag: "campaigns",
      summary: "Resume a paused campaign",
      description: "Resuming a published campaign is harmless; a draft cannot be resumed (INVALID_STATE).",
      request: campaignPath,
      answers: { 200: { description: "The campaign, status PUBLISHED", body: campaignViewSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE"],
    },
  },
  {
    method: "POST",
    path: "/admin/campaigns/{id}/drops/{dropId}/draw",
    auth: "operator",
    function: "startDraw",
    docs: {
      operationId: "startDraw",
      tag: "campaigns",
      summary: "Draw a lottery drop now",
      description:
        "After its registration window closed (the ticker also draws it at `drawAt`). The ranking and issuing go on in the queue; " +
        "drawing again changes nothing. The result: GET /campaigns/{id}/drops/{dropId}/draw.",
      request: { path: dropPathSchema, parameters: { id: "The campaign", dropId: "The lottery drop" } },
      answers: { 202: { description: "The draw is under way (or done)", body: drawStartedSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "NOT_A_LOTTERY_DROP", "REGISTRATION_OPEN"],
    },
  },
  {
    method: "POST",
    path: "/admin/campaigns/{id}/drops",
    auth: "operator",
    function: "addDrop",
    docs: {
      operationId: "addDrop",
      tag: "campaigns",
      summary: "Add a drop to a published or paused campaign",
      description:
        "Its inventory is provisioned at once. It must fit the budget not yet committed; sending the same drop again after an " +
        "interrupted request finishes it. VALIDATION_FAILED paths are relative to the drop (overlap, window, unknown voucher type); " +
        "ALREADY_EXISTS: the campaign has a drop with this id; INVALID_STATE: a draft (edit it with PUT).",
      request: { ...campaignPath, body: dropDefinitionSchema },
      answers: { 200: { description: "The campaign with the new drop", body: campaignViewSchema } },
      errors: ["VALIDATION_FAILED", "BUDGET_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "INVALID_STATE", "CONCURRENT_UPDATE", "THROTTLED"],
    },
  },
  {
    method: "POST",
    path: "/admin/partners",
    auth: "operator",
    function: "registerPartner",
    docs: {
      operationId: "registerPartner",
      tag: "partners",
      summary: "Register a partner (bank or payment network)",
      description:
        "Answers the partner's signing secret, this once: it is stored encrypted and never shown again. Without `payoutUrl`, " +
        "the deployment's default payout URL is used where one is configured (locally: the partner simulator). A payout URL " +
        "that is not https, or names a private, loopback, link-local or metadata address, is VALIDATION_FAILED.",
      request: { body: partnerRegistrationDocSchema },
      answers: { 201: { description: "The partner and its signing secret", body: partnerCreatedSchema } },
      errors: ["VALIDATION_FAILED", "ALREADY_EXISTS"],
    },
  },
  {
    method: "POST",
    path: "/admin/partners/{id}/rotate-secret",
    auth: "operator",
    function: "rotatePartnerSecret",
    docs: {
      operationId: "rotatePartnerSecret",
      tag: "partners",
      summary: "Rotate a partner's signing secret",
      description:
        "Answers the new secret, this once. Earlier secrets stay valid for `graceSeconds` (default 86400, 24 h), so the partner can switch without downtime; " +
        "`graceSeconds: 0` revokes them (a leaked secret): they stop verifying within 30 s, the lifetime of the partner-secret cache. The body is optional.",
      request: { ...idPath("The partner"), body: secretRotationSchema, bodyOptional: true },
      answers: { 200: { description: "The new secret", body: partnerSecretSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "CONCURRENT_UPDATE"],
    },
  },
  {
    method: "POST",
    path: "/partners/{partnerId}/merchants",
    auth: "partner-signed",
    function: "submitMerchant",
    docs: {
      operationId: "submitMerchant",
      tag: "partner-api",
      summary: "Submit a merchant the partner signed up",
      description: "Signed with the partner's secret. The merchant starts PENDING; an operator approves it. Merchant ids are global.",
      request: {
        ...partnerPath,
        body: merchantSubmissionSchema,
        bodyExamples: { restaurant: { summary: "A restaurant", value: { id: "m-1001", name: "Lanzhou Noodles, Xuhui", sector: "restaurant" } } },
      },
      answers: {
        201: {
          description: "The merchant, status PENDING",
          body: merchantSchema,
          examples: {
            pending: {
              summary: "Awaiting an operator's approval",
              value: {
                id: "m-1001",
                name: "Lanzhou Noodles, Xuhui",
                sector: "restaurant",
                partnerId: "bank-a",
                status: "PENDING",
                createdAt: "2026-11-05T09:30:00.000Z",
                updatedAt: "2026-11-05T09:30:00.000Z",
              },
            },
          },
        },
      },
      errors: ["VALIDATION_FAILED", "ALREADY_EXISTS"],
    },
  },
  {
    method: "POST",
    path: "/partners/{partnerId}/cards",
    auth: "partner-signed",
    function: "linkCard",
    docs: {
      operationId: "linkCard",
      tag: "partner-api",
      summary: "Link a card token to a resident, so that card payments act for the resident",
      description:
        "Signed with the partner's secret. Payments by this partner whose payerId is the card token then use the resident's vouchers " +
        "and count against the resident's limits (per person: linked identities). A link never moves: the same link again answers 200 with it; " +
        "a token already linked to another resident answers 409 CARD_LINKED_ELSEWHERE.",
      request: {
        ...partnerPath,
        body: cardLinkBodySchema,
        bodyExamples: { card: { summary: "A resident's debit card", value: { payerId: "resident-42", cardToken: "tok_6222020200112233" } } },
      },
      answers: {
        201: {
          description: "The link, new",
          body: cardLinkAnswerSchema,
          examples: {
            linked: {
              summary: "Linked",
              value: { partnerId: "bank-a", cardToken: "tok_6222020200112233", payerId: "resident-42", linkedAt: "2026-11-05T09:30:00.000Z" },
            },
          },
        },
        200: { description: "The same link, made before", body: cardLinkAnswerSchema },
      },
      errors: ["VALIDATION_FAILED", "CARD_LINKED_ELSEWHERE"],
    },
  },
  {
    method: "POST",
    path: "/partners/{partnerId}/payments",
    auth: "partner-signed",
    function: "recordPayment",
    docs: {
      operationId: "recordPayment",
      tag: "partner-api",
      summary: "Report a payment at a merchant; the payer's best eligible voucher is applied",
      description:
        "Signed with the partner's secret. The same transactionId again, in any order or concurrency, gets the same answer and nothing is applied twice. " +
        "With no eligible voucher the answer has voucherId null, discount 0 and a reason: NO_ELIGIBLE_VOUCHER, BELOW_THRESHOLD, MERCHANT_NOT_APPROVED, SECTOR_NOT_ELIGIBLE, CAMPAIGN_NOT_ACTIVE or TRANSACTION_REFUNDED.",
      request: {
        ...partnerPath,
        body: paymentBodySchema,
        bodyExamples: {
          payment: {
            summary: "A payment of ¥120.00",
            value: { eventId: "evt-7f3a", transactionId: "txn-20261105-0001", merchantId: "m-1001", payerId: "resident-42", amount: 12000, occurredAt: "2026-11-05T12:00:00+08:00" },
          },
        },
      },
      answers: {
        200: {
          description: "What the payment redeemed, or why nothing",
          body: paymentAnswerSchema,
          examples: {
            redeemed: { summary: "A ¥20 voucher applied", value: { transactionId: "txn-20261105-0001", voucherId: "v-8c1d", discount: 2000, payable: 10000 } },
            noDiscount: {
              summary: "No voucher applies",
              value: { transactionId: "txn-20261105-0001", voucherId: null, discount: 0, payable: 12000, reason: "NO_ELIGIBLE_VOUCHER" },
            },
          },
        },
      },
      errors: ["VALIDATION_FAILED", "OCCURRED_IN_FUTURE", "AMOUNT_OUT_OF_RANGE", "THROTTLED"],
    },
  },
  {
    method: "POST",
    path: "/partners/{partnerId}/refunds",
    auth: "partner-signed",
    function: "recordRefund",
    docs: {
      operationId: "recordRefund",
      tag: "partner-api",
      summary: "Report a refund of a payment, whole or partial",
      description:
        "Signed. `amount` (fen) is what this refund gives back; absent: the rest of the payment. The answer says what has been refunded so far, what remains, and whether the redemption stands reversed. " +
        "The discount is reversed once, by the refund after which what remains is below the voucher's threshold (a full refund always reverses): the voucher becomes VOID, or CLAIMED again while still valid, per the campaign's refundPolicy. " +
        "The same eventId again: the same answer. Without amount when nothing remains: the state as it is. More than remains: 400 REFUND_EXCEEDS_PAYMENT; dated before its payment: 400 REFUND_BEFORE_PAYMENT (nothing written). " +
        "A refund of an unknown transaction is kept with its amount and answered reversed false, remaining 0; its payment, if it comes later, is answered as if the refund came after it (TRANSACTION_REFUNDED when what remains is below the threshold).",
      request: {
        ...partnerPath,
        body: refundBodySchema,
        bodyExamples: {
          partial: { summary: "¥50.00 of the payment given back", value: { eventId: "evt-9b21", transactionId: "txn-20261105-0001", occurredAt: "2026-11-05T15:30:00+08:00", amount: 5000 } },
          full: { summary: "The rest of the payment given back", value: { eventId: "evt-9b22", transactionId: "txn-20261105-0001", occurredAt: "2026-11-05T16:00:00+08:00" } },
        },
      },
      answers: {
        200: {
          description: "Refunded so far, what remains, and whether the redemption stands reversed",
          body: refundAnswerSchema,
          examples: {
            reversed: { summary: "What remains is below the threshold: the discount is reversed", value: { transactionId: "txn-20261105-0001", reversed: true, refunded: 5000, remaining: 7000 } },
          },
        },
      },
      errors: ["VALIDATION_FAILED", "OCCURRED_IN_FUTURE", "AMOUNT_OUT_OF_RANGE", "REFUND_BEFORE_PAYMENT", "REFUND_EXCEEDS_PAYMENT", "TOO_MANY_REFUNDS", "THROTTLED"],
    },
  },
  {
    method: "GET",
    path: "/merchants",
    auth: "public",
    function: "listMerchants",
    docs: {
      operationId: "listMerchants",
      tag: "residents",
      summary: "The published list of approved merchants",
      description: "By id. Answers may be up to 2 s old.",
      request: { query: merchantListQuerySchema, parameters: { limit: "Merchants per page, 1–100 (default 50)", nextToken: PAGE.nextToken } },
      answers: { 200: { description: "One page of approved merchants", body: merchantListSchema } },
      errors: ["VALIDATION_FAILED"],
    },
  },
  {
    method: "POST",
    path: "/admin/merchants",
    auth: "operator",
    function: "createMerchant",
    docs: {
      operationId: "createMerchant",
      tag: "merchants",
      summary: "Register a merchant for a partner",
      description: "VALIDATION_FAILED also when no partner with `partnerId` is registered.",
      request: { body: merchantRegistrationSchema },
      answers: { 201: { description: "The merchant, status PENDING", body: merchantSchema } },
      errors: ["VALIDATION_FAILED", "ALREADY_EXISTS"],
    },
  },
  {
    method: "GET",
    path: "/admin/merchants",
    auth: "operator",
    function: "listAdminMerchants",
    docs: {
      operationId: "listAdminMerchants",
      tag: "merchants",
      summary: "Merchants of one status, or all",
      description: "Without `status`: PENDING, then APPROVED, then SUSPENDED, by id within each.",
      request: {
        query: adminMerchantListQuerySchema,
        parameters: { status: "PENDING, APPROVED or SUSPENDED", limit: "Merchants per page, 1–100 (default 50)", nextToken: PAGE.nextToken },
      },
      answers: { 200: { description: "One page of merchants", body: merchantListSchema } },
      errors: ["VALIDATION_FAILED"],
    },
  },
  {
    method: "POST",
    path: "/admin/merchants/{id}/approve",
    auth: "operator",
    function: "setMerchantStatus",
    docs: {
      operationId: "approveMerchant",
      tag: "merchants",
      summary: "Approve a PENDING merchant",
      description:
        "It joins the public list (within seconds) and its payments get discounts. Recorded in the audit trail. Only a PENDING merchant " +
        "can be approved (INVALID_STATE, details.status has its status).",
      request: merchantPath,
      answers: { 200: { description: "The merchant, status APPROVED", body: merchantSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE", "CONCURRENT_UPDATE"],
    },
  },
  {
    method: "POST",
    path: "/admin/merchants/{id}/suspend",
    auth: "operator",
    function: "setMerchantStatus",
    docs: {
      operationId: "suspendMerchant",
      tag: "merchants",
      summary: "Suspend an APPROVED merchant, with a reason",
      description:
        "It leaves the public list, gets no discounts and its statements are held. Recorded in the audit trail with the reason. " +
        "Only an APPROVED merchant can be suspended (INVALID_STATE).",
      request: { ...merchantPath, body: merchantSuspensionSchema },
      answers: { 200: { description: "The merchant, status SUSPENDED, with statusReason", body: merchantSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE", "CONCURRENT_UPDATE"],
    },
  },
  {
    method: "POST",
    path: "/admin/merchants/{id}/reinstate",
    auth: "operator",
    function: "setMerchantStatus",
    docs: {
      operationId: "reinstateMerchant",
      tag: "merchants",
      summary: "Reinstate a SUSPENDED merchant",
      description: "Its HELD statements are released to the payout queue. Only a SUSPENDED merchant can be reinstated (INVALID_STATE).",
      request: merchantPath,
      answers: { 200: { description: "The merchant, status APPROVED", body: merchantSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE", "CONCURRENT_UPDATE"],
    },
  },
  {
    method: "GET",
    path: "/admin/audit",
    auth: "operator",
    function: "listAudit",
    docs: {
      operationId: "listAudit",
      tag: "merchants",
      summary: "Who changed a partner, merchant, campaign, statement, fraud flag, programme, filing, application or trade-in record, when and why",
      description: "Every operator, partner or merchant write (and each programme payout step), oldest first; each entry was written in the same transaction as its change.",
      request: {
        query: auditQuerySchema,
        parameters: {
          entity:
            "PARTNER#<id>, MERCHANT#<id>, CAMPAIGN#<id>, STATEMENT#<campaignId>/<merchantId>/<period>, FRAUD_FLAG#<id>, PROGRAMME#<id>, " +
            "FILING#<programmeId>/<merchantId>, APPLICATION#<id> or TRADE_IN#<id>, URL-encoded: `MERCHANT%23m1`",
          limit: "Entries per page, 1–100 (default 50)",
          nextToken: PAGE.nextToken,
        },
      },
      answers: { 200: { description: "One page of the trail", body: auditListSchema } },
      errors: ["VALIDATION_FAILED"],
    },
  },
  {
    method: "POST",
    path: "/admin/settlements/run",
    auth: "operator",
    function: "runSettlement",
    docs: {
      operationId: "runSettlement",
      tag: "settlements",
      summary: "Settle a period now",
      description:
        "Plans the settlement of one calendar day, in each campaign's time zone, for every published or paused campaign (or the one named), " +
        "as the daily run does at 02:00: it fixes the period's cut-off (the end of the day, or now if the day is not over) on the first run " +
        "and sends one message per merchant with unsettled records before it. The statements are built and paid from the queue; read them " +
        "with GET /admin/settlements. Running a period again adds nothing that is settled already; records that arrive later go to a later " +
        "period's statement. VALIDATION_FAILED: a missing or malformed `period`, a period that has not begun in a campaign's time zone, " +
        "or a `campaignId` that names no published or paused campaign.",
      request: { body: settlementRunRequestSchema },
      answers: { 202: { description: "The runs planned, one per campaign, with their cut-offs and the merchants sent to the queue", body: settlementRunSchema } },
      errors: ["VALIDATION_FAILED", "THROTTLED"],
    },
  },
  {
    method: "GET",
    path: "/admin/settlements",
    auth: "operator",
    function: "listSettlements",
    docs: {
      operationId: "listStatements",
      tag: "settlements",
      summary: "The statements of a period",
      description:
        "One statement per (campaign, merchant) settled for the period, by campaign then merchant. Status PENDING (payout under way), PAID, " +
        "HELD (merchant suspended), FAILED (payout gave up), CARRIED (net ≤ 0, carried into the merchant's next statement); BUILDING " +
        "while its records are being gathered (its totals are 0 until then). Answers may be a few seconds old.",
      request: {
        query: settlementListQuerySchema,
        parameters: {
          period: "The settled day, YYYY-MM-DD",
          limit: "Statements per page, 1–100 (default 50)",
          nextToken: "The `nextToken` of the previous page, for the same period",
        },
      },
      answers: { 200: { description: "One page of statements", body: statementListSchema } },
      errors: ["VALIDATION_FAILED"],
    },
  },
  {
    method: "GET",
    path: "/admin/settlements/{campaignId}/{merchantId}/{period}",
    auth: "operator",
    function: "getSettlement",
    docs: {
      operationId: "getStatement",
      tag: "settlements",
      summary: "One statement with its records",
      description:
        "The statement with every redemption and reversal it holds (reversals with negative discounts) and the CARRIED statements folded into it. Read strongly consistent.",
      request: statementPath,
      answers: { 200: { description: "The statement", body: statementDetailSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "POST",
    path: "/admin/settlements/{campaignId}/{merchantId}/{period}/retry-payout",
    auth: "operator",
    function: "retryPayout",
    docs: {
      operationId: "retryStatementPayout",
      tag: "settlements",
      summary: "Retry a FAILED payout",
      description:
        "The statement goes back to PENDING and to the payout queue; the partner is paid once per statement (the statement id is the " +
        "payout's idempotency key). Recorded in the audit trail. Fix the partner's payout endpoint first. Only a FAILED statement can " +
        "be retried (INVALID_STATE).",
      request: statementPath,
      answers: {
        202: { description: "The statement as it is now: PENDING until the payout, which goes on in the queue, is through", body: statementSchema },
      },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE"],
    },
  },
  {
    method: "GET",
    path: "/admin/campaigns/{id}/reconciliation",
    auth: "operator",
    function: "reconcileCampaign",
    docs: {
      operationId: "reconcileCampaign",
      tag: "settlements",
      summary: "Check that a campaign's money is conserved, to the fen",
      description:
        "From the ledger and the statements, read strongly consistent: Σ redemptions − Σ reversals = Σ statement nets + Σ records not yet " +
        "in a statement (`difference` is 0), every statement's net is the sum of its records, every carried statement was folded in, and " +
        "payouts stay within the budget. `problems` names every disagreement; `balanced` is true when there is none.",
      request: campaignPath,
      answers: { 200: { description: "The campaign's books", body: reconciliationSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "GET",
    path: "/admin/campaigns/{id}/stats",
    auth: "operator",
    function: "getCampaignStats",
    docs: {
      operationId: "getCampaignStats",
      tag: "campaigns",
      summary: "A campaign's figures: claimed, redeemed, subsidy, sales driven, leverage, remaining budget",
      description:
        "Projected from the vouchers and redemptions streams, each change counted once (a few seconds behind the writes). " +
        "By sector, by day (the campaign's zone) and by merchant.",
      request: campaignPath,
      answers: { 200: { description: "The campaign's figures", body: campaignStatsSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "GET",
    path: "/admin/fraud/flags",
    auth: "operator",
    function: "listFraudFlags",
    docs: {
      operationId: "listFraudFlags",
      tag: "fraud",
      summary: "The fraud review queue",
      description:
        "Flags raised by the fraud detector on the redemptions stream, newest first: one per (campaign, rule, subject, window), with the rule, " +
        "severity, accused merchant (and payer), and evidence (the measures judged and the transactions). Answers may be a few seconds old.",
      request: {
        query: flagListQuerySchema,
        parameters: {
          status: "OPEN (the default: awaiting review), DISMISSED or CONFIRMED",
          campaignId: "Only this campaign's flags",
          limit: "Flags per page, 1–100 (default 50)",
          nextToken: "The `nextToken` of the previous page, for the same status and campaign",
        },
      },
      answers: { 200: { description: "One page of flags", body: flagListSchema } },
      errors: ["VALIDATION_FAILED"],
    },
  },
  {
    method: "POST",
    path: "/admin/fraud/flags/{id}/dismiss",
    auth: "operator",
    function: "decideFraudFlag",
    docs: {
      operationId: "dismissFraudFlag",
      tag: "fraud",
      summary: "Dismiss an OPEN flag, with a reason",
      description:
        "Recorded in the audit trail (FRAUD_FLAG#<id>). A merchant the detector suspended for the flag stays suspended: reinstate it apart. " +
        "A flag that is not OPEN is INVALID_STATE (details.status has its status).",
      request: { ...flagPath, body: dismissBodySchema },
      answers: { 200: { description: "The flag, status DISMISSED", body: flagSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE"],
    },
  },
  {
    method: "POST",
    path: "/admin/fraud/flags/{id}/confirm",
    auth: "operator",
    function: "decideFraudFlag",
    docs: {
      operationId: "confirmFraudFlag",
      tag: "fraud",
      summary: "Confirm an OPEN flag: suspend the merchant, withhold what is unpaid, claw back what was paid",
      description:
        "In one transaction with their audit items (the operator's): the flag becomes CONFIRMED and an APPROVED merchant SUSPENDED with the reason " +
        "`fraud flag <id>: <reason>`, so its statements not yet paid are HELD. With `forfeit: true` its HELD statements in the campaign become FORFEITED " +
        "(terminal, never paid; each audited). Each redemption of the merchant named in the evidence whose statement was PAID is clawed back once: a " +
        "negative CLAWBACK record its next statement takes off what it pays. `enforcement` says what became of each named transaction.",
      request: { ...flagPath, body: confirmBodySchema },
      answers: { 200: { description: "The flag, status CONFIRMED, with its enforcement", body: flagSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE", "CONCURRENT_UPDATE", "THROTTLED"],
    },
  },
  {
    method: "POST",
    path: "/admin/fraud/flags/{id}/enforce",
    auth: "operator",
    function: "decideFraudFlag",
    docs: {
      operationId: "enforceFraudFlag",
      tag: "fraud",
      summary: "Apply a CONFIRMED flag's consequences again",
      description:
        "Safe to repeat. Forfeits HELD statements held since (when the flag was confirmed with forfeit and the merchant is still suspended) and claws " +
        "back named redemptions paid since (a payout that was under way at confirmation: `enforcement.pending`; or statements released by a reinstatement). " +
        "A flag that is not CONFIRMED is INVALID_STATE.",
      request: flagPath,
      answers: { 200: { description: "The flag with its enforcement", body: flagSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE", "CONCURRENT_UPDATE", "THROTTLED"],
    },
  },
  {
    method: "GET",
    path: "/admin/campaigns/{id}/fraud-rules",
    auth: "operator",
    function: "fraudRules",
    docs: {
      operationId: "getFraudRules",
      tag: "fraud",
      summary: "A campaign's fraud-rule configuration",
      description: "Thresholds as data, per rule, and autoSuspend. `source: default` when the campaign has none of its own: the documented defaults apply.",
      request: campaignPath,
      answers: { 200: { description: "The configuration in force", body: fraudRulesSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "PUT",
    path: "/admin/campaigns/{id}/fraud-rules",
    auth: "operator",
    function: "fraudRules",
    docs: {
      operationId: "replaceFraudRules",
      tag: "fraud",
      summary: "Replace a campaign's fraud-rule configuration",
      description:
        "What the body leaves out takes its default (an empty body restores every default). Recorded in the audit trail (CAMPAIGN#<id>, " +
        "campaign.fraud-rules) with the configuration before and after. The detector applies it from its next batch. VALIDATION_FAILED " +
        "lists every issue and its path (an unknown rule or field, a threshold out of range).",
      request: { ...campaignPath, body: fraudRulesBodySchema },
      answers: { 200: { description: "The configuration now in force", body: fraudRulesSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "CONCURRENT_UPDATE"],
    },
  },
  {
    method: "GET",
    path: "/admin/reports/campaigns/{id}",
    auth: "operator",
    function: "campaignReport",
    docs: {
      operationId: "getCampaignReport",
      tag: "campaigns",
      summary: "The bureau's report of a campaign, as JSON or CSV",
      description:
        "The figures sent upward: drops held (场次), participating merchants, vouchers issued (units put up in the drops held, a " +
        "rolled-over unit once), claimed, redeemed, reversed, expired, subsidy, sales driven, leverage and remaining budget, then by " +
        "sector and by day; the same figures GET /admin/campaigns/{id}/stats answers. Money in fen, with yuan text next to it. " +
        "`format=csv` answers text/csv as an attachment `<id>-report.csv`: UTF-8 with a BOM, CRLF line ends, RFC 4180 quoting, " +
        "headers in Chinese then English; three sections (汇总 Summary, 按行业 By sector, 按日 By day) separated by an empty line, " +
        "each a title row, a header row, then its rows.",
      request: { ...campaignPath, query: reportQuerySchema, parameters: { id: "The campaign", format: "json (default) or csv" } },
      answers: {
        200: {
          description: "The report: JSON, or with format=csv the CSV text",
          body: campaignReportSchema,
          media: { "text/csv": z.string().describe("UTF-8 with a BOM (EF BB BF), CRLF line ends") },
          headers: { "Content-Disposition": { description: 'With format=csv: attachment; filename="<id>-report.csv"', schema: z.string().optional() } },
        },
      },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "POST",
    path: "/admin/programmes",
    auth: "operator",
    function: "createProgramme",
    docs: {
      operationId: "createProgramme",
      tag: "programmes",
      summary: "Define a merchant programme",
      description:
        "Four kinds: `growth_reward` (tiers of year-on-year monthly growth, the highest reached pays), `event_subsidy` (the reviewer sets " +
        "the award, at most `maxAward`), `new_enterprise` (a fixed `award`, once per merchant) and `trade_in` (subsidy = min(floor(price × " +
        "percent ÷ 100), maxPerItem) per record). `budget` is the programme's own, apart from every voucher budget. Programmes sharing an " +
        "`exclusiveGroup` are alternatives: a merchant is awarded by at most one of them. Recorded in the audit trail (PROGRAMME#<id>).",
      request: { body: programmeBodySchema },
      answers: { 201: { description: "The programme, nothing committed yet", body: programmeSchema } },
      errors: ["VALIDATION_FAILED", "ALREADY_EXISTS"],
    },
  },
  {
    method: "GET",
    path: "/admin/programmes",
    auth: "operator",
    function: "listProgrammes",
    docs: {
      operationId: "listProgrammes",
      tag: "programmes",
      summary: "Every merchant programme, with what its budget has committed and paid",
      answers: { 200: { description: "The programmes, by id", body: programmeListSchema } },
      errors: [],
    },
  },
  {
    method: "GET",
    path: "/merchant/programmes",
    auth: "merchant",
    function: "listMerchantProgrammes",
    docs: {
      operationId: "listMerchantProgrammes",
      tag: "merchant-portal",
      summary: "The programmes a merchant may file for and apply to",
      description: "Those whose period has not ended in their time zone. FORBIDDEN unless the token's merchant is APPROVED.",
      answers: { 200: { description: "The open programmes, by id", body: programmeListSchema } },
      errors: [],
    },
  },
  {
    method: "POST",
    path: "/merchant/programmes/{id}/filings",
    auth: "merchant",
    function: "fileForProgramme",
    docs: {
      operationId: "fileForProgramme",
      tag: "merchant-portal",
      summary: "File (备案) for a programme before the activity",
      description:
        "`filedAt` is now. Filing again changes nothing and answers 200 with the first filing. A growth reward counts a filing made before " +
        "the month applied for began. Recorded in the audit trail (FILING#<programmeId>/<merchantId>). FILING_CLOSED after the period.",
      request: { ...programmePath, body: filingBodySchema },
      answers: { 201: { description: "The filing", body: filingSchema }, 200: { description: "The merchant's first filing, unchanged", body: filingSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "FILING_CLOSED"],
    },
  },
  {
    method: "POST",
    path: "/admin/programmes/{id}/filings",
    auth: "operator",
    function: "fileForProgramme",
    docs: {
      operationId: "recordPaperFiling",
      tag: "programmes",
      summary: "Record a merchant's paper filing, with the date it was made",
      description:
        "`filedAt` must not be after now; the merchant must be registered (VALIDATION_FAILED). A merchant that has filed keeps its first " +
        "filing (200). Recorded in the audit trail as the operator's. FILING_CLOSED after the period.",
      request: { ...programmePath, body: paperFilingBodySchema },
      answers: { 201: { description: "The filing", body: filingSchema }, 200: { description: "The merchant's first filing, unchanged", body: filingSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "FILING_CLOSED"],
    },
  },
  {
    method: "POST",
    path: "/merchant/programmes/{id}/applications",
    auth: "merchant",
    function: "applyToProgramme",
    docs: {
      operationId: "applyToProgramme",
      tag: "merchant-portal",
      summary: "Apply for an award",
      description:
        "growth_reward: `month` and `sales` are required; the month lies in the period and has ended in the programme's zone " +
        "(MONTH_NOT_ENDED), the filing was made before it began (NOT_FILED); growth = (current − lastYear) ÷ lastYear × 100 " +
        "(`lastYear` 0: NO_BASE_YEAR_SALES) and `proposedAward` is the award of the highest tier reached, 0 when none. event_subsidy and " +
        "new_enterprise need a filing (NOT_FILED) and propose `maxAward` / `award`. One application per programme and month (or per " +
        "programme): ALREADY_APPLIED. Attachments are kept by id. Recorded in the audit trail (APPLICATION#<id>).",
      request: { ...programmePath, body: applicationBodySchema },
      answers: { 201: { description: "The application, SUBMITTED", body: applicationSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "NO_BASE_YEAR_SALES", "MONTH_NOT_ENDED", "NOT_FILED", "ALREADY_APPLIED"],
    },
  },
  {
    method: "PUT",
    path: "/merchant/applications/{id}",
    auth: "merchant",
    function: "applyToProgramme",
    docs: {
      operationId: "resubmitApplication",
      tag: "merchant-portal",
      summary: "Resubmit an application the reviewer sent back for changes",
      description:
        "Only a CHANGES_REQUESTED application of the merchant's own (NOT_SUBMITTED; another merchant's: FORBIDDEN); the month stays the one " +
        "applied for, and the award is proposed again from the new figures. It is SUBMITTED again.",
      request: { ...applicationPath, body: applicationBodySchema },
      answers: { 200: { description: "The application, SUBMITTED", body: applicationSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "NOT_SUBMITTED", "NO_BASE_YEAR_SALES", "MONTH_NOT_ENDED", "NOT_FILED"],
    },
  },
  {
    method: "GET",
    path: "/merchant/applications",
    auth: "merchant",
    function: "listMyApplications",
    docs: {
      operationId: "listMyApplications",
      tag: "merchant-portal",
      summary: "The merchant's own applications and where each stands",
      answers: { 200: { description: "The applications, oldest first", body: applicationListSchema } },
      errors: [],
    },
  },
  {
    method: "GET",
    path: "/admin/programmes/{id}/applications",
    auth: "operator",
    function: "readApplications",
    docs: {
      operationId: "listProgrammeApplications",
      tag: "programmes",
      summary: "A programme's applications, of one status or all",
      description: "Without `status`: SUBMITTED, CHANGES_REQUESTED, REJECTED, APPROVED, PAID, then FAILED, oldest first within each. May be a few seconds behind.",
      request: { ...programmePath, query: applicationListQuerySchema, parameters: { id: "The programme", status: "SUBMITTED, CHANGES_REQUESTED, REJECTED, APPROVED, PAID or FAILED" } },
      answers: { 200: { description: "The applications", body: applicationListSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "GET",
    path: "/admin/applications/{id}",
    auth: "operator",
    function: "readApplications",
    docs: {
      operationId: "getApplication",
      tag: "programmes",
      summary: "One application, with its figures and evidence",
      request: applicationPath,
      answers: { 200: { description: "The application, its attachments with presigned GETs", body: applicationDetailSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "POST",
    path: "/admin/applications/{id}/approve",
    auth: "operator",
    function: "reviewApplication",
    docs: {
      operationId: "approveApplication",
      tag: "programmes",
      summary: "Approve a SUBMITTED application and pay its award",
      description:
        "`award` defaults to `proposedAward` (at most it); required for event_subsidy, at most `maxAward`. In one transaction: the award is " +
        "committed to the programme's budget (PROGRAMME_BUDGET_EXCEEDED), the merchant's slot in the programme's exclusive group is claimed " +
        "(EXCLUSIVE_AWARD), the application becomes APPROVED (NOT_SUBMITTED if it is not SUBMITTED) and the audit item is written. The award " +
        "is then paid once through the merchant's acquiring partner on the payout queue, like a statement: PAID, or FAILED after the retries.",
      request: { ...applicationPath, body: approvalBodySchema, bodyOptional: true },
      answers: { 200: { description: "The application, APPROVED (PAID once the payout is through)", body: applicationSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "NOT_SUBMITTED", "PROGRAMME_BUDGET_EXCEEDED", "EXCLUSIVE_AWARD"],
    },
  },
  {
    method: "POST",
    path: "/admin/applications/{id}/reject",
    auth: "operator",
    function: "reviewApplication",
    docs: {
      operationId: "rejectApplication",
      tag: "programmes",
      summary: "Reject a SUBMITTED application, with a reason",
      description: "Final. Recorded in the audit trail with the reason. NOT_SUBMITTED if it is not SUBMITTED.",
      request: { ...applicationPath, body: reviewReasonBodySchema },
      answers: { 200: { description: "The application, REJECTED", body: applicationSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "NOT_SUBMITTED"],
    },
  },
  {
    method: "POST",
    path: "/admin/applications/{id}/request-changes",
    auth: "operator",
    function: "reviewApplication",
    docs: {
      operationId: "requestApplicationChanges",
      tag: "programmes",
      summary: "Send a SUBMITTED application back to the merchant, saying what to change",
      description: "The merchant resubmits with PUT /merchant/applications/{id}. Recorded in the audit trail. NOT_SUBMITTED if it is not SUBMITTED.",
      request: { ...applicationPath, body: reviewReasonBodySchema },
      answers: { 200: { description: "The application, CHANGES_REQUESTED", body: applicationSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "NOT_SUBMITTED"],
    },
  },
  {
    method: "POST",
    path: "/admin/applications/{id}/retry-payout",
    auth: "operator",
    function: "retryProgrammePayout",
    docs: {
      operationId: "retryApplicationPayout",
      tag: "programmes",
      summary: "Retry a FAILED award payout",
      description:
        "The application goes back to APPROVED and to the payout queue; the partner is paid once per award (`application/<id>` is the " +
        "payout's Idempotency-Key). Recorded in the audit trail. Fix the partner's payout endpoint (or reinstate the merchant) first. Only a " +
        "FAILED application can be retried (INVALID_STATE).",
      request: applicationPath,
      answers: { 202: { description: "The application, APPROVED until the payout, which goes on in the queue, is through", body: applicationSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE"],
    },
  },
  {
    method: "GET",
    path: "/admin/programmes/{id}/reconciliation",
    auth: "operator",
    function: "reconcileProgramme",
    docs: {
      operationId: "reconcileProgramme",
      tag: "programmes",
      summary: "Check that a programme's money is conserved, to the fen",
      description:
        "`committed` must equal the approved amounts of its applications and trade-in records, `paid` the PAID ones', and committed stay " +
        "within the budget; `problems` names every disagreement. The records are read from an index a few seconds behind.",
      request: programmePath,
      answers: { 200: { description: "The programme's books", body: programmeReconciliationSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "POST",
    path: "/merchant/attachments",
    auth: "merchant",
    function: "requestAttachmentUpload",
    docs: {
      operationId: "requestAttachmentUpload",
      tag: "merchant-portal",
      summary: "Declare an evidence file and get a presigned PUT for it",
      description:
        "`image/png`, `image/jpeg` or `application/pdf`, at most 10 MB. PUT the file to `uploadUrl` within 15 minutes with the declared " +
        "Content-Type. The stored object's real size and type are checked when an application or trade-in record references it " +
        "(400 ATTACHMENT_INVALID). Locally the URL points at the runtime's own origin, which passes it to the emulator.",
      request: { body: attachmentUploadRequestSchema },
      answers: { 201: { description: "Where to upload", body: attachmentUploadSchema } },
      errors: ["VALIDATION_FAILED"],
    },
  },
  {
    method: "POST",
    path: "/merchant/programmes/{id}/trade-ins",
    auth: "merchant",
    function: "recordTradeIn",
    docs: {
      operationId: "recordTradeIn",
      tag: "merchant-portal",
      summary: "Record a subsidised trade-in (以旧换新)",
      description:
        "Under a `trade_in` programme whose period has not ended. The subsidy is min(floor(price × percent ÷ 100), maxPerItem) fen. The " +
        "buyer's name and phone are stored encrypted per field, shown masked in lists. An invoice number is recorded once per programme " +
        "(409 DUPLICATE_INVOICE). Every attachment must be the merchant's own, uploaded as declared (400 ATTACHMENT_INVALID).",
      request: { ...idPath("The trade-in programme"), body: tradeInBodySchema },
      answers: { 201: { description: "The record, SUBMITTED for review", body: tradeInCreatedSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE", "ATTACHMENT_INVALID", "DUPLICATE_INVOICE"],
    },
  },
  {
    method: "GET",
    path: "/merchant/programmes/{id}/trade-ins",
    auth: "merchant",
    function: "listMerchantTradeIns",
    docs: {
      operationId: "listMerchantTradeIns",
      tag: "merchant-portal",
      summary: "A merchant's own trade-in records in a programme, the buyer masked",
      request: idPath("The trade-in programme"),
      answers: { 200: { description: "The records, oldest first; buyer names as `张**`, phones as `138****8000`", body: tradeInListSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "GET",
    path: "/admin/programmes/{id}/trade-ins",
    auth: "operator",
    function: "listTradeIns",
    docs: {
      operationId: "listTradeIns",
      tag: "programmes",
      summary: "A programme's trade-in records, the buyer masked",
      request: { ...idPath("The trade-in programme"), query: tradeInListQuerySchema, parameters: { id: "The trade-in programme", status: `One of ${PAYABLE_STATUSES.join(", ")}; all when absent` } },
      answers: { 200: { description: "The records, oldest first; buyer names as `张**`, phones as `138****8000`", body: tradeInListSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "GET",
    path: "/admin/trade-ins/{id}",
    auth: "operator",
    function: "getTradeIn",
    docs: {
      operationId: "getTradeIn",
      tag: "programmes",
      summary: "One trade-in record whole, with its evidence",
      description: "The only route that shows the buyer's name and phone whole: each read writes a `trade-in.view` entry to the audit trail (TRADE_IN#<id>). Attachments carry presigned GETs valid for 15 minutes.",
      request: idPath("The trade-in record"),
      answers: { 200: { description: "The record", body: tradeInDetailSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND"],
    },
  },
  {
    method: "POST",
    path: "/admin/trade-ins/{id}/approve",
    auth: "operator",
    function: "reviewTradeIns",
    docs: {
      operationId: "approveTradeIn",
      tag: "programmes",
      summary: "Approve a trade-in record's subsidy",
      description:
        "Commits the subsidy to the programme's budget in the one approval write (409 PROGRAMME_BUDGET_EXCEEDED); only a SUBMITTED record (409 NOT_SUBMITTED). " +
        "Audited. Then paid once through the merchant's acquiring partner, like an award (idempotency key `trade-in/<id>`): PAID, or FAILED for a retry.",
      request: { ...idPath("The trade-in record"), body: tradeInApprovalSchema, bodyOptional: true },
      answers: { 200: { description: "APPROVED, with the amount to pay", body: tradeInReviewedSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "NOT_SUBMITTED", "PROGRAMME_BUDGET_EXCEEDED"],
    },
  },
  {
    method: "POST",
    path: "/admin/trade-ins/{id}/reject",
    auth: "operator",
    function: "reviewTradeIns",
    docs: {
      operationId: "rejectTradeIn",
      tag: "programmes",
      summary: "Reject a trade-in record, with a reason",
      request: { ...idPath("The trade-in record"), body: tradeInRejectionSchema },
      answers: { 200: { description: "REJECTED", body: tradeInReviewedSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "NOT_SUBMITTED"],
    },
  },
  {
    method: "POST",
    path: "/admin/trade-ins/{id}/retry-payout",
    auth: "operator",
    function: "reviewTradeIns",
    docs: {
      operationId: "retryTradeInPayout",
      tag: "programmes",
      summary: "Send a FAILED trade-in subsidy's payout again",
      description: "Once the cause is fixed (the merchant reinstated, the partner's endpoint back): FAILED → APPROVED and to the payout queue, under the same idempotency key `trade-in/<id>`. Audited.",
      request: idPath("The trade-in record"),
      answers: { 202: { description: "APPROVED again, its payout queued", body: tradeInReviewedSchema } },
      errors: ["VALIDATION_FAILED", "NOT_FOUND", "INVALID_STATE"],
    },
  },
  {
    method: "POST",
    path: "/admin/trade-ins/approve",
    auth: "operator",
    function: "reviewTradeIns",
    docs: {
      operationId: "approveTradeIns",
      tag: "programmes",
      summary: "Approve trade-in records in a batch",
      description: "Each as if approved alone, in the order given (the budget is spent in that order); what cannot be approved is listed with the code approving it alone would answer (NOT_FOUND, NOT_SUBMITTED, PROGRAMME_BUDGET_EXCEEDED).",
      request: { body: tradeInBatchApprovalSchema },
      answers: { 200: { description: "What was approved and what was refused", body: tradeInBatchResultSchema } },
      errors: ["VALIDATION_FAILED"],
    },
  },
] as const satisfies readonly RouteDeclaration<string>[];
