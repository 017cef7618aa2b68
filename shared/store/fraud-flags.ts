/**
 * The review side of the `fraud` table: each campaign's rule configuration and the flags of the
 * review queue (docs/data-model.md, "Fraud").
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
 *
 * The detector's own state is in store/fraud-detector.ts.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "../zod.js";
import { type FlagStatus, FLAG_STATUSES, FRAUD_RULES, SEVERITIES, fraudConfigSchema } from "../domain/fraud.js";
import { type AuditEntry, auditPut } from "./audit.js";
import { flagCampaignStatus, fraudConfigKey, fraudFlagKey } from "./keys.js";
import { cancellationReasons, conditional, putOnce, queryPage } from "./dynamo.js";
import { indexName } from "../wiring/indexes.js";

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
    if (cancellationReasons(error)[0] === "ConditionalCheckFailed") return false;
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
  const written = await putOnce(db, { TableName: table, Item: { ...fraudFlagKey(flag.id), ...flag, ...listing(flag) }, partitionKey: "pk" }, () => readFlag(db, table, flag.id));
  return written.created ? { created: true, flag } : { created: false, flag: flagRecordSchema.parse(written.existing) };
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
    const index = cancellationReasons(error).indexOf("ConditionalCheckFailed");
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
  const result = await queryPage(db, {
    TableName: table,
    IndexName: byCampaign ? indexName("fraud", "byCampaign") : indexName("fraud", "byStatus"),
    KeyConditionExpression: byCampaign ? "flagCampaignStatus = :key" : "flagStatus = :key",
    ExpressionAttributeValues: { ":key": byCampaign ? flagCampaignStatus(page.campaignId!, page.status) : page.status },
    ScanIndexForward: false,
    Limit: page.limit,
    ExclusiveStartKey: page.startKey,
  });
  return {
    flags: result.items.map((item) => flagRecordSchema.parse(item)),
    ...(result.lastKey ? { lastKey: flagPageKeySchema.parse(result.lastKey) } : {}),
  };
}
