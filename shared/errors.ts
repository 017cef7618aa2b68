/**
 * The one errors module (docs/architecture.md, "Error model").
 *
 * - A `DomainError` is an answer the caller may see: a stable `code` from {@link ERROR_CODES}, its
 *   HTTP status, whether its message may be shown, and `details` for the caller.
 * - A `PlatformFault` is the platform's own trouble (bad configuration, data that contradicts an
 *   invariant, a payout that did not go through): it carries context for the logs and the
 *   operator, and becomes a generic 500 that leaks nothing if it reaches a caller.
 *
 * HTTP mapping happens in one place (`shared/http/route.ts`); nothing else switches on errors.
 */

/**
 * Every error code an HTTP answer can carry, with its status. API.md names them; what each means
 * is in shared/api/error-descriptions.ts, beside the OpenAPI generator that lists them per route
 * (prose that no Lambda bundle needs: about 3 KB of each, the claim handler's budget, issue 16).
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400 },
  BUDGET_EXCEEDED: { status: 400 },
  OCCURRED_IN_FUTURE: { status: 400 },
  AMOUNT_OUT_OF_RANGE: { status: 400 },
  REFUND_BEFORE_PAYMENT: { status: 400 },
  REFUND_EXCEEDS_PAYMENT: { status: 400 },
  ATTACHMENT_INVALID: { status: 400 },
  NO_BASE_YEAR_SALES: { status: 400 },
  UNAUTHORIZED: { status: 401 },
  FORBIDDEN: { status: 403 },
  NOT_FOUND: { status: 404 },
  ALREADY_EXISTS: { status: 409 },
  NOT_DRAFT: { status: 409 },
  INVALID_STATE: { status: 409 },
  CONCURRENT_UPDATE: { status: 409 },
  DROP_NOT_OPEN: { status: 409 },
  SOLD_OUT: { status: 409 },
  LIMIT_REACHED: { status: 409 },
  NOT_REGISTERED: { status: 409 },
  CARD_LINKED_ELSEWHERE: { status: 409 },
  REGISTRATION_CLOSED: { status: 409 },
  NOT_A_LOTTERY_DROP: { status: 409 },
  LOTTERY_DROP: { status: 409 },
  REGISTRATION_OPEN: { status: 409 },
  NOT_DRAWN: { status: 404 },
  FILING_CLOSED: { status: 409 },
  NOT_FILED: { status: 409 },
  MONTH_NOT_ENDED: { status: 409 },
  ALREADY_APPLIED: { status: 409 },
  DUPLICATE_INVOICE: { status: 409 },
  NOT_SUBMITTED: { status: 409 },
  PROGRAMME_BUDGET_EXCEEDED: { status: 409 },
  EXCLUSIVE_AWARD: { status: 409 },
  IDEMPOTENCY_IN_PROGRESS: { status: 409 },
  TOO_MANY_REFUNDS: { status: 409 },
  IDEMPOTENCY_KEY_REUSED: { status: 422 },
  THROTTLED: { status: 429 },
  INTERNAL: { status: 500 },
  UNAVAILABLE: { status: 503 },
} as const satisfies Record<string, { status: number }>;

/** A code an HTTP answer can carry. */
export type ErrorCode = keyof typeof ERROR_CODES;

export interface DomainErrorOptions {
  cause?: unknown;
  details?: unknown;
}

/** An answer the caller may see, with a stable code; its status follows from the code. */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** Whether the message may be shown to the caller; internal detail never is. */
  readonly expose: boolean = true;
  readonly details: unknown;

  constructor(message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
  }

  /** The HTTP status of the code (ERROR_CODES). */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/**
 * The platform's own fault, never the caller's: it answers a generic 500 and leaks nothing, while
 * `context` tells the logs and the operator what went wrong.
 */
export abstract class PlatformFault extends Error {
  readonly expose = false;
  readonly status = 500;

