/**
 * Faults DynamoDB Local never produces (throttling, a timeout, a lost answer, a crash between the
 * claim's two cold writes), injected with aws-sdk-client-mock, and how the claim answers each.
 * The claim writes three items, each with a plain conditional write (DESIGN.md §8): the shard,
 * the person's counter (a slot naming the voucher id, the attempt and the shard), the voucher.
 */
import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { keyedVoucherId } from "../../shared/domain/claim.js";
import { LimitReachedError, SoldOutError, ThrottledError, UnavailableError } from "../../shared/errors.js";
import { ClaimCaches, type ClaimDependencies, claimVoucher } from "../../shared/use-cases/claim.js";
import { campaignKey, claimCounterKey, dropKey, issuedVoucherKey, shardKey } from "../../shared/store/keys.js";
import { VOUCHER_TYPES } from "../support/seed.js";

const now = new Date("2026-11-22T02:00:30Z");
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }));
const mock = mockClient(documents);
const request = { residentId: "alice", campaignId: "c1", dropId: "d1", voucherTypeId: "100-30" };
const keyed = { ...request, idempotencyKey: "key-1" };
const k1 = keyedVoucherId(keyed);

function deps(extra: Partial<ClaimDependencies> = {}): ClaimDependencies {
  return {
    db: documents,
    tables: { campaigns: "campaigns", inventory: "inventory", vouchers: "vouchers" },
    caches: new ClaimCaches(),
    now: () => now,
    random: () => 0,
    retry: { sleep: () => Promise.resolve() },
    ...extra,
  };
}

const throttled = () => new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} });
const timedOut = () => Object.assign(new Error("socket timed out"), { name: "TimeoutError" });
const conditionFailed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({ message: "condition", $metadata: {}, ...(item ? { Item: marshall(item) } : {}) });
const counterKey = claimCounterKey("alice", "c1");
const inputs = () => mock.commandCalls(UpdateCommand).map((call) => call.args[0].input);
const takes = () => inputs().filter((input) => input.TableName === "inventory" && input.ExpressionAttributeValues?.[":minusOne"] === -1);
const giveBacks = () => inputs().filter((input) => input.TableName === "inventory" && input.ExpressionAttributeValues?.[":one"] === 1);
const slots = () => inputs().filter((input) => input.TableName === "vouchers" && input.ConditionExpression !== undefined);
const puts = () => mock.commandCalls(PutCommand).map((call) => call.args[0].input);
/** The admission the claim sent with its slot: "<attempt> <voucherId> <dropId> <voucherTypeId> <shard>". */
const admissionSent = (input: UpdateCommandInput) => [...(input.ExpressionAttributeValues?.[":admission"] as Set<string>)][0]!;
const voucherItem = (voucherId: string, shard: number, issueAttempt?: string) => ({
  ...issuedVoucherKey("c1", "d1", "100-30", shard, voucherId),
  voucherId, campaignId: "c1", dropId: "d1", voucherTypeId: "100-30", threshold: 10_000, discount: 3_000,
  claimedAt: "2026-11-22T02:00:10.000Z", expiresAt: "2026-11-29T02:00:10.000Z", status: "CLAIMED", owner: "alice", shard,
  ...(issueAttempt ? { issueAttempt } : {}),
});

/** The campaign and its drop as the claim reads them: limit 1, two shards, open at `now`. */
function campaignItems(): [Record<string, unknown>, Record<string, unknown>] {
  return [
    {
      ...campaignKey("c1"),
      id: "c1",
      name: "c1",
      timezone: "Asia/Shanghai",
      budget: 100_000_000,
      startsAt: "2026-11-01T00:00:00+08:00",
      endsAt: "2026-12-31T23:59:59+08:00",
      perPersonLimit: 1,
      sectors: ["supermarket"],
      refundPolicy: "void",
      rollover: false,
      voucherTypes: VOUCHER_TYPES,
      status: "PUBLISHED",
      version: 1,
      createdAt: "2026-11-01T00:00:00Z",
      updatedAt: "2026-11-01T00:00:00Z",
      createdBy: "op",
    },
    {
      ...dropKey("c1", "d1"),
      campaignId: "c1",
      id: "d1",
      opensAt: "2026-11-22T10:00:00+08:00",
      closesAt: "2026-11-22T12:00:00+08:00",
      stock: { "100-30": 100 },
      shardCounts: { "100-30": 2 },
      soldOut: {},
    },
  ];
}

