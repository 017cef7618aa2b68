/**
 * The stats projector (streams of the vouchers and redemptions tables): each batch's changes are
 * counted into `stats` exactly once. A failure fails the whole batch; the redelivery is harmless,
 * since every change already counted is recognised by its stream record id.
 */
import type { DynamoDBStreamEvent } from "aws-lambda";
import { dependenciesOf } from "../../shared/dependencies.js";
import { logger } from "../../shared/logger.js";
import { tracedHandler } from "../../shared/observability/tracing.js";
import { streamChanges } from "../../shared/streams/changes.js";
import { projectStats } from "../../shared/use-cases/stats.js";

export const handler = tracedHandler(async (event: DynamoDBStreamEvent): Promise<{ batchItemFailures: [] }> => {
  const changes = streamChanges(event);
  const outcome = await projectStats({
    ...dependenciesOf("projectStats"),
    changes,
  });
  logger.info("projected", { records: event.Records.length, ...outcome });
  return { batchItemFailures: [] };
});
