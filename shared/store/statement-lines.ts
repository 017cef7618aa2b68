/**
 * What a statement holds: its lines (the settlements table, `statementLinesPartition(campaign,
 * merchant, period)`), a copy of each ledger record it holds and a carry line for each CARRIED
 * statement folded into it.
 *
 * - Records enter a statement one transaction at a time (up to 33 records per call): the ledger
 *   record is taken into the statement and its unsettled marker deleted (store/ledger.ts
 *   holdInStatementItems) and a copy is put among the statement's lines (only if absent). A record
 *   is therefore held by exactly one statement, and a statement's lines are exactly its records.
 * - Carried statements fold in the same way: `carriedInto` is set once, with a line of its own.
 * - Each of those transactions also counts its lines on the statement (`lineCount`), only while it
 *   is BUILDING (see finishStatement in store/statements.ts).
 */
import { TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { type LedgerRecord, ledgerRecordSchema } from "../domain/ledger.js";
import { CARRY_LINE_PREFIX, statementKey, statementLinesPartition, statementPartition } from "./keys.js";
import { cancellationReasons, queryAll, queryPages } from "./dynamo.js";
import { holdInStatementItems, ledgerRecordSortKey } from "./ledger.js";
import { withRetries } from "./retry.js";
import { type StatementRecord, readStatement, statementRecordSchema } from "./statements.js";
import { markForfeited } from "./transactions.js";

/** Records per transaction: three items each (ledger record, marker, line), plus the statement's count: 100, DynamoDB's limit. */
export const RECORDS_PER_TRANSACTION = 33;

/**
 * Puts `records` in `statement`, a transaction per RECORDS_PER_TRANSACTION records. A record
 * another statement took meanwhile (its condition fails) is left out and the rest go again.
 * Stops when the statement is no longer BUILDING (another delivery finished it): what is left
 * waits for a later statement. Returns how many records this call put in the statement.
 */
export async function holdRecords(
  db: DynamoDBDocumentClient,
  tables: { redemptions: string; settlements: string },
  statement: Pick<StatementRecord, "statementId" | "campaignId" | "merchantId" | "period">,
  records: readonly LedgerRecord[],
): Promise<number> {
  let held = 0;
  for (let i = 0; i < records.length; i += RECORDS_PER_TRANSACTION) {
    let chunk = records.slice(i, i + RECORDS_PER_TRANSACTION);
    while (chunk.length > 0) {
      const taken = await withRetries(() => holdChunk(db, tables, statement, chunk), { attempts: 6, maxDelayMs: 1_000 });
      if (taken === "finished") return held;
      if (taken.size === 0) {
        held += chunk.length;
        break;
      }
      chunk = chunk.filter((_, index) => !taken.has(index));
    }
  }
  return held;
}

/**
 * One transaction; returns the indexes of records whose conditions failed (empty: all held), or
 * "finished" when the statement is no longer BUILDING.
 */
async function holdChunk(
  db: DynamoDBDocumentClient,
  tables: { redemptions: string; settlements: string },
  statement: Pick<StatementRecord, "statementId" | "campaignId" | "merchantId" | "period">,
  chunk: readonly LedgerRecord[],
): Promise<Set<number> | "finished"> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          // First: the statement counts the lines, and takes them only while it is BUILDING.
          countLines(tables.settlements, statement, chunk.length),
          ...chunk.flatMap((record) => [
            ...holdInStatementItems(tables.redemptions, record, statement.statementId),
            {
              Put: {
                TableName: tables.settlements,
                Item: { pk: statementLinesPartition(statement.campaignId, statement.merchantId, statement.period), sk: ledgerRecordSortKey(record), ...record, statementId: statement.statementId },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
          ]),
        ],
      }),
    );
    return new Set();
  } catch (error) {
    const [counted, ...reasons] = cancellationReasons(error);
    if (counted === undefined) throw error;
    if (counted === "ConditionalCheckFailed") return "finished";
    const failed = new Set<number>();
    reasons.forEach((reason, index) => {
      if (reason === "ConditionalCheckFailed") failed.add(Math.floor(index / 3));
    });
    // A conflict (no condition failed): withRetries tries the same chunk again; throttling the SDK gave up on becomes THROTTLED.
    if (failed.size === 0) throw error;
    return failed;
  }
}

/** The update that counts `lines` new lines on a statement, only while it is BUILDING (see finishStatement). */
function countLines(table: string, statement: Pick<StatementRecord, "campaignId" | "merchantId" | "period">, lines: number) {
  return {
    Update: {
      TableName: table,
      Key: statementKey(statement.campaignId, statement.merchantId, statement.period),
      UpdateExpression: "ADD lineCount :lines",
      ConditionExpression: "#status = :building",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":lines": lines, ":building": "BUILDING" },
    },
  };
}

