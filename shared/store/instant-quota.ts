/**
 * Instant-discount quotas and per-payer counters (inventory table), the drop machinery applied to
 * card-swipe discounts (DESIGN.md §8).
 *
 * - **Quota shards.** A quota is split over shards, each its own partition: `QUOTA#<campaign>#
 *   <discount>#ALL#<k>` for the total, `QUOTA#<campaign>#<discount>#<day>#<k>` for the daily quota
 *   of one local day. A shard counts `taken` against its share (`splitStock`); it is created by its
 *   first take (no provisioning, and a new day needs no job: its key is new), taken with one plain
 *   conditional `ADD taken 1` (`taken < share`), never in a transaction. A unit goes back with
 *   `ADD taken -1` sent at most once.
 * - **Per-payer counters.** One item per (campaign, discount, partner, payer) holds the transaction
 *   ids that hold a unit: `takes` (all of them) and `day#<day>` (those of one day), string sets.
 *   A take adds the transaction id only while the sets are below the limits; a take by a transaction
 *   already in `takes` (a duplicate delivery, or a retry after a crash) counts nothing again. A slot
 *   is released by deleting the id, only while it is there, so releasing twice changes nothing.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { splitStock } from "../domain/inventory.js";
import * as z from "../zod.js";
import type { InstantDiscount } from "../domain/instant-discount.js";
import { batchGetAll, itemOfConditionFailure } from "./dynamo.js";
import { sentAtMostOnce } from "./retry.js";

/** Shards per quota (fewer when the quota has fewer units): 8 partitions take ~8,000 writes/s. */
export const QUOTA_SHARDS = 8;
/** The period of a total quota's shards. */
export const TOTAL_PERIOD = "ALL";

/** One quota of an instant discount: its total (`ALL`) or one local day's. */
export interface QuotaAddress {
  campaignId: string;
  instantDiscountId: string;
  /** `ALL` for the total quota, else the local day `YYYY-MM-DD` in the campaign's zone. */
  period: string;
}

/** The inventory-table key of shard `shard` of a quota. */
export const quotaShardKey = (quota: QuotaAddress, shard: number) => ({
  pk: `QUOTA#${quota.campaignId}#${quota.instantDiscountId}#${quota.period}#${shard}`,
});

/** The inventory-table key of a payer's counter for one instant discount. */
export const payerCounterKey = (campaignId: string, instantDiscountId: string, partnerId: string, payerId: string) => ({
  pk: `PAYER#${campaignId}#${instantDiscountId}#${partnerId}#${payerId}`,
});

/** The shares of a quota of `units` over its shards (they sum to `units`). */
export function quotaShares(units: number): number[] {
  return splitStock(units, QUOTA_SHARDS);
}

/** Takes one unit from shard `shard` (share `share`): "taken", or "empty" when it has none left. */
export async function takeQuotaUnit(db: DynamoDBDocumentClient, table: string, quota: QuotaAddress, shard: number, share: number): Promise<"taken" | "empty"> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: quotaShardKey(quota, shard),
        UpdateExpression: "ADD taken :one",
        // A missing shard is a shard nothing was taken from: its first take creates it.
        ConditionExpression: "attribute_not_exists(taken) OR taken < :share",
        ExpressionAttributeValues: { ":one": 1, ":share": share },
      }),
    );
    return "taken";
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return "empty";
    throw error;
  }
}

/**
 * Returns a unit to shard `shard`. Sent at most once past a try whose outcome is unknown (the ADD
 * is not idempotent): the unit is then either back or stranded, both safe, never counted twice.
 */
