/**
 * The fraud detector (stream of the redemptions table): each new ledger record is applied to the
 * detector's state once and judged by the campaign's rules; hits become flags in the review queue.
 * A failure fails the whole batch; the redelivery is harmless, since each record is applied once
 * (its marker) and finds the flags it raised (deterministic ids).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { documents } from "../../shared/clients.js";
import { tableName } from "../../shared/config.js";
import { logger } from "../../shared/logger.js";
import { detectFraud } from "../../shared/operations/fraud.js";
import type { StreamChange } from "../../shared/operations/stats.js";

const image = (value: unknown) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);

export const handler = async (event: DynamoDBStreamEvent): Promise<{ batchItemFailures: [] }> => {
  const changes: StreamChange[] = event.Records.map((record) => ({
    eventId: record.eventID!,
    eventName: record.eventName!,
    oldImage: image(record.dynamodb?.OldImage),
    newImage: image(record.dynamodb?.NewImage),
  }));
  const outcome = await detectFraud({
    db: documents(),
    tables: { fraud: tableName("fraud"), merchants: tableName("merchants"), audit: tableName("audit") },
    now: () => new Date(),
    changes,
  });
  if (outcome.hits > 0 || outcome.suspended > 0) logger.info("fraud hits", { records: event.Records.length, ...outcome });
  return { batchItemFailures: [] };
};
