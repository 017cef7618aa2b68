/**
 * Trade-in subsidy records in the `programmes` table (pk TRADE_IN#<id>, sk #): payables like
 * applications (shared/store/programmes.ts approves both). The buyer's name and phone are stored
 * only as ciphertexts (shared/field-encryption.ts); the invoice number is claimed once per
 * programme by an INVOICE slot written in the same transaction as the record and its audit item.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { DuplicateInvoiceError, NotSubmittedError } from "../errors.js";
import { PAYABLE_STATUSES, type PayableStatus } from "../domain/programme.js";
import { fen } from "../domain/money.js";
import { auditPut } from "./audit.js";
import { cancellationItem, cancellationReasons, queryAll, transactPutOnce } from "./dynamo.js";
import { payableListAttributes, queryProgrammePayableItems } from "./programmes.js";
import { merchantListKey, payableKey, programmePartition, programmeListKey } from "./keys.js";
import { indexName } from "../wiring/indexes.js";

const KIND = "trade-in";

/** A trade-in record as stored: the buyer's fields are ciphertexts. */
export const tradeInItemSchema = z.object({
  kind: z.literal(KIND),
  id: z.string(),
  programmeId: z.string(),
  merchantId: z.string(),
  status: z.enum(PAYABLE_STATUSES),
  version: z.int().nonnegative(),
  buyerNameCiphertext: z.string(),
  buyerPhoneCiphertext: z.string(),
  newProduct: z.object({ category: z.string(), model: z.string(), price: fen }),
  oldProduct: z.object({ category: z.string(), description: z.string() }),
  invoiceNumber: z.string(),
  attachments: z.array(z.string()),
  subsidy: fen,
  createdAt: z.string(),
  reviewNote: z.string().optional(),
  rejectReason: z.string().optional(),
  payoutAmount: fen.optional(),
});
export type TradeInRecord = z.infer<typeof tradeInItemSchema>;

/** programmes table: the slot that takes an invoice number once per programme. */
const invoiceSlotKey = (programmeId: string, invoiceNumber: string) => ({ pk: programmePartition(programmeId), sk: `INVOICE#${invoiceNumber}` });

/**
 * Puts a new SUBMITTED record, its invoice slot and its audit item (`trade-in.record`, by the
 * merchant; the buyer is never in the audit item) in one transaction. The invoice slot's condition
 * makes a second record of the invoice 409 DUPLICATE_INVOICE, however close together they come.
 */
export async function insertTradeIn(db: DynamoDBDocumentClient, tables: { programmes: string; audit: string }, record: TradeInRecord, who: string): Promise<void> {
  const outcome = await transactPutOnce(
    db,
    { TableName: tables.programmes, Item: { ...invoiceSlotKey(record.programmeId, record.invoiceNumber), tradeInId: record.id, merchantId: record.merchantId, at: record.createdAt } },
    [
      {
        Put: {
          TableName: tables.programmes,
          Item: {
            ...payableKey(KIND, record.id),
            ...record,
            ...payableListAttributes({ ...record, submittedAt: record.createdAt }, record.status),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      auditPut(tables.audit, {
        entityType: "TRADE_IN",
        entityId: record.id,
        action: "trade-in.record",
        who,
        at: record.createdAt,
        version: 0,
        after: { programmeId: record.programmeId, merchantId: record.merchantId, invoiceNumber: record.invoiceNumber, subsidy: record.subsidy, newProduct: record.newProduct },
      }),
    ],
  );
  if (outcome.created) return;
  throw new DuplicateInvoiceError(`Invoice ${record.invoiceNumber} is recorded already in programme ${record.programmeId}`, {
    details: { invoiceNumber: record.invoiceNumber, ...(typeof outcome.existing.tradeInId === "string" ? { tradeInId: outcome.existing.tradeInId } : {}) },
  });
}

/** The record, read strongly consistent, or undefined. */
export async function readTradeIn(db: DynamoDBDocumentClient, table: string, id: string): Promise<TradeInRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: payableKey(KIND, id), ConsistentRead: true }));
  return Item ? tradeInItemSchema.parse(Item) : undefined;
}

/** A programme's records of the given statuses (all when none), oldest first, from the `byProgramme` index. */
export async function listProgrammeTradeIns(db: DynamoDBDocumentClient, table: string, programmeId: string, statuses: readonly PayableStatus[] = PAYABLE_STATUSES): Promise<TradeInRecord[]> {
  const items = await queryProgrammePayableItems(db, table, programmeId, [KIND], statuses);
  return items.map((item) => tradeInItemSchema.parse(item)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** A merchant's records in one programme, oldest first, from the `byMerchant` index. */
export async function listMerchantTradeIns(db: DynamoDBDocumentClient, table: string, merchantId: string, programmeId: string): Promise<TradeInRecord[]> {
  const items = await queryAll(db, {
    TableName: table,
    IndexName: indexName("programmes", "byMerchant"),
    KeyConditionExpression: "merchantList = :list",
    FilterExpression: "programmeId = :programme",
    ExpressionAttributeValues: { ":list": merchantListKey(KIND, merchantId), ":programme": programmeId },
  });
  return items.map((item) => tradeInItemSchema.parse(item));
}

/** SUBMITTED → REJECTED at the version read, with the reason and its audit item; else 409 NOT_SUBMITTED. */
export async function rejectTradeIn(
  db: DynamoDBDocumentClient,
  tables: { programmes: string; audit: string },
  rejection: { record: TradeInRecord; reason: string; who: string; at: string },
): Promise<void> {
  const { record, reason, who, at } = rejection;
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tables.programmes,
              Key: payableKey(KIND, record.id),
              UpdateExpression: "SET #status = :rejected, rejectReason = :reason, rejectedAt = :at, rejectedBy = :who, updatedAt = :at, version = :next, programmeList = :list",
              ConditionExpression: "#status = :submitted AND version = :version",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: {
                ":rejected": "REJECTED",
                ":submitted": "SUBMITTED",
                ":reason": reason,
                ":at": at,
                ":who": who,
                ":version": record.version,
                ":next": record.version + 1,
                ":list": programmeListKey(KIND, record.programmeId, "REJECTED"),
              },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          auditPut(tables.audit, { entityType: "TRADE_IN", entityId: record.id, action: "trade-in.reject", who, at, version: record.version + 1, reason, after: { status: "REJECTED" } }),
        ],
      }),
    );
  } catch (error) {
    if (cancellationReasons(error)[0] !== "ConditionalCheckFailed") throw error;
    const found = cancellationItem(error, 0);
    const status = typeof found?.status === "string" ? found.status : "UNKNOWN";
    throw new NotSubmittedError(`The trade-in record ${record.id} is ${status}, or changed while it was reviewed; only a SUBMITTED one can be rejected`, { cause: error, details: { status } });
  }
}

/** Records that an operator read a record's buyer whole (`trade-in.view`): the audit item alone. */
export async function recordTradeInView(db: DynamoDBDocumentClient, table: string, view: { record: TradeInRecord; who: string; at: string }): Promise<void> {
  const { Put } = auditPut(table, { entityType: "TRADE_IN", entityId: view.record.id, action: "trade-in.view", who: view.who, at: view.at, version: view.record.version });
  await db.send(new TransactWriteCommand({ TransactItems: [{ Put }] }));
}
