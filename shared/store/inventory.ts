/**
 * Inventory shards: how a drop's stock is split over them and provisioned, the units taken and
 * given back by claims, the units rolled in at drop close, and what is left. Shards are the only
 * items a flash drop writes hot. Each is taken with a plain conditional UpdateItem, which DynamoDB
 * serialises per item without conflicts; a transaction on a shard would cancel concurrent ones
 * (TransactionConflict) and is never used here.
 *
 * Sell-out is spread through the shards themselves: a claim that takes a shard's last unit adds
 * the shard to its stock's record of emptied shards, and the claim that completes the record
 * writes the sell-out moment on every empty shard. From then on a claim that finds a shard empty learns from
 * that failed write's answer that every shard is, after one write instead of a search. The set and
 * the marks are hints, like every sold-out cache: the conditional takes decide, so neither can
 * oversell; the worst a stale hint does is answer SOLD_OUT while a unit given back waits in a
 * shard, and drop close counts such units as unclaimed.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { CLAIM_WCU_PER_ATTEMPT, DEFAULT_ATTEMPTS_PER_SECOND, planShards } from "../domain/shard-plan.js";
import { splitStock } from "../domain/inventory.js";
import type { DropRecord } from "./campaigns.js";
import { batchGetAll, conditional, itemOfConditionFailure } from "./dynamo.js";
import { dropKey, emptiedShardsKey, shardKey } from "./keys.js";
import { sentAtMostOnce } from "./retry.js";

/** Shard writes in flight at once while provisioning or rolling units in. */
export const SHARD_WRITE_CONCURRENCY = 16;
/** Rounds of asking again for shards a BatchGetItem left unprocessed. */
const REMAINING_READ_ROUNDS = 10;

export interface ShardAddress {
  campaignId: string;
  dropId: string;
  voucherTypeId: string;
  shard: number;
}

/**
 * What a take did: a unit taken, and whether it was the shard's last; or no unit, and whether the
 * shard carries the stock's sold-out mark ({@link markShardsSoldOut}).
 */
export type UnitTake = { outcome: "taken"; lastUnit: boolean } | { outcome: "empty"; soldOutMarked: boolean };

/**
 * Takes one unit from a shard. The answer costs nothing more: the new `remaining` comes back on
 * success (0: the shard's last unit) and the shard as it stood on a failed condition.
 */
