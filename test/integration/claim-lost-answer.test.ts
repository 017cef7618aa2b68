/**
 * A claim's writes that commit on DynamoDB Local but whose answer is lost on the way back, as a
 * dropped connection would lose it. An SDK middleware inside the SDK's retry loop lets the request
 * reach the emulator and commit, then throws a network error, so the SDK's own retry and the
 * claim's code both meet the ambiguous outcome; later tries may be throttled without being sent.
 * Whatever happens, vouchers issued never exceed the stock (invariant 1), and the real drop
 * close counts the drop without meeting its invariant error.
 */
import { randomUUID } from "node:crypto";
import { DynamoDBClient, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../../infra/local/emulators.js";
import { DYNAMODB_MAX_ATTEMPTS, dynamoDbClientConfig } from "../../shared/clients.js";
import { LimitReachedError, SoldOutError, ThrottledError, UnavailableError } from "../../shared/errors.js";
import { ClaimCaches, type ClaimDependencies, type ClaimRequest, claimVoucher } from "../../shared/use-cases/claim.js";
import { closeDrop } from "../../shared/store/drop-close.js";
import { issuedPartition } from "../../shared/store/keys.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
let tables: { campaigns: string; inventory: string; vouchers: string };
const HOUR = 3_600_000;

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "lost-answer");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers"]);
});

/** What the fault middleware does with one try of one request. */
type Verdict = "pass" | "lose-answer" | "throttle";
type Fault = (request: { command: string; input: Record<string, unknown> }) => Verdict;

/**
 * A document client on the emulator with `fault` deciding each try. The middleware sits below the
 * SDK's retry middleware, so every try the SDK makes (DYNAMODB_MAX_ATTEMPTS, as the platform's
 * client, whose retry configuration it shares) passes it.
 */
function faultyClient(fault: Fault): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ ...dynamoDbClientConfig(), region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: inject("dynamodbEndpoint") });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const verdict = fault({ command: String(context.commandName), input: args.input as Record<string, unknown> });
      if (verdict === "throttle") throw new ProvisionedThroughputExceededException({ message: "injected throttling", $metadata: {} });
      const result = await next(args);
      if (verdict === "lose-answer") throw Object.assign(new Error("socket hang up (injected after the write committed)"), { code: "ECONNRESET" });
      return result;
    },
    // The innermost step, as close to the wire as a middleware gets: what the platform's own
    // middleware sees of a try is what a real lost answer would show it.
    { step: "deserialize", priority: "high", name: "injectLostAnswers" },
  );
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

function deps(client: DynamoDBDocumentClient, extra: Partial<ClaimDependencies> = {}): ClaimDependencies {
  return {
    db: client,
    tables,
    caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }),
    now: () => new Date(),
    random: Math.random,
    retry: { sleep: () => Promise.resolve() },
    ...extra,
  };
}

const isTransactWrite = (command: string) => command.startsWith("TransactWriteItems");
const isGiveBack = (command: string, input: Record<string, unknown>) =>
  command.startsWith("UpdateItem") && Object.hasOwn((input.ExpressionAttributeValues ?? {}), ":one");

async function seed(options: { stock: number; perPersonLimit?: number }): Promise<{ campaignId: string; closesAt: number }> {
  const campaignId = `lost-${randomUUID().slice(0, 8)}`;
  const closesAt = Date.now() + HOUR;
  await seedCampaign(db, tables, {
    id: campaignId,
    perPersonLimit: options.perPersonLimit ?? 1,
    drops: [{ id: "d1", stock: { "100-30": options.stock }, shards: 1, opensAt: new Date(Date.now() - HOUR).toISOString(), closesAt: new Date(closesAt).toISOString() }],
  });
  return { campaignId, closesAt };
}

