/**
 * Vouchers and per-person claim counters. Both are cold items (a voucher has its own key; a
 * counter is one person's), so they are written together in one transaction without contention.
 *
 * A voucher is filed under the drop shard its unit came from (exact counting at drop close); the
 * person's counter for the campaign holds the count the limit checks and a reference to every
 * voucher it admitted, which is how the wallet finds them.
 *
 * With linked identities (shared/use-cases/person-key.ts) the counter the limit checks is the
 * person key's, while the references stay on the claiming account's own item (`PERSON#<sub>`), so
 * wallets and payments find an account's vouchers as before. For an account never linked the two
 * are one item.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { VOUCHER_STATUSES, type Voucher } from "../domain/claim.js";
import * as z from "../zod.js";
import { batchGetAll, cancellationItem, cancellationReasons, queryAll, queryCount } from "./dynamo.js";
import { type AccountLink, accountLinkOf } from "./identity-links.js";
import { CLAIM_COUNTER_SORT_PREFIX, accountLinkKey, claimCounterKey, issuedPartition, issuedVoucherKey, personPartition } from "./keys.js";

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
  /**
   * The claim attempt that wrote the voucher (random, one per claim, the same on every try of its
   * transaction), so a claim whose answer was lost recognises its own voucher. Absent on vouchers
   * written before it existed.
   */
  issueAttempt: z.string().optional(),
});
export type VoucherItem = z.infer<typeof voucherItemSchema>;

/** Where a voucher is filed, as the counter remembers it: "<voucherId> <dropId> <voucherTypeId> <shard>". */
interface VoucherRef {
  voucherId: string;
  campaignId: string;
  dropId: string;
  voucherTypeId: string;
  shard: number;
}

const counterSchema = z.object({
  claimed: z.number().int().nonnegative().default(0),
  /** When the resident registered for the campaign (campaign registration), if they did. */
  registeredAt: z.string().optional(),
  voucherIds: z.set(z.string()).default(() => new Set<string>()),
  voucherRefs: z.set(z.string()).default(() => new Set<string>()),
});
export type ClaimCounter = z.infer<typeof counterSchema>;

/** The voucher as the API shows it: the item without its bookkeeping. */
export function toVoucher(item: VoucherItem): Voucher {
  const { owner: _owner, shard: _shard, issueAttempt: _attempt, ...voucher } = item;
  return voucher;
}

/**
 * What a voucher transaction did. "issued": this attempt's voucher is written (now, or by an
 * earlier try of the same attempt whose answer was lost). The other two are certain: this attempt
 * wrote nothing and never will, so its unit may go back.
 */
export type IssueOutcome =
  | { outcome: "issued" }
  /** The person's counter is at the limit without this voucher id; counters never go down. */
  | { outcome: "limit-reached" }
  /** Another attempt of the same keyed claim (a replay) holds this voucher id. */
  | { outcome: "exists"; voucher: VoucherItem };

/**
 * Raises the person's counter for the campaign (below the limit, and only for a voucher id it has
 * not admitted yet) and puts the voucher, both or neither. A retry with the same voucher id finds
 * the first voucher instead of issuing a second, whichever shard its own unit came from.
 *
 * `attempt` identifies this claim attempt across every try of the transaction: when a condition
 * fails, the voucher holding the id is found, and if it carries `attempt` it is this attempt's own,
 * committed by a try whose answer was lost (never a reason to give the unit back). Errors other
 * than a failed condition are thrown: their outcome is unknown to this function.
 *
 * `personKey` (default: the resident) names the counter the limit checks. When it is another
 * person's, the transaction has a third item: the resident's own item gets the voucher's
 * reference, unconditionally, so the wallet lists it. One transaction still: all or nothing, and
 * the limit is still one condition on one item.
 */
