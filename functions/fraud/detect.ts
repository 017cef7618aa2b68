/**
 * The fraud detector (stream of the redemptions table): each new ledger record is applied to the
 * detector's state once and judged by the campaign's rules; hits become flags in the review queue.
 * A failure fails the whole batch; the redelivery is harmless, since each record is applied once
 * (its marker) and finds the flags it raised (deterministic ids).
 */
import type { DynamoDBStreamEvent } from "aws-lambda";
import { dependenciesOf } from "../../shared/dependencies.js";
import { logger } from "../../shared/logger.js";
import { countFraudDetection } from "../../shared/observability/business-metrics.js";
import { tracedHandler } from "../../shared/observability/tracing.js";
import { streamChanges } from "../../shared/streams/changes.js";
import { detectFraud } from "../../shared/use-cases/fraud.js";

export const handler = tracedHandler(async (event: DynamoDBStreamEvent): Promise<{ batchItemFailures: [] }> => {
  const changes = streamChanges(event);
  const outcome = await detectFraud({
    ...dependenciesOf("detectFraud"),
    changes,
  });
  countFraudDetection(outcome);
  if (outcome.hits > 0 || outcome.suspended > 0) logger.info("fraud hits", { records: event.Records.length, ...outcome });
  return { batchItemFailures: [] };
});
