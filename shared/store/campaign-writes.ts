/**
 * Writes of the operator routes to the `campaigns` table (campaign and drop items, with their
 * audit items), and the public listing. Every write is conditional, so a retry or a concurrent
 * duplicate either does nothing or fails into a domain error; DynamoDB outcomes are translated
 * here, where they happen. The drops' inventory shards are written by `inventory.ts`.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import type { Campaign, Drop } from "../domain/campaign.js";
import { AlreadyExistsError } from "../errors.js";
import { indexName } from "../wiring/indexes.js";
import { type CampaignRecord, type CampaignStatus, campaignRecordSchema, newDropRecord } from "./campaigns.js";
import { type AuditTrail, auditPut } from "./audit.js";
import { cancellationReasons, conditional, queryAll, queryPage } from "./dynamo.js";
import { DUE, LISTED, campaignKey, dropKey } from "./keys.js";

/** Items one TransactWriteItems may hold. */
export const MAX_TRANSACTION_ITEMS = 100;
/** Published campaigns, latest start first (sparse: only listed campaigns carry `listing`). */
const LISTING_INDEX = indexName("campaigns", "listing");

/** The fields of the operator's definition that the campaign item stores (its drops are items of their own). */
type CampaignDefinition = Omit<Campaign, "drops">;

function definitionOf(campaign: Campaign): CampaignDefinition {
  const { drops: _drops, ...definition } = campaign;
  return definition;
}

function dropItem(campaignId: string, drop: Drop): Record<string, unknown> {
  return { ...dropKey(campaignId, drop.id), ...newDropRecord(campaignId, drop) };
}

/**
 * The audit item of an operator's campaign write, to put in the same transaction as the change
 * (none when the caller is not an operator, e.g. the demo seed).
 */
function campaignAudit(trail: AuditTrail | undefined, change: { campaignId: string; action: string; at: string; version: number; after?: Record<string, unknown> }) {
  if (!trail) return [];
  return [auditPut(trail.table, { entityType: "CAMPAIGN", entityId: change.campaignId, action: change.action, who: trail.who, at: change.at, version: change.version, ...(change.after ? { after: change.after } : {}) })];
}

/**
 * A conditional update of the campaign item, with its audit item in one transaction when there
 * is one. Returns false when the update's condition failed.
 */
async function updateCampaignItem(db: DynamoDBDocumentClient, update: UpdateCommandInput, audit: ReturnType<typeof campaignAudit>): Promise<boolean> {
  if (audit.length === 0) return conditional(db.send(new UpdateCommand(update)));
  try {
    await db.send(new TransactWriteCommand({ TransactItems: [{ Update: { ...update, UpdateExpression: update.UpdateExpression ?? "" } }, ...audit] }));
    return true;
  } catch (error) {
    if (cancellationReasons(error)[0] === "ConditionalCheckFailed") return false;
    throw error;
  }
}

/** Whether a transaction was cancelled because (at least) one of its items failed its condition. */
function failedACondition(error: unknown): boolean {
  return cancellationReasons(error).includes("ConditionalCheckFailed");
}

/**
 * Creates a DRAFT campaign and its drops in one transaction. Each item must not exist, so a
 * second create of the same id (or a concurrent one) changes nothing and answers ALREADY_EXISTS.
 * The caller keeps the drop count within one transaction.
 */
export async function insertCampaign(
  db: DynamoDBDocumentClient,
  table: string,
  campaign: Campaign,
  audit: { at: string; by: string },
  trail?: AuditTrail,
): Promise<void> {
  const record: CampaignRecord = {
    ...definitionOf(campaign),
    status: "DRAFT",
    version: 0,
    createdAt: audit.at,
    updatedAt: audit.at,
    createdBy: audit.by,
    releasedSubsidy: 0,
  };
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { ...campaignKey(campaign.id), ...record }, ConditionExpression: "attribute_not_exists(pk)" } },
          ...campaign.drops.map((drop) => ({
            Put: { TableName: table, Item: dropItem(campaign.id, drop), ConditionExpression: "attribute_not_exists(pk)" },
          })),
          ...campaignAudit(trail, { campaignId: campaign.id, action: "campaign.create", at: audit.at, version: 0, after: { ...record } }),
        ],
      }),
    );
  } catch (error) {
    if (failedACondition(error)) {
      throw new AlreadyExistsError(`Campaign ${campaign.id} already exists`, { cause: error });
    }
    throw error;
  }
}

