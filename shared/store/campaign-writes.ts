/**
 * Writes of the operator routes to the `campaigns` and `inventory` tables. Every write is
 * conditional, so a retry or a concurrent duplicate either does nothing or fails into a domain
 * error; DynamoDB outcomes are translated here, where they happen.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { Campaign, Drop } from "../domain/campaign.js";
import { AlreadyExistsError } from "../errors.js";
import { CLAIM_WCU_PER_ATTEMPT, DEFAULT_ATTEMPTS_PER_SECOND, planShards } from "../domain/capacity.js";
import { splitStock } from "../domain/inventory.js";
import {
  type CampaignRecord,
  type CampaignStatus,
  type DropRecord,
  campaignRecordSchema,
  newDropRecord,
} from "./campaigns.js";
import { type AuditTrail, auditPut } from "./audit.js";
import { DUE, LISTED, campaignKey, dropKey, shardKey } from "./keys.js";

/** Items one TransactWriteItems may hold. */
export const MAX_TRANSACTION_ITEMS = 100;
/** Conditional shard puts in flight at once while provisioning. */
export const SHARD_WRITE_CONCURRENCY = 16;
/** Keys one BatchGetItem may ask for. */
const BATCH_GET_KEYS = 100;
const BATCH_GET_ROUNDS = 10;

/** The fields of the operator's definition that the campaign item stores (its drops are items of their own). */
type CampaignDefinition = Omit<Campaign, "drops">;

function definitionOf(campaign: Campaign): CampaignDefinition {
  const { drops: _drops, ...definition } = campaign;
  return definition;
}

function dropItem(campaignId: string, drop: Drop): Record<string, unknown> {
  return { ...dropKey(campaignId, drop.id), ...newDropRecord(campaignId, drop) };
}

/** Whether a cancelled transaction failed (at least) one of its conditions. */
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
  try {
    if (audit.length === 0) await db.send(new UpdateCommand(update));
    else await db.send(new TransactWriteCommand({ TransactItems: [{ Update: { ...update, UpdateExpression: update.UpdateExpression ?? "" } }, ...audit] }));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed") return false;
    throw error;
  }
}

