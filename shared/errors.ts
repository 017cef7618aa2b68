/**
 * The one error model (docs/architecture.md, "Error model"): every failure a caller may see is a DomainError with a
 * stable `code`, an HTTP status and whether its message may be shown. Anything else is a fault
 * and becomes a generic 500 that leaks nothing.
 */

export interface DomainErrorOptions {
  cause?: unknown;
  details?: unknown;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** Whether the message may be shown to the caller; internal detail never is. */
  readonly expose: boolean = true;
  readonly details: unknown;

  constructor(message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
  }
}

/** A body, query or path parameter failed its schema; `details` holds the zod issues. */
export class ValidationError extends DomainError {
  readonly code = "VALIDATION_FAILED";
  readonly status = 400;
}

/** No token, or a token that is malformed, expired or badly signed. */
export class UnauthorizedError extends DomainError {
  readonly code = "UNAUTHORIZED";
  readonly status = 401;
}

/** A valid caller without the right: an operator route without the `operators` group. */
export class ForbiddenError extends DomainError {
  readonly code = "FORBIDDEN";
  readonly status = 403;
}

export class NotFoundError extends DomainError {
  readonly code = "NOT_FOUND";
  readonly status = 404;
}

/** DynamoDB kept throttling after bounded retries; the caller should come back later. */
export class ThrottledError extends DomainError {
  readonly code = "THROTTLED";
  readonly status = 429;
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
  readonly status = 503;
}
