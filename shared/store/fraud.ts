/**
 * The `fraud` table: each campaign's rule configuration, the flags of the review queue, and the
 * detector's state (docs/data-model.md, "Fraud").
 *
 * - Configuration (`fraudConfigKey`): the whole configuration, replaced by an operator's PUT with
 *   its audit item in the same transaction, conditional on the version read.
 * - Flags (`fraudFlagKey`): created once per (campaign, rule, subject, window) with
 *   `attribute_not_exists`, so a redelivered or re-evaluated record finds its flag; later hits
 *   merge evidence in, conditional on the flag's version and on its being OPEN. Every decision
 *   (dismiss, confirm, the detector's auto-suspension) is conditional on the flag still being OPEN
 *   and goes in one transaction with its audit item (and, when it suspends, the merchant's change).
 *   Flags are on two sparse indexes by `listedAt` (`<createdAt>#<id>`): `byStatus` (status) and
 *   `byCampaign` (`<campaignId>#<status>`).
 * - Detector state: per ledger record, in one transaction, a marker keyed by the record's own
 *   ledger key (only if absent: a record counts once, however often it is delivered), ADDs to the
 *   merchant's hourly counters, and puts of the record in the merchant's and the payer's recent
 *   logs (idempotent by key). Counters and logs expire after STATE_TTL_SECONDS, markers after
 *   MARKER_TTL_SECONDS: the stream keeps records 24 h.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import {
  type EvidenceRange,
  type FlagStatus,
  type HourCounts,
  type LedgerFacts,
  type PayerRedemption,
  type TransactionRef,
  FLAG_STATUSES,
  FRAUD_RULES,
  NEAR_BUCKETS,
  SEVERITIES,
  fraudConfigSchema,
  hourDelta,
  hourFromKey,
  hourKey,
  nearBucket,
} from "../domain/fraud.js";
import { type AuditEntry, auditPut } from "./audit.js";
import {
  FRAUD_HOUR_PREFIX,
  flagCampaignStatus,
  fraudAppliedKey,
  fraudConfigKey,
  fraudFlagKey,
  fraudHoursPartition,
  fraudMerchantLogPartition,
  fraudPayerLogPartition,
  ledgerPartition,
} from "./keys.js";
import { LEDGER_KIND_SUFFIX, type LedgerEntry, ledgerEntrySchema } from "./redemptions.js";

/** Markers outlive the stream's 24 h retention, so no redelivery can miss its marker. */
export const MARKER_TTL_SECONDS = 48 * 3600;
/** Counters and logs outlive the widest window a rule may read (168 h). */
export const STATE_TTL_SECONDS = 10 * 86_400;

// ---------------------------------------------------------------------------------------------
// Configuration.

export const storedConfigSchema = z.object({
  campaignId: z.string(),
  config: fraudConfigSchema,
  version: z.int().nonnegative(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type StoredConfig = z.infer<typeof storedConfigSchema>;

/** A campaign's configuration as stored, or undefined when it has none (the defaults apply). */
export async function readConfig(db: DynamoDBDocumentClient, table: string, campaignId: string, options: { consistent?: boolean } = {}): Promise<StoredConfig | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: fraudConfigKey(campaignId), ConsistentRead: options.consistent ?? false }));
  return Item ? storedConfigSchema.parse(Item) : undefined;
}

/**
 * Replaces a campaign's configuration, with its audit item, on condition that it is still the
 * version read (`previous`, or absent). False when another write won meanwhile.
 */
