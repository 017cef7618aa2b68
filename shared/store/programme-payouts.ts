/**
 * The payout states of programme payables (applications and trade-in records), on the same path as
 * statements: APPROVED (payout under way, on the sparse `payoutDue` index) → PAID | FAILED, and
 * FAILED → APPROVED on an operator's retry. Each move is conditional on the status read and goes
 * in one transaction with its audit item; PAID also adds the amount to the programme's `paid`.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { PayableKind, PayableStatus } from "../domain/programme.js";
import { payoutResendAt } from "../domain/settlement.js";
import { auditPut } from "./audit.js";
import { cancellationReasons, conditional, queryPage } from "./dynamo.js";
import { PAYOUT_DUE, payableKey, programmeKey, programmeListKey } from "./keys.js";
import { PAYABLE_AUDIT_ENTITY, type PayableCore, payableCoreSchema, queryProgrammePayableItems } from "./programmes.js";
import { indexName } from "../wiring/indexes.js";

type Tables = { programmes: string; audit: string };

/** A payable's core (status, amount, merchant, programme), read strongly consistent, or undefined. */
export async function readPayable(db: DynamoDBDocumentClient, table: string, kind: PayableKind, id: string): Promise<PayableCore | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: payableKey(kind, id), ConsistentRead: true }));
  return Item ? payableCoreSchema.parse(Item) : undefined;
}

/**
 * Moves a payable between payout states at the version read, with its audit item (and, into PAID,
 * the programme's `paid` sum). False when it was no longer in `from` at that version.
 */
export async function movePayable(
  db: DynamoDBDocumentClient,
  tables: Tables,
  payable: PayableCore,
  move: { from: PayableStatus; to: "PAID" | "FAILED" | "APPROVED"; at: string; who: string; payoutId?: string; reason?: string },
): Promise<boolean> {
  const sets = ["#status = :to", "version = :next", "updatedAt = :at", "programmeList = :list"];
  const removes: string[] = [];
  const values: Record<string, unknown> = {
    ":to": move.to,
    ":from": move.from,
    ":version": payable.version,
    ":next": payable.version + 1,
    ":at": move.at,
    ":list": programmeListKey(payable.kind, payable.programmeId, move.to),
  };
  if (move.to === "PAID") {
    sets.push("paidAt = :at", "payoutId = :payoutId");
    values[":payoutId"] = move.payoutId ?? "";
    removes.push("payoutDue", "payoutDueAt");
  } else if (move.to === "FAILED") {
    sets.push("failedAt = :at");
    removes.push("payoutDue", "payoutDueAt");
  } else {
    // Back on the sweep's index, so a retry whose message is lost is sent again.
    sets.push("payoutDue = :due", "payoutDueAt = :dueAt");
    values[":due"] = PAYOUT_DUE;
    values[":dueAt"] = payoutResendAt(move.at);
  }
  const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]> = [
    {
      Update: {
        TableName: tables.programmes,
        Key: payableKey(payable.kind, payable.id),
        UpdateExpression: `SET ${sets.join(", ")}${removes.length > 0 ? ` REMOVE ${removes.join(", ")}` : ""}`,
        ConditionExpression: "#status = :from AND version = :version",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: values,
      },
    },
    auditPut(tables.audit, {
      entityType: PAYABLE_AUDIT_ENTITY[payable.kind],
      entityId: payable.id,
      action: `${payable.kind}.${move.to === "PAID" ? "paid" : move.to === "FAILED" ? "payout-failed" : "retry-payout"}`,
      who: move.who,
      at: move.at,
      version: payable.version + 1,
      reason: move.reason,
      before: { status: move.from },
      after: { status: move.to, ...(move.payoutId === undefined ? {} : { payoutId: move.payoutId }) },
    }),
  ];
  if (move.to === "PAID") {
    items.push({
      Update: {
        TableName: tables.programmes,
        Key: programmeKey(payable.programmeId),
        UpdateExpression: "ADD paid :amount",
        ExpressionAttributeValues: { ":amount": payable.payoutAmount ?? 0 },
      },
    });
  }
  try {
    await db.send(new TransactWriteCommand({ TransactItems: items }));
    return true;
  } catch (error) {
    if (cancellationReasons(error)[0] === "ConditionalCheckFailed") return false;
    throw error;
  }
}

/** Counts a failed payout attempt on an APPROVED payable, with its error (for operators). */
export async function recordPayableAttempt(db: DynamoDBDocumentClient, table: string, payable: PayableCore, error: string, at: string): Promise<void> {
  await conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: payableKey(payable.kind, payable.id),
        UpdateExpression: "SET updatedAt = :at, lastPayoutError = :error ADD payoutAttempts :one",
        ConditionExpression: "#status = :approved",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":at": at, ":error": error.slice(0, 500), ":one": 1, ":approved": "APPROVED" },
      }),
    ),
  );
}

/**
 * APPROVED payables due for the sweep's payout re-send (`payoutDueAt` ≤ `now`), oldest first, at
 * most `limit`, from the sparse `payoutDue` index (eventually consistent: the caller re-reads each).
 */
export async function queryPayablesDue(db: DynamoDBDocumentClient, table: string, now: string, limit: number): Promise<PayableCore[]> {
  const { items } = await queryPage(db, {
    TableName: table,
    IndexName: indexName("programmes", "payoutDue"),
    KeyConditionExpression: "payoutDue = :due AND payoutDueAt <= :now",
    ExpressionAttributeValues: { ":due": PAYOUT_DUE, ":now": now },
    Limit: limit,
  });
  return items.map((item) => payableCoreSchema.parse(item));
}

/** Pushes an APPROVED payable's next re-send to `next`, only if it is still due at `due` (as read): of two sweeps, one moves it. */
export async function deferPayableDue(db: DynamoDBDocumentClient, table: string, payable: PayableCore, change: { due: string; next: string }): Promise<boolean> {
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: payableKey(payable.kind, payable.id),
        UpdateExpression: "SET payoutDueAt = :next ADD payoutResends :one",
        ConditionExpression: "#status = :approved AND payoutDueAt = :due",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":next": change.next, ":one": 1, ":approved": "APPROVED", ":due": change.due },
      }),
    ),
  );
}

/** A programme's payables of both kinds in the given statuses, from the `byProgramme` index (eventually consistent). */
export async function listProgrammePayables(db: DynamoDBDocumentClient, table: string, programmeId: string, statuses: readonly PayableStatus[]): Promise<PayableCore[]> {
  return (await queryProgrammePayableItems(db, table, programmeId, ["application", "trade-in"], statuses)).map((item) => payableCoreSchema.parse(item));
}