export async function giveBackQuotaUnit(db: DynamoDBDocumentClient, table: string, quota: QuotaAddress, shard: number): Promise<void> {
  try {
    await db.send(
      sentAtMostOnce(
        new UpdateCommand({
          TableName: table,
          Key: quotaShardKey(quota, shard),
          UpdateExpression: "ADD taken :minusOne",
          ConditionExpression: "taken > :zero",
          ExpressionAttributeValues: { ":minusOne": -1, ":zero": 0 },
        }),
      ),
    );
  } catch (error) {
    // Nothing taken there: nothing to give back.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** Units taken of a quota of `units`: the sum of its shards' `taken`, read strongly consistent. */
export async function readQuotaTaken(db: DynamoDBDocumentClient, table: string, quota: QuotaAddress, units: number): Promise<number> {
  const keys = quotaShares(units).map((_, shard) => quotaShardKey(quota, shard));
  const items = await batchGetAll(db, table, keys, { consistentRead: true, projection: "pk, taken", rounds: 10 });
  return items.reduce((sum, item) => sum + (typeof item.taken === "number" ? item.taken : 0), 0);
}

/** A payer's counter for one instant discount. */
export interface PayerCounter {
  campaignId: string;
  instantDiscountId: string;
  partnerId: string;
  payerId: string;
}

/** The attribute that holds one day's transactions on a payer counter. */
const dayAttribute = (day: string) => `day#${day}`;

/** An instant discount's per-payer limits. */
type PayerLimits = NonNullable<InstantDiscount["perPayer"]>;

/** The slot a payment takes: its transaction, on its local day. */
export interface PayerSlot {
  transactionId: string;
  day: string;
}

/** A set of transaction ids on a payer counter (DynamoDB string sets come back as Sets). */
const transactionSet = z.set(z.string()).optional();

/** The transaction ids holding a slot in all, and on `day`, of a stored payer counter (parsed, never cast). */
function slotsOf(item: Record<string, unknown> | undefined, day: string): { takes: ReadonlySet<string>; today: ReadonlySet<string> } {
  return { takes: transactionSet.parse(item?.takes) ?? new Set(), today: transactionSet.parse(item?.[dayAttribute(day)]) ?? new Set() };
}

/** Whether a take for `transactionId` would pass a payer's limits on `day`, as the counter stands (a read, no write). */
export async function payerWithinLimits(
  db: DynamoDBDocumentClient,
  table: string,
  counter: PayerCounter,
  limits: PayerLimits,
  slot: PayerSlot,
): Promise<boolean> {
  return withinLimits(await readPayerCounter(db, table, counter), limits, slot);
}

function withinLimits(item: Record<string, unknown> | undefined, limits: PayerLimits, slot: PayerSlot): boolean {
  const { takes, today } = slotsOf(item, slot.day);
  if (takes.has(slot.transactionId)) return true;
  return (limits.total === undefined || takes.size < limits.total) && (limits.daily === undefined || today.size < limits.daily);
}

/**
 * Takes a slot of the payer's limits for `transactionId` on `day`: "taken" (now, or already by
 * this transaction), or "limit" when the payer has no slot left. One conditional write.
 */
export async function takePayerSlot(
  db: DynamoDBDocumentClient,
  table: string,
  counter: PayerCounter,
  limits: PayerLimits,
  slot: PayerSlot,
): Promise<"taken" | "limit"> {
  const conditions = ["(attribute_not_exists(takes) OR NOT contains(takes, :txn))"];
  const values: Record<string, unknown> = { ":txns": new Set([slot.transactionId]), ":txn": slot.transactionId };
  if (limits.total !== undefined) {
    conditions.push("(attribute_not_exists(takes) OR size(takes) < :total)");
    values[":total"] = limits.total;
  }
  if (limits.daily !== undefined) {
    conditions.push("(attribute_not_exists(#day) OR size(#day) < :daily)");
    values[":daily"] = limits.daily;
  }
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: payerCounterKey(counter.campaignId, counter.instantDiscountId, counter.partnerId, counter.payerId),
        UpdateExpression: "ADD takes :txns, #day :txns",
        ConditionExpression: conditions.join(" AND "),
        ExpressionAttributeNames: { "#day": dayAttribute(slot.day) },
        ExpressionAttributeValues: values,
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return "taken";
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const item = itemOfConditionFailure(error) ?? (await readPayerCounter(db, table, counter));
    // Already held by this transaction (a duplicate delivery or a retry): nothing to count again.
    return slotsOf(item, slot.day).takes.has(slot.transactionId) ? "taken" : "limit";
  }
}

async function readPayerCounter(db: DynamoDBDocumentClient, table: string, counter: PayerCounter): Promise<Record<string, unknown> | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: table, Key: payerCounterKey(counter.campaignId, counter.instantDiscountId, counter.partnerId, counter.payerId), ConsistentRead: true }),
  );
  return Item;
}

/** Releases the slot `transactionId` holds on `day`, if it holds one; releasing again changes nothing. */
export async function releasePayerSlot(db: DynamoDBDocumentClient, table: string, counter: PayerCounter, slot: PayerSlot): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: payerCounterKey(counter.campaignId, counter.instantDiscountId, counter.partnerId, counter.payerId),
        UpdateExpression: "DELETE takes :txns, #day :txns",
        ConditionExpression: "contains(takes, :txn)",
        ExpressionAttributeNames: { "#day": dayAttribute(slot.day) },
        ExpressionAttributeValues: { ":txns": new Set([slot.transactionId]), ":txn": slot.transactionId },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