/**
 * Replaces a DRAFT campaign and its drops in one transaction: the campaign item is rewritten on
 * condition that it is still the draft version that was read and that publishing has not begun,
 * drops no longer present are deleted and the others put. Returns false when that condition
 * failed; the caller re-reads to tell why.
 */
export async function replaceDraft(
  db: DynamoDBDocumentClient,
  table: string,
  current: { campaign: CampaignRecord; dropIds: readonly string[] },
  next: Campaign,
  audit: { at: string },
  trail?: AuditTrail,
): Promise<boolean> {
  const record: CampaignRecord = {
    ...definitionOf(next),
    status: "DRAFT",
    version: current.campaign.version + 1,
    createdAt: current.campaign.createdAt,
    updatedAt: audit.at,
    createdBy: current.campaign.createdBy,
    releasedSubsidy: current.campaign.releasedSubsidy,
  };
  const kept = new Set(next.drops.map((drop) => drop.id));
  const removed = current.dropIds.filter((id) => !kept.has(id));
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: { ...campaignKey(next.id), ...record },
              ConditionExpression: "#status = :draft AND version = :version AND attribute_not_exists(publishing)",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":draft": "DRAFT", ":version": current.campaign.version },
            },
          },
          ...removed.map((dropId) => ({ Delete: { TableName: table, Key: dropKey(next.id, dropId) } })),
          ...next.drops.map((drop) => ({ Put: { TableName: table, Item: dropItem(next.id, drop) } })),
          ...campaignAudit(trail, { campaignId: next.id, action: "campaign.replace", at: audit.at, version: record.version, after: { ...record } }),
        ],
      }),
    );
    return true;
  } catch (error) {
    // Only the campaign item carries a condition, so a failed condition is always its own.
    if (failedACondition(error)) return false;
    throw error;
  }
}

/** The campaign item as stored, read strongly consistent, with whether publishing has begun. */
export async function readCampaignItem(
  db: DynamoDBDocumentClient,
  table: string,
  campaignId: string,
): Promise<{ campaign: CampaignRecord; publishing: boolean } | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: campaignKey(campaignId), ConsistentRead: true }));
  if (!Item) return undefined;
  return { campaign: campaignRecordSchema.parse(Item), publishing: Item.publishing !== undefined };
}

/**
 * Freezes a draft for publishing: from now on PUT refuses it, so the drops that publishing reads
 * next are the ones it provisions. Idempotent (concurrent publishers all pass). Returns false
 * when the campaign is no longer a draft (or is gone).
 */
export async function markPublishing(db: DynamoDBDocumentClient, table: string, campaignId: string, at: string): Promise<boolean> {
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: campaignKey(campaignId),
        UpdateExpression: "SET publishing = if_not_exists(publishing, :at)",
        ConditionExpression: "#status = :draft",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":draft": "DRAFT", ":at": at },
      }),
    ),
  );
}

/**
 * Records a drop's shard counts (and a lottery drop's commitment to its seed) and puts it on the
 * `dueDrops` index, so the ticker closes it.
 * A drop already closed is left alone.
 */
export async function markDropProvisioned(
  db: DynamoDBDocumentClient,
  table: string,
  campaignId: string,
  dropId: string,
  shardCounts: Record<string, number>,
  drawCommitment?: string,
): Promise<void> {
  await conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: dropKey(campaignId, dropId),
        UpdateExpression: `SET shardCounts = :counts, #due = :due${drawCommitment === undefined ? "" : ", drawCommitment = :commitment"}`,
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(closedAt)",
        ExpressionAttributeNames: { "#due": "due" },
        ExpressionAttributeValues: { ":counts": shardCounts, ":due": DUE, ...(drawCommitment === undefined ? {} : { ":commitment": drawCommitment }) },
      }),
    ),
  );
}

/**
 * The last step of publishing: DRAFT → PUBLISHED, listed on the public index. Returns false when
 * the campaign was no longer a draft (another publish won).
 */
export async function flipToPublished(db: DynamoDBDocumentClient, table: string, campaignId: string, at: string, trail?: AuditTrail): Promise<boolean> {
  return updateCampaignItem(
    db,
    {
      TableName: table,
      Key: campaignKey(campaignId),
      UpdateExpression: "SET #status = :published, listing = :listed, updatedAt = :at, publishedAt = :at ADD version :one REMOVE publishing",
      ConditionExpression: "#status = :draft",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":published": "PUBLISHED", ":draft": "DRAFT", ":listed": LISTED, ":at": at, ":one": 1 },
    },
    campaignAudit(trail, { campaignId, action: "campaign.publish", at, version: 0, after: { status: "PUBLISHED" } }),
  );
}