export async function writeConfig(
  db: DynamoDBDocumentClient,
  tables: { fraud: string; audit: string },
  previous: StoredConfig | undefined,
  next: StoredConfig,
  audit: Pick<AuditEntry, "action" | "who" | "at">,
): Promise<boolean> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tables.fraud,
              Item: { ...fraudConfigKey(next.campaignId), ...next },
              ConditionExpression: previous === undefined ? "attribute_not_exists(pk)" : "version = :version",
              ...(previous === undefined ? {} : { ExpressionAttributeValues: { ":version": previous.version } }),
            },
          },
          auditPut(tables.audit, {
            ...audit,
            entityType: "CAMPAIGN",
            entityId: next.campaignId,
            version: next.version,
            before: previous === undefined ? undefined : { fraudRules: previous.config },
            after: { fraudRules: next.config },
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

// ---------------------------------------------------------------------------------------------
// Flags.

const transactionRefSchema = z.object({ partnerId: z.string(), transactionId: z.string() });

export const flagRecordSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  rule: z.enum(FRAUD_RULES),
  severity: z.enum(SEVERITIES),
  merchantId: z.string(),
  payerId: z.string().optional(),
  /** Start of the rule's window (UTC ISO). */
  window: z.string(),
  evidence: z.looseObject({ transactions: z.array(transactionRefSchema) }),
  status: z.enum(FLAG_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The latest record judged a hit in the flag's window. */
  lastHitAt: z.string(),
  version: z.int().nonnegative(),
  decidedAt: z.string().optional(),
  decidedBy: z.string().optional(),
  reason: z.string().optional(),
  /** CONFIRMED: whether the operator decided the merchant's HELD statements are forfeited. */
  forfeit: z.boolean().optional(),
  /** When the detector suspended the merchant for this flag (high severity, campaign autoSuspend). */
  autoSuspendedAt: z.string().optional(),
  /** CONFIRMED: what the confirmation (and any later enforcement) did. */
  enforcement: z
    .object({
      at: z.string(),
      forfeited: z.array(z.string()),
      clawedBack: z.array(transactionRefSchema),
      withheld: z.array(transactionRefSchema),
      pending: z.array(transactionRefSchema),
      notApplicable: z.array(transactionRefSchema),
      /** How many transactions each list holds in all; the lists keep the first MAX_EVIDENCE_TRANSACTIONS of each, so the flag stays a small item. */
      counts: z.object({ clawedBack: z.int(), withheld: z.int(), pending: z.int(), notApplicable: z.int() }).optional(),
    })
    .optional(),
});
export type FlagRecord = z.infer<typeof flagRecordSchema>;
export type Enforcement = NonNullable<FlagRecord["enforcement"]>;

/** The index attributes a flag carries in its status. */
function listing(flag: Pick<FlagRecord, "id" | "campaignId" | "status" | "createdAt">) {
  return { flagStatus: flag.status, flagCampaignStatus: flagCampaignStatus(flag.campaignId, flag.status), listedAt: `${flag.createdAt}#${flag.id}` };
}

/** The flag, read strongly consistently, or undefined. */
export async function readFlag(db: DynamoDBDocumentClient, table: string, flagId: string): Promise<FlagRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: fraudFlagKey(flagId), ConsistentRead: true }));
  return Item ? flagRecordSchema.parse(Item) : undefined;
}

/** Creates the flag unless it exists: then the existing one comes back and nothing is written. */
export async function createFlag(db: DynamoDBDocumentClient, table: string, flag: FlagRecord): Promise<{ created: boolean; flag: FlagRecord }> {
  try {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: { ...fraudFlagKey(flag.id), ...flag, ...listing(flag) },
        ConditionExpression: "attribute_not_exists(pk)",
      }),
    );
    return { created: true, flag };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const existing = await readFlag(db, table, flag.id);
    if (!existing) throw new Error(`flag ${flag.id} failed its condition but cannot be read`, { cause: error });
    return { created: false, flag: existing };
  }
}

/** Replaces an OPEN flag's evidence (a later hit in its window), if it is still the version read. False otherwise. */
export async function updateEvidence(
  db: DynamoDBDocumentClient,
  table: string,
  flag: Pick<FlagRecord, "id" | "version">,
  evidence: FlagRecord["evidence"],
  at: string,
): Promise<boolean> {
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: fraudFlagKey(flag.id),
        UpdateExpression: "SET evidence = :evidence, lastHitAt = :at, updatedAt = :at, version = :next",
        ConditionExpression: "#status = :open AND version = :version",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":evidence": evidence, ":at": at, ":next": flag.version + 1, ":version": flag.version, ":open": "OPEN" },
      }),
    ),
  );
}

/**
 * The items that decide an OPEN flag (the version read) and audit the decision, for a
 * transaction: the flag's update first, its audit item second.
 */
export function flagDecisionItems(
  tables: { fraud: string; audit: string },
  flag: FlagRecord,
  decision: { status: Exclude<FlagStatus, "OPEN">; who: string; reason: string; at: string; forfeit?: boolean | undefined; action: string },
) {
  const next = { ...flag, status: decision.status };
  const values: Record<string, unknown> = {
    ":status": decision.status,
    ":at": decision.at,
    ":who": decision.who,
    ":reason": decision.reason,
    ":next": flag.version + 1,
    ":version": flag.version,
    ":open": "OPEN",
    ":flagStatus": listing(next).flagStatus,
    ":campaignStatus": listing(next).flagCampaignStatus,
  };
  const sets = [
    "#status = :status",
    "decidedAt = :at",
    "decidedBy = :who",
    "reason = :reason",
    "updatedAt = :at",
    "version = :next",
    "flagStatus = :flagStatus",
    "flagCampaignStatus = :campaignStatus",
  ];
  if (decision.forfeit !== undefined) {
    sets.push("forfeit = :forfeit");
    values[":forfeit"] = decision.forfeit;
  }
  return [
    {
      Update: {
        TableName: tables.fraud,
        Key: fraudFlagKey(flag.id),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: "#status = :open AND version = :version",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: values,
      },
    },
    auditPut(tables.audit, {
      entityType: "FRAUD_FLAG",
      entityId: flag.id,
      action: decision.action,
      who: decision.who,
      at: decision.at,
      version: flag.version + 1,
      reason: decision.reason,
      before: { status: flag.status },
      after: { status: decision.status, ...(decision.forfeit === undefined ? {} : { forfeit: decision.forfeit }) },
    }),
  ] as const;
}

