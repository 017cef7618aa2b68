/**
 * The settlement ledger and its unsettled markers (both in the `redemptions` table).
 *
 * - Ledger records (`ledgerPartition(campaign, merchant)`, sort key `<UTC occurredAt>#<partner>#
 *   <txn>#R|V|C|P…`) hold every redemption (+discount) and every reversal, clawback and partial
 *   refund of one, by occurredAt. Each is put in the same transaction as the state change it
 *   accounts for, never apart ({@link ledgerPuts} builds its items for that transaction), together
 *   with its unsettled marker.
 * - An unsettled marker (`unsettledPartition(campaign, merchant)`, the record's own sort key and
 *   data) stands for a record no statement holds yet. The settlement worker reads the markers with
 *   strongly consistent queries of the base table ({@link readUnsettled}) and removes each in the
 *   transaction that puts its record in a statement ({@link holdInStatementItems}); the planner
 *   finds the merchants with work on the sparse `unsettled` index ({@link merchantsWithUnsettled}).
 *
 * Every read, write and delete of a marker lives in this module.
 */
import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type LedgerRecord, type RedemptionRecord, ledgerRecordSchema } from "../domain/ledger.js";
import { ledgerPartition, unsettledPartition } from "./keys.js";
import { type Item, queryAll, queryPage } from "./dynamo.js";
import { indexName } from "../wiring/indexes.js";

/** Where a ledger record is filed (its own key, as its stream image carries it): it names the fraud detector's marker of it. */
export interface LedgerKey {
  pk: string;
  sk: string;
}

/**
 * How a ledger sort key ends, per kind: redemptions `#R`, reversals `#V`, clawbacks `#C`, partial
 * refunds `#P#<eventId>` (a transaction may have several, even in the same second).
 */
export const LEDGER_KIND_SUFFIX: Readonly<Record<LedgerRecord["kind"], string>> = { REDEMPTION: "R", REVERSAL: "V", CLAWBACK: "C", PARTIAL_REFUND: "P" };

/** An instant as the ledger sorts it: UTC ISO with milliseconds, so text order is time order. */
export function utcInstant(instant: string): string {
  const at = Date.parse(instant);
  if (Number.isNaN(at)) throw new RangeError(`${instant} is not an instant`);
  return new Date(at).toISOString();
}

/** The sort key of a ledger record: redemptions end in `#R`, reversals in `#V`, clawbacks in `#C`, partial refunds in `#P#<eventId>`. */
export function ledgerSortKey(occurredAt: string, partnerId: string, transactionId: string, kind: LedgerRecord["kind"], eventId?: string): string {
  if (kind === "PARTIAL_REFUND" && eventId === undefined) throw new Error(`a partial refund of ${partnerId}/${transactionId} needs its eventId in the sort key`);
  return `${utcInstant(occurredAt)}#${partnerId}#${transactionId}#${LEDGER_KIND_SUFFIX[kind]}${kind === "PARTIAL_REFUND" ? `#${eventId}` : ""}`;
}

/** The sort key of `record` (the same text {@link ledgerSortKey} gives, from the record itself). */
export function ledgerRecordSortKey(record: LedgerRecord): string {
  return ledgerSortKey(record.occurredAt, record.partnerId, record.transactionId, record.kind, record.kind === "PARTIAL_REFUND" ? record.eventId : undefined);
}

/**
 * The two puts that file a ledger record, for the caller's transaction: the record itself and its
 * unsettled marker (the same data, in the merchant's unsettled partition and on the `unsettled`
 * index), each only if absent.
 */
