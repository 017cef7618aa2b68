/**
 * The `programmes` table: merchant programmes with their own budgets (apart from every voucher
 * budget), and the approval of what they pay. A programme item holds its definition and two sums:
 * `committed` (every approved amount) and `paid` (what reached the merchant). Every operator write
 * goes in one transaction with its audit item.
 */
import { GetCommand, TransactWriteCommand, type TransactWriteCommandInput, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { backoffDelay, sleep } from "../domain/backoff.js";
import * as z from "../zod.js";
import { AlreadyExistsError, ExclusiveAwardError, NotSubmittedError, ProgrammeBudgetExceededError } from "../errors.js";
import { type PayableKind, type PayableStatus, type ProgrammeDefinition, PAYABLE_STATUSES, programmeDefinitionSchema } from "../domain/programme.js";
import { fen } from "../domain/money.js";
import { payoutResendAt } from "../domain/settlement.js";
import { type AuditEntry, auditPut } from "./audit.js";
import { cancellationItem, cancellationReasons, queryAll, transactPutOnce } from "./dynamo.js";
import { PAYOUT_DUE, PROGRAMME_LISTING, exclusiveSlotKey, merchantListKey, payableKey, programmeKey, programmeListKey } from "./keys.js";
import { indexName } from "../wiring/indexes.js";

const bookkeeping = {
  /** Σ fen approved (applications and trade-ins); never above `budget`. */
  committed: fen,
  /** Σ fen paid out. */
  paid: fen,
  version: z.int().nonnegative(),
  createdAt: z.string(),
  createdBy: z.string(),
};

const bookkeepingSchema = z.object(bookkeeping);

/** A programme as stored: its definition and its sums. */
export type ProgrammeRecord = ProgrammeDefinition & z.infer<typeof bookkeepingSchema>;

type AuditTables = { programmes: string; audit: string };

/** Puts a new programme with its audit item; ALREADY_EXISTS when the id is taken. */
export async function insertProgramme(db: DynamoDBDocumentClient, tables: AuditTables, programme: ProgrammeRecord, at: string): Promise<void> {
  const outcome = await transactPutOnce(db, { TableName: tables.programmes, Item: { ...programmeKey(programme.id), programmeListing: PROGRAMME_LISTING, ...programme } }, [
    auditPut(tables.audit, { entityType: "PROGRAMME", entityId: programme.id, action: "programme.create", who: programme.createdBy, at, version: 0, after: programme }),
  ]);
  if (!outcome.created) throw new AlreadyExistsError(`Programme ${programme.id} already exists`);
}

/** The programme as stored, read strongly consistent (its sums are money), or undefined. */
export async function readProgramme(db: DynamoDBDocumentClient, table: string, programmeId: string): Promise<ProgrammeRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: programmeKey(programmeId), ConsistentRead: true }));
  return Item ? parseProgramme(Item) : undefined;
}

/**
 * The payables of `kinds` of a programme in each of `statuses`, from the `byProgramme` index
 * (eventually consistent: for lists, never for money), as stored; each status's in submission order.
 */
export async function queryProgrammePayableItems(
  db: DynamoDBDocumentClient,
  table: string,
  programmeId: string,
  kinds: readonly PayableKind[],
  statuses: readonly PayableStatus[],
): Promise<Record<string, unknown>[]> {
  const pages = await Promise.all(
    kinds.flatMap((kind) =>
      statuses.map((status) =>
        queryAll(db, {
          TableName: table,
          IndexName: indexName("programmes", "byProgramme"),
          KeyConditionExpression: "programmeList = :list",
          ExpressionAttributeValues: { ":list": programmeListKey(kind, programmeId, status) },
        }),
      ),
    ),
  );
  return pages.flat();
}

/** Every programme, by id, from the `listing` index (eventually consistent: for lists, never for money). */
export async function listProgrammes(db: DynamoDBDocumentClient, table: string): Promise<ProgrammeRecord[]> {
  const items = await queryAll(db, {
    TableName: table,
    IndexName: indexName("programmes", "listing"),
    KeyConditionExpression: "programmeListing = :listing",
    ExpressionAttributeValues: { ":listing": PROGRAMME_LISTING },
  });
  return items.map(parseProgramme);
}

/** A stored programme: its definition parsed as strictly as when it was created, its sums apart. */
function parseProgramme(item: Record<string, unknown>): ProgrammeRecord {
  const { pk: _pk, sk: _sk, programmeListing: _listing, committed, paid, version, createdAt, createdBy, ...definition } = item;
  return { ...programmeDefinitionSchema.parse(definition), ...bookkeepingSchema.parse({ committed, paid, version, createdAt, createdBy }) };
}

