/**
 * The `settlements` table and the settlement side of the `redemptions` table.
 *
 * - A statement (`statementKey(campaign, merchant, period)`) is created once, conditionally, in
 *   status BUILDING with the cut-off of its run; a crashed build is finished by whoever delivers
 *   its message next, with the same cut-off.
 * - Records enter a statement one transaction at a time (up to 33 records per call): the ledger
 *   record gets the statement's id (only if it has none), its unsettled marker is deleted (only
 *   if present) and a copy is put among the statement's lines (only if absent). A record is
 *   therefore held by exactly one statement, and a statement's lines are exactly its records.
 * - Carried statements fold in the same way: `carriedInto` is set once, with a line of its own.
 * - Each of those transactions also counts its lines on the statement (`lineCount`), only while
 *   it is BUILDING, and the statement is finished only if the count is still that of the lines
 *   it was added up from: a delivery running late beside another (SQS may deliver a message
 *   twice at once) can neither add a line to a finished statement nor have one left out of it.
 * - Every later move of a statement (PENDING → PAID, → HELD, HELD → PENDING, PENDING → FAILED,
 *   FAILED → PENDING) is conditional on the status it leaves.
 * - Runs (`settlementRunKey(campaign, period)`) fix a period's cut-off on its first run.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { fen } from "../domain/money.js";
import { STATEMENT_STATUSES, type StatementStatus, type StatementTotals, payoutResendAt } from "../domain/settlement.js";
import { type AuditEntry, auditPut } from "./audit.js";
import {
  CARRY_LINE_PREFIX,
  HELD,
  PAYOUT_DUE,
  ledgerPartition,
  settlementRunKey,
  statementKey,
  statementLinesPartition,
  statementPartition,
  transactionKey,
  unsettledPartition,
} from "./keys.js";
import { type LedgerEntry, entrySortKey, ledgerEntrySchema } from "./redemptions.js";
import { withRetries } from "./retry.js";
import { queryAll } from "./dynamo.js";

// ---------------------------------------------------------------------------------------------
// Statements.

const totalsShape = {
  redemptionCount: z.int().nonnegative(),
  subsidy: fen,
  grossSales: fen,
  clawbackCount: z.int().nonnegative(),
  clawback: fen,
  cancelledCount: z.int().nonnegative(),
  net: z.int(),
  carriedIn: z.int().nonpositive(),
  payable: z.int(),
};

export const statementRecordSchema = z.object({
  statementId: z.string(),
  campaignId: z.string(),
  merchantId: z.string(),
  period: z.string(),
  status: z.enum(STATEMENT_STATUSES),
  /** UTC ISO: records with occurredAt before it belong to the statement's run. */
  cutoff: z.string(),
  /** UTC ISO: records recorded from this instant on arrived after the period's first run. */
  arrivedBefore: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  ...z.object(totalsShape).partial().shape,
  finishedAt: z.string().optional(),
  /** Lines put so far (records held and carried statements folded), counted by the transactions that put them. */
  lineCount: z.int().nonnegative().optional(),
  /** The statement a CARRIED statement was folded into. */
  carriedInto: z.string().optional(),
  /** The partner that acquired the merchant, paid through its payout endpoint. */
  partnerId: z.string().optional(),
  payoutAttempts: z.int().nonnegative().optional(),
  lastPayoutError: z.string().optional(),
  payoutId: z.string().optional(),
  paidAt: z.string().optional(),
  heldAt: z.string().optional(),
  releasedAt: z.string().optional(),
  failedAt: z.string().optional(),
  /** FORFEITED: when, and the operator's reason (a confirmed fraud flag). */
  forfeitedAt: z.string().optional(),
  forfeitReason: z.string().optional(),
  /** PENDING only: when the ticker's sweep re-sends the payout message if the statement is still PENDING (the `payoutDue` index). */
  payoutDueAt: z.string().optional(),
  /** Payout messages the sweep re-sent, and the latest. */
  payoutResends: z.int().nonnegative().optional(),
  lastPayoutResentAt: z.string().optional(),
});
export type StatementRecord = z.infer<typeof statementRecordSchema>;
export type FinishedStatement = StatementRecord & StatementTotals;