/** The items that record the detector's suspension on an OPEN flag (once: only if none is recorded), with its audit item. */
export function autoSuspensionItems(tables: { fraud: string; audit: string }, flag: FlagRecord, at: string, reason: string) {
  return [
    {
      Update: {
        TableName: tables.fraud,
        Key: fraudFlagKey(flag.id),
        UpdateExpression: "SET autoSuspendedAt = :at, updatedAt = :at",
        ConditionExpression: "#status = :open AND attribute_not_exists(autoSuspendedAt)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":at": at, ":open": "OPEN" },
      },
    },
    auditPut(tables.audit, {
      entityType: "FRAUD_FLAG",
      entityId: flag.id,
      action: "fraud.auto-suspend",
      who: FRAUD_DETECTOR,
      at,
      version: flag.version,
      reason,
      after: { merchantId: flag.merchantId, merchantStatus: "SUSPENDED" },
    }),
  ] as const;
}

/** Who the detector's own writes are attributed to in the audit trail. */
export const FRAUD_DETECTOR = "fraud-detector";

/**
 * Runs a transaction of decision items; returns the index of the first item whose condition
 * failed, or undefined when it went through.
 */
export async function transact(db: DynamoDBDocumentClient, items: readonly unknown[]): Promise<number | undefined> {
  try {
    await db.send(new TransactWriteCommand({ TransactItems: items as NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]> }));
    return undefined;
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const index = (error.CancellationReasons ?? []).findIndex((reason) => reason.Code === "ConditionalCheckFailed");
    if (index < 0) throw error;
    return index;
  }
}

/** Records what a confirmation's enforcement did (the latest run's outcome, with every statement forfeited so far). */
export async function recordEnforcement(db: DynamoDBDocumentClient, table: string, flagId: string, enforcement: Enforcement): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: fraudFlagKey(flagId),
      UpdateExpression: "SET enforcement = :enforcement, updatedAt = :at",
      ConditionExpression: "#status = :confirmed",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":enforcement": enforcement, ":at": enforcement.at, ":confirmed": "CONFIRMED" },
    }),
  );
}

/** The key of a flag index a page ends at. */
export const flagPageKeySchema = z.strictObject({
  pk: z.string().min(1),
  sk: z.string().min(1),
  listedAt: z.string().min(1),
  flagStatus: z.enum(FLAG_STATUSES).optional(),
  flagCampaignStatus: z.string().min(1).optional(),
});
export type FlagPageKey = z.infer<typeof flagPageKeySchema>;

