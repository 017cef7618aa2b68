/**
 * Settlement statements (the `settlements` table, `statementKey(campaign, merchant, period)`).
 *
 * - A statement is created once, conditionally, in status BUILDING with the cut-off of its run; a
 *   crashed build is finished by whoever delivers its message next, with the same cut-off.
 * - Records and carried statements enter it through store/statement-lines.ts, which counts its
 *   lines (`lineCount`) while it is BUILDING; it is finished only if the count is still that of the
 *   lines it was added up from: a delivery running late beside another (SQS may deliver a message
 *   twice at once) can neither add a line to a finished statement nor have one left out of it.
 * - Every later move of a statement (PENDING → PAID, → HELD, HELD → PENDING, PENDING → FAILED,
 *   FAILED → PENDING, HELD → FORFEITED) is conditional on the status it leaves.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { fen } from "../domain/money.js";
import { STATEMENT_STATUSES, type StatementStatus, type StatementTotals, payoutResendAt } from "../domain/settlement.js";
import { type AuditEntry, auditPut } from "./audit.js";
import { HELD, PAYOUT_DUE, statementKey, statementPartition } from "./keys.js";
import { cancellationReasons, conditional, putOnce, queryAll, queryPage } from "./dynamo.js";
import { indexName } from "../wiring/indexes.js";

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
  const written = await putOnce(
    db,
    {
      TableName: table,
      Item: {
        ...statementKey(statement.campaignId, statement.merchantId, statement.period),
        ...statement,
        lineCount: 0,
        // The `byPeriod` index lists a period's statements for operators.
        campaignMerchant: `${statement.campaignId}#${statement.merchantId}`,
      },
      partitionKey: "pk",
    },
    () => readStatement(db, table, statement),
  );
  return written.created ? { created: true, statement } : { created: false, statement: statementRecordSchema.parse(written.existing) };
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
    if (cancellationReasons(error)[0] === "ConditionalCheckFailed") return false;
    throw error;
  }
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
  const result = await queryPage(db, {
    TableName: table,
    IndexName: indexName("settlements", "byPeriod"),
    KeyConditionExpression: "period = :period",
    ExpressionAttributeValues: { ":period": page.period },
    Limit: page.limit,
    ExclusiveStartKey: page.startKey,
  });
  return {
    statements: result.items.map((item) => statementRecordSchema.parse(item)),
    ...(result.lastKey ? { lastKey: byPeriodKeySchema.parse(result.lastKey) } : {}),
  };
}

/** HELD statements from the `held` index (eventually consistent): one merchant's, or all. */
export async function queryHeld(db: DynamoDBDocumentClient, table: string, merchantId?: string): Promise<StatementRecord[]> {
  const found: StatementRecord[] = [];
  for (const item of await queryAll(db, {
    TableName: table,
    IndexName: indexName("settlements", "held"),
    KeyConditionExpression: merchantId === undefined ? "held = :held" : "held = :held AND begins_with(heldKey, :merchant)",
    ExpressionAttributeValues: { ":held": HELD, ...(merchantId === undefined ? {} : { ":merchant": `${merchantId}#` }) },
  })) found.push(statementRecordSchema.parse(item));
  return found;
}

/** The key of the `byStatus` index a page ends at. */
export const byStatusKeySchema = z.strictObject({ pk: z.string().min(1), sk: z.string().min(1), status: z.string().min(1), period: z.string().min(1) });
export type ByStatusKey = z.infer<typeof byStatusKeySchema>;

/**
 * One page of the statements of one status, newest period first, from the `byStatus` index
 * (eventually consistent); with `period`, only that period's. A query of one index partition: it
 * reads only the statements it answers, whatever the table holds.
 */
export async function queryStatementsByStatus(
  db: DynamoDBDocumentClient,
  table: string,
  page: { status: StatementRecord["status"]; period?: string | undefined; limit: number; startKey?: ByStatusKey | undefined },
): Promise<{ statements: StatementRecord[]; lastKey?: ByStatusKey }> {
  const result = await queryPage(db, {
    TableName: table,
    IndexName: indexName("settlements", "byStatus"),
    KeyConditionExpression: page.period === undefined ? "#status = :status" : "#status = :status AND period = :period",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":status": page.status, ...(page.period === undefined ? {} : { ":period": page.period }) },
    ScanIndexForward: false,
    Limit: page.limit,
    ExclusiveStartKey: page.startKey,
  });
  return {
    statements: result.items.map((item) => statementRecordSchema.parse(item)),
    ...(result.lastKey ? { lastKey: byStatusKeySchema.parse(result.lastKey) } : {}),
  };
}