/** The statement, read strongly consistently, or undefined. */
export async function readStatement(
  db: DynamoDBDocumentClient,
  table: string,
  key: { campaignId: string; merchantId: string; period: string },
): Promise<StatementRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: statementKey(key.campaignId, key.merchantId, key.period), ConsistentRead: true }));
  return Item ? statementRecordSchema.parse(Item) : undefined;
}

/**
 * Creates the statement in status BUILDING unless one exists for its (campaign, merchant,
 * period): then the existing one comes back and nothing is written (invariant 5).
 */
export async function createStatement(db: DynamoDBDocumentClient, table: string, statement: StatementRecord): Promise<{ created: boolean; statement: StatementRecord }> {
  try {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...statementKey(statement.campaignId, statement.merchantId, statement.period),
          ...statement,
          lineCount: 0,
          // The `byPeriod` index lists a period's statements for operators.
          campaignMerchant: `${statement.campaignId}#${statement.merchantId}`,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return { created: true, statement };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const existing = await readStatement(db, table, statement);
    if (!existing) throw new Error(`statement ${statement.statementId} failed its condition but cannot be read`, { cause: error });
    return { created: false, statement: existing };
  }
}

/** The records no statement holds yet with occurredAt before `cutoff`, recorded before `arrivedBefore`, oldest first. */
export async function readUnsettled(
  db: DynamoDBDocumentClient,
  table: string,
  input: { campaignId: string; merchantId: string; cutoff: string; arrivedBefore: string },
): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  for (const item of await queryAll(db, {
    TableName: table,
    // Sort keys start with the UTC occurredAt, so "< cutoff" is "occurred before the cut-off".
    KeyConditionExpression: "pk = :pk AND sk < :cutoff",
    FilterExpression: "recordedAt < :arrivedBefore",
    ExpressionAttributeValues: {
      ":pk": unsettledPartition(input.campaignId, input.merchantId),
      ":cutoff": input.cutoff,
      ":arrivedBefore": input.arrivedBefore,
    },
    ConsistentRead: true,
  })) entries.push(ledgerEntrySchema.parse(item));
  return entries;
}

/** Records per transaction: three items each (ledger record, marker, line), plus the statement's count: 100, DynamoDB's limit. */
export const RECORDS_PER_TRANSACTION = 33;


/**
 * Puts `entries` in `statement`, a transaction per RECORDS_PER_TRANSACTION records. A record
 * another statement took meanwhile (its condition fails) is left out and the rest go again.
 * Stops when the statement is no longer BUILDING (another delivery finished it): what is left
 * waits for a later statement. Returns how many records this call put in the statement.
 */