export async function takeUnit(db: DynamoDBDocumentClient, table: string, address: ShardAddress): Promise<UnitTake> {
  try {
    const { Attributes } = await db.send(
      new UpdateCommand({
        TableName: table,
        Key: shardKey(address.campaignId, address.dropId, address.voucherTypeId, address.shard),
        UpdateExpression: "ADD remaining :minusOne",
        // remaining > 0 also fails on a missing shard, so a typo never creates stock.
        ConditionExpression: "remaining > :zero",
        ExpressionAttributeValues: { ":minusOne": -1, ":zero": 0 },
        ReturnValues: "UPDATED_NEW",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { outcome: "taken", lastUnit: Attributes?.remaining === 0 };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { outcome: "empty", soldOutMarked: typeof itemOfConditionFailure(error)?.soldOutAt === "string" };
  }
}

/**
 * Returns a unit taken by a claim that then certainly failed (the person's limit). The `ADD` is
 * not idempotent, so it is sent at most once past a try whose outcome is unknown: a lost answer
 * then fails the give-back (the unit is either back or stranded, both safe) instead of adding a
 * second unit the drop never had. Throttled tries, which wrote nothing, are still retried. The
 * shard's sold-out mark goes with it: the shard holds a unit again.
 */
export async function giveBackUnit(db: DynamoDBDocumentClient, table: string, address: ShardAddress): Promise<void> {
  await db.send(
    sentAtMostOnce(
      new UpdateCommand({
        TableName: table,
        Key: shardKey(address.campaignId, address.dropId, address.voucherTypeId, address.shard),
        UpdateExpression: "ADD remaining :one REMOVE soldOutAt",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    ),
  );
}

/**
 * Shards per group of the emptied-shard record. A group's item holds at most this many shard
 * numbers (well under 1 KB, so 1 WCU a write) and takes at most this many writes per drop, as
 * does the item of emptied groups for up to 1,000 shards: no item of the record is hot, however
 * fast the shards empty at the end of a city's drop.
 */
export const EMPTIED_GROUP_SIZE = 32;

/**
 * Records that a shard's last unit was just taken, and says whether every shard of the stock has
 * now given its last: the shard joins its group's set, and a group thus completed joins the set of
 * emptied groups. Adding to a set is idempotent, so the SDK's retries of a lost answer count once.
 * The claim that completes the record announces the sell-out.
 */
export async function recordShardEmptied(db: DynamoDBDocumentClient, table: string, address: ShardAddress, shardCount: number): Promise<boolean> {
  const group = Math.floor(address.shard / EMPTIED_GROUP_SIZE);
  const groups = Math.ceil(shardCount / EMPTIED_GROUP_SIZE);
  const inGroup = Math.min(EMPTIED_GROUP_SIZE, shardCount - group * EMPTIED_GROUP_SIZE);
  const add = async (key: { pk: string }, member: number): Promise<number> => {
    const { Attributes } = await db.send(
      new UpdateCommand({ TableName: table, Key: key, UpdateExpression: "ADD emptied :member", ExpressionAttributeValues: { ":member": new Set([member]) }, ReturnValues: "UPDATED_NEW" }),
    );
    const emptied: unknown = Attributes?.emptied;
    return emptied instanceof Set ? emptied.size : 0;
  };
  if ((await add(emptiedShardsKey(address.campaignId, address.dropId, address.voucherTypeId, group), address.shard)) < inGroup) return false;
  return (await add(emptiedShardsKey(address.campaignId, address.dropId, address.voucherTypeId), group)) >= groups;
}

/**
 * Takes shards that hold units again (a give-back, units rolled in) out of the emptied-shard
 * record: out of their groups' sets, and their groups out of the set of emptied groups.
 * Idempotent. Run it whenever units may have landed: a shard left out of the record only delays
 * the sell-out mark, while a shard wrongly in it could mark the stock early.
 */
export async function forgetEmptiedShards(
  db: DynamoDBDocumentClient,
  table: string,
  stock: { campaignId: string; dropId: string; voucherTypeId: string },
  shards: readonly number[],
): Promise<void> {
  if (shards.length === 0) return;
  const byGroup = new Map<number, number[]>();
  for (const shard of shards) {
    const group = Math.floor(shard / EMPTIED_GROUP_SIZE);
    byGroup.set(group, [...(byGroup.get(group) ?? []), shard]);
  }
  const remove = (key: { pk: string }, members: number[]) =>
    db.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: "DELETE emptied :members", ExpressionAttributeValues: { ":members": new Set(members) } }));
  for (const [group, members] of byGroup) await remove(emptiedShardsKey(stock.campaignId, stock.dropId, stock.voucherTypeId, group), members);
  await remove(emptiedShardsKey(stock.campaignId, stock.dropId, stock.voucherTypeId), [...byGroup.keys()]);
}

/**
 * Writes the stock's sell-out moment on each of its shards that is empty, so that any claim whose
 * take then fails learns from that one write's answer that no other shard holds a unit, instead of
 * trying more shards or waiting for its next read of the campaign. A shard holding units (a
 * give-back raced the mark) is left unmarked: the condition is the shard's own count.
 */
export async function markShardsSoldOut(
  db: DynamoDBDocumentClient,
  table: string,
  stock: { campaignId: string; dropId: string; voucherTypeId: string },
  shardCount: number,
  at: Date,
): Promise<void> {
  const shards = Array.from({ length: shardCount }, (_, shard) => shard);
  await forEachLimited(shards, SHARD_WRITE_CONCURRENCY, async (shard) => {
    await conditional(
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: shardKey(stock.campaignId, stock.dropId, stock.voucherTypeId, shard),
          UpdateExpression: "SET soldOutAt = if_not_exists(soldOutAt, :at)",
          ConditionExpression: "remaining <= :zero",
          ExpressionAttributeValues: { ":at": at.toISOString(), ":zero": 0 },
        }),
      ),
    );
  });
}