export function ledgerPuts(table: string, record: LedgerRecord) {
  const sk = ledgerRecordSortKey(record);
  return [
    { Put: { TableName: table, Item: { pk: ledgerPartition(record.campaignId, record.merchantId), sk, ...record }, ConditionExpression: "attribute_not_exists(pk)" } },
    {
      Put: {
        TableName: table,
        Item: {
          pk: unsettledPartition(record.campaignId, record.merchantId),
          sk,
          ...record,
          unsettledCampaign: record.campaignId,
          unsettledKey: `${record.merchantId}#${sk}`,
        },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  ] as const;
}

/**
 * The two items that take a ledger record into a statement, for the caller's transaction: the
 * record gets the statement's id (only if it has none) and its unsettled marker is deleted (only if
 * present). A record is therefore held by exactly one statement.
 */
export function holdInStatementItems(table: string, record: LedgerRecord, statementId: string) {
  const sk = ledgerRecordSortKey(record);
  return [
    {
      Update: {
        TableName: table,
        Key: { pk: ledgerPartition(record.campaignId, record.merchantId), sk },
        UpdateExpression: "SET statementId = :statement",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(statementId)",
        ExpressionAttributeValues: { ":statement": statementId },
      },
    },
    {
      Delete: {
        TableName: table,
        Key: { pk: unsettledPartition(record.campaignId, record.merchantId), sk },
        ConditionExpression: "attribute_exists(pk)",
      },
    },
  ] as const;
}

/**
 * The ledger of one campaign at one merchant, oldest first, strongly consistent. With `from`
 * and/or `before` (instants, any offset) only records with `from ≤ occurredAt < before`.
 */
export async function readLedger(
  db: DynamoDBDocumentClient,
  table: string,
  campaignId: string,
  merchantId: string,
  range: { from?: string; before?: string } = {},
): Promise<LedgerRecord[]> {
  // "<from>" ≤ "<from>#…" and "<before>#…" > "<before>", so BETWEEN gives [from, before).
  const values: Record<string, string> = { ":pk": ledgerPartition(campaignId, merchantId) };
  if (range.from !== undefined) values[":from"] = utcInstant(range.from);
  if (range.before !== undefined) values[":before"] = utcInstant(range.before);
  const sortCondition =
    range.from !== undefined && range.before !== undefined
      ? " AND sk BETWEEN :from AND :before"
      : range.from !== undefined
        ? " AND sk >= :from"
        : range.before !== undefined
          ? " AND sk < :before"
          : "";
  const items = await queryAll(db, {
    TableName: table,
    KeyConditionExpression: `pk = :pk${sortCondition}`,
    ExpressionAttributeValues: values,
    ConsistentRead: true,
  });
  return items.map((item) => ledgerRecordSchema.parse(item));
}

/** The ledger record of a transaction's redemption, read strongly consistently, or undefined. */
export async function readRedemptionRecord(
  db: DynamoDBDocumentClient,
  table: string,
  transaction: { partnerId: string; transactionId: string; campaignId?: string | undefined; merchantId?: string | undefined; occurredAt?: string | undefined },
): Promise<RedemptionRecord | undefined> {
  if (transaction.campaignId === undefined || transaction.merchantId === undefined || transaction.occurredAt === undefined) return undefined;
  const { Item } = await db.send(
    new GetCommand({
      TableName: table,
      Key: {
        pk: ledgerPartition(transaction.campaignId, transaction.merchantId),
        sk: ledgerSortKey(transaction.occurredAt, transaction.partnerId, transaction.transactionId, "REDEMPTION"),
      },
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  const record = ledgerRecordSchema.parse(Item);
  return record.kind === "REDEMPTION" ? record : undefined;
}

/** Ledger records read per page by a clawback enforcement: each page is clawed back before the next is read. */
export const CLAWBACK_PAGE_SIZE = 100;

/**
 * One page of a merchant's REDEMPTION ledger records with occurredAt in [from, before), oldest
 * first, strongly consistent; `lastKey` when there may be more. Reads the ledger itself, not the
 * fraud detector's capped evidence, so a clawback enforcement reaches every record.
 */
export async function readRedemptionPage(
  db: DynamoDBDocumentClient,
  table: string,
  input: { campaignId: string; merchantId: string; from: string; before: string; limit: number; startKey?: Item | undefined },
): Promise<{ redemptions: RedemptionRecord[]; lastKey?: Item }> {
  const page = await queryPage(db, {
    TableName: table,
    // "<from>" ≤ "<from>#…" and "<before>#…" > "<before>": BETWEEN gives [from, before).
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :before",
    FilterExpression: "kind = :redemption",
    ExpressionAttributeValues: { ":pk": ledgerPartition(input.campaignId, input.merchantId), ":from": input.from, ":before": input.before, ":redemption": "REDEMPTION" },
    ConsistentRead: true,
    Limit: input.limit,
    ExclusiveStartKey: input.startKey,
  });
  const redemptions: RedemptionRecord[] = [];
  for (const item of page.items) {
    const record = ledgerRecordSchema.parse(item);
    if (record.kind === "REDEMPTION") redemptions.push(record);
  }
  return { redemptions, ...(page.lastKey ? { lastKey: page.lastKey } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Unsettled markers.

/** The records no statement holds yet with occurredAt before `cutoff`, recorded before `arrivedBefore`, oldest first. */
export async function readUnsettled(
  db: DynamoDBDocumentClient,
  table: string,
  input: { campaignId: string; merchantId: string; cutoff: string; arrivedBefore: string },
): Promise<LedgerRecord[]> {
  const items = await queryAll(db, {
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
  });
  return items.map((item) => ledgerRecordSchema.parse(item));
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
    const page = await queryPage(db, {
      TableName: table,
      IndexName: indexName("redemptions", "unsettled"),
      KeyConditionExpression: after === undefined ? "unsettledCampaign = :campaign" : "unsettledCampaign = :campaign AND unsettledKey > :after",
      ExpressionAttributeValues: { ":campaign": campaignId, ...(after === undefined ? {} : { ":after": after }) },
      Limit: 1,
    });
    const first = page.items[0];
    if (!first) return merchants;
    const record = ledgerRecordSchema.parse(first);
    if (record.occurredAt < cutoff) merchants.push(record.merchantId);
    // Ids are [A-Za-z0-9_-], all after "$", and "$" comes after "#": "<id>$" is past every "<id>#…".
    after = `${record.merchantId}$`;
  }
}