export async function holdRecords(
  db: DynamoDBDocumentClient,
  tables: { redemptions: string; settlements: string },
  statement: Pick<StatementRecord, "statementId" | "campaignId" | "merchantId" | "period">,
  entries: readonly LedgerEntry[],
): Promise<number> {
  let held = 0;
  for (let i = 0; i < entries.length; i += RECORDS_PER_TRANSACTION) {
    let chunk = entries.slice(i, i + RECORDS_PER_TRANSACTION);
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
  chunk: readonly LedgerEntry[],
): Promise<Set<number> | "finished"> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          // First: the statement counts the lines, and takes them only while it is BUILDING.
          countLines(tables.settlements, statement, chunk.length),
          ...chunk.flatMap((entry) => {
            const sk = entrySortKey(entry);
            return [
              {
                Update: {
                  TableName: tables.redemptions,
                  Key: { pk: ledgerPartition(entry.campaignId, entry.merchantId), sk },
                  UpdateExpression: "SET statementId = :statement",
                  ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(statementId)",
                  ExpressionAttributeValues: { ":statement": statement.statementId },
                },
              },
              {
                Delete: {
                  TableName: tables.redemptions,
                  Key: { pk: unsettledPartition(entry.campaignId, entry.merchantId), sk },
                  ConditionExpression: "attribute_exists(pk)",
                },
              },
              {
                Put: {
                  TableName: tables.settlements,
                  Item: { pk: statementLinesPartition(statement.campaignId, statement.merchantId, statement.period), sk, ...entry, statementId: statement.statementId },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ];
          }),
        ],
      }),
    );
    return new Set();
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [counted, ...reasons] = error.CancellationReasons ?? [];
    if (counted?.Code === "ConditionalCheckFailed") return "finished";
    const failed = new Set<number>();
    reasons.forEach((reason, index) => {
      if (reason.Code === "ConditionalCheckFailed") failed.add(Math.floor(index / 3));
    });
    // Conflicts and throttling (no condition failed): withRetries tries the same chunk again.
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
    if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((reason) => reason.Code === "ConditionalCheckFailed")) return false;
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
): Promise<{ records: LedgerEntry[]; carried: CarryLine[] }> {
  const records: LedgerEntry[] = [];
  const carried: CarryLine[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": statementLinesPartition(key.campaignId, key.merchantId, key.period) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      if (String(item.sk).startsWith(CARRY_LINE_PREFIX)) carried.push(carryLineSchema.parse(item));
      else records.push(ledgerEntrySchema.parse(item));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { records, carried };
}

/**
 * Finishes a BUILDING statement with its totals and outcome, added up from `lines` lines (records
 * and carry lines, as read). False when it was finished already (a concurrent delivery won) or a
 * line was put since they were read (it is still BUILDING then); the caller re-reads it.
 */
export async function finishStatement(
  db: DynamoDBDocumentClient,
  table: string,
  statement: StatementRecord,
  finish: { totals: StatementTotals; status: "PENDING" | "HELD" | "CARRIED"; partnerId: string; at: string; lines: number },
): Promise<boolean> {
  const { totals } = finish;
  const values: Record<string, unknown> = { ":building": "BUILDING", ":status": finish.status, ":at": finish.at, ":partner": finish.partnerId, ":lines": finish.lines };
  const sets = ["#status = :status", "finishedAt = :at", "updatedAt = :at", "partnerId = :partner"];
  for (const [name, value] of Object.entries(totals)) {
    // A total that cannot be carried exactly (grossSales beyond 2^53 − 1 fen) is left out, not rounded.
    if (value === undefined) continue;
    sets.push(`${name} = :${name}`);
    values[`:${name}`] = value;
  }
  if (finish.status === "HELD") {
    sets.push("heldAt = :at", "held = :held", "heldKey = :heldKey");
    values[":held"] = HELD;
    values[":heldKey"] = heldKey(statement);
  }
  if (finish.status === "PENDING") {
    // On the sparse `payoutDue` index while PENDING: the ticker re-sends a payout lost after this.
    sets.push("payoutDue = :payoutDue", "payoutDueAt = :payoutDueAt");
    values[":payoutDue"] = PAYOUT_DUE;
    values[":payoutDueAt"] = payoutResendAt(finish.at);
  }
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: statementKey(statement.campaignId, statement.merchantId, statement.period),
        UpdateExpression: `SET ${sets.join(", ")}`,
        // Totals from exactly the lines the statement holds: none was put after they were read.
        ConditionExpression: "#status = :building AND lineCount = :lines",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/** Sort key of a HELD statement on the `held` index: by merchant, so a reinstatement finds its own. */
const heldKey = (statement: Pick<StatementRecord, "campaignId" | "merchantId" | "period">) => `${statement.merchantId}#${statement.campaignId}#${statement.period}`;

export type StatementMove =
  | { to: "PAID"; payoutId: string }
  | { to: "HELD" }
  | { to: "PENDING"; from: "HELD" | "FAILED" }
  | { to: "FAILED"; reason: string }
  | { to: "FORFEITED"; reason: string };

const MOVE_FROM: Record<StatementMove["to"], StatementStatus[]> = {
  PAID: ["PENDING"],
  HELD: ["PENDING"],
  PENDING: ["HELD", "FAILED"],
  FAILED: ["PENDING"],
  FORFEITED: ["HELD"],
};

/**
 * Moves a statement from the status the move leaves (PENDING → PAID | HELD | FAILED, HELD |
 * FAILED → PENDING, HELD → FORFEITED), only if it is still in it; with `audit`, its audit item
 * goes in the same transaction. False when the statement was not in that status. FORFEITED is
 * terminal: no move leaves it, and it leaves the `held` index, so no release ever finds it.
 */
export async function moveStatement(
  db: DynamoDBDocumentClient,
  tables: { settlements: string; audit?: string },
  statement: Pick<StatementRecord, "campaignId" | "merchantId" | "period" | "statementId">,
  move: StatementMove,
  at: string,
  audit?: Pick<AuditEntry, "action" | "who" | "reason">,
): Promise<boolean> {
  const from = move.to === "PENDING" ? move.from : MOVE_FROM[move.to][0]!;
  const values: Record<string, unknown> = { ":from": from, ":to": move.to, ":at": at };
  const sets = ["#status = :to", "updatedAt = :at"];
  // Every move out of PENDING takes the statement off the `payoutDue` index (absent attributes are no error).
  const removes = from === "PENDING" ? ["payoutDue", "payoutDueAt"] : [];
  switch (move.to) {
    case "PAID":
      sets.push("paidAt = :at", "payoutId = :payoutId");
      removes.push("lastPayoutError");
      values[":payoutId"] = move.payoutId;
      break;
    case "HELD":
      sets.push("heldAt = :at", "held = :held", "heldKey = :heldKey");
      values[":held"] = HELD;
      values[":heldKey"] = heldKey(statement);
      break;
    case "PENDING":
      if (move.from === "HELD") {
        sets.push("releasedAt = :at");
        removes.push("held", "heldKey");
      } else {
        removes.push("failedAt");
      }
      sets.push("payoutDue = :payoutDue", "payoutDueAt = :payoutDueAt");
      values[":payoutDue"] = PAYOUT_DUE;
      values[":payoutDueAt"] = payoutResendAt(at);
      break;
    case "FAILED":
      sets.push("failedAt = :at", "lastPayoutError = :reason");
      values[":reason"] = move.reason;
      break;
    case "FORFEITED":
      sets.push("forfeitedAt = :at", "forfeitReason = :reason");
      removes.push("held", "heldKey");
      values[":reason"] = move.reason;
      break;
  }
  const update = `SET ${sets.join(", ")}${removes.length > 0 ? ` REMOVE ${removes.join(", ")}` : ""}`;
  const change = {
    TableName: tables.settlements,
    Key: statementKey(statement.campaignId, statement.merchantId, statement.period),
    UpdateExpression: update,
    ConditionExpression: "#status = :from",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: values,
  };
  if (!audit) return conditional(db.send(new UpdateCommand(change)));
  if (!tables.audit) throw new Error("an audited statement move needs the audit table");
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: change },
          auditPut(tables.audit, {
            ...audit,
            entityType: "STATEMENT",
            entityId: statement.statementId,
            at,
            version: 0,
            before: { status: from },
            after: { status: move.to },
          }),
        ],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed") return false;
    throw error;
  }
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
  for (const entry of records) {
    if (entry.kind !== "REDEMPTION") continue;
    const done = await conditional(
      db.send(
        new UpdateCommand({
          TableName: tables.redemptions,
          Key: transactionKey(entry.partnerId, entry.transactionId),
          UpdateExpression: "SET forfeitedBy = :statement",
          ConditionExpression: "#status = :redeemed AND attribute_not_exists(refund) AND attribute_not_exists(forfeitedBy)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":statement": statement.statementId, ":redeemed": "REDEEMED" },
        }),
      ),
    );
    if (done) marked++;
  }
  return marked;
}

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