  constructor(
    message: string,
    readonly context: Readonly<Record<string, unknown>> = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

// ---------------------------------------------------------------------------------------------
// Requests and callers

/** A body, query or path parameter failed its schema; `details` holds the zod issues. */
export class ValidationError extends DomainError {
  readonly code = "VALIDATION_FAILED";
}

/** No token, or a token that is malformed, expired or badly signed. */
export class UnauthorizedError extends DomainError {
  readonly code = "UNAUTHORIZED";
}

/** A valid caller without the right: an operator route without the `operators` group. */
export class ForbiddenError extends DomainError {
  readonly code = "FORBIDDEN";
}

export class NotFoundError extends DomainError {
  readonly code = "NOT_FOUND";
}

/** DynamoDB kept throttling after bounded retries; the caller should come back later. */
export class ThrottledError extends DomainError {
  readonly code = "THROTTLED";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options: DomainErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** A dependency the request needs is unreachable (health checks report it this way). */
export class UnavailableError extends DomainError {
  readonly code = "UNAVAILABLE";
}

/** A resource, a campaign or a drop of one, with this id already exists. */
export class AlreadyExistsError extends DomainError {
  readonly code = "ALREADY_EXISTS";
}

/** The resource kept changing under a write that must see it whole; the caller may try again. */
export class ConcurrentUpdateError extends DomainError {
  readonly code = "CONCURRENT_UPDATE";
}

/**
 * The resource's status does not allow the operation: resuming a draft campaign, approving a
 * suspended merchant, deciding a flag that is not open, retrying a payout that did not fail.
 * `details.status` names the status it is in.
 */
export class InvalidStateError extends DomainError {
  readonly code = "INVALID_STATE";
}

// ---------------------------------------------------------------------------------------------
// Campaigns

/** One problem of a campaign definition: a dot-joined path (`drops.1.opensAt`) and a sentence. */
export interface CampaignIssue {
  path: string;
  message: string;
}

/** The figures of a budget overrun, in fen: `excess` = `committed` − `budget`. */
export interface BudgetFigures {
  budget: number;
  committed: number;
  excess: number;
}

/**
 * A campaign (or a drop added to one) is malformed or inconsistent; `details` lists every
 * issue at once. A ValidationError, so it maps like any other bad body.
 */
export class CampaignInvalidError extends ValidationError {
  declare readonly details: CampaignIssue[];

  constructor(issues: CampaignIssue[], message = "The campaign is invalid") {
    super(message, { details: issues });
  }
}

/**
 * Σ stock × discount over the drops would exceed the campaign's budget. The message (with the
 * figures in yuan) is the caller's, so this module needs no money formatting.
 */
export class BudgetExceededError extends DomainError {
  readonly code = "BUDGET_EXCEEDED";
  declare readonly details: BudgetFigures;

  constructor(message: string, figures: { budget: number; committed: number }) {
    super(message, { details: { budget: figures.budget, committed: figures.committed, excess: figures.committed - figures.budget } });
  }
}

/** Only a DRAFT campaign may be replaced; published ones change through their own routes. */
export class NotDraftError extends DomainError {
  readonly code = "NOT_DRAFT";
}

// ---------------------------------------------------------------------------------------------
// Claims

/** The drop is not open now: before it opens, after it closes, or the campaign is paused. */
export class DropNotOpenError extends DomainError {
  readonly code = "DROP_NOT_OPEN";
}

/** Every unit of this drop and voucher type is taken. */
export class SoldOutError extends DomainError {
  readonly code = "SOLD_OUT";
}

/** The person already holds the campaign's per-person limit of vouchers (spent ones count). */
export class LimitReachedError extends DomainError {
  readonly code = "LIMIT_REACHED";
}

/** The drop is for residents registered for the campaign (`audience: "registered"`), and this one is not. */
export class NotRegisteredError extends DomainError {
  readonly code = "NOT_REGISTERED";
}

/** A partner's card token is already linked to another resident; links never move. */
export class CardLinkedElsewhereError extends DomainError {
  readonly code = "CARD_LINKED_ELSEWHERE";
}

/** A registration outside the lottery drop's registration window (or while the campaign is paused). */
export class RegistrationClosedError extends DomainError {
  readonly code = "REGISTRATION_CLOSED";
}

/** A registration for a drop that is not allocated by a lottery. */
export class NotALotteryDropError extends DomainError {
  readonly code = "NOT_A_LOTTERY_DROP";
}

/** A claim on a drop allocated by a lottery. */
export class LotteryDropError extends DomainError {
  readonly code = "LOTTERY_DROP";
}

/** A draw asked for before the registration window closed. */
export class RegistrationOpenError extends DomainError {
  readonly code = "REGISTRATION_OPEN";
}

/** The published result of a draw that has not happened yet. */
export class NotDrawnError extends DomainError {
  readonly code = "NOT_DRAWN";
}

/** The same Idempotency-Key is still being processed; the client should retry after a moment. */
export class IdempotencyInProgressError extends DomainError {
  readonly code = "IDEMPOTENCY_IN_PROGRESS";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options: DomainErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The Idempotency-Key was used before with a different request. */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = "IDEMPOTENCY_KEY_REUSED";
}

// ---------------------------------------------------------------------------------------------
// Partner requests

/** `occurredAt` is more than the clock tolerance (5 min) after the moment we received it. */
export class OccurredInFutureError extends DomainError {
  readonly code = "OCCURRED_IN_FUTURE";
}

/** An integer amount outside 1 … the configured maximum. */
export class AmountOutOfRangeError extends DomainError {
  readonly code = "AMOUNT_OUT_OF_RANGE";
}

/** A refund dated before the payment it refunds. */
export class RefundBeforePaymentError extends DomainError {
  readonly code = "REFUND_BEFORE_PAYMENT";
}

/** A refund of more than what remains of its payment. */
export class RefundExceedsPaymentError extends DomainError {
  readonly code = "REFUND_EXCEEDS_PAYMENT";
}

/** A transaction has had as many refund events as its record keeps (MAX_REFUND_EVENTS). */
export class TooManyRefundsError extends DomainError {
  readonly code = "TOO_MANY_REFUNDS";
}

/** A second trade-in record of one invoice in a programme: one invoice is subsidised once. */
export class DuplicateInvoiceError extends DomainError {
  readonly code = "DUPLICATE_INVOICE";
}

/** An evidence file referenced by an application or trade-in that cannot serve as evidence. */
export class AttachmentInvalidError extends DomainError {
  readonly code = "ATTACHMENT_INVALID";
}

// ---------------------------------------------------------------------------------------------
// Merchant programmes

/** A growth reward whose base-year sales are 0: growth is undefined, so no tier can be judged. */
export class NoBaseYearSalesError extends DomainError {
  readonly code = "NO_BASE_YEAR_SALES";
}

/** A filing after the programme's period ended. */
export class FilingClosedError extends DomainError {
  readonly code = "FILING_CLOSED";
}

/** An application without the filing it needs. */
export class NotFiledError extends DomainError {
  readonly code = "NOT_FILED";
}

/** A growth-reward month that has not ended in the programme's zone, or lies outside its period. */
export class MonthNotEndedError extends DomainError {
  readonly code = "MONTH_NOT_ENDED";
}

/** A second application for the same programme (and month). */
export class AlreadyAppliedError extends DomainError {
  readonly code = "ALREADY_APPLIED";
}

/** A review (or resubmission) of an application or record not in the status it needs. */
export class NotSubmittedError extends DomainError {
  readonly code = "NOT_SUBMITTED";
}

/** An approval that would commit more than the programme's budget. */
export class ProgrammeBudgetExceededError extends DomainError {
  readonly code = "PROGRAMME_BUDGET_EXCEEDED";
}

/** An approval of a merchant another programme of the same exclusive group awarded already. */
export class ExclusiveAwardError extends DomainError {
  readonly code = "EXCLUSIVE_AWARD";
}

// ---------------------------------------------------------------------------------------------
// Platform faults

/** A missing or malformed setting: a deployment fault, never the caller's. */
export class ConfigurationError extends PlatformFault {}

/**
 * The stored data contradicts an invariant (more vouchers issued than stock, a voucher type the
 * campaign does not define). Drop close stops rather than guess: an operator must look.
 */
export class DropCloseInvariantError extends PlatformFault {}

/**
 * A target drop refused the roll-in: it is closing or closed and does not carry this source's
 * marker. Drops are closed in close-time order and a target opens after its source closes, so
 * this means the data was changed by hand; the source stays `closing` until an operator looks.
 */
export class RollInRefusedError extends PlatformFault {}

/**
 * A buyer's encrypted field that cannot be opened with this platform's key, or whose encryption
 * context names another record or field: a ciphertext moved between records, or the wrong key.
 */
export class FieldDecryptionError extends PlatformFault {}

/** A payout that did not go through in this delivery; the message fails and SQS delivers it again, then to the DLQ. */
export class PayoutFailedError extends PlatformFault {}

/**
 * Thrown instead of sending a non-idempotent write again after a try whose outcome is unknown:
 * that try may have been applied, and a second would apply it twice.
 */
export class NotSentAgainError extends PlatformFault {}

/**
 * A sum of fen that is not a safe integer: no JavaScript number (nor JSON number read by one)
 * carries it exactly, so it is refused rather than rounded. A RangeError, as for any number out
 * of range; the platform's fault when it reaches a caller.
 */
export class FenOverflowError extends RangeError {
  readonly expose = false;
  readonly status = 500;
  constructor(readonly total: bigint) {
    super(`the sum ${total} fen is beyond ±${Number.MAX_SAFE_INTEGER} (2^53 − 1), the largest whole number of fen a number holds exactly`);
    this.name = "FenOverflowError";
  }
}