/** The CARRIED statements of (campaign, merchant) before `period` not yet folded into another. */
export async function readCarried(
  db: DynamoDBDocumentClient,
  table: string,
  input: { campaignId: string; merchantId: string; period: string },
): Promise<StatementRecord[]> {
  const found: StatementRecord[] = [];
  for (const item of await queryAll(db, {
    TableName: table,
    KeyConditionExpression: "pk = :pk AND sk < :period",
    FilterExpression: "#status = :carried AND attribute_not_exists(carriedInto)",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":pk": statementPartition(input.campaignId, input.merchantId), ":period": input.period, ":carried": "CARRIED" },
    ConsistentRead: true,
  })) found.push(statementRecordSchema.parse(item));
  return found;
}

/**
 * Folds a CARRIED statement into `into`: sets its `carriedInto` (once) and puts a carry line
 * with its payable, in one transaction, while `into` is BUILDING. False when another statement
 * folded it first, or `into` was finished meanwhile (it is folded into a later one).
 */
export async function foldCarried(
  db: DynamoDBDocumentClient,
  table: string,
  into: Pick<StatementRecord, "statementId" | "campaignId" | "merchantId" | "period">,
  carried: StatementRecord,
): Promise<boolean> {
  if (carried.payable === undefined) throw new Error(`carried statement ${carried.statementId} has no payable`);
  try {
    await withRetries(() =>
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: table,
                Key: statementKey(carried.campaignId, carried.merchantId, carried.period),
                UpdateExpression: "SET carriedInto = :into",
                ConditionExpression: "#status = :carried AND attribute_not_exists(carriedInto)",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":into": into.statementId, ":carried": "CARRIED" },
              },
            },
            {
              Put: {
                TableName: table,
                Item: {
                  pk: statementLinesPartition(into.campaignId, into.merchantId, into.period),
                  sk: `${CARRY_LINE_PREFIX}${carried.period}`,
                  carriedFrom: carried.statementId,
                  period: carried.period,
                  payable: carried.payable,
                },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            countLines(table, into, 1),
          ],
        }),
      ),
    );
    return true;
  } catch (error) {
    if (cancellationReasons(error).includes("ConditionalCheckFailed")) return false;
    throw error;
  }
}

const carryLineSchema = z.object({ carriedFrom: z.string(), period: z.string(), payable: z.int().nonpositive() });
export type CarryLine = z.infer<typeof carryLineSchema>;

/** Everything a statement holds: its records (oldest first) and the carried statements folded into it. Strongly consistent. */
export async function readLines(
  db: DynamoDBDocumentClient,
  table: string,
  key: { campaignId: string; merchantId: string; period: string },
): Promise<{ records: LedgerRecord[]; carried: CarryLine[] }> {
  const records: LedgerRecord[] = [];
  const carried: CarryLine[] = [];
  for await (const page of queryPages(db, {
    TableName: table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": statementLinesPartition(key.campaignId, key.merchantId, key.period) },
    ConsistentRead: true,
  })) {
    for (const item of page) {
      if (String(item.sk).startsWith(CARRY_LINE_PREFIX)) carried.push(carryLineSchema.parse(item));
      else records.push(ledgerRecordSchema.parse(item));
    }
  }
  return { records, carried };
}

/**
 * Marks the transaction record of each redemption a FORFEITED statement holds with `forfeitedBy`
 * (the statement's id), so that a later refund of it puts no reversal: the discount was never
 * paid, so there is nothing to charge back. Only records still REDEEMED without a refund are
 * marked; a mark once set stays. Idempotent, one conditional write per record, after the
 * statement's move (a statement may hold far more records than one transaction can): run again
 * by every enforcement of the flag. Returns how many records this call marked.
 */
export async function markForfeitedRecords(
  db: DynamoDBDocumentClient,
  tables: { redemptions: string; settlements: string },
  statement: Pick<StatementRecord, "campaignId" | "merchantId" | "period" | "statementId">,
): Promise<number> {
  const current = await readStatement(db, tables.settlements, statement);
  if (current?.status !== "FORFEITED") return 0;
  let marked = 0;
  const { records } = await readLines(db, tables.settlements, statement);
  for (const record of records) {
    if (record.kind !== "REDEMPTION") continue;
    const done = await markForfeited(db, tables.redemptions, record, statement.statementId);
    if (done) marked++;
  }
  return marked;
}