/** Moves a campaign from one status to another. Returns false when it was not in `from`. */
export async function changeStatus(
  db: DynamoDBDocumentClient,
  table: string,
  campaignId: string,
  change: { from: CampaignStatus; to: CampaignStatus; at: string },
  trail?: AuditTrail,
): Promise<boolean> {
  return updateCampaignItem(
    db,
    {
      TableName: table,
      Key: campaignKey(campaignId),
      UpdateExpression: "SET #status = :to, updatedAt = :at ADD version :one",
      ConditionExpression: "#status = :from",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":from": change.from, ":to": change.to, ":at": change.at, ":one": 1 },
    },
    campaignAudit(trail, {
      campaignId,
      action: change.to === "PAUSED" ? "campaign.pause" : "campaign.resume",
      at: change.at,
      version: 0,
      after: { status: change.to },
    }),
  );
}

export type InsertDropOutcome = "inserted" | "drop-exists" | "campaign-changed";

/**
 * Adds drops (one, or the occurrences of a repeating drop, at most 52) to a published or paused
 * campaign, before their inventory exists: each drop item is put (if absent) in one transaction
 * with a bump of the campaign's version, conditioned on the version the budget was checked against. Two concurrent additions therefore cannot both spend
 * the same budget: the second fails and re-checks.
 */
export async function insertDrop(
  db: DynamoDBDocumentClient,
  table: string,
  campaign: Pick<CampaignRecord, "id" | "version">,
  drops: readonly Drop[],
  at: string,
  trail?: AuditTrail,
  /** The drop as the operator sent it, for the audit trail (a repeating drop, before its occurrences). */
  definition: Drop = drops[0]!,
): Promise<InsertDropOutcome> {
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: campaignKey(campaign.id),
              UpdateExpression: "SET version = :next, updatedAt = :at",
              ConditionExpression: "version = :version AND #status IN (:published, :paused)",
              ExpressionAttributeNames: { "#status": "status" },
              ExpressionAttributeValues: { ":version": campaign.version, ":next": campaign.version + 1, ":at": at, ":published": "PUBLISHED", ":paused": "PAUSED" },
            },
          },
          ...drops.map((drop) => ({ Put: { TableName: table, Item: dropItem(campaign.id, drop), ConditionExpression: "attribute_not_exists(pk)" } })),
          ...campaignAudit(trail, { campaignId: campaign.id, action: "campaign.add-drop", at, version: campaign.version + 1, after: { drop: { ...definition } } }),
        ],
      }),
    );
    return "inserted";
  } catch (error) {
    if (failedACondition(error)) {
      const [, ...dropReasons] = cancellationReasons(error);
      return dropReasons.slice(0, drops.length).includes("ConditionalCheckFailed") ? "drop-exists" : "campaign-changed";
    }
    throw error;
  }
}

/**
 * One page of the public listing: campaign items on the sparse `listing` index, latest start
 * first. The index is eventually consistent, which a public list tolerates.
 */
export async function queryListed(
  db: DynamoDBDocumentClient,
  table: string,
  page: { limit: number; startKey?: Record<string, unknown> },
): Promise<{ campaigns: CampaignRecord[]; lastKey?: Record<string, unknown> }> {
  const result = await queryPage(db, {
    TableName: table,
    IndexName: LISTING_INDEX,
    KeyConditionExpression: "listing = :listed",
    ExpressionAttributeValues: { ":listed": LISTED },
    ScanIndexForward: false,
    Limit: page.limit,
    ExclusiveStartKey: page.startKey,
  });
  return {
    campaigns: result.items.map((item) => campaignRecordSchema.parse(item)),
    ...(result.lastKey ? { lastKey: result.lastKey } : {}),
  };
}

/**
 * The ids of listed (published or paused) campaigns that declare instant discounts: the campaigns
 * a card payment may take one from. Read from the eventually consistent `listing` index, so a
 * campaign published a moment ago may be missing for a moment; each is then read strongly
 * consistent ({@link readCampaignItem}) before its discount applies, so a pause applies at once.
 */
export async function listInstantDiscountCampaignIds(db: DynamoDBDocumentClient, table: string): Promise<string[]> {
  const items = await queryAll(db, {
    TableName: table,
    IndexName: LISTING_INDEX,
    KeyConditionExpression: "listing = :listed",
    FilterExpression: "attribute_exists(instantDiscounts)",
    ProjectionExpression: "id",
    ExpressionAttributeValues: { ":listed": LISTED },
  });
  return items.map((item) => String(item.id));
}
