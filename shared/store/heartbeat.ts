/**
 * The ticker's heartbeat: one item in the operations table, so operators can
 * see that the schedule fires by reading it. The write is idempotent per scheduled time: a redelivered firing
 * does not count twice.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { conditional } from "./dynamo.js";

const KEY = { pk: "TICKER", sk: "HEARTBEAT" } as const;

export const heartbeatSchema = z.object({
  lastScheduledTime: z.string(),
  lastTickAt: z.string(),
  ticks: z.number().int().nonnegative(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/**
 * Records a firing of the ticker. Returns false when this scheduled time was already recorded
 * (EventBridge Scheduler delivers at least once).
 */
export async function recordTick(
  db: DynamoDBDocumentClient,
  table: string,
  tick: { scheduledTime: string; at: string },
): Promise<boolean> {
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: KEY,
        UpdateExpression: "SET lastScheduledTime = :scheduled, lastTickAt = :at ADD ticks :one",
        // Only a later scheduled time counts, so a redelivery or a late duplicate is a no-op.
        ConditionExpression: "attribute_not_exists(lastScheduledTime) OR lastScheduledTime < :scheduled",
        ExpressionAttributeValues: { ":scheduled": tick.scheduledTime, ":at": tick.at, ":one": 1 },
      }),
    ),
  );
}

/** The last recorded firing, or undefined before the first. */
export async function readHeartbeat(db: DynamoDBDocumentClient, table: string): Promise<Heartbeat | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: KEY, ConsistentRead: true }));
  return Item ? heartbeatSchema.parse(Item) : undefined;
}
