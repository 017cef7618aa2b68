/**
 * Our own retries, only for what the SDK's retry strategy cannot see (shared/clients.ts retries
 * throttling and transient faults itself): a transaction conflict, and a transaction cancelled
 * because one of its items conflicted or was throttled while none failed its own condition. The
 * SDK takes a cancelled transaction for a final answer and never sends it again.
 *
 * Throttling that outlasted the SDK's tries is not tried again here (that once made a throttled
 * call run up to 12 times): it becomes a ThrottledError at once (429 with Retry-After), so the
 * client backs off instead of hammering. Conflicts that persist end the same way. Anything else is
 * rethrown at once (a 500 may have committed; the SDK retries those itself with the same
 * transaction token).
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
import { cancellationReasons } from "./dynamo.js";
import { backoffDelay, sleep } from "../domain/backoff.js";

export interface RetryOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Seconds the client is told to wait when throttling or conflicts persist. */
  retryAfterSeconds?: number;
}

/** Cancellation reasons worth another try of the whole transaction. */
const RETRYABLE_REASONS = new Set(["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"]);

/** Whether DynamoDB refused the call for throttling (the SDK has retried it already). */
export function isThrottling(error: unknown): boolean {
  return error instanceof ThrottlingException || error instanceof ProvisionedThroughputExceededException || error instanceof RequestLimitExceeded;
}

/** Whether our own code tries this again: a conflict, which the SDK does not retry. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TransactionConflictException) return true;
  // A cancelled transaction is retryable only if no item failed its own condition.
  if (error instanceof TransactionCanceledException) {
    const codes = cancellationReasons(error);
    return codes.some((code) => RETRYABLE_REASONS.has(code)) && !codes.includes("ConditionalCheckFailed");
  }
  return false;
}

/**
 * Runs `operation`, retrying conflicts ({@link isRetryable}) up to `attempts` tries with
 * full-jitter exponential back-off. Throws ThrottledError when the tries run out, and at once on
 * throttling, which the SDK has already retried.
 */
export async function withRetries<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 20;
  const max = options.maxDelayMs ?? 320;
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      const throttled = isThrottling(error);
      if (!throttled && !isRetryable(error)) throw error;
      if (throttled || attempt >= attempts) {
        throw new ThrottledError("The platform is busy; try again shortly", options.retryAfterSeconds ?? 1, { cause: error });
      }
      await wait(backoffDelay(attempt, { baseMs: base, maxMs: max, random }));
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
        if (!isThrottling(error) && !isRetryable(error) && !(status !== undefined && status >= 400 && status < 500)) outcomeUnknown = true;
        throw error;
      }
    },
    // Below the SDK's retry middleware, so it sees every try.
    // (override: a document command's stack is merged into its inner command's twice.)
    { step: "finalizeRequest", priority: "low", name: "sentAtMostOnce", override: true },
  );
  return command;
}
