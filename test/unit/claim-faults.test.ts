/**
 * Faults DynamoDB Local never produces (throttling, transaction conflicts, a timeout after the
 * shard step), injected with aws-sdk-client-mock, and how the claim answers each.
 */
import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactionConflictException,
} from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { keyedVoucherId } from "../../shared/domain/claim.js";
import { LimitReachedError, ThrottledError, UnavailableError } from "../../shared/errors.js";
import { ClaimCaches, type ClaimDependencies, claimVoucher } from "../../shared/use-cases/claim.js";
import { campaignKey, claimCounterKey, dropKey, issuedVoucherKey } from "../../shared/store/keys.js";
import { VOUCHER_TYPES } from "../support/seed.js";

const now = new Date("2026-11-22T02:00:30Z");
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }));
const mock = mockClient(documents);
const request = { residentId: "alice", campaignId: "c1", dropId: "d1", voucherTypeId: "100-30" };

function deps(): ClaimDependencies {
  return {
    db: documents,
    tables: { campaigns: "campaigns", inventory: "inventory", vouchers: "vouchers" },
    caches: new ClaimCaches(),
    now: () => now,
    random: () => 0,
    retry: { sleep: () => Promise.resolve() },
  };
}

const conflict = () => new TransactionConflictException({ message: "conflict", $metadata: {} });
const throttled = () => new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} });
const cancelled = (codes: string[]) =>
  new TransactionCanceledException({ message: "cancelled", $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
const takes = () => mock.commandCalls(UpdateCommand).filter((call) => call.args[0].input.ExpressionAttributeValues?.[":minusOne"] === -1);
const giveBacks = () => mock.commandCalls(UpdateCommand).filter((call) => call.args[0].input.ExpressionAttributeValues?.[":one"] === 1);

beforeEach(() => {
  mock.reset();
  mock.on(QueryCommand).resolves({
    Items: [
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
    ],
  });
  mock.on(GetCommand).resolves({});
  // The claim's first read: the account's link item and its counter, neither there.
  mock.on(BatchGetCommand).resolves({});
  mock.on(UpdateCommand).resolves({});
  mock.on(TransactWriteCommand).resolves({});
});

describe("claim faults", () => {
  it("retries a transaction conflict on the cold items, then issues the voucher", async () => {
    mock.on(TransactWriteCommand).rejectsOnce(conflict()).rejectsOnce(conflict()).resolves({});
    const voucher = await claimVoucher(request, deps());
    expect(voucher).toMatchObject({ campaignId: "c1", dropId: "d1", voucherTypeId: "100-30", discount: 3_000, status: "CLAIMED" });
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(3);
    expect(takes()).toHaveLength(1);
    expect(giveBacks()).toHaveLength(0);
  });

  it("answers THROTTLED with a retry delay when the shards stay throttled, taking nothing", async () => {
    mock.on(UpdateCommand).rejects(throttled());
    const error = await claimVoucher(request, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterSeconds).toBeGreaterThan(0);
    expect((error as ThrottledError).status).toBe(429);
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  // An SDK try before the throttled ones may have committed with its answer lost: the voucher is
  // read back, and without it the unit stays taken (drop close counts it as unclaimed).
  it("keeps the unit when the voucher write stays throttled and no voucher was written", async () => {
    mock.on(TransactWriteCommand).rejects(cancelled(["ThrottlingError", "None"]));
    await expect(claimVoucher(request, deps())).rejects.toBeInstanceOf(ThrottledError);
    expect(giveBacks()).toHaveLength(0);
    // The read-back after the failure (the read before the take is the batched one).
    expect(mock.commandCalls(GetCommand, { Key: claimCounterKey("alice", "c1"), ConsistentRead: true }).length).toBeGreaterThanOrEqual(1);
  });

  it("keeps the unit (never risking an oversell) when the voucher write times out with an unknown outcome", async () => {
    mock.on(TransactWriteCommand).rejects(Object.assign(new Error("socket timed out"), { name: "TimeoutError" }));
    const error = await claimVoucher(request, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).status).toBe(503);
    expect(takes()).toHaveLength(1);
    expect(giveBacks()).toHaveLength(0);
  });

  it("maps a cancelled transaction whose counter check failed to LIMIT_REACHED and returns the unit", async () => {
    mock.on(TransactWriteCommand).rejects(cancelled(["ConditionalCheckFailed", "None"]));
    await expect(claimVoucher(request, deps())).rejects.toBeInstanceOf(LimitReachedError);
    expect(giveBacks()).toHaveLength(1);
  });

  it("tells LIMIT_REACHED from the counter the transaction found (ALL_OLD), without reading it again", async () => {
    const counter = { claimed: 1, voucherIds: new Set(["other"]), voucherRefs: new Set(["other d1 100-30 0"]) };
    mock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: "cancelled", $metadata: {}, CancellationReasons: [{ Code: "ConditionalCheckFailed", Item: marshall(counter) }, { Code: "None" }] }),
    );
    await expect(claimVoucher(request, deps())).rejects.toBeInstanceOf(LimitReachedError);
    expect(giveBacks()).toHaveLength(1);
    // The one read of the counter is the limit check before a unit is taken (batched with the account's link item).
    expect(mock.commandCalls(BatchGetCommand)).toHaveLength(1);
    expect(mock.commandCalls(GetCommand, { Key: claimCounterKey("alice", "c1") })).toHaveLength(0);
  });

  it("answers a replay that raced its first try with the first voucher, returning the second unit", async () => {
    const request = { residentId: "alice", campaignId: "c1", dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "key-1" };
    const k1 = keyedVoucherId(request);
    const first = {
      ...issuedVoucherKey("c1", "d1", "100-30", 1, k1),
      voucherId: k1, campaignId: "c1", dropId: "d1", voucherTypeId: "100-30", threshold: 10_000, discount: 3_000,
      claimedAt: "2026-11-22T02:00:10.000Z", expiresAt: "2026-11-29T02:00:10.000Z", status: "CLAIMED", owner: "alice", shard: 1,
    };
    const counter = { claimed: 1, voucherIds: new Set([k1]), voucherRefs: new Set([`${k1} d1 100-30 1`]) };
    // The first read (the batched one, before taking a unit) does not see the first try yet; later reads do.
    mock.on(GetCommand, { Key: claimCounterKey("alice", "c1") }).resolves({ Item: counter });
    mock.on(GetCommand, { Key: issuedVoucherKey("c1", "d1", "100-30", 1, k1) }).resolves({ Item: first });
    mock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "ConditionalCheckFailed", Item: marshall(counter) }, { Code: "None" }],
      }),
    );
    const voucher = await claimVoucher(request, deps());
    expect(voucher).toMatchObject({ voucherId: k1, claimedAt: first.claimedAt });
    expect(giveBacks()).toHaveLength(1);
  });

  it("does not retry a cancelled transaction whose own condition failed", async () => {
    mock.on(TransactWriteCommand).rejects(cancelled(["ConditionalCheckFailed", "TransactionConflict"]));
    await expect(claimVoucher(request, deps())).rejects.toBeInstanceOf(LimitReachedError);
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});