/**
 * Marks a voucher type of a drop sold out on the drop item, so instances that have not seen it
 * yet learn it from their next read of the campaign instead of from failed writes. Only a hint:
 * drop close still counts vouchers issued. The mark is the moment `at` a claim first found every
 * shard empty (the console's sold-out moment); marking again keeps the first moment.
 */
export async function markSoldOut(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string; voucherTypeId: string },
  at: Date,
): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: dropKey(drop.campaignId, drop.dropId),
      UpdateExpression: "SET soldOut.#type = if_not_exists(soldOut.#type, :at)",
      ConditionExpression: "attribute_exists(pk) AND attribute_exists(soldOut)",
      ExpressionAttributeNames: { "#type": drop.voucherTypeId },
      ExpressionAttributeValues: { ":at": at.toISOString() },
    }),
  );
}

/** Clears the sold-out hint after a unit went back to a shard. */
export async function clearSoldOut(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string; voucherTypeId: string },
): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: dropKey(drop.campaignId, drop.dropId),
      UpdateExpression: "REMOVE soldOut.#type",
      ConditionExpression: "attribute_exists(pk) AND attribute_exists(soldOut)",
      ExpressionAttributeNames: { "#type": drop.voucherTypeId },
    }),
  );
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

/**
 * Runs `work` over `items` with at most `limit` calls in flight. The first failure stops new
 * starts and is rethrown once the calls in flight have settled.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
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
    // A shard already there (an earlier or concurrent publish) is left exactly as it is.
    await conditional(
      db.send(new PutCommand({ TableName: inventoryTable, Item: { ...key, remaining: units, initial: units }, ConditionExpression: "attribute_not_exists(pk)" })),
    );
  });
  return Object.fromEntries(Object.entries(plan).map(([typeId, units]) => [typeId, units.length]));
}

/**
 * Units left in each shard of a drop, per voucher type (index = shard number), read strongly
 * consistent in batches of 100 keys: one read unit per shard. A shard not found counts 0. Types
 * without shards are absent.
 */
export async function readShardRemaining(
  db: DynamoDBDocumentClient,
  inventoryTable: string,
  campaignId: string,
  drop: Pick<DropRecord, "id" | "shardCounts">,
): Promise<Record<string, number[]>> {
  const keys = Object.entries(drop.shardCounts).flatMap(([typeId, count]) =>
    Array.from({ length: count }, (_, shard) => shardKey(campaignId, drop.id, typeId, shard)),
  );
  const shards = await batchGetAll(db, inventoryTable, keys, { consistentRead: true, projection: "pk, remaining", rounds: REMAINING_READ_ROUNDS });
  const remaining = new Map<string, number>();
  for (const item of shards) {
    if (typeof item.pk === "string" && typeof item.remaining === "number") remaining.set(item.pk, item.remaining);
  }
  return Object.fromEntries(
    Object.entries(drop.shardCounts).map(([typeId, count]) => [
      typeId,
      Array.from({ length: count }, (_, shard) => remaining.get(shardKey(campaignId, drop.id, typeId, shard).pk) ?? 0),
    ]),
  );
}

/**
 * Adds `count` units rolled in from drop `source` at its close to one shard, once. Targets are
 * provisioned, so the shard exists; were it missing, it is created rather than losing the units.
 */
export async function addRolledInUnits(db: DynamoDBDocumentClient, table: string, address: ShardAddress, source: string, count: number): Promise<void> {
  await conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: shardKey(address.campaignId, address.dropId, address.voucherTypeId, address.shard),
        // New units make the shard worth trying again: its sold-out mark goes.
        UpdateExpression: "ADD remaining :n, initial :n SET #marker = :true REMOVE soldOutAt",
        // One marker per source drop and voucher type: a second run finds it and adds nothing.
        ConditionExpression: "attribute_not_exists(#marker)",
        ExpressionAttributeNames: { "#marker": shardMarker(source, address.voucherTypeId) },
        ExpressionAttributeValues: { ":n": count, ":true": true },
      }),
    ),
  );
}

/** Name of the attribute that marks a shard as having received the units of a source drop. */
export function shardMarker(sourceDropId: string, voucherTypeId: string): string {
  return `rolledIn#${sourceDropId}#${voucherTypeId}`;
}
