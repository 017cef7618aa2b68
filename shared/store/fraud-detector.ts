/**
 * The fraud detector's state in the `fraud` table (docs/data-model.md, "Fraud"): per ledger record,
 * in one transaction, a marker keyed by the record's own ledger key (only if absent: a record counts
 * once, however often it is delivered), ADDs to the merchant's hourly counters, and puts of the
 * record in the merchant's and the payer's recent logs (idempotent by key). Counters and logs
 * expire after STATE_TTL_SECONDS, markers after MARKER_TTL_SECONDS: the stream keeps records 24 h.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { type EvidenceRange, type HourCounts, type PayerRedemption, type TransactionRef, NEAR_BUCKETS, hourDelta, hourFromKey, hourKey, nearBucket } from "../domain/fraud.js";
import type { LedgerRecordFacts } from "../domain/ledger.js";
import { FRAUD_HOUR_PREFIX, fraudAppliedKey, fraudHoursPartition, fraudMerchantLogPartition, fraudPayerLogPartition } from "./keys.js";
import { cancellationReasons, queryAll, queryPages } from "./dynamo.js";
import { type LedgerKey, LEDGER_KIND_SUFFIX } from "./ledger.js";

/** Markers outlive the stream's 24 h retention, so no redelivery can miss its marker. */
export const MARKER_TTL_SECONDS = 48 * 3600;
/** Counters and logs outlive the widest window a rule may read (168 h). */
export const STATE_TTL_SECONDS = 10 * 86_400;


const nearAttribute = (bucket: number) => `n${bucket}`;

/** The sort key of a record in the merchant's log: redemptions by occurredAt, reversals by the payment's occurredAt. */
function merchantLogSortKey(record: LedgerRecordFacts): string {
  const at = record.kind === "REVERSAL" ? (record.paymentOccurredAt ?? record.occurredAt) : record.occurredAt;
  return `${at}#${record.partnerId}#${record.transactionId}#${LEDGER_KIND_SUFFIX[record.kind]}`;
}

/**
 * Applies a new ledger record to the detector's state, once: its marker (only if absent), its
 * hourly counters, and its places in the merchant's and (redemptions) the payer's logs, in one
 * transaction. False when the marker existed (an earlier delivery applied it; nothing changed).
 */
export async function applyRecord(db: DynamoDBDocumentClient, table: string, ledgerKey: LedgerKey, record: LedgerRecordFacts, now: Date): Promise<boolean> {
  const seconds = Math.floor(now.getTime() / 1000);
  const stateExpiry = seconds + STATE_TTL_SECONDS;
  const { hour, counts } = hourDelta(record);
  const adds: [string, number][] = [
    ["redemptions", counts.redemptions],
    ["thresholded", counts.thresholded],
    ["reversals", counts.reversals],
    ...counts.near.map((value, bucket): [string, number] => [nearAttribute(bucket), value]),
  ].filter(([, value]) => value !== 0) as [string, number][];
  const near = record.kind === "REDEMPTION" ? nearBucket(record.amount, record.threshold) : undefined;
  const items: unknown[] = [
    {
      Put: {
        TableName: table,
        Item: { ...fraudAppliedKey(ledgerKey.pk, ledgerKey.sk), appliedAt: now.toISOString(), expiresAt: seconds + MARKER_TTL_SECONDS },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
    {
      Update: {
        TableName: table,
        Key: { pk: fraudHoursPartition(record.campaignId, record.merchantId), sk: `${FRAUD_HOUR_PREFIX}${hourKey(hour)}` },
        UpdateExpression: `SET expiresAt = :expiresAt ADD ${adds.map(([name]) => `#${name} :${name}`).join(", ")}`,
        ExpressionAttributeNames: Object.fromEntries(adds.map(([name]) => [`#${name}`, name])),
        ExpressionAttributeValues: { ":expiresAt": stateExpiry, ...Object.fromEntries(adds.map(([name, value]) => [`:${name}`, value])) },
      },
    },
    {
      Put: {
        TableName: table,
        Item: {
          pk: fraudMerchantLogPartition(record.campaignId, record.merchantId),
          sk: merchantLogSortKey(record),
          kind: record.kind,
          partnerId: record.partnerId,
          transactionId: record.transactionId,
          payerId: record.payerId,
          amount: record.amount,
          ...(near === undefined ? {} : { near }),
          expiresAt: stateExpiry,
        },
      },
    },
  ];
  if (record.kind === "REDEMPTION") {
    items.push({
      Put: {
        TableName: table,
        Item: {
          pk: fraudPayerLogPartition(record.campaignId, record.payerId),
          sk: `${record.occurredAt}#${record.partnerId}#${record.transactionId}`,
          merchantId: record.merchantId,
          partnerId: record.partnerId,
          transactionId: record.transactionId,
          occurredAt: record.occurredAt,
          expiresAt: stateExpiry,
        },
      },
    });
  }
  try {
    await db.send(new TransactWriteCommand({ TransactItems: items as NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]> }));
    return true;
  } catch (error) {
    if (cancellationReasons(error)[0] === "ConditionalCheckFailed") return false;
    throw error;
  }
}

/** Whether a ledger record has been applied (its marker exists), strongly consistent. */
export async function isApplied(db: DynamoDBDocumentClient, table: string, ledgerKey: LedgerKey): Promise<boolean> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: fraudAppliedKey(ledgerKey.pk, ledgerKey.sk), ConsistentRead: true }));
  return Item !== undefined;
}

