/**
 * The campaign replicator (stream of the campaigns table, KEYS_ONLY): every campaign whose item or
 * drops changed is read again strongly consistent and written to its read copies
 * (shared/use-cases/campaign-copies.ts, with the crash analysis). The copies' own records are
 * ignored. A campaign that failed reports its records as batch item failures, so the stream
 * delivers them (and those after them) again; writing the copies again is harmless.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { campaignCopiesKept } from "../../shared/config.js";
import { dependenciesOf } from "../../shared/dependencies.js";
import { logger } from "../../shared/logger.js";
import { tracedHandler } from "../../shared/observability/tracing.js";
import { streamKeyChanges } from "../../shared/streams/changes.js";
import { copyChangedCampaigns } from "../../shared/use-cases/campaign-copies.js";

export const handler = tracedHandler(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const outcome = await copyChangedCampaigns({ ...dependenciesOf("copyCampaign"), changes: streamKeyChanges(event), copies: campaignCopiesKept() });
  if (outcome.campaigns > 0) logger.info("campaign copies refreshed", { records: event.Records.length, ...outcome, failed: outcome.failed.length });
  return { batchItemFailures: outcome.failed.map((itemIdentifier) => ({ itemIdentifier })) };
});