/** Every statement of (campaign, merchant), by period, strongly consistent. */
export async function readStatementsOf(db: DynamoDBDocumentClient, table: string, campaignId: string, merchantId: string): Promise<StatementRecord[]> {
  const found: StatementRecord[] = [];
  for (const item of await queryAll(db, {
    TableName: table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": statementPartition(campaignId, merchantId) },
    ConsistentRead: true,
  })) found.push(statementRecordSchema.parse(item));
  return found;
}

/** The key of the `byPeriod` index a page ends at. */
export const byPeriodKeySchema = z.strictObject({ pk: z.string().min(1), sk: z.string().min(1), period: z.string().min(1), campaignMerchant: z.string().min(1) });
export type ByPeriodKey = z.infer<typeof byPeriodKeySchema>;

/** One page of a period's statements, by campaign then merchant, from the `byPeriod` index (eventually consistent). */
export async function queryByPeriod(
  db: DynamoDBDocumentClient,
  table: string,
  page: { period: string; limit: number; startKey?: ByPeriodKey | undefined },
): Promise<{ statements: StatementRecord[]; lastKey?: ByPeriodKey }> {
  const result = await db.send(
    new QueryCommand({
      TableName: table,
      IndexName: "byPeriod",
      KeyConditionExpression: "period = :period",
      ExpressionAttributeValues: { ":period": page.period },
      Limit: page.limit,
      ExclusiveStartKey: page.startKey,
    }),
  );
  return {
    statements: (result.Items ?? []).map((item) => statementRecordSchema.parse(item)),
    ...(result.LastEvaluatedKey ? { lastKey: byPeriodKeySchema.parse(result.LastEvaluatedKey) } : {}),
  };
}