function failedACondition(error: TransactionCanceledException): boolean {
  return (error.CancellationReasons ?? []).some((reason) => reason.Code === "ConditionalCheckFailed");
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
    if (error instanceof TransactionCanceledException && failedACondition(error)) {
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
    if (error instanceof TransactionCanceledException && failedACondition(error)) return false;
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
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: campaignKey(campaignId),
        UpdateExpression: "SET publishing = if_not_exists(publishing, :at)",
        ConditionExpression: "#status = :draft",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":draft": "DRAFT", ":at": at },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * How a drop's stock is split over shards, per voucher type: the drop's own `shards`, or as many
 * as its expected attempt rate needs; fewer when there are fewer units than shards.
 */
export function shardPlan(drop: Pick<DropRecord, "stock" | "shards" | "expectedAttemptsPerSecond">): Record<string, number[]> {
  const shards =
    drop.shards ??
    planShards({
      attemptsPerSecond: drop.expectedAttemptsPerSecond ?? DEFAULT_ATTEMPTS_PER_SECOND,
      wcuPerAttempt: CLAIM_WCU_PER_ATTEMPT,
    }).shards;
  const plan: Record<string, number[]> = {};
  for (const [typeId, stock] of Object.entries(drop.stock)) {
    if (stock > 0) plan[typeId] = splitStock(stock, shards);
  }
  return plan;
}

/** Runs `work` over `items` with at most `limit` calls in flight; rejects with the first failure. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Provisions a drop's inventory: one item per shard with `remaining` = `initial` = its units,
 * each put only if absent, so provisioning again never refills a shard that claims have taken
 * from. Returns the shard count per voucher type, for the drop item.
 */
export async function provisionShards(
  db: DynamoDBDocumentClient,
  inventoryTable: string,
  campaignId: string,
  drop: Pick<DropRecord, "id" | "stock" | "shards" | "expectedAttemptsPerSecond">,
): Promise<Record<string, number>> {
  const plan = shardPlan(drop);
  const writes = Object.entries(plan).flatMap(([typeId, units]) =>
    units.map((unitCount, shard) => ({ key: shardKey(campaignId, drop.id, typeId, shard), units: unitCount })),
  );
  await forEachLimited(writes, SHARD_WRITE_CONCURRENCY, async ({ key, units }) => {
    try {
      await db.send(
        new PutCommand({
          TableName: inventoryTable,
          Item: { ...key, remaining: units, initial: units },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      // Already provisioned by an earlier or concurrent publish: left exactly as it is.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  });
  return Object.fromEntries(Object.entries(plan).map(([typeId, units]) => [typeId, units.length]));
}

/**
 * Records a drop's shard counts and puts it on the `dueDrops` index, so the ticker closes it.
 * A drop already closed is left alone.
 */
export async function markDropProvisioned(
  db: DynamoDBDocumentClient,
  table: string,
  campaignId: string,
  dropId: string,
  shardCounts: Record<string, number>,
): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: dropKey(campaignId, dropId),
        UpdateExpression: "SET shardCounts = :counts, #due = :due",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(closedAt)",
        ExpressionAttributeNames: { "#due": "due" },
        ExpressionAttributeValues: { ":counts": shardCounts, ":due": DUE },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
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
 * Adds a drop to a published or paused campaign, before its inventory exists: the drop item is
 * put (if absent) in one transaction with a bump of the campaign's version, conditioned on the
 * version the budget was checked against. Two concurrent additions therefore cannot both spend
 * the same budget: the second fails and re-checks.
 */
export async function insertDrop(
  db: DynamoDBDocumentClient,
  table: string,
  campaign: Pick<CampaignRecord, "id" | "version">,
  drop: Drop,
  at: string,
  trail?: AuditTrail,
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
          { Put: { TableName: table, Item: dropItem(campaign.id, drop), ConditionExpression: "attribute_not_exists(pk)" } },
          ...campaignAudit(trail, { campaignId: campaign.id, action: "campaign.add-drop", at, version: campaign.version + 1, after: { drop: { ...drop } } }),
        ],
      }),
    );
    return "inserted";
  } catch (error) {
    if (error instanceof TransactionCanceledException && failedACondition(error)) {
      return error.CancellationReasons?.[1]?.Code === "ConditionalCheckFailed" ? "drop-exists" : "campaign-changed";
    }
    throw error;
  }
}

/**
 * Units left per voucher type of a drop: the sum of its shards' `remaining`, read strongly
 * consistent in batches. Types without shards are absent.
 */
export async function readRemaining(
  db: DynamoDBDocumentClient,
  inventoryTable: string,
  campaignId: string,
  drop: Pick<DropRecord, "id" | "shardCounts">,
): Promise<Record<string, number>> {
  const keys = Object.entries(drop.shardCounts).flatMap(([typeId, count]) =>
    Array.from({ length: count }, (_, shard) => shardKey(campaignId, drop.id, typeId, shard).pk),
  );
  const remaining = new Map<string, number>();
  for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
    let pending: Record<string, unknown>[] = keys.slice(start, start + BATCH_GET_KEYS).map((pk) => ({ pk }));
    for (let round = 0; pending.length > 0; round++) {
      if (round === BATCH_GET_ROUNDS) throw new Error(`BatchGetItem left ${pending.length} shard keys unprocessed after ${round} rounds`);
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** round));
      const page = await db.send(
        new BatchGetCommand({ RequestItems: { [inventoryTable]: { Keys: pending, ConsistentRead: true, ProjectionExpression: "pk, remaining" } } }),
      );
      for (const item of page.Responses?.[inventoryTable] ?? []) {
        if (typeof item.pk === "string" && typeof item.remaining === "number") remaining.set(item.pk, item.remaining);
      }
      pending = page.UnprocessedKeys?.[inventoryTable]?.Keys ?? [];
    }
  }
  const totals: Record<string, number> = {};
  for (const [typeId, count] of Object.entries(drop.shardCounts)) {
    let sum = 0;
    for (let shard = 0; shard < count; shard++) sum += remaining.get(shardKey(campaignId, drop.id, typeId, shard).pk) ?? 0;
    totals[typeId] = sum;
  }
  return totals;
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
  const result = await db.send(
    new QueryCommand({
      TableName: table,
      IndexName: "listing",
      KeyConditionExpression: "listing = :listed",
      ExpressionAttributeValues: { ":listed": LISTED },
      ScanIndexForward: false,
      Limit: page.limit,
      ExclusiveStartKey: page.startKey,
    }),
  );
  return {
    campaigns: (result.Items ?? []).map((item) => campaignRecordSchema.parse(item)),
    ...(result.LastEvaluatedKey ? { lastKey: result.LastEvaluatedKey } : {}),
  };
}