/** A merchant's hourly counters in a campaign for epoch hours [first, last], strongly consistent. */
export async function readHours(
  db: DynamoDBDocumentClient,
  table: string,
  input: { campaignId: string; merchantId: string; first: number; last: number },
): Promise<Map<number, HourCounts>> {
  const hours = new Map<number, HourCounts>();
  const items = await queryAll(db, {
    TableName: table,
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :first AND :last",
    ExpressionAttributeValues: {
      ":pk": fraudHoursPartition(input.campaignId, input.merchantId),
      ":first": `${FRAUD_HOUR_PREFIX}${hourKey(input.first)}`,
      ":last": `${FRAUD_HOUR_PREFIX}${hourKey(input.last)}`,
    },
    ConsistentRead: true,
  });
  for (const item of items) {
    const number = (name: string) => (typeof item[name] === "number" ? item[name] : 0);
    hours.set(hourFromKey(String(item.sk).slice(FRAUD_HOUR_PREFIX.length)), {
      redemptions: number("redemptions"),
      thresholded: number("thresholded"),
      reversals: number("reversals"),
      near: Array.from({ length: NEAR_BUCKETS }, (_, bucket) => number(nearAttribute(bucket))),
    });
  }
  return hours;
}

const payerLogItemSchema = z.object({ merchantId: z.string(), partnerId: z.string(), transactionId: z.string(), occurredAt: z.string() });

/** A payer's redemptions in a campaign with from < occurredAt ≤ to (UTC ISO), oldest first, strongly consistent. */
export async function readPayerLog(
  db: DynamoDBDocumentClient,
  table: string,
  input: { campaignId: string; payerId: string; from: string; to: string },
): Promise<PayerRedemption[]> {
  const items = await queryAll(db, {
    TableName: table,
    // "<to>$" is past every "<to>#…" ("$" sorts after "#"); "<from>$" past every record at `from` itself.
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
    ExpressionAttributeValues: { ":pk": fraudPayerLogPartition(input.campaignId, input.payerId), ":from": `${input.from}$`, ":to": `${input.to}$` },
    ConsistentRead: true,
  });
  return items.map((item): PayerRedemption => payerLogItemSchema.parse(item));
}

/** Pages of the merchant's log read at most for one flag's evidence. */
const EVIDENCE_PAGES = 10;

/** The transactions of a merchant rule's evidence: the merchant's records in the range, oldest first, at most `limit`. */
export async function readEvidence(
  db: DynamoDBDocumentClient,
  table: string,
  input: { campaignId: string; merchantId: string; range: EvidenceRange; limit: number },
): Promise<TransactionRef[]> {
  const { range } = input;
  const filters: string[] = ["kind = :kind"];
  const values: Record<string, unknown> = {
    ":pk": fraudMerchantLogPartition(input.campaignId, input.merchantId),
    ":from": range.from,
    ":before": range.before,
    ":kind": range.select === "reversals" ? "REVERSAL" : "REDEMPTION",
  };
  if (range.select === "near") {
    filters.push("#near < :margin");
    values[":margin"] = range.marginPercent ?? 0;
  }
  const found: TransactionRef[] = [];
  let pages = 0;
  for await (const page of queryPages(db, {
    TableName: table,
    // "<from>" ≤ "<from>#…" and "<before>#…" > "<before>": BETWEEN gives [from, before).
    KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :before",
    FilterExpression: filters.join(" AND "),
    ...(range.select === "near" ? { ExpressionAttributeNames: { "#near": "near" } } : {}),
    ExpressionAttributeValues: values,
    ConsistentRead: true,
  })) {
    for (const item of page) {
      if (found.length < input.limit) found.push({ partnerId: String(item.partnerId), transactionId: String(item.transactionId) });
    }
    pages += 1;
    if (pages >= EVIDENCE_PAGES || found.length >= input.limit) break;
  }
  return found;
}
