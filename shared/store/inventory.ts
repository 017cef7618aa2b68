/**
 * Inventory shards: the only items a flash drop writes hot. Each is taken with a plain
 * conditional UpdateItem, which DynamoDB serialises per item without conflicts; a transaction on
 * a shard would cancel concurrent ones (TransactionConflict) and is never used here.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { conditional } from "./dynamo.js";
import { dropKey, shardKey } from "./keys.js";
import { sentAtMostOnce } from "./retry.js";

export interface ShardAddress {
  campaignId: string;
  dropId: string;
  voucherTypeId: string;
  shard: number;
}

/** Takes one unit from a shard: "taken", or "empty" when its `remaining` is 0. */
export async function takeUnit(db: DynamoDBDocumentClient, table: string, address: ShardAddress): Promise<"taken" | "empty"> {
  const taken = await conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: shardKey(address.campaignId, address.dropId, address.voucherTypeId, address.shard),
        UpdateExpression: "ADD remaining :minusOne",
        // remaining > 0 also fails on a missing shard, so a typo never creates stock.
        ConditionExpression: "remaining > :zero",
        ExpressionAttributeValues: { ":minusOne": -1, ":zero": 0 },
      }),
    ),
  );
  return taken ? "taken" : "empty";
}

/**
 * Returns a unit taken by a claim that then certainly failed (the person's limit). The `ADD` is
 * not idempotent, so it is sent at most once past a try whose outcome is unknown: a lost answer
 * then fails the give-back (the unit is either back or stranded, both safe) instead of adding a
 * second unit the drop never had. Throttled tries, which wrote nothing, are still retried.
 */
export async function giveBackUnit(db: DynamoDBDocumentClient, table: string, address: ShardAddress): Promise<void> {
  await db.send(
    sentAtMostOnce(
      new UpdateCommand({
        TableName: table,
        Key: shardKey(address.campaignId, address.dropId, address.voucherTypeId, address.shard),
        UpdateExpression: "ADD remaining :one",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    ),
  );
}

/**
 * Marks a voucher type of a drop sold out on the drop item, so instances that have not seen it
 * yet learn it from their next read of the campaign instead of from failed writes. Only a hint:
 * drop close still counts vouchers issued.
 */
export async function markSoldOut(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string; voucherTypeId: string },
): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: dropKey(drop.campaignId, drop.dropId),
      UpdateExpression: "SET soldOut.#type = :true",
      ConditionExpression: "attribute_exists(pk) AND attribute_exists(soldOut)",
      ExpressionAttributeNames: { "#type": drop.voucherTypeId },
      ExpressionAttributeValues: { ":true": true },
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
