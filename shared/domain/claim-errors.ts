/** The answers a claim can end with besides a voucher (docs/openapi.json lists them per route). */
import { DomainError, type DomainErrorOptions } from "../errors.js";

/** The drop is not open now: before it opens, after it closes, or the campaign is paused. */
export class DropNotOpenError extends DomainError {
  readonly code = "DROP_NOT_OPEN";
  readonly status = 409;
}

/** Every unit of this drop and voucher type is taken. */
export class SoldOutError extends DomainError {
  readonly code = "SOLD_OUT";
  readonly status = 409;
}

/** The person already holds the campaign's per-person limit of vouchers (spent ones count). */
export class LimitReachedError extends DomainError {
  readonly code = "LIMIT_REACHED";
  readonly status = 409;
}

/** The same Idempotency-Key is still being processed; the client should retry after a moment. */
export class IdempotencyInProgressError extends DomainError {
  readonly code = "IDEMPOTENCY_IN_PROGRESS";
  readonly status = 409;
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
  readonly status = 422;
}