beforeEach(() => {
  mock.reset();
  mock.on(QueryCommand).resolves({ Items: campaignItems() });
  mock.on(GetCommand).resolves({});
  // The claim's first read: the account's link item and its counter, neither there.
  mock.on(BatchGetCommand).resolves({});
  mock.on(UpdateCommand).resolves({});
  mock.on(PutCommand).resolves({});
});

describe("the claim's writes", () => {
  it("takes a unit, then a slot on the counter, then puts the voucher: three plain conditional writes, no transaction", async () => {
    const voucher = await claimVoucher(request, deps());
    expect(voucher).toMatchObject({ campaignId: "c1", dropId: "d1", voucherTypeId: "100-30", discount: 3_000, status: "CLAIMED" });
    expect(takes()).toHaveLength(1);
    expect(slots()).toHaveLength(1);
    const [slot] = slots();
    expect(slot).toMatchObject({ Key: counterKey, ConditionExpression: "(attribute_not_exists(claimed) OR claimed < :limit) AND NOT contains(voucherIds, :id)" });
    // The slot names the voucher and the shard its unit came from; the voucher is filed there.
    const [attempt, voucherId, dropId, voucherTypeId, shard] = admissionSent(slot!).split(" ");
    expect([voucherId, dropId, voucherTypeId]).toEqual([voucher.voucherId, "d1", "100-30"]);
    expect(takes()[0]!.Key).toEqual(shardKey("c1", "d1", "100-30", Number(shard)));
    expect(puts()).toHaveLength(1);
    expect(puts()[0]).toMatchObject({ TableName: "vouchers", Item: { voucherId: voucher.voucherId, shard: Number(shard), issueAttempt: attempt } });
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(giveBacks()).toHaveLength(0);
  });

  it("answers THROTTLED with a retry delay when the shards stay throttled, taking nothing", async () => {
    mock.on(UpdateCommand).rejects(throttled());
    const error = await claimVoucher(request, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterSeconds).toBeGreaterThan(0);
    expect((error as ThrottledError).status).toBe(429);
    expect(slots()).toHaveLength(0);
    expect(puts()).toHaveLength(0);
  });
});

