/**
 * Vouchers and per-person claim counters. Both are cold items (a voucher has its own key; a
 * counter is one person's), written one after the other with plain conditional writes, 1 WCU
 * each: the counter's slot first ({@link admitVoucher}), then the voucher ({@link fileIssuedVoucher}).
 * A slot records the voucher id, the attempt that took it and where the voucher is filed, so a
 * slot whose voucher a crash left unwritten can be completed without taking another unit
 * ({@link completeAdmission}). The crash analysis is in shared/use-cases/claim.ts.
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
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { VOUCHER_STATUSES, type Voucher } from "../domain/claim.js";
import * as z from "../zod-mini.js";
import { batchGetAll, itemOfConditionFailure, putOnce, queryAll, queryCount } from "./dynamo.js";
import { type AccountLink, accountLinkOf } from "./identity-links.js";
import { CLAIM_COUNTER_SORT_PREFIX, accountLinkKey, claimCounterKey, issuedPartition, issuedVoucherKey, personPartition } from "./keys.js";

/** A voucher item: the voucher, its owner and the shard its unit came from. */
export const voucherItemSchema = z.object({
  voucherId: z.string(),
  campaignId: z.string(),
  dropId: z.string(),
  voucherTypeId: z.string(),
  threshold: z.int().check(z.positive()),
  discount: z.int().check(z.positive()),
  claimedAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(VOUCHER_STATUSES),
  owner: z.string(),
  shard: z.int().check(z.nonnegative()),
  /**
   * The claim attempt whose counter slot the voucher fills (random, one per claim, the same on
   * every try of its writes). Absent on vouchers written before it existed.
   */
  issueAttempt: z.optional(z.string()),
});
export type VoucherItem = z.infer<typeof voucherItemSchema>;

/** Where a voucher is filed, as the counter remembers it: "<voucherId> <dropId> <voucherTypeId> <shard>". */
export interface VoucherRef {
  voucherId: string;
  campaignId: string;
  dropId: string;
  voucherTypeId: string;
  shard: number;
}

const counterSchema = z.object({
  claimed: z._default(z.int().check(z.nonnegative()), 0),
  /** When the resident registered for the campaign (campaign registration), if they did. */
  registeredAt: z.optional(z.string()),
  voucherIds: z._default(z.set(z.string()), () => new Set<string>()),
  voucherRefs: z._default(z.set(z.string()), () => new Set<string>()),
  /** One per slot: "<attempt> <voucherId> <dropId> <voucherTypeId> <shard>" (see {@link admitVoucher}). */
  admissions: z._default(z.set(z.string()), () => new Set<string>()),
});
export type ClaimCounter = z.infer<typeof counterSchema>;

/** The voucher as the API shows it: the item without its bookkeeping. */
export function toVoucher(item: VoucherItem): Voucher {
  const { owner: _owner, shard: _shard, issueAttempt: _attempt, ...voucher } = item;
  return voucher;
}

/** One voucher to issue: to whom, against whose limit, filed under which shard, by which attempt. */
export interface VoucherIssue {
  /** The claiming account (`sub`): the voucher's owner, whose wallet lists it. */
  residentId: string;
  /** The person whose counter the limit checks (linked identities); default: the resident. */
  personKey?: string;
  perPersonLimit: number;
  voucher: Voucher;
  /** The inventory shard the voucher is filed under (drop close counts the shards' vouchers). */
  shard: number;
  /**
   * The claim attempt (random, one per claim, the same on every try of its writes), recorded with
   * the counter's slot and on the voucher, so a write whose answer was lost is known as its own.
   */
  attempt: string;
}

/**
 * A slot on a person's counter: the attempt that took it and where the voucher it names is filed.
 * `attempt` is undefined for slots written before admissions were recorded (by the counter and
 * voucher transaction of old, so their voucher exists).
 */
export interface Admission {
  attempt: string | undefined;
  ref: VoucherRef;
}

/**
 * What {@link admitVoucher} did. "admitted": this attempt holds a slot for the voucher id (taken
 * now, or by an earlier try whose answer was lost). The other two are certain: this attempt
 * wrote nothing and never will, so its unit may go back.
 */
export type AdmitOutcome =
  | { outcome: "admitted" }
  /** The person's counter is at the limit without this voucher id; counters never go down. */
  | { outcome: "limit-reached" }
  /** Another attempt of the same keyed claim (a replay) holds the voucher id's slot. */
  | { outcome: "held"; admission: Admission };