export async function writeIssuedVoucher(
  db: DynamoDBDocumentClient,
  table: string,
  input: { residentId: string; personKey?: string; perPersonLimit: number; voucher: Voucher; shard: number; attempt: string },
): Promise<IssueOutcome> {
  const { residentId, voucher, shard, attempt } = input;
  const personKey = input.personKey ?? residentId;
  const ref: VoucherRef = { ...voucher, shard };
  const item: VoucherItem & Record<string, unknown> = {
    ...issuedVoucherKey(voucher.campaignId, voucher.dropId, voucher.voucherTypeId, shard, voucher.voucherId),
    ...voucher,
    // The stored attribute keeps its contract name, `owner`.
    owner: residentId,
    shard,
    issueAttempt: attempt,
  };
  // The resident's references go on its own item when the limit is counted on another's.
  const linked = personKey !== residentId;
  try {
    await db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: claimCounterKey(personKey, voucher.campaignId),
              UpdateExpression: linked ? "ADD claimed :one, voucherIds :ids" : "ADD claimed :one, voucherIds :ids, voucherRefs :refs",
              ConditionExpression: "(attribute_not_exists(claimed) OR claimed < :limit) AND NOT contains(voucherIds, :id)",
              ExpressionAttributeValues: {
                ":one": 1,
                ":limit": input.perPersonLimit,
                ":id": voucher.voucherId,
                ":ids": new Set([voucher.voucherId]),
                ...(linked ? {} : { ":refs": new Set([encodeRef(ref)]) }),
              },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          { Put: { TableName: table, Item: item, ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
          ...(linked
            ? [
                {
                  Update: {
                    TableName: table,
                    Key: claimCounterKey(residentId, voucher.campaignId),
                    UpdateExpression: "ADD voucherRefs :refs",
                    ExpressionAttributeValues: { ":refs": new Set([encodeRef(ref)]) },
                  },
                },
              ]
            : []),
        ],
      }),
    );
    return { outcome: "issued" };
  } catch (error) {
    const [counter, put] = cancellationReasons(error);
    if (counter !== "ConditionalCheckFailed" && put !== "ConditionalCheckFailed") throw error;
    // A condition failed, so this try wrote nothing; but an earlier try of this attempt may have
    // committed with its answer lost. The counter admits a voucher id once and never forgets it,
    // so the counter as the transaction found it says who holds the id: this attempt, another
    // one, or nobody.
    const existing = await holderOfFailedIssue(db, table, error, { residentId, voucher, refsOnCounter: !linked });
    if (existing?.issueAttempt === attempt) return { outcome: "issued" };
    if (existing) return { outcome: "exists", voucher: existing };
    // Nobody holds the id, and the counter is at the limit: counters never go down, so no try of
    // this attempt can commit now or later.
    if (counter === "ConditionalCheckFailed") return { outcome: "limit-reached" };
    throw error;
  }
}

/**
 * The voucher holding the id of an issue whose transaction failed a condition, from the items it
 * found (`ALL_OLD`): the voucher itself when its put failed, else the voucher the counter refers
 * to. A consistent read of the resident's own item stands in when the answer left the items out,
 * or when the counter is a linked person's (it holds no references).
 */
async function holderOfFailedIssue(
  db: DynamoDBDocumentClient,
  table: string,
  error: unknown,
  issue: { residentId: string; voucher: Voucher; refsOnCounter: boolean },
): Promise<VoucherItem | undefined> {
  const { campaignId, voucherId } = issue.voucher;
  const voucherFound = cancellationItem(error, 1);
  if (voucherFound) return voucherItemSchema.parse(voucherFound);
  // A linked person's counter holds no references: the resident's own item does.
  const counterFound = issue.refsOnCounter ? cancellationItem(error, 0) : undefined;
  const counter = counterFound ? counterSchema.parse(counterFound) : await readClaimCounter(db, table, issue.residentId, campaignId);
  return voucherOfCounter(db, table, counter, campaignId, voucherId);
}

/**
 * Registers the person for the campaign, once: the first registration's time is kept on the
 * person's counter item for the campaign, which every claim reads anyway (so a drop for registered
 * residents costs a claim no extra call). Registration is per person (`personKey`: the account's
 * own `sub` when never linked), like the limit it sits beside. Answers whether this call
 * registered them, and when they registered.
 */
export async function registerResident(
  db: DynamoDBDocumentClient,
  table: string,
  personKey: string,
  campaignId: string,
  at: string,
): Promise<{ created: boolean; registeredAt: string }> {
  const { Attributes } = await db.send(
    new UpdateCommand({
      TableName: table,
      Key: claimCounterKey(personKey, campaignId),
      UpdateExpression: "SET registeredAt = if_not_exists(registeredAt, :at)",
      ExpressionAttributeValues: { ":at": at },
      // The item as it was: whether it held a registration says who registered first, even at the same millisecond.
      ReturnValues: "ALL_OLD",
    }),
  );
  const before = z.object({ registeredAt: z.string().optional() }).parse(Attributes ?? {}).registeredAt;
  return before === undefined ? { created: true, registeredAt: at } : { created: false, registeredAt: before };
}

/** The person's counter for a campaign, read strongly consistently. */
export async function readClaimCounter(db: DynamoDBDocumentClient, table: string, residentId: string, campaignId: string): Promise<ClaimCounter> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: claimCounterKey(residentId, campaignId), ConsistentRead: true }));
  return counterSchema.parse(Item ?? {});
}

/**
 * What a claim starts from, in one strongly consistent BatchGetItem: the account's link item
 * (undefined when never linked) and the account's own counter for the campaign, which is the
 * person's counter too unless the link names another person. An account never linked thus costs
 * the claim the same one call as before linked identities.
 */
