/**
 * Vouchers and per-person claim counters: cold items (one person's), so the counter and the
 * voucher are written together in one transaction without contention.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import * as z from "../zod.js";
import { VOUCHER_STATUSES, type Voucher } from "../domain/claim.js";
import { VOUCHER_SORT_PREFIX, claimCounterKey, dropShardKey, personPartition, voucherKey } from "./keys.js";

/** A voucher item: the voucher, its owner and the shard its unit came from. */
export const voucherItemSchema = z.object({
  voucherId: z.string(),
  campaignId: z.string(),
  dropId: z.string(),
  voucherTypeId: z.string(),
  threshold: z.int().positive(),
  discount: z.int().positive(),
  claimedAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(VOUCHER_STATUSES),
  owner: z.string(),
  shard: z.int().nonnegative(),
});
export type VoucherItem = z.infer<typeof voucherItemSchema>;

/** The voucher as the API shows it: the item without its bookkeeping. */
export function toVoucher(item: VoucherItem): Voucher {
  const { owner: _owner, shard: _shard, ...voucher } = item;
  return voucher;
}

export type IssueOutcome =
  | { outcome: "issued" }
  | { outcome: "limit-reached" }
  /** A voucher with this id exists: a retried claim whose first try committed. */
  | { outcome: "exists"; voucher: VoucherItem };

/**
 * Raises the person's counter for the campaign (below the limit) and puts the voucher, both or
 * neither. The counter's condition is the per-person limit; the voucher's `attribute_not_exists`
 * makes a retry with the same voucher id find the first one instead of issuing twice.
 */
export async function issueVoucher(
  db: DynamoDBDocumentClient,
  table: string,
  input: { sub: string; perPersonLimit: number; voucher: Voucher; shard: number },
): Promise<IssueOutcome> {
  const { sub, voucher, shard } = input;
  const item: VoucherItem & Record<string, unknown> = {
    ...voucherKey(sub, voucher.voucherId),
    ...voucher,
    owner: sub,
    shard,
    dropShard: dropShardKey(voucher.campaignId, voucher.dropId, voucher.voucherTypeId, shard),
  };
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: claimCounterKey(sub, voucher.campaignId),
              UpdateExpression: "ADD claimed :one",
              ConditionExpression: "attribute_not_exists(claimed) OR claimed < :limit",
              ExpressionAttributeValues: { ":one": 1, ":limit": input.perPersonLimit },
            },
          },
          {
            Put: {
              TableName: table,
              Item: item,
              ConditionExpression: "attribute_not_exists(pk)",
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
        ],
      }),
    );
    return { outcome: "issued" };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [counter, put] = error.CancellationReasons ?? [];
    // The voucher's own check comes first: a replay is not a limit breach.
    if (put?.Code === "ConditionalCheckFailed" && put.Item) {
      return { outcome: "exists", voucher: voucherItemSchema.parse(unmarshall(put.Item)) };
    }
    if (counter?.Code === "ConditionalCheckFailed") return { outcome: "limit-reached" };
    throw error;
  }
}

/** The person's vouchers, newest first. A person holds few, so they are read in one query. */
export async function listVouchers(db: DynamoDBDocumentClient, table: string, sub: string): Promise<VoucherItem[]> {
  const items: VoucherItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues: { ":pk": personPartition(sub), ":prefix": VOUCHER_SORT_PREFIX },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) items.push(voucherItemSchema.parse(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => b.claimedAt.localeCompare(a.claimedAt) || b.voucherId.localeCompare(a.voucherId));
}

/** One voucher of a person, or undefined. */
export async function getVoucher(db: DynamoDBDocumentClient, table: string, sub: string, voucherId: string): Promise<VoucherItem | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: voucherKey(sub, voucherId), ConsistentRead: true }));
  return Item ? voucherItemSchema.parse(Item) : undefined;
}

