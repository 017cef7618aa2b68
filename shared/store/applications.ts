/**
 * Filings (备案) and applications in the `programmes` table. A filing is written once per
 * programme and merchant; an application once per programme, merchant and month (its slot,
 * APPLIED#…, is put in the same transaction). Every write carries its audit item; every status
 * change is conditional on the status and version it was read in.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { AlreadyAppliedError, NotSubmittedError } from "../errors.js";
import { PAYABLE_STATUSES, PROGRAMME_KINDS, type PayableStatus, monthSchema, monthlySalesSchema } from "../domain/programme.js";
import { fen } from "../domain/money.js";
import { sectorSchema } from "../domain/sectors.js";
import { type AuditEntry, auditPut } from "./audit.js";
import { cancellationItem, cancellationReasons, queryAll, transactPutOnce } from "./dynamo.js";
import { appliedSlotKey, filingKey, merchantListKey, payableKey, programmeListKey } from "./keys.js";
import { payableCoreSchema, payableListAttributes, queryProgrammePayableItems } from "./programmes.js";
import { indexName } from "../wiring/indexes.js";

type Tables = { programmes: string; audit: string };

export const filingRecordSchema = z.object({
  programmeId: z.string(),
  merchantId: z.string(),
  plan: z.string(),
  filedAt: z.string(),
  paper: z.boolean(),
  recordedAt: z.string(),
  recordedBy: z.string(),
});
export type FilingRecord = z.infer<typeof filingRecordSchema>;

/**
 * Puts a merchant's filing for a programme with its audit item (FILING#<programme>/<merchant>),
 * unless it has one: then nothing is written and the first filing comes back.
 */
export async function putFiling(db: DynamoDBDocumentClient, tables: Tables, filing: FilingRecord): Promise<{ created: boolean; filing: FilingRecord }> {
  const outcome = await transactPutOnce(
    db,
    { TableName: tables.programmes, Item: { ...filingKey(filing.programmeId, filing.merchantId), ...filing } },
    [
      auditPut(tables.audit, {
        entityType: "FILING",
        entityId: `${filing.programmeId}/${filing.merchantId}`,
        action: filing.paper ? "filing.paper" : "filing.online",
        who: filing.recordedBy,
        at: filing.recordedAt,
        version: 0,
        after: filing,
      }),
    ],
    () => readFiling(db, tables.programmes, filing.programmeId, filing.merchantId),
  );
  return outcome.created ? { created: true, filing } : { created: false, filing: filingRecordSchema.parse(outcome.existing) };
}

/** A merchant's filing for a programme, read strongly consistent, or undefined. */
export async function readFiling(db: DynamoDBDocumentClient, table: string, programmeId: string, merchantId: string): Promise<FilingRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: filingKey(programmeId, merchantId), ConsistentRead: true }));
  return Item ? filingRecordSchema.parse(Item) : undefined;
}

/** An application as stored: the payable's core and what the merchant reported. */
export const applicationRecordSchema = payableCoreSchema.extend({
  kind: z.literal("application"),
  programmeKind: z.enum(PROGRAMME_KINDS),
  /** The merchant's sector when it applied (the report's awards by sector). */
  sector: sectorSchema,
  month: monthSchema.optional(),
  sales: monthlySalesSchema.optional(),
  growthPercent: z.number().optional(),
  tier: z.number().optional(),
  proposedAward: fen,
  summary: z.string(),
  attachments: z.array(z.string()),
  reason: z.string().optional(),
  reviewNote: z.string().optional(),
  submittedAt: z.string(),
  updatedAt: z.string(),
  approvedAt: z.string().optional(),
  approvedBy: z.string().optional(),
  paidAt: z.string().optional(),
  failedAt: z.string().optional(),
});
export type ApplicationRecord = z.infer<typeof applicationRecordSchema>;

/**
 * Puts a new SUBMITTED application with its slot (one per programme, merchant and month) and its
 * audit item, in one transaction: ALREADY_APPLIED when the slot is taken.
 */