describe("the counter's slot", () => {
  it("maps a failed condition with the counter full of another voucher (ALL_OLD) to LIMIT_REACHED and returns the unit, reading nothing again", async () => {
    const counter = { claimed: 1, voucherIds: new Set(["other"]), voucherRefs: new Set(["other d1 100-30 0"]), admissions: new Set(["a0 other d1 100-30 0"]) };
    mock.on(UpdateCommand, { Key: counterKey }).rejects(conditionFailed(counter));
    await expect(claimVoucher(request, deps())).rejects.toBeInstanceOf(LimitReachedError);
    expect(giveBacks()).toHaveLength(1);
    expect(puts()).toHaveLength(0);
    // The one read of the counter is the limit check before a unit is taken (batched with the account's link item).
    expect(mock.commandCalls(BatchGetCommand)).toHaveLength(1);
    expect(mock.commandCalls(GetCommand, { Key: counterKey })).toHaveLength(0);
  });

  it("goes on to the voucher when the slot's condition failed on its own slot (an earlier try committed, its answer lost), keeping the unit", async () => {
    mock.on(UpdateCommand, { Key: counterKey }).callsFake((input: UpdateCommandInput) => {
      const admission = admissionSent(input);
      const voucherId = admission.split(" ")[1]!;
      throw conditionFailed({ claimed: 1, voucherIds: new Set([voucherId]), voucherRefs: new Set([admission.slice(admission.indexOf(" ") + 1)]), admissions: new Set([admission]) });
    });
    const voucher = await claimVoucher(request, deps());
    expect(puts()).toHaveLength(1);
    expect(puts()[0]!.Item).toMatchObject({ voucherId: voucher.voucherId, shard: Number(admissionSent(slots()[0]!).split(" ")[4]) });
    expect(giveBacks()).toHaveLength(0);
  });

  it("reads the counter back when the slot's update answers nothing, and goes on when the slot is there", async () => {
    let landed: Record<string, unknown> | undefined;
    mock.on(UpdateCommand, { Key: counterKey }).callsFake((input: UpdateCommandInput) => {
      const admission = admissionSent(input);
      landed = { ...counterKey, claimed: 1, voucherIds: new Set([admission.split(" ")[1]!]), admissions: new Set([admission]) };
      throw timedOut();
    });
    mock.on(GetCommand, { Key: counterKey }).callsFake(() => ({ Item: landed }));
    const voucher = await claimVoucher(request, deps());
    expect(mock.commandCalls(GetCommand, { Key: counterKey, ConsistentRead: true })).toHaveLength(1);
    expect(puts()).toHaveLength(1);
    expect(puts()[0]!.Item).toMatchObject({ voucherId: voucher.voucherId });
    expect(giveBacks()).toHaveLength(0);
  });

  it("keeps the unit (never risking an oversell) when the slot's update times out and the counter shows nothing of it", async () => {
    mock.on(UpdateCommand, { Key: counterKey }).rejects(timedOut());
    const error = await claimVoucher(request, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).status).toBe(503);
    expect(takes()).toHaveLength(1);
    expect(giveBacks()).toHaveLength(0);
    expect(puts()).toHaveLength(0);
  });

  it("keeps the unit when the slot's update stays throttled, answering THROTTLED after reading the counter back", async () => {
    mock.on(UpdateCommand, { Key: counterKey }).rejects(throttled());
    await expect(claimVoucher(request, deps())).rejects.toBeInstanceOf(ThrottledError);
    expect(giveBacks()).toHaveLength(0);
    expect(mock.commandCalls(GetCommand, { Key: counterKey, ConsistentRead: true })).toHaveLength(1);
  });

  it("answers a replay that raced its first try with the first voucher, returning the second unit", async () => {
    // The first try of the key took shard 1 and filed its voucher; this one took shard 0.
    const counter = { claimed: 1, voucherIds: new Set([k1]), voucherRefs: new Set([`${k1} d1 100-30 1`]), admissions: new Set([`first ${k1} d1 100-30 1`]) };
    mock.on(UpdateCommand, { Key: counterKey }).rejects(conditionFailed(counter));
    mock.on(GetCommand, { Key: issuedVoucherKey("c1", "d1", "100-30", 1, k1) }).resolves({ Item: voucherItem(k1, 1, "first") });
    const voucher = await claimVoucher(keyed, deps());
    expect(voucher).toMatchObject({ voucherId: k1, claimedAt: "2026-11-22T02:00:10.000Z" });
    expect(giveBacks()).toHaveLength(1);
    expect(puts()).toHaveLength(0);
  });

  it("files the first try's voucher for it when a replay finds its slot but no voucher yet, returning its own unit", async () => {
    const counter = { claimed: 1, voucherIds: new Set([k1]), voucherRefs: new Set([`${k1} d1 100-30 1`]), admissions: new Set([`first ${k1} d1 100-30 1`]) };
    mock.on(UpdateCommand, { Key: counterKey }).rejects(conditionFailed(counter));
    const voucher = await claimVoucher(keyed, deps());
    expect(voucher).toMatchObject({ voucherId: k1 });
    expect(puts()).toHaveLength(1);
    // Under the first try's shard and attempt: its unit is the one the voucher fills.
    expect(puts()[0]).toMatchObject({ Item: { ...issuedVoucherKey("c1", "d1", "100-30", 1, k1), shard: 1, issueAttempt: "first" }, ConditionExpression: "attribute_not_exists(#putOncePk)" });
    expect(giveBacks()).toHaveLength(1);
  });
});