/** HELD statements from the `held` index (eventually consistent): one merchant's, or all. */
export async function queryHeld(db: DynamoDBDocumentClient, table: string, merchantId?: string): Promise<StatementRecord[]> {
  const found: StatementRecord[] = [];
  for (const item of await queryAll(db, {
    TableName: table,
    IndexName: "held",
    KeyConditionExpression: merchantId === undefined ? "held = :held" : "held = :held AND begins_with(heldKey, :merchant)",
    ExpressionAttributeValues: { ":held": HELD, ...(merchantId === undefined ? {} : { ":merchant": `${merchantId}#` }) },
  })) found.push(statementRecordSchema.parse(item));
  return found;
}

/**
 * PENDING statements due for the sweep's payout re-send (`payoutDueAt` ≤ `now`), oldest first, at
 * most `limit`, from the sparse `payoutDue` index (eventually consistent: the caller re-reads each).
 */
export async function queryPayoutsDue(db: DynamoDBDocumentClient, table: string, now: string, limit: number): Promise<StatementRecord[]> {
  const { Items } = await db.send(
    new QueryCommand({
      TableName: table,
      IndexName: "payoutDue",
      KeyConditionExpression: "payoutDue = :due AND payoutDueAt <= :now",
      ExpressionAttributeValues: { ":due": PAYOUT_DUE, ":now": now },
      Limit: limit,
    }),
  );
  return (Items ?? []).map((item) => statementRecordSchema.parse(item));
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

// ---------------------------------------------------------------------------------------------
// Runs.

export const settlementRunSchema = z.object({
  campaignId: z.string(),
  period: z.string(),
  /** UTC ISO: fixed by the period's first run, reused by every later one. */
  cutoff: z.string(),
  /** UTC ISO: the moment of the first run; records recorded later belong to later periods. */
  arrivedBefore: z.string(),
  /** PLANNING until every pair's message is sent. */
  status: z.enum(["PLANNING", "PLANNED"]),
  firstRunAt: z.string(),
  lastRunAt: z.string(),
  runs: z.int().positive(),
  /** Pairs (campaign × merchant) sent to the settlement queue by the latest run. */
  pairs: z.int().nonnegative().optional(),
  /** `schedule` or the operator's sub, of the latest run. */
  lastRunBy: z.string(),
});
export type SettlementRun = z.infer<typeof settlementRunSchema>;

/** The period's run of a campaign, read strongly consistently, or undefined. */
export async function readRun(db: DynamoDBDocumentClient, table: string, campaignId: string, period: string): Promise<SettlementRun | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: settlementRunKey(campaignId, period), ConsistentRead: true }));
  return Item ? settlementRunSchema.parse(Item) : undefined;
}