/**
 * The first of an issue's two writes (DESIGN.md §8, "The claim path at 3 WCU"): takes one slot on
 * the person's counter for the campaign, below the limit and only for a voucher id it has not
 * admitted yet, recording the voucher id, the attempt and where the voucher will be filed. One
 * plain conditional UpdateItem (1 WCU): a counter is one person's item, so nothing contends on it.
 *
 * When the condition fails, the counter as it stood (`ALL_OLD`) says why: the id's slot is this
 * attempt's (a try whose answer was lost committed it), another attempt's, or the limit is
 * reached. Errors other than a failed condition are thrown: their outcome is unknown here. The
 * SDK may send the update again after a lost answer; the id's condition makes that harmless.
 *
 * With linked identities the counter is the person key's and the wallet's reference goes on the
 * resident's own item when the voucher is filed ({@link fileIssuedVoucher}); for an account never
 * linked the two are one item and the reference is written here, in the same update.
 */
export async function admitVoucher(db: DynamoDBDocumentClient, table: string, issue: VoucherIssue): Promise<AdmitOutcome> {
  const { voucher } = issue;
  const personKey = issue.personKey ?? issue.residentId;
  const ref = encodeRef({ ...voucher, shard: issue.shard });
  const refHere = personKey === issue.residentId;
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: claimCounterKey(personKey, voucher.campaignId),
        UpdateExpression: `ADD claimed :one, voucherIds :ids, admissions :admission${refHere ? ", voucherRefs :refs" : ""}`,
        ConditionExpression: "(attribute_not_exists(claimed) OR claimed < :limit) AND NOT contains(voucherIds, :id)",
        ExpressionAttributeValues: {
          ":one": 1,
          ":limit": issue.perPersonLimit,
          ":id": voucher.voucherId,
          ":ids": new Set([voucher.voucherId]),
          ":admission": new Set([`${issue.attempt} ${ref}`]),
          ...(refHere ? { ":refs": new Set([ref]) } : {}),
        },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return { outcome: "admitted" };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const found = itemOfConditionFailure(error);
    const counter = found ? counterSchema.parse(found) : await readClaimCounter(db, table, personKey, voucher.campaignId);
    const outcome = await admissionOnCounter(db, table, issue, counter);
    if (!outcome) throw new Error(`the counter of ${personKey} refused ${voucher.voucherId} below its limit without holding it`, { cause: error });
    return outcome;
  }
}

/**
 * What a person's counter says of an issue's slot: "admitted" when the voucher id's slot is this
 * attempt's, "held" when another's, "limit-reached" when the id has none and the counter is full;
 * undefined when the id has no slot below the limit (nothing of this attempt has landed yet).
 * Read after an admission whose outcome is unknown, and after one that failed its condition.
 */
export async function admissionOnCounter(db: DynamoDBDocumentClient, table: string, issue: VoucherIssue, counter: ClaimCounter): Promise<AdmitOutcome | undefined> {
  if (counter.voucherIds.has(issue.voucher.voucherId)) {
    const admission = await slotOf(db, table, issue, counter);
    return admission.attempt === issue.attempt ? { outcome: "admitted" } : { outcome: "held", admission };
  }
  return counter.claimed >= issue.perPersonLimit ? { outcome: "limit-reached" } : undefined;
}

/**
 * The slot a counter holds for the issue's voucher id: its admission, or for a slot written
 * before admissions were recorded the wallet's reference (on the resident's own item when the
 * counter is a linked person's).
 */
export async function slotOf(db: DynamoDBDocumentClient, table: string, issue: Omit<VoucherIssue, "attempt" | "shard" | "perPersonLimit">, counter: ClaimCounter): Promise<Admission> {
  const { campaignId, voucherId } = issue.voucher;
  for (const encoded of counter.admissions) {
    const at = encoded.indexOf(" ");
    const ref = decodeRef(campaignId, encoded.slice(at + 1));
    if (ref.voucherId === voucherId) return { attempt: encoded.slice(0, at), ref };
  }
  const personKey = issue.personKey ?? issue.residentId;
  const refs = personKey === issue.residentId ? counter : await readClaimCounter(db, table, issue.residentId, campaignId);
  const ref = refOf(campaignId, refs, voucherId);
  if (!ref) throw new Error(`the counter of ${personKey} in campaign ${campaignId} admits ${voucherId} but files it nowhere`);
  return { attempt: undefined, ref };
}

/**
 * The second of an issue's two writes: puts the voucher its slot admitted, once
 * (`attribute_not_exists`, 1 WCU), and answers the voucher holding the id: this one, or the one
 * already there (a try whose answer was lost, or another attempt completing the same slot; the
 * slot took one unit, whoever files its voucher). For a linked account the resident's own item
 * gets the wallet's reference first (an idempotent set ADD), so no voucher is ever filed without
 * its reference.
 */
