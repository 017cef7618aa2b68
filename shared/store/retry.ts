/**
 * Bounded retries with full jitter for the faults DynamoDB expects callers to retry: throttling
 * and transaction conflicts. Anything else is rethrown at once (a 500 may have committed; the SDK
 * retries those itself with the same transaction token); throttling that persists becomes
 * a ThrottledError (429 with Retry-After) so the client backs off instead of hammering.
 */
import {
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from "@aws-sdk/client-dynamodb";
import type { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { NotSentAgainError, ThrottledError } from "../errors.js";

export interface RetryOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Seconds the client is told to wait when throttling persists. */
  retryAfterSeconds?: number;
}

const RETRYABLE_REASONS = new Set(["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"]);

/** Whether DynamoDB asks for this error to be retried. */
export function isRetryable(error: unknown): boolean {
  if (
    error instanceof ThrottlingException ||
    error instanceof ProvisionedThroughputExceededException ||
    error instanceof RequestLimitExceeded ||
    error instanceof TransactionConflictException
  ) {
    return true;
  }
  // A cancelled transaction is retryable only if no item failed its own condition.
  if (error instanceof TransactionCanceledException) {
    const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? "None");
    return codes.some((code) => RETRYABLE_REASONS.has(code)) && !codes.includes("ConditionalCheckFailed");
  }
  return false;
}

/**
 * Runs `operation`, retrying retryable DynamoDB errors up to `attempts` tries with full-jitter
 * exponential back-off. When the tries run out on a retryable error, throws ThrottledError.
 */
export async function withRetries<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 20;
  const max = options.maxDelayMs ?? 320;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt >= attempts) {
        throw new ThrottledError("The platform is busy; try again shortly", options.retryAfterSeconds ?? 1, { cause: error });
      }
      await sleep(Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1))));
    }
  }
}

/**
 * Lets the SDK send `command` again only after tries that DynamoDB refused (a 4xx answer, such as
 * throttling): those wrote nothing. After a try whose outcome is unknown (a dropped connection, a
 * timeout, a 5xx), the SDK's own retry would send the write a second time, which for an `ADD` is
 * a second increment; instead the command fails with NotSentAgainError and the caller treats the
 * outcome as unknown. For writes that are not idempotent and have no transaction token.
 */
export function sentAtMostOnce<C extends { middlewareStack: UpdateCommand["middlewareStack"] }>(command: C): C {
  let outcomeUnknown = false;
  command.middlewareStack.add(
    (next) => async (args) => {
      if (outcomeUnknown) throw new NotSentAgainError("not sent again: an earlier try may have been applied");
      try {
        return await next(args);
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (!isRetryable(error) && !(status !== undefined && status >= 400 && status < 500)) outcomeUnknown = true;
        throw error;
      }
    },
    // Below the SDK's retry middleware, so it sees every try.
    // (override: a document command's stack is merged into its inner command's twice.)
    { step: "finalizeRequest", priority: "low", name: "sentAtMostOnce", override: true },
  );
  return command;
}