describe("a crash between the counter's slot and the voucher", () => {
  it("is completed by a retry with the same Idempotency-Key: the voucher is filed under the slot's shard, and no unit is taken", async () => {
    const counter = { ...counterKey, claimed: 1, voucherIds: new Set([k1]), voucherRefs: new Set([`${k1} d1 100-30 1`]), admissions: new Set([`crashed ${k1} d1 100-30 1`]) };
    mock.on(BatchGetCommand).resolves({ Responses: { vouchers: [counter] } });
    const voucher = await claimVoucher(keyed, deps());
    expect(voucher).toMatchObject({ voucherId: k1, dropId: "d1", voucherTypeId: "100-30" });
    expect(takes()).toHaveLength(0);
    expect(slots()).toHaveLength(0);
    expect(puts()).toHaveLength(1);
    expect(puts()[0]).toMatchObject({ Item: { ...issuedVoucherKey("c1", "d1", "100-30", 1, k1), owner: "alice", issueAttempt: "crashed" } });
  });

  it("completes the slot even once the drop is marked sold out, and answers SOLD_OUT to a claim without one", async () => {
    const [campaign, drop] = campaignItems();
    mock.on(QueryCommand).resolves({ Items: [campaign, { ...drop, soldOut: { "100-30": "2026-11-22T02:00:20.000Z" } }] });
    const counter = { ...counterKey, claimed: 1, voucherIds: new Set([k1]), voucherRefs: new Set([`${k1} d1 100-30 1`]), admissions: new Set([`crashed ${k1} d1 100-30 1`]) };
    mock.on(BatchGetCommand).resolves({ Responses: { vouchers: [counter] } });
    expect(await claimVoucher(keyed, deps())).toMatchObject({ voucherId: k1 });
    expect(puts()).toHaveLength(1);
    await expect(claimVoucher({ ...request, residentId: "bob" }, deps())).rejects.toBeInstanceOf(SoldOutError);
    expect(takes()).toHaveLength(0);
  });

  it("answers a keyed retry whose voucher is filed with it, writing nothing", async () => {
    const counter = { ...counterKey, claimed: 1, voucherIds: new Set([k1]), voucherRefs: new Set([`${k1} d1 100-30 1`]), admissions: new Set([`done ${k1} d1 100-30 1`]) };
    mock.on(BatchGetCommand).resolves({ Responses: { vouchers: [counter] } });
    mock.on(GetCommand, { Key: issuedVoucherKey("c1", "d1", "100-30", 1, k1) }).resolves({ Item: voucherItem(k1, 1, "done") });
    expect(await claimVoucher(keyed, deps())).toMatchObject({ voucherId: k1, claimedAt: "2026-11-22T02:00:10.000Z" });
    expect(mock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(puts()).toHaveLength(0);
  });

  it("answers a keyed retry of a slot written with its voucher before slots were recorded, from the wallet's reference", async () => {
    const counter = { ...counterKey, claimed: 1, voucherIds: new Set([k1]), voucherRefs: new Set([`${k1} d1 100-30 1`]) };
    mock.on(BatchGetCommand).resolves({ Responses: { vouchers: [counter] } });
    mock.on(GetCommand, { Key: issuedVoucherKey("c1", "d1", "100-30", 1, k1) }).resolves({ Item: voucherItem(k1, 1) });
    expect(await claimVoucher(keyed, deps())).toMatchObject({ voucherId: k1 });
    expect(mock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(puts()).toHaveLength(0);
  });

  it("leaves the unit with its slot when the voucher's put answers nothing and the voucher is not there", async () => {
    mock.on(PutCommand).rejects(timedOut());
    const error = await claimVoucher(keyed, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(giveBacks()).toHaveLength(0);
    // Read back where the slot says it is filed.
    const shard = Number(admissionSent(slots()[0]!).split(" ")[4]);
    expect(mock.commandCalls(GetCommand, { Key: issuedVoucherKey("c1", "d1", "100-30", shard, k1), ConsistentRead: true })).toHaveLength(1);
  });

  it("answers the voucher read back when the put's answer was lost after it was written", async () => {
    mock.on(PutCommand).rejects(timedOut());
    // Filed under whichever of the two shards the unit came from.
    for (const shard of [0, 1]) mock.on(GetCommand, { Key: issuedVoucherKey("c1", "d1", "100-30", shard, k1) }).resolves({ Item: voucherItem(k1, shard, "mine") });
    expect(await claimVoucher(keyed, deps())).toMatchObject({ voucherId: k1 });
    expect(giveBacks()).toHaveLength(0);
  });

  it("answers the voucher already there when the put's condition fails (an earlier try's answer was lost)", async () => {
    mock.on(PutCommand).rejects(conditionFailed(voucherItem(k1, 0, "mine")));
    expect(await claimVoucher(keyed, deps())).toMatchObject({ voucherId: k1, claimedAt: "2026-11-22T02:00:10.000Z" });
    expect(giveBacks()).toHaveLength(0);
  });
});