export async function insertApplication(db: DynamoDBDocumentClient, tables: Tables, application: ApplicationRecord, who: string): Promise<void> {
  const outcome = await transactPutOnce(
    db,
    { TableName: tables.programmes, Item: { ...appliedSlotKey(application.programmeId, application.merchantId, application.month), applicationId: application.id } },
    [
      {
        Put: {
          TableName: tables.programmes,
          Item: { ...payableKey("application", application.id), ...application, ...payableListAttributes(application, application.status) },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      auditPut(tables.audit, { entityType: "APPLICATION", entityId: application.id, action: "application.submit", who, at: application.submittedAt, version: 0, after: application }),
    ],
  );
  if (outcome.created) return;
  const existing = typeof outcome.existing.applicationId === "string" ? outcome.existing.applicationId : undefined;
  throw new AlreadyAppliedError(
    `Merchant ${application.merchantId} has applied already for programme ${application.programmeId}${application.month ? ` and month ${application.month}` : ""}`,
    { details: { applicationId: existing } },
  );
}

/** An application, read strongly consistent, or undefined. */
export async function readApplication(db: DynamoDBDocumentClient, table: string, id: string): Promise<ApplicationRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: payableKey("application", id), ConsistentRead: true }));
  return Item?.kind === "application" ? applicationRecordSchema.parse(Item) : undefined;
}

/**
 * Moves an application from `from` to `change.status` at the version read, setting `change.set`
 * (the reviewer's reason, or a resubmission's figures), with its audit item. NOT_SUBMITTED (with
 * the status now) when it is no longer in `from` at that version.
 */
export async function moveApplication(
  db: DynamoDBDocumentClient,
  tables: Tables,
  current: ApplicationRecord,
  change: { from: PayableStatus; status: PayableStatus; set: Record<string, unknown>; remove?: readonly ("tier" | "reason")[]; at: string; audit: Pick<AuditEntry, "action" | "who" | "reason"> },
): Promise<ApplicationRecord> {
  const kept: Record<string, unknown> = { ...current };
  for (const field of change.remove ?? []) delete kept[field];
  const next = applicationRecordSchema.parse({ ...kept, ...change.set, status: change.status, version: current.version + 1, updatedAt: change.at });
  const names: Record<string, string> = { "#status": "status" };
  const values: Record<string, unknown> = { ":from": change.from, ":version": current.version };
  const sets = Object.entries({ ...change.set, status: change.status, version: next.version, updatedAt: change.at, programmeList: programmeListKey("application", current.programmeId, change.status) }).map(
    ([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    },
  );
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tables.programmes,
              Key: payableKey("application", current.id),
              UpdateExpression: `SET ${sets.join(", ")}${change.remove?.length ? ` REMOVE ${change.remove.join(", ")}` : ""}`,
              ConditionExpression: "#status = :from AND version = :version",
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          auditPut(tables.audit, {
            entityType: "APPLICATION",
            entityId: current.id,
            ...change.audit,
            at: change.at,
            version: next.version,
            before: { status: current.status },
            after: { status: change.status, ...change.set },
          }),
        ],
      }),
    );
    return next;
  } catch (error) {
    if (cancellationReasons(error)[0] !== "ConditionalCheckFailed") throw error;
    const found = cancellationItem(error, 0);
    const status = typeof found?.status === "string" ? found.status : "UNKNOWN";
    throw new NotSubmittedError(`Application ${current.id} is ${status}, or changed meanwhile; it must be ${change.from}`, { cause: error, details: { status } });
  }
}

/** A programme's applications of one status (or of every status), by submission time, from the `byProgramme` index. */
export async function listProgrammeApplications(db: DynamoDBDocumentClient, table: string, programmeId: string, status?: PayableStatus): Promise<ApplicationRecord[]> {
  const items = await queryProgrammePayableItems(db, table, programmeId, ["application"], status === undefined ? PAYABLE_STATUSES : [status]);
  return items.map((item) => applicationRecordSchema.parse(item));
}

/** A merchant's applications, by submission time, from the `byMerchant` index. */
export async function listMerchantApplications(db: DynamoDBDocumentClient, table: string, merchantId: string): Promise<ApplicationRecord[]> {
  const items = await queryAll(db, {
    TableName: table,
    IndexName: indexName("programmes", "byMerchant"),
    KeyConditionExpression: "merchantList = :list",
    ExpressionAttributeValues: { ":list": merchantListKey("application", merchantId) },
  });
  return items.map((item) => applicationRecordSchema.parse(item));
}