// ---------------------------------------------------------------------------------------------
// Approval: the one write that commits a programme's money.

/** What every payable (application or trade-in record) holds, whatever else its kind adds. */
export const payableCoreSchema = z.object({
  kind: z.enum(["application", "trade-in"]),
  id: z.string(),
  programmeId: z.string(),
  merchantId: z.string(),
  status: z.enum(PAYABLE_STATUSES),
  /** The approved amount, in fen: what is paid (set by {@link approvePayable}). */
  payoutAmount: fen.optional(),
  version: z.int().nonnegative(),
  payoutId: z.string().optional(),
  payoutAttempts: z.int().nonnegative().optional(),
  lastPayoutError: z.string().optional(),
  payoutDueAt: z.string().optional(),
  /** The merchant's sector and, for a growth reward, the tier reached: the report's groups. */
  sector: z.string().optional(),
  tier: z.number().optional(),
});
export type PayableCore = z.infer<typeof payableCoreSchema>;

/**
 * The index attributes a new payable (application or trade-in record) is put with, in `status`:
 * `byProgramme` (`<kind>#<programmeId>#<status>`, rewritten at every status change) and
 * `byMerchant` (`<kind>#<merchantId>`), both by `listedAt` (when it was submitted).
 */
export function payableListAttributes(payable: { kind: PayableKind; programmeId: string; merchantId: string; submittedAt: string }, status: PayableStatus) {
  return {
    programmeList: programmeListKey(payable.kind, payable.programmeId, status),
    merchantList: merchantListKey(payable.kind, payable.merchantId),
    listedAt: payable.submittedAt,
  };
}

export interface PayableApproval {
  /** Which payable: an application (`application`) or a trade-in record (`trade-in`), by id. */
  payable: { kind: PayableKind; id: string };
  /** Its programme and merchant, as the payable names them (checked in the same write). */
  programmeId: string;
  merchantId: string;
  /** Fen to commit and later pay, > 0. */
  amount: number;
  /** The programme's budget, as defined (immutable), for the condition `committed + amount ≤ budget`. */
  budget: number;
  /** The programme's exclusive group: the merchant's award slot in it is claimed (applications only; trade-ins pass none). */
  exclusiveGroup?: string | undefined;
  /** The payable's version as read; the write fails (NOT_SUBMITTED) if it changed. */
  version: number;
  /** The reviewer's note, kept on the payable and in the audit item. */
  note?: string | undefined;
  /** The reviewer (an operator's sub). */
  who: string;
  at: string;
}

/** The audit trail's entity type of each payable kind. */
export const PAYABLE_AUDIT_ENTITY = { application: "APPLICATION", "trade-in": "TRADE_IN" } as const;

/**
 * Approves a SUBMITTED payable in ONE DynamoDB transaction, so that reviewers approving at the same
 * moment can neither overspend a programme's budget nor award twice in an exclusive group:
 * 1. the programme's `committed` grows by `amount`, only while `committed + amount ≤ budget`
 *    (else 409 PROGRAMME_BUDGET_EXCEEDED, details `{budget, committed, amount}`);
 * 2. the payable moves SUBMITTED → APPROVED at the version read, with `payoutAmount`, and joins
 *    the sparse `payoutDue` index (the ticker re-sends its payout if the message is lost) (else
 *    409 NOT_SUBMITTED, details `{status}`);
 * 3. the audit item `<kind>.approve` (APPLICATION#<id> or TRADE_IN#<id>);
 * 4. with `exclusiveGroup`, the merchant's award slot in the group (EXCLUSIVE#<group>#<merchant>),
 *    created or already this programme's (else 409 EXCLUSIVE_AWARD).
 * The caller then sends the payout message (a crash in between is caught by the ticker's sweep).
 */