/** One page of the flags in a status (of one campaign, or all), newest first, from a sparse index (eventually consistent). */
export async function queryFlags(
  db: DynamoDBDocumentClient,
  table: string,
  page: { status: FlagStatus; campaignId?: string | undefined; limit: number; startKey?: FlagPageKey | undefined },
): Promise<{ flags: FlagRecord[]; lastKey?: FlagPageKey }> {
  const byCampaign = page.campaignId !== undefined;
  const result = await db.send(
    new QueryCommand({
      TableName: table,
      IndexName: byCampaign ? "byCampaign" : "byStatus",
      KeyConditionExpression: byCampaign ? "flagCampaignStatus = :key" : "flagStatus = :key",
      ExpressionAttributeValues: { ":key": byCampaign ? flagCampaignStatus(page.campaignId!, page.status) : page.status },
      ScanIndexForward: false,
      Limit: page.limit,
      ExclusiveStartKey: page.startKey,
    }),
  );
  return {
    flags: (result.Items ?? []).map((item) => flagRecordSchema.parse(item)),
    ...(result.LastEvaluatedKey ? { lastKey: flagPageKeySchema.parse(result.LastEvaluatedKey) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Detector state.

/** Where a ledger record is filed (its own key), which names its marker. */
export interface LedgerKey {
  pk: string;
  sk: string;
}

const nearAttribute = (bucket: number) => `n${bucket}`;

/** The sort key of a record in the merchant's log: redemptions by occurredAt, reversals by the payment's occurredAt. */
function merchantLogSortKey(record: LedgerFacts): string {
  const at = record.kind === "REVERSAL" ? (record.paymentOccurredAt ?? record.occurredAt) : record.occurredAt;
  return `${at}#${record.partnerId}#${record.transactionId}#${LEDGER_KIND_SUFFIX[record.kind]}`;
}

/**
 * Applies a new ledger record to the detector's state, once: its marker (only if absent), its
 * hourly counters, and its places in the merchant's and (redemptions) the payer's logs, in one
 * transaction. False when the marker existed (an earlier delivery applied it; nothing changed).
 */
export async function applyRecord(db: DynamoDBDocumentClient, table: string, ledgerKey: LedgerKey, record: LedgerFacts, now: Date): Promise<boolean> {
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
    if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed") return false;
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
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :first AND :last",
        ExpressionAttributeValues: {
          ":pk": fraudHoursPartition(input.campaignId, input.merchantId),
          ":first": `${FRAUD_HOUR_PREFIX}${hourKey(input.first)}`,
          ":last": `${FRAUD_HOUR_PREFIX}${hourKey(input.last)}`,
        },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const number = (name: string) => (typeof item[name] === "number" ? item[name] : 0);
      hours.set(hourFromKey(String(item.sk).slice(FRAUD_HOUR_PREFIX.length)), {
        redemptions: number("redemptions"),
        thresholded: number("thresholded"),
        reversals: number("reversals"),
        near: Array.from({ length: NEAR_BUCKETS }, (_, bucket) => number(nearAttribute(bucket))),
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return hours;
}

const payerLogItemSchema = z.object({ merchantId: z.string(), partnerId: z.string(), transactionId: z.string(), occurredAt: z.string() });

/** A payer's redemptions in a campaign with from < occurredAt ≤ to (UTC ISO), oldest first, strongly consistent. */
export async function readPayerLog(
  db: DynamoDBDocumentClient,
  table: string,
  input: { campaignId: string; payerId: string; from: string; to: string },
): Promise<PayerRedemption[]> {
  const found: PayerRedemption[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        // "<to>$" is past every "<to>#…" ("$" sorts after "#"); "<from>$" past every record at `from` itself.
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: { ":pk": fraudPayerLogPartition(input.campaignId, input.payerId), ":from": `${input.from}$`, ":to": `${input.to}$` },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) found.push(payerLogItemSchema.parse(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
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
  let start: Record<string, unknown> | undefined;
  for (let pages = 0; pages < EVIDENCE_PAGES && found.length < input.limit; pages++) {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        // "<from>" ≤ "<from>#…" and "<before>#…" > "<before>": BETWEEN gives [from, before).
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :before",
        FilterExpression: filters.join(" AND "),
        ...(range.select === "near" ? { ExpressionAttributeNames: { "#near": "near" } } : {}),
        ExpressionAttributeValues: values,
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      if (found.length < input.limit) found.push({ partnerId: String(item.partnerId), transactionId: String(item.transactionId) });
    }
    start = page.LastEvaluatedKey;
    if (!start) break;
  }
  return found;
}

/** Ledger records read per page by an enforcement: each page is clawed back before the next is read. */
export const CLAWBACK_PAGE_SIZE = 100;

/**
 * One page of a merchant's REDEMPTION ledger records (the redemptions table) with occurredAt in
 * [from, before), oldest first, strongly consistent; `lastKey` when there may be more. Reads the
 * ledger itself, not the detector's capped evidence, so an enforcement reaches every record.
 */
export async function readRedemptionPage(
  db: DynamoDBDocumentClient,
  table: string,
  input: { campaignId: string; merchantId: string; from: string; before: string; limit: number; startKey?: Record<string, unknown> | undefined },
): Promise<{ redemptions: Extract<LedgerEntry, { kind: "REDEMPTION" }>[]; lastKey?: Record<string, unknown> }> {
  const page = await db.send(
    new QueryCommand({
      TableName: table,
      // "<from>" ≤ "<from>#…" and "<before>#…" > "<before>": BETWEEN gives [from, before).
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :before",
      FilterExpression: "kind = :redemption",
      ExpressionAttributeValues: { ":pk": ledgerPartition(input.campaignId, input.merchantId), ":from": input.from, ":before": input.before, ":redemption": "REDEMPTION" },
      ConsistentRead: true,
      Limit: input.limit,
      ExclusiveStartKey: input.startKey,
    }),
  );
  const redemptions: Extract<LedgerEntry, { kind: "REDEMPTION" }>[] = [];
  for (const item of page.Items ?? []) {
    const entry = ledgerEntrySchema.parse(item);
    if (entry.kind === "REDEMPTION") redemptions.push(entry);
  }
  return { redemptions, ...(page.LastEvaluatedKey ? { lastKey: page.LastEvaluatedKey } : {}) };
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
