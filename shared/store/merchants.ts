/**
 * The `merchants` table: one item per merchant (ids are global). Every item is on the `byStatus`
 * index under its status, by id. Each write is conditional and goes in one transaction with its
 * audit item: a status change only if the merchant is still the version that was read.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { AlreadyExistsError } from "../errors.js";
import { MERCHANT_STATUSES, type MerchantStatus } from "../domain/merchant.js";
import { sectorSchema } from "../domain/sectors.js";
import { type AuditEntry, auditPut } from "./audit.js";
import { indexName } from "../wiring/indexes.js";
import { cancellationReasons, queryPage } from "./dynamo.js";
import { merchantKey } from "./keys.js";

export const merchantRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  sector: sectorSchema,
  partnerId: z.string(),
  status: z.enum(MERCHANT_STATUSES),
  statusReason: z.string().optional(),
  /** When it was (first) approved; absent on merchants approved before it was kept (the fraud detector's new-merchant rule). */
  approvedAt: z.string().optional(),
  version: z.int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type MerchantRecord = z.infer<typeof merchantRecordSchema>;

/** The key of the `byStatus` index a page ends at: the table's key and the index's. */
export const byStatusKeySchema = z.strictObject({ pk: z.string().min(1), status: z.enum(MERCHANT_STATUSES), id: z.string().min(1) });
export type ByStatusKey = z.infer<typeof byStatusKeySchema>;

/** Every merchant, under its status, by id. */
const BY_STATUS_INDEX = indexName("merchants", "byStatus");

type Tables = { merchants: string; audit: string };
type Audit = Pick<AuditEntry, "action" | "who" | "at" | "reason">;

/** Whether a transaction was cancelled because its first item (the merchant) failed its condition. */
function cancelledOnFirst(error: unknown): boolean {
  return cancellationReasons(error)[0] === "ConditionalCheckFailed";
}

/** Puts a new merchant with its audit item; ALREADY_EXISTS when the id is taken (by any partner). */
export async function insertMerchant(db: DynamoDBDocumentClient, tables: Tables, merchant: MerchantRecord, audit: Audit): Promise<void> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tables.merchants, Item: { ...merchantKey(merchant.id), ...merchant }, ConditionExpression: "attribute_not_exists(pk)" } },
          auditPut(tables.audit, { ...audit, entityType: "MERCHANT", entityId: merchant.id, version: merchant.version, after: merchant }),
        ],
      }),
    );
  } catch (error) {
    if (cancelledOnFirst(error)) throw new AlreadyExistsError(`Merchant ${merchant.id} already exists`, { cause: error });
    throw error;
  }
}

/** The merchant as stored, read strongly consistent, or undefined. */
export async function readMerchant(db: DynamoDBDocumentClient, table: string, merchantId: string): Promise<MerchantRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: merchantKey(merchantId), ConsistentRead: true }));
  return Item ? merchantRecordSchema.parse(Item) : undefined;
}

/**
 * The two items of a status change, for a transaction: the conditional update (still in the status
 * and version it was read in) and its audit item. First in a transaction, so a lost race is its
 * first cancellation reason.
 */
export function merchantStatusItems(tables: Tables, current: MerchantRecord, next: MerchantRecord, audit: Audit) {
  const sets = ["#status = :to", "version = :next", "updatedAt = :at"];
  if (next.statusReason !== undefined) sets.push("statusReason = :reason");
  const approvedNow = next.approvedAt !== undefined && next.approvedAt !== current.approvedAt;
  if (approvedNow) sets.push("approvedAt = :approvedAt");
  return [
    {
      Update: {
        TableName: tables.merchants,
        Key: merchantKey(current.id),
        UpdateExpression: `SET ${sets.join(", ")}${next.statusReason === undefined ? " REMOVE statusReason" : ""}`,
        ConditionExpression: "#status = :from AND version = :version",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":to": next.status,
          ":from": current.status,
          ":next": next.version,
          ":version": current.version,
          ":at": next.updatedAt,
          ...(next.statusReason === undefined ? {} : { ":reason": next.statusReason }),
          ...(approvedNow ? { ":approvedAt": next.approvedAt } : {}),
        },
      },
    },
    auditPut(tables.audit, { ...audit, entityType: "MERCHANT", entityId: current.id, version: next.version, before: current, after: next }),
  ] as const;
}

/**
 * Moves a merchant to `next.status`, with its audit item, on condition that it is still in the
 * status and version it was read in. Returns false when it changed meanwhile.
 */
export async function changeMerchantStatus(
  db: DynamoDBDocumentClient,
  tables: Tables,
  current: MerchantRecord,
  next: MerchantRecord,
  audit: Audit,
): Promise<boolean> {
  try {
    await db.send(new TransactWriteCommand({ TransactItems: [...merchantStatusItems(tables, current, next, audit)] }));
    return true;
  } catch (error) {
    if (cancelledOnFirst(error)) return false;
    throw error;
  }
}

/** One page of the merchants in one status, by id, from the (eventually consistent) `byStatus` index. */
export async function queryByStatus(
  db: DynamoDBDocumentClient,
  table: string,
  page: { status: MerchantStatus; limit: number; startKey?: ByStatusKey | undefined },
): Promise<{ merchants: MerchantRecord[]; lastKey?: ByStatusKey }> {
  const result = await queryPage(db, {
    TableName: table,
    IndexName: BY_STATUS_INDEX,
    KeyConditionExpression: "#status = :status",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":status": page.status },
    Limit: page.limit,
    ExclusiveStartKey: page.startKey,
  });
  return {
    merchants: result.items.map((item) => merchantRecordSchema.parse(item)),
    ...(result.lastKey ? { lastKey: byStatusKeySchema.parse(result.lastKey) } : {}),
  };
}