async function vouchersIssued(campaignId: string): Promise<{ owner: string; voucherId: string }[]> {
  const { Items } = await db.send(
    new QueryCommand({
      TableName: tables.vouchers,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": issuedPartition(campaignId, "d1", "100-30", 0) },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).map((item) => ({ owner: String(item.owner), voucherId: String(item.voucherId) }));
}

/** Everyone else claims what is left; returns how many got a voucher. */
async function claimTheRest(campaignId: string, people: number): Promise<number> {
  const healthy = deps(db);
  const outcomes = await Promise.all(
    Array.from({ length: people }, (_, i) =>
      claimVoucher({ residentId: `other-${i}`, campaignId, dropId: "d1", voucherTypeId: "100-30" }, healthy).then(
        () => 1,
        (error: unknown) => {
          if (error instanceof SoldOutError) return 0;
          throw error;
        },
      ),
    ),
  );
  return outcomes.reduce((a, b) => a + b, 0);
}

/** The real drop close, after the drop's close and grace: it throws if more was issued than stocked. */
async function closeAndCount(campaignId: string, closesAt: number) {
  const result = await closeDrop({ db, tables, campaignId, dropId: "d1", now: new Date(closesAt + 2 * 60_000) });
  expect(result.status).toBe("closed");
  return result.status === "closed" ? result.outcome["100-30"] : undefined;
}

/** The SDK's first try commits and loses its answer; every later try it makes is throttled. */
const LOST_THEN_THROTTLED: Verdict[] = ["lose-answer", ...Array<Verdict>(DYNAMODB_MAX_ATTEMPTS - 1).fill("throttle")];

describe("a claim whose voucher transaction commits but whose answer is lost", () => {
  // Tries of the voucher transaction: the SDK's first is lost after it commits; its own retries
  // resend the same transaction token, which DynamoDB answers as the first. Once they are all
  // throttled too, the SDK gives up and the claim reads its voucher back (it sends no transaction
  // of its own: throttling is retried by the SDK only, so there are exactly the SDK's tries).
  it.each<[string, Verdict[], ClaimRequest["idempotencyKey"], number]>([
    ["the SDK's retry answers it", ["lose-answer"], undefined, 2],
    ["the claim's read-back finds it written, without an Idempotency-Key", LOST_THEN_THROTTLED, undefined, DYNAMODB_MAX_ATTEMPTS],
    ["the claim's read-back finds it written, with an Idempotency-Key", LOST_THEN_THROTTLED, "lost-answer-key", DYNAMODB_MAX_ATTEMPTS],
  ])("answers its voucher and never gives the unit back when %s", async (_, faults, idempotencyKey, transactionTries) => {
    const { campaignId, closesAt } = await seed({ stock: 3 });
    let tries = 0;
    const lossy = faultyClient(({ command }) => (isTransactWrite(command) ? (faults[tries++] ?? "pass") : "pass"));
    const request: ClaimRequest = { residentId: "unlucky", campaignId, dropId: "d1", voucherTypeId: "100-30", ...(idempotencyKey ? { idempotencyKey } : {}) };

    const voucher = await claimVoucher(request, deps(lossy));

    expect(tries).toBe(transactionTries);
    expect(await vouchersIssued(campaignId)).toEqual([{ owner: "unlucky", voucherId: voucher.voucherId }]);
    expect(await claimTheRest(campaignId, 5)).toBe(2);
    expect(await vouchersIssued(campaignId)).toHaveLength(3);
    expect(await closeAndCount(campaignId, closesAt)).toMatchObject({ issued: 3, unclaimed: 0 });
  });

  it("answers its voucher, or a retryable error, when every later try is throttled, and never gives the unit back", async () => {
    const { campaignId, closesAt } = await seed({ stock: 3 });
    let tries = 0;
    const lossy = faultyClient(({ command }) => (isTransactWrite(command) ? (++tries === 1 ? "lose-answer" : "throttle") : "pass"));

    const outcome = await claimVoucher({ residentId: "unlucky", campaignId, dropId: "d1", voucherTypeId: "100-30" }, deps(lossy)).then(
      (voucher) => voucher,
      (error: unknown) => error,
    );

    expect(tries).toBeGreaterThan(2);
    const issued = await vouchersIssued(campaignId);
    expect(issued.map((voucher) => voucher.owner)).toEqual(["unlucky"]);
    if (outcome instanceof Error) {
      expect(outcome instanceof ThrottledError || outcome instanceof UnavailableError, String(outcome)).toBe(true);
    } else {
      expect(outcome).toMatchObject({ voucherId: issued[0]!.voucherId });
    }
    expect(await claimTheRest(campaignId, 5)).toBe(2);
    expect(await closeAndCount(campaignId, closesAt)).toMatchObject({ issued: 3, unclaimed: 0 });
  });

  it("keeps the unit, stranded for drop close, when the transaction never committed and its outcome is unknown", async () => {
    const { campaignId, closesAt } = await seed({ stock: 3 });
    // Every try is throttled without being sent, but the claim cannot know that no earlier try landed.
    const throttled = faultyClient(({ command }) => (isTransactWrite(command) ? "throttle" : "pass"));

    await expect(claimVoucher({ residentId: "unlucky", campaignId, dropId: "d1", voucherTypeId: "100-30" }, deps(throttled))).rejects.toBeInstanceOf(ThrottledError);

    expect(await vouchersIssued(campaignId)).toEqual([]);
    expect(await claimTheRest(campaignId, 5)).toBe(2);
    expect(await closeAndCount(campaignId, closesAt)).toMatchObject({ issued: 2, unclaimed: 1 });
  });
});

describe("a unit given back whose answer is lost", () => {
  it("is given back at most once, so a lost answer never adds a unit the drop does not have", async () => {
    const { campaignId, closesAt } = await seed({ stock: 3, perPersonLimit: 1 });
    const lossy = faultyClient(({ command, input }) => (isGiveBack(command, input) ? "lose-answer" : "pass"));
    // The same person's other claim lands between this claim's unit and its voucher: the limit is
    // reached, so this claim's unit goes back, and that write's answer is lost.
    const racing = deps(lossy, {
      afterTake: async () => {
        await claimVoucher({ residentId: "twice", campaignId, dropId: "d1", voucherTypeId: "100-30" }, deps(db));
      },
    });

    await expect(claimVoucher({ residentId: "twice", campaignId, dropId: "d1", voucherTypeId: "100-30" }, racing)).rejects.toBeInstanceOf(LimitReachedError);

    // The give-back committed once (its answer lost, not sent again): two units left for others.
    expect(await vouchersIssued(campaignId)).toHaveLength(1);
    expect(await claimTheRest(campaignId, 5)).toBe(2);
    expect(await closeAndCount(campaignId, closesAt)).toMatchObject({ issued: 3, unclaimed: 0 });
  });
});
