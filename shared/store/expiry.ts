/**
 * Writes and reads of the expiry sweep: the vouchers of one drop shard, page by page; a voucher's
 * move CLAIMED → EXPIRED, conditional so that a voucher redeemed (or voided, restored, expired)
 * meanwhile is left as it is; and the drop's marker that no later sweep needs to read it again.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { conditional, queryPages } from "./dynamo.js";
import { dropKey, issuedPartition, issuedVoucherKey } from "./keys.js";
import { type VoucherItem, voucherItemSchema } from "./vouchers.js";

/**
 * The vouchers filed under one shard of a drop and voucher type, one page (≤ 1 MB) at a time,
 * strongly consistent, so the sweep holds one page in memory, not a whole drop.
 */
export async function* issuedVoucherPages(
  db: DynamoDBDocumentClient,
  table: string,
  shard: { campaignId: string; dropId: string; voucherTypeId: string; shard: number },
): AsyncGenerator<VoucherItem[]> {
  const pages = queryPages(db, {
    TableName: table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": issuedPartition(shard.campaignId, shard.dropId, shard.voucherTypeId, shard.shard) },
    ConsistentRead: true,
  });
  for await (const page of pages) yield page.map((item) => voucherItemSchema.parse(item));
}

/**
 * Marks a voucher EXPIRED with `expiredAt = at`, only if it is still CLAIMED and its `expiresAt`
 * is at or before `limit` (UTC ISO with milliseconds, as `expiresAt` is stored: text order is
 * time order). Answers `expired`, or `unchanged` when the condition failed: the voucher was
 * redeemed, voided or expired by someone else since it was read, and keeps what it has.
 */
export async function expireVoucher(
  db: DynamoDBDocumentClient,
  table: string,
  voucher: Pick<VoucherItem, "campaignId" | "dropId" | "voucherTypeId" | "shard" | "voucherId">,
  input: { limit: string; at: string },
): Promise<"expired" | "unchanged"> {
  const expired = await conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: issuedVoucherKey(voucher.campaignId, voucher.dropId, voucher.voucherTypeId, voucher.shard, voucher.voucherId),
        UpdateExpression: "SET #status = :expired, expiredAt = :at",
        ConditionExpression: "#status = :claimed AND expiresAt <= :limit",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":expired": "EXPIRED", ":claimed": "CLAIMED", ":limit": input.limit, ":at": input.at },
      }),
    ),
  );
  return expired ? "expired" : "unchanged";
}

/**
 * Sets `expirySweptAt` on a closed drop whose every voucher is past expiry plus grace and has
 * been swept, so later sweeps skip it. Once: a drop marked already (a concurrent or repeated
 * sweep) keeps its first mark; answers whether this call set it.
 */
export async function markDropSwept(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string },
  at: string,
): Promise<boolean> {
  return conditional(
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: dropKey(drop.campaignId, drop.dropId),
        UpdateExpression: "SET expirySweptAt = :at",
        ConditionExpression: "attribute_exists(pk) AND attribute_exists(closedAt) AND attribute_not_exists(expirySweptAt)",
        ExpressionAttributeValues: { ":at": at },
      }),
    ),
  );
}