export async function approvePayable(db: DynamoDBDocumentClient, tables: AuditTables, approval: PayableApproval): Promise<void> {
  const { payable, amount, at } = approval;
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new Error(`an approved amount must be a positive whole number of fen, not ${amount}`);
  if (amount > approval.budget) {
    throw new ProgrammeBudgetExceededError(`Approving ${amount} fen would exceed programme ${approval.programmeId}'s budget of ${approval.budget} fen`, {
      details: { budget: approval.budget, committed: undefined, amount },
    });
  }
  const kindOf = payable.kind;
  const items = [
    {
      Update: {
        TableName: tables.programmes,
        Key: programmeKey(approval.programmeId),
        UpdateExpression: "ADD committed :amount",
        ConditionExpression: "budget = :budget AND committed <= :ceiling",
        ExpressionAttributeValues: { ":amount": amount, ":budget": approval.budget, ":ceiling": approval.budget - amount },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
      },
    },
    {
      Update: {
        TableName: tables.programmes,
        Key: payableKey(kindOf, payable.id),
        UpdateExpression:
          "SET #status = :approved, payoutAmount = :amount, approvedAt = :at, approvedBy = :who, updatedAt = :at, version = :next, " +
          "programmeList = :list, payoutDue = :due, payoutDueAt = :dueAt" +
          (approval.note === undefined ? "" : ", reviewNote = :note"),
        ConditionExpression: "#status = :submitted AND version = :version AND programmeId = :programme AND merchantId = :merchant",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":approved": "APPROVED",
          ":submitted": "SUBMITTED",
          ":amount": amount,
          ":at": at,
          ":who": approval.who,
          ":version": approval.version,
          ":next": approval.version + 1,
          ":programme": approval.programmeId,
          ":merchant": approval.merchantId,
          ":list": programmeListKey(kindOf, approval.programmeId, "APPROVED"),
          ":due": PAYOUT_DUE,
          ":dueAt": payoutResendAt(at),
          ...(approval.note === undefined ? {} : { ":note": approval.note }),
        },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
      },
    },
    auditPut(tables.audit, {
      entityType: PAYABLE_AUDIT_ENTITY[kindOf],
      entityId: payable.id,
      action: `${kindOf}.approve`,
      who: approval.who,
      at,
      version: approval.version + 1,
      reason: approval.note,
      after: { status: "APPROVED", payoutAmount: amount, programmeId: approval.programmeId, merchantId: approval.merchantId },
    } satisfies AuditEntry),
    ...(approval.exclusiveGroup === undefined
      ? []
      : [
          {
            Put: {
              TableName: tables.programmes,
              Item: {
                ...exclusiveSlotKey(approval.exclusiveGroup, approval.merchantId),
                group: approval.exclusiveGroup,
                merchantId: approval.merchantId,
                programmeId: approval.programmeId,
                firstAwardedBy: `${kindOf}/${payable.id}`,
                at,
              },
              ConditionExpression: "attribute_not_exists(pk) OR programmeId = :programme",
              ExpressionAttributeValues: { ":programme": approval.programmeId },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
            },
          },
        ]),
  ];
  try {
    await transactWithConflictRetries(db, items);
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (!reasons.includes("ConditionalCheckFailed")) throw error;
    // Which refusal to name when several conditions failed: a payable already decided first (a
    // concurrent reviewer won), then the exclusive group, then the budget.
    if (reasons[1] === "ConditionalCheckFailed") {
      const found = cancellationItem(error, 1);
      const status = typeof found?.status === "string" ? found.status : "UNKNOWN";
      throw new NotSubmittedError(`The ${kindOf === "application" ? "application" : "trade-in record"} ${payable.id} is ${status}, or changed while it was reviewed; only a SUBMITTED one can be approved`, {
        cause: error,
        details: { status },
      });
    }
    if (reasons[3] === "ConditionalCheckFailed") {
      const slot = cancellationItem(error, 3);
      const awardedBy = typeof slot?.programmeId === "string" ? slot.programmeId : undefined;
      throw new ExclusiveAwardError(
        `Merchant ${approval.merchantId} is awarded already by programme ${awardedBy ?? "(unknown)"} of exclusive group ${approval.exclusiveGroup}`,
        { cause: error, details: { exclusiveGroup: approval.exclusiveGroup, programmeId: awardedBy } },
      );
    }
    if (reasons[0] === "ConditionalCheckFailed") {
      const programme = cancellationItem(error, 0);
      const committed = typeof programme?.committed === "number" ? programme.committed : undefined;
      throw new ProgrammeBudgetExceededError(
        `Approving ${amount} fen would exceed programme ${approval.programmeId}'s budget of ${approval.budget} fen${committed === undefined ? "" : ` (${committed} fen committed)`}`,
        { cause: error, details: { budget: approval.budget, committed, amount } },
      );
    }
    throw error;
  }
}

/** Tries of a transaction cancelled only by conflicts with concurrent ones (reviewers approving at once). */
const CONFLICT_TRIES = 8;

/**
 * Runs a transaction, again (with jittered back-off) while it is cancelled by conflicts alone: its
 * conditions held, another transaction on the same programme was in flight. A condition failure
 * is thrown at once, for the caller to name.
 */
async function transactWithConflictRetries(db: DynamoDBDocumentClient, items: TransactWriteCommandInput["TransactItems"]): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      const reasons = cancellationReasons(error);
      const conflictOnly = reasons.includes("TransactionConflict") && !reasons.includes("ConditionalCheckFailed");
      if (!conflictOnly || attempt === CONFLICT_TRIES) throw error;
      await sleep(backoffDelay(attempt, { baseMs: 20, maxMs: 500 }));
    }
  }
}
