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
import { ThrottledError } from "../errors.js";

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
