/**
 * Payouts of PENDING statements: the attempts counted on a statement, and the sparse `payoutDue`
 * index on which the ticker's sweep finds the statements whose payout message it re-sends.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { PAYOUT_DUE, statementKey } from "./keys.js";
import { conditional, queryPage } from "./dynamo.js";
import { type StatementRecord, statementRecordSchema } from "./statements.js";
import { indexName } from "../wiring/indexes.js";

/** Counts a failed payout attempt on a PENDING statement, with its error (for operators). */
export async function recordPayoutAttempt(
  db: DynamoDBDocumentClient,
  table: string,
  statement: Pick<StatementRecord, "campaignId" | "merchantId" | "period">,
  error: string | undefined,
  at: string,
): Promise<void> {
  await conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: statementKey(statement.campaignId, statement.merchantId, statement.period),
        UpdateExpression: error === undefined ? "SET updatedAt = :at ADD payoutAttempts :one" : "SET updatedAt = :at, lastPayoutError = :error ADD payoutAttempts :one",
        ConditionExpression: "#status = :pending",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":at": at, ":one": 1, ":pending": "PENDING", ...(error === undefined ? {} : { ":error": error.slice(0, 500) }) },
      }),
    ),
  );
}

/**
 * PENDING statements due for the sweep's payout re-send (`payoutDueAt` ≤ `now`), oldest first, at
 * most `limit`, from the sparse `payoutDue` index (eventually consistent: the caller re-reads each).
 */
export async function queryPayoutsDue(db: DynamoDBDocumentClient, table: string, now: string, limit: number): Promise<StatementRecord[]> {
  const { items } = await queryPage(db, {
    TableName: table,
    IndexName: indexName("settlements", "payoutDue"),
    KeyConditionExpression: "payoutDue = :due AND payoutDueAt <= :now",
    ExpressionAttributeValues: { ":due": PAYOUT_DUE, ":now": now },
    Limit: limit,
  });
  return items.map((item) => statementRecordSchema.parse(item));
}

/**
 * Pushes a PENDING statement's next re-send to `next`, counting the re-send, only if it is still
 * PENDING and due at `due` (as read): of two sweeps that read it, one moves it. False otherwise.
 */
export async function deferPayoutDue(
  db: DynamoDBDocumentClient,
  table: string,
  statement: Pick<StatementRecord, "campaignId" | "merchantId" | "period">,
  change: { due: string; next: string; at: string },
): Promise<boolean> {
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: statementKey(statement.campaignId, statement.merchantId, statement.period),
        UpdateExpression: "SET payoutDueAt = :next, lastPayoutResentAt = :at ADD payoutResends :one",
        ConditionExpression: "#status = :pending AND payoutDueAt = :due",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":next": change.next, ":at": change.at, ":one": 1, ":pending": "PENDING", ":due": change.due },
      }),
    ),
  );
}