export async function readClaimStart(
  db: DynamoDBDocumentClient,
  table: string,
  residentId: string,
  campaignId: string,
): Promise<{ account: AccountLink | undefined; counter: ClaimCounter }> {
  const accountKey = accountLinkKey(residentId);
  const items = await batchGetAll(db, table, [accountKey, claimCounterKey(residentId, campaignId)], { consistentRead: true });
  const account = items.find((item) => item.pk === accountKey.pk);
  const counter = items.find((item) => item.pk !== accountKey.pk);
  return { account: accountLinkOf(account), counter: counterSchema.parse(counter ?? {}) };
}

/** One voucher of a person in a campaign, found through the counter's references, or undefined. */
export async function findVoucher(
  db: DynamoDBDocumentClient,
  table: string,
  residentId: string,
  campaignId: string,
  voucherId: string,
): Promise<VoucherItem | undefined> {
  return voucherOfCounter(db, table, await readClaimCounter(db, table, residentId, campaignId), campaignId, voucherId);
}

/** The voucher a person's counter refers to by `voucherId`, read strongly consistently, or undefined. */
async function voucherOfCounter(
  db: DynamoDBDocumentClient,
  table: string,
  counter: ClaimCounter,
  campaignId: string,
  voucherId: string,
): Promise<VoucherItem | undefined> {
  const ref = [...counter.voucherRefs].map((encoded) => decodeRef(campaignId, encoded)).find((candidate) => candidate.voucherId === voucherId);
  if (!ref) return undefined;
  const { Item } = await db.send(
    new GetCommand({ TableName: table, Key: issuedVoucherKey(campaignId, ref.dropId, ref.voucherTypeId, ref.shard, voucherId), ConsistentRead: true }),
  );
  return Item ? voucherItemSchema.parse(Item) : undefined;
}

/** The person's vouchers in every campaign, newest first. A person holds few. */
export async function listVouchers(db: DynamoDBDocumentClient, table: string, residentId: string): Promise<VoucherItem[]> {
  const counters = await queryAll(db, {
    TableName: table,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues: { ":pk": personPartition(residentId), ":prefix": CLAIM_COUNTER_SORT_PREFIX },
    ConsistentRead: true,
  });
  const refs = counters.flatMap((item) => {
    const campaignId = String(item.sk).slice(CLAIM_COUNTER_SORT_PREFIX.length);
    return [...counterSchema.parse(item).voucherRefs].map((encoded) => decodeRef(campaignId, encoded));
  });
  const keys = refs.map((ref) => issuedVoucherKey(ref.campaignId, ref.dropId, ref.voucherTypeId, ref.shard, ref.voucherId));
  const items = (await batchGetAll(db, table, keys, { consistentRead: true })).map((item) => voucherItemSchema.parse(item));
  return items.sort((a, b) => b.claimedAt.localeCompare(a.claimedAt) || b.voucherId.localeCompare(a.voucherId));
}

function encodeRef(ref: VoucherRef): string {
  return `${ref.voucherId} ${ref.dropId} ${ref.voucherTypeId} ${ref.shard}`;
}

function decodeRef(campaignId: string, encoded: string): VoucherRef {
  const [voucherId, dropId, voucherTypeId, shard] = encoded.split(" ");
  if (!voucherId || !dropId || !voucherTypeId || shard === undefined || !/^\d+$/.test(shard)) {
    throw new Error(`malformed voucher reference "${encoded}" in campaign ${campaignId}`);
  }
  return { voucherId, campaignId, dropId, voucherTypeId, shard: Number(shard) };
}

/**
 * Every voucher a drop issued of one voucher type: the partitions of its shards 0 … shardCount − 1,
 * strongly consistent. For recounts and the expiry sweep; never on the claim path.
 */
export async function readIssuedVouchers(
  db: DynamoDBDocumentClient,
  table: string,
  drop: { campaignId: string; dropId: string; voucherTypeId: string; shardCount: number },
): Promise<VoucherItem[]> {
  const shards = await Promise.all(
    Array.from({ length: drop.shardCount }, async (_, shard) => {
      const items = await queryAll(db, {
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": issuedPartition(drop.campaignId, drop.dropId, drop.voucherTypeId, shard) },
        ConsistentRead: true,
      });
      return items.map((item) => voucherItemSchema.parse(item));
    }),
  );
  return shards.flat();
}

/**
 * Vouchers issued by a drop for one voucher type: the sum over its shards 0 … shardCount − 1 of
 * the vouchers filed in that shard's partition (counted with a strongly consistent read, so none
 * is missed). What drop close counts as claimed.
 */
export async function countIssued(
  db: DynamoDBDocumentClient,
  vouchersTable: string,
  campaignId: string,
  dropId: string,
  voucherTypeId: string,
  shardCount: number,
): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: shardCount }, (_, shard) =>
      queryCount(db, {
        TableName: vouchersTable,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": issuedPartition(campaignId, dropId, voucherTypeId, shard) },
        ConsistentRead: true,
      }),
    ),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}
