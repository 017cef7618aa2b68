/**
 * The stats projector (streams of the vouchers and redemptions tables): each batch's changes are
 * counted into `stats` exactly once. A failure fails the whole batch; the redelivery is harmless,
 * since every change already counted is recognised by its stream record id.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { documents } from "../../shared/clients.js";
import { tableName } from "../../shared/config.js";
import { logger } from "../../shared/logger.js";
import { type StreamChange, projectStats } from "../../shared/operations/stats.js";

const image = (value: unknown) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);

export const handler = async (event: DynamoDBStreamEvent): Promise<{ batchItemFailures: [] }> => {
  const changes: StreamChange[] = event.Records.map((record) => ({
    eventId: record.eventID!,
    eventName: record.eventName!,
    oldImage: image(record.dynamodb?.OldImage),
    newImage: image(record.dynamodb?.NewImage),
  }));
  const outcome = await projectStats({
    db: documents(),
    tables: { stats: tableName("stats"), campaigns: tableName("campaigns"), merchants: tableName("merchants") },
    now: () => new Date(),
    changes,
  });
  logger.info("projected", { records: event.Records.length, ...outcome });
  return { batchItemFailures: [] };
};