/**
 * Starts a run of the period: the first creates the run item with its cut-off (PLANNING); a
 * later one counts itself on it and gets the stored cut-off back. Returns the run as stored.
 */
export async function startRun(
  db: DynamoDBDocumentClient,
  table: string,
  run: Pick<SettlementRun, "campaignId" | "period" | "cutoff" | "arrivedBefore"> & { at: string; by: string },
): Promise<{ first: boolean; run: SettlementRun }> {
  const fresh: SettlementRun = {
    campaignId: run.campaignId,
    period: run.period,
    cutoff: run.cutoff,
    arrivedBefore: run.arrivedBefore,
    status: "PLANNING",
    firstRunAt: run.at,
    lastRunAt: run.at,
    runs: 1,
    lastRunBy: run.by,
  };
  try {
    await db.send(new PutCommand({ TableName: table, Item: { ...settlementRunKey(run.campaignId, run.period), ...fresh }, ConditionExpression: "attribute_not_exists(pk)" }));
    return { first: true, run: fresh };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  const { Attributes } = await db.send(
    new UpdateCommand({
      TableName: table,
      Key: settlementRunKey(run.campaignId, run.period),
      UpdateExpression: "SET lastRunAt = :at, lastRunBy = :by, #status = :planning ADD runs :one",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":at": run.at, ":by": run.by, ":planning": "PLANNING", ":one": 1 },
      ReturnValues: "ALL_NEW",
    }),
  );
  return { first: false, run: settlementRunSchema.parse(Attributes) };
}

/** Marks the run planned, with the number of pairs its latest planning sent. */
export async function finishRun(db: DynamoDBDocumentClient, table: string, run: Pick<SettlementRun, "campaignId" | "period">, pairs: number): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: settlementRunKey(run.campaignId, run.period),
      UpdateExpression: "SET #status = :planned, pairs = :pairs",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":planned": "PLANNED", ":pairs": pairs },
    }),
  );
}

/**
 * The merchants of a campaign with records no statement holds and that occurred before
 * `cutoff`, from the sparse `unsettled` index, one query per merchant: each query returns the
 * oldest unsettled record of the next merchant, then skips past that merchant. The index is
 * eventually consistent: a record it does not show yet is settled by a later run.
 */
export async function merchantsWithUnsettled(db: DynamoDBDocumentClient, table: string, campaignId: string, cutoff: string): Promise<string[]> {
  const merchants: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: "unsettled",
        KeyConditionExpression: after === undefined ? "unsettledCampaign = :campaign" : "unsettledCampaign = :campaign AND unsettledKey > :after",
        ExpressionAttributeValues: { ":campaign": campaignId, ...(after === undefined ? {} : { ":after": after }) },
        Limit: 1,
      }),
    );
    const first = page.Items?.[0];
    if (!first) return merchants;
    const entry = ledgerEntrySchema.parse(first);
    if (entry.occurredAt < cutoff) merchants.push(entry.merchantId);
    // Ids are [A-Za-z0-9_-], all after "$", and "$" comes after "#": "<id>$" is past every "<id>#…".
    after = `${entry.merchantId}$`;
  }
}

/** True when the write happened, false when its condition failed. */
async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
