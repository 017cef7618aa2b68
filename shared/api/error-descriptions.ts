/**
 * What each error code means (shared/errors.ts `ERROR_CODES` has their statuses): the OpenAPI
 * document lists them per route (shared/api/openapi.ts). Kept apart from the errors module so
 * that no Lambda bundle carries the prose.
 */
import type { ErrorCode } from "../errors.js";

export const ERROR_DESCRIPTIONS = {
  VALIDATION_FAILED: "A body, query, header or path parameter failed its schema; `details` lists the issues.",
  BUDGET_EXCEEDED: "The drops would commit more subsidy than the campaign's budget; `details` has the figures.",
  OCCURRED_IN_FUTURE: "`occurredAt` lies more than 5 minutes after the moment the platform received the request.",
  AMOUNT_OUT_OF_RANGE: "An integer amount outside 1 … the configured maximum; `details` has `{amount, min, max}`.",
  REFUND_BEFORE_PAYMENT: "A refund dated before the payment it refunds.",
  REFUND_EXCEEDS_PAYMENT: "A refund of more than what remains of its payment.",
  ATTACHMENT_INVALID: "An attachment that is not the caller's, was never uploaded, or whose stored size or type is not the declared one; `details` names it.",
  NO_BASE_YEAR_SALES: "A growth reward cannot be computed: the month's sales a year earlier (`sales.lastYear`) are 0.",
  UNAUTHORIZED: "No token or signature, or one that is malformed, expired or wrong.",
  FORBIDDEN: "A valid caller without the right to this route.",
  NOT_FOUND: "No such resource (or route).",
  ALREADY_EXISTS: "A resource with this id already exists.",
  NOT_DRAFT: "Only a DRAFT campaign may be replaced.",
  INVALID_STATE: "The resource's status does not allow this operation; `details.status` names it.",
  CONCURRENT_UPDATE: "The resource kept changing under a write that must see it whole; try again.",
  DROP_NOT_OPEN: "The drop is not open now (before it opens, after it closes, or the campaign is paused).",
  SOLD_OUT: "Every unit of this drop and voucher type is taken.",
  LIMIT_REACHED: "The resident already holds the campaign's per-person limit of vouchers.",
  NOT_REGISTERED: "The drop is for residents registered for the campaign, and the caller is not.",
  CARD_LINKED_ELSEWHERE: "The card token is already linked to another resident at this partner (which resident is not disclosed).",
  REGISTRATION_CLOSED: "The lottery drop takes no registrations now (outside its registration window, or the campaign is paused).",
  NOT_A_LOTTERY_DROP: "Registration is only for drops with `allocation: \"lottery\"`.",
  LOTTERY_DROP: "The drop is allocated by a lottery: register for it instead of claiming.",
  REGISTRATION_OPEN: "The lottery drop's registration window has not closed yet, so it cannot be drawn.",
  NOT_DRAWN: "The lottery drop has not been drawn yet.",
  FILING_CLOSED: "The programme's period has ended: it takes no more filings.",
  NOT_FILED: "The merchant did not file for the programme (for a growth reward: before the month began).",
  MONTH_NOT_ENDED: "The month applied for has not ended in the programme's time zone, or lies outside its period.",
  ALREADY_APPLIED: "The merchant has applied already for this programme (and month).",
  DUPLICATE_INVOICE: "A trade-in record with this invoice number exists in the programme already; `details.tradeInId` names it.",
  NOT_SUBMITTED: "Only a SUBMITTED application or record can be reviewed (or a CHANGES_REQUESTED one resubmitted); `details.status` names its status.",
  PROGRAMME_BUDGET_EXCEEDED: "Approving would commit more than the programme's budget; `details` has `{budget, committed, amount}`.",
  EXCLUSIVE_AWARD: "The merchant is awarded already by another programme of the same exclusive group.",
  IDEMPOTENCY_IN_PROGRESS: "A request with this Idempotency-Key is still being processed; retry after `Retry-After`.",
  TOO_MANY_REFUNDS: "The transaction has had as many refund events as it can record.",
  IDEMPOTENCY_KEY_REUSED: "The Idempotency-Key was used before with a different request.",
  THROTTLED: "The platform is busy; retry after `Retry-After`.",
  INTERNAL: "An unexpected fault; nothing about it is disclosed.",
  UNAVAILABLE: "A dependency the request needs is unreachable.",
} as const satisfies Record<ErrorCode, string>;