export async function fileIssuedVoucher(db: DynamoDBDocumentClient, table: string, issue: VoucherIssue): Promise<VoucherItem> {
  const { residentId, voucher, shard } = issue;
  const ref: VoucherRef = { ...voucher, shard };
  if ((issue.personKey ?? residentId) !== residentId) {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: claimCounterKey(residentId, voucher.campaignId),
        UpdateExpression: "ADD voucherRefs :refs",
        ExpressionAttributeValues: { ":refs": new Set([encodeRef(ref)]) },
      }),
    );
  }
  // The stored attribute keeps its contract name, `owner`.
  const item: VoucherItem = { ...voucher, owner: residentId, shard, issueAttempt: issue.attempt };
  const key = issuedVoucherKey(voucher.campaignId, voucher.dropId, voucher.voucherTypeId, shard, voucher.voucherId);
  const outcome = await putOnce(db, { TableName: table, Item: { ...key, ...item }, partitionKey: "pk" }, () => readIssuedVoucher(db, table, ref));
  return outcome.created ? item : voucherItemSchema.parse(outcome.existing);
}

/**
 * The voucher a slot names, made whole: read when it is filed, else filed now under the slot's
 * shard and attempt, taking no unit (the slot's attempt took one). How a retry with the same
 * Idempotency-Key finishes a claim that died between its two writes, and how an attempt that
 * found its voucher id held answers with that voucher.
 */
export async function completeAdmission(db: DynamoDBDocumentClient, table: string, issue: Omit<VoucherIssue, "attempt" | "shard">, admission: Admission): Promise<VoucherItem> {
  const existing = await readIssuedVoucher(db, table, admission.ref);
  if (existing) return existing;
  if (admission.attempt === undefined) {
    throw new Error(`voucher ${admission.ref.voucherId} of campaign ${admission.ref.campaignId} was admitted together with its voucher, yet is not filed`);
  }
  return fileIssuedVoucher(db, table, { ...issue, shard: admission.ref.shard, attempt: admission.attempt });
}

/**
 * What {@link writeIssuedVoucher} did: "issued", this attempt's slot and its voucher (written now,
 * or found filed); "held", another attempt's slot for the same id, whose voucher is answered (and
 * filed if it was not yet); "limit-reached", nothing written.
 */
export type IssueOutcome = { outcome: "issued"; voucher: VoucherItem } | { outcome: "held"; voucher: VoucherItem } | { outcome: "limit-reached" };

/**
 * Both writes of an issue in a row ({@link admitVoucher}, then {@link fileIssuedVoucher}), for
 * issues that take no inventory unit of their own (a lottery's winners). A crash between them
 * leaves a slot naming a voucher not yet filed; the same issue run again (same voucher id and
 * attempt) finds its slot and files the voucher.
 */
export async function writeIssuedVoucher(db: DynamoDBDocumentClient, table: string, issue: VoucherIssue): Promise<IssueOutcome> {
  const admitted = await admitVoucher(db, table, issue);
  if (admitted.outcome === "limit-reached") return admitted;
  if (admitted.outcome === "held") return { outcome: "held", voucher: await completeAdmission(db, table, issue, admitted.admission) };
  return { outcome: "issued", voucher: await fileIssuedVoucher(db, table, issue) };
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
  const before = z.object({ registeredAt: z.optional(z.string()) }).parse(Attributes ?? {}).registeredAt;
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
  const ref = refOf(campaignId, await readClaimCounter(db, table, residentId, campaignId), voucherId);
  return ref && readIssuedVoucher(db, table, ref);
}

/** The wallet's reference to `voucherId` on a counter, or undefined. */
function refOf(campaignId: string, counter: ClaimCounter, voucherId: string): VoucherRef | undefined {
  return [...counter.voucherRefs].map((encoded) => decodeRef(campaignId, encoded)).find((candidate) => candidate.voucherId === voucherId);
}

/** The voucher filed where `ref` says, read strongly consistently, or undefined. */
export async function readIssuedVoucher(db: DynamoDBDocumentClient, table: string, ref: VoucherRef): Promise<VoucherItem | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: table, Key: issuedVoucherKey(ref.campaignId, ref.dropId, ref.voucherTypeId, ref.shard, ref.voucherId), ConsistentRead: true }),
  );
  return Item ? voucherItemSchema.parse(Item) : undefined;
}

/**
 * The person's vouchers in every campaign, newest first. A person holds few. A reference whose
 * voucher is not filed (a claim that died between its two writes) lists nothing.
 */
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
