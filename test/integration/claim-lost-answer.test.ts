/**
 * A claim's writes that commit on DynamoDB Local but whose answer is lost on the way back, as a
 * dropped connection would lose it, and a claim that dies between its two cold writes (DESIGN.md
 * §8: the counter's slot, then the voucher). An SDK middleware inside the SDK's retry loop lets
 * the request reach the emulator and commit, then throws a network error, so the SDK's own retry
 * and the claim's code both meet the ambiguous outcome; later tries may be throttled without being
 * sent. Whatever happens, vouchers issued never exceed the stock (invariant 1), nobody holds more
 * than the limit (invariant 2), keyed retries converge on one voucher, and the real drop close
 * counts the drop without meeting its invariant error.
 */
import { randomUUID } from "node:crypto";
import { DynamoDBClient, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { type Voucher, keyedVoucherId } from "../../shared/domain/claim.js";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../../infra/local/emulators.js";
import { DYNAMODB_MAX_ATTEMPTS, dynamoDbClientConfig } from "../../shared/clients.js";
import { LimitReachedError, SoldOutError, ThrottledError, UnavailableError } from "../../shared/errors.js";
import { ClaimCaches, type ClaimDependencies, type ClaimRequest, claimVoucher } from "../../shared/use-cases/claim.js";
import { closeDrop } from "../../shared/store/drop-close.js";
import { issuedPartition } from "../../shared/store/keys.js";
import { admitVoucher, readClaimCounter, writeIssuedVoucher } from "../../shared/store/vouchers.js";
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

/** The claim's first cold write: the slot on the person's counter. */
const isSlot = (command: string, input: Record<string, unknown>) => command.startsWith("UpdateItem") && input.TableName === tables.vouchers && typeof input.ConditionExpression === "string" && input.ConditionExpression.includes("voucherIds");
/** The claim's second cold write: the voucher. */
const isVoucherPut = (command: string, input: Record<string, unknown>) => command.startsWith("PutItem") && input.TableName === tables.vouchers;
const isGiveBack = (command: string, input: Record<string, unknown>) =>
  command.startsWith("UpdateItem") && input.TableName === tables.inventory && Object.hasOwn((input.ExpressionAttributeValues ?? {}), ":one");
const WRITES = { "the counter's slot": isSlot, "the voucher": isVoucherPut } as const;

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

describe.each(Object.entries(WRITES))("a claim whose write of %s commits but whose answer is lost", (_, isWrite) => {
  // Tries of the write: the SDK's first is lost after it commits; its own retry sends it again
  // and the condition fails on what the first wrote, which names this attempt. Once they are all
  // throttled too, the SDK gives up and the claim reads back what it wrote (it sends no write of
  // its own: throttling is retried by the SDK only, so there are exactly the SDK's tries).
  it.each<[string, Verdict[], ClaimRequest["idempotencyKey"], number]>([
    ["the SDK's retry answers it", ["lose-answer"], undefined, 2],
    ["the claim's read-back finds it written, without an Idempotency-Key", LOST_THEN_THROTTLED, undefined, DYNAMODB_MAX_ATTEMPTS],
    ["the claim's read-back finds it written, with an Idempotency-Key", LOST_THEN_THROTTLED, "lost-answer-key", DYNAMODB_MAX_ATTEMPTS],
  ])("answers its voucher and never gives the unit back when %s", async (_, faults, idempotencyKey, writeTries) => {
    const { campaignId, closesAt } = await seed({ stock: 3 });
    let tries = 0;
    const lossy = faultyClient(({ command, input }) => (isWrite(command, input) ? (faults[tries++] ?? "pass") : "pass"));
    const request: ClaimRequest = { residentId: "unlucky", campaignId, dropId: "d1", voucherTypeId: "100-30", ...(idempotencyKey ? { idempotencyKey } : {}) };

    const voucher = await claimVoucher(request, deps(lossy));

    expect(tries).toBe(writeTries);
    expect(await vouchersIssued(campaignId)).toEqual([{ owner: "unlucky", voucherId: voucher.voucherId }]);
    expect(await claimTheRest(campaignId, 5)).toBe(2);
    expect(await vouchersIssued(campaignId)).toHaveLength(3);
    expect(await closeAndCount(campaignId, closesAt)).toMatchObject({ issued: 3, unclaimed: 0 });
  });

  it("answers its voucher, or a retryable error, when every later try is throttled, and never gives the unit back", async () => {
    const { campaignId, closesAt } = await seed({ stock: 3 });
    let tries = 0;
    const lossy = faultyClient(({ command, input }) => (isWrite(command, input) ? (++tries === 1 ? "lose-answer" : "throttle") : "pass"));

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

  it("keeps the unit, stranded for drop close, when the write never committed and its outcome is unknown", async () => {
    const { campaignId, closesAt } = await seed({ stock: 3 });
    // Every try is throttled without being sent, but the claim cannot know that no earlier try landed.
    const throttled = faultyClient(({ command, input }) => (isWrite(command, input) ? "throttle" : "pass"));

    await expect(claimVoucher({ residentId: "unlucky", campaignId, dropId: "d1", voucherTypeId: "100-30" }, deps(throttled))).rejects.toBeInstanceOf(ThrottledError);

    expect(await vouchersIssued(campaignId)).toEqual([]);
    expect(await claimTheRest(campaignId, 5)).toBe(2);
    expect(await closeAndCount(campaignId, closesAt)).toMatchObject({ issued: 2, unclaimed: 1 });
  });
});

/** A claim that dies after its slot is taken, before its voucher is put. */
class Crash extends Error {}
const crashAfterSlot = (client = db) => deps(client, { afterAdmit: () => Promise.reject(new Crash("the function died between the counter's slot and the voucher")) });

describe("a claim that dies between the counter's slot and the voucher", () => {
  it("is completed by retries with the same Idempotency-Key, which converge on one voucher and take no unit", async () => {
    const { campaignId, closesAt } = await seed({ stock: 3 });
    const request: ClaimRequest = { residentId: "crashed", campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey: "crash-key" };

    await expect(claimVoucher(request, crashAfterSlot())).rejects.toBeInstanceOf(Crash);
    // The slot names a voucher that does not exist.
    expect(await vouchersIssued(campaignId)).toEqual([]);

    // Two retries at once and one after: the same voucher each time, filed once.
    const retries = [...(await Promise.all([claimVoucher(request, deps(db)), claimVoucher(request, deps(db))])), await claimVoucher(request, deps(db))];
    expect(new Set(retries.map((voucher) => voucher.voucherId))).toEqual(new Set([keyedVoucherId({ ...request, idempotencyKey: "crash-key" })]));
    expect(await vouchersIssued(campaignId)).toEqual([{ owner: "crashed", voucherId: retries[0]!.voucherId }]);
    // The crashed attempt's unit is the one the retry filled: two left for everyone else.
    expect(await claimTheRest(campaignId, 5)).toBe(2);
    expect(await closeAndCount(campaignId, closesAt)).toMatchObject({ issued: 3, unclaimed: 0 });
  });

  it("costs a claim without a key its slot, and strands its unit for drop close: retries never exceed the limit", async () => {
    const { campaignId, closesAt } = await seed({ stock: 6, perPersonLimit: 2 });
    const request: ClaimRequest = { residentId: "keyless", campaignId, dropId: "d1", voucherTypeId: "100-30" };

    await expect(claimVoucher(request, crashAfterSlot())).rejects.toBeInstanceOf(Crash);
    // One slot left of two: one voucher, then the limit, however often the person retries.
    const retries = await Promise.all(Array.from({ length: 4 }, () => claimVoucher(request, deps(db)).catch((error: unknown) => error)));
    expect(retries.filter((outcome) => !(outcome instanceof Error))).toHaveLength(1);
    expect(retries.filter((outcome) => outcome instanceof LimitReachedError)).toHaveLength(3);
    expect((await vouchersIssued(campaignId)).filter((voucher) => voucher.owner === "keyless")).toHaveLength(1);

    // The units of the retries refused at the limit went back: four left for others (of six: one
    // stranded, one issued); drop close counts the stranded one as unclaimed.
    expect(await claimTheRest(campaignId, 5)).toBe(4);
    expect(await closeAndCount(campaignId, closesAt)).toMatchObject({ issued: 5, unclaimed: 1 });
  });
});

describe("the two writes without a unit of their own (a lottery's winners: writeIssuedVoucher)", () => {
  it("files the voucher of a slot a crash left without one when the same issue runs again, once", async () => {
    const { campaignId } = await seed({ stock: 3 });
    const voucher = { voucherId: `won-${randomUUID().slice(0, 8)}`, campaignId, dropId: "d1", voucherTypeId: "100-30", threshold: 10_000, discount: 3_000, claimedAt: new Date().toISOString(), expiresAt: new Date(Date.now() + HOUR).toISOString(), status: "CLAIMED" as const };
    const issue = { residentId: "winner", perPersonLimit: 1, voucher, shard: 0, attempt: `draw#${voucher.voucherId}` };
    // The merge died after the slot: the counter admits the voucher, which is not filed.
    expect(await admitVoucher(db, tables.vouchers, issue)).toEqual({ outcome: "admitted" });
    expect(await vouchersIssued(campaignId)).toEqual([]);

    // Run again (a redelivery), twice at once and once more: one voucher, the person at 1.
    const reruns = [...(await Promise.all([writeIssuedVoucher(db, tables.vouchers, issue), writeIssuedVoucher(db, tables.vouchers, issue)])), await writeIssuedVoucher(db, tables.vouchers, issue)];
    expect(reruns.map((outcome) => outcome.outcome)).toEqual(["issued", "issued", "issued"]);
    expect(await vouchersIssued(campaignId)).toEqual([{ owner: "winner", voucherId: voucher.voucherId }]);
    expect((await readClaimCounter(db, tables.vouchers, "winner", campaignId)).claimed).toBe(1);
    // Another voucher for the same person finds the limit.
    expect(await writeIssuedVoucher(db, tables.vouchers, { ...issue, voucher: { ...voucher, voucherId: `${voucher.voucherId}-2` }, attempt: "other" })).toEqual({ outcome: "limit-reached" });
  });
});

describe("invariants under concurrency, crashes and lost answers (DynamoDB Local)", () => {
  it("never issues more than the stock nor more than the limit to anyone, and every key answers one voucher", async () => {
    const stock = 40;
    const limit = 2;
    const { campaignId, closesAt } = await seed({ stock, perPersonLimit: limit });
    // A seeded stream: lost answers on a fifth of the cold writes, a crash between the two writes
    // in about one claim in seven.
    let state = 16_807;
    const random = () => ((state = (state * 48_271) % 2_147_483_647) / 2_147_483_647);
    let lost = 0;
    let crashes = 0;
    const lossy = faultyClient(({ command, input }) => ((isSlot(command, input) || isVoucherPut(command, input)) && random() < 0.2 ? (lost++, "lose-answer") : "pass"));
    const people = Array.from({ length: 30 }, (_, i) => `crowd-${i}`);
    const answers = new Map<string, Set<string>>();

    // Each person fires claims with a few keys, each key several times, all at once.
    await Promise.all(
      people.flatMap((person) =>
        Array.from({ length: 6 }, (_, attempt) => {
          const idempotencyKey = attempt % 3 === 2 ? undefined : `${person}-key-${attempt % 2}`;
          const request: ClaimRequest = { residentId: person, campaignId, dropId: "d1", voucherTypeId: "100-30", ...(idempotencyKey ? { idempotencyKey } : {}) };
          const crashing = random() < 0.15;
          const claimDeps = deps(lossy, crashing ? { afterAdmit: () => ((crashes += 1), Promise.reject(new Crash("died between the writes"))) } : {});
          return claimVoucher(request, claimDeps).then(
            (voucher) => {
              if (idempotencyKey) answers.set(`${person} ${idempotencyKey}`, (answers.get(`${person} ${idempotencyKey}`) ?? new Set<string>()).add(voucher.voucherId));
            },
            (error: unknown) => {
              if (error instanceof Crash || error instanceof SoldOutError || error instanceof LimitReachedError || error instanceof UnavailableError || error instanceof ThrottledError) return;
              throw error;
            },
          );
        }),
      ),
    );
    // Every key retried once more, healthy: a crashed claim is completed, the others answer again.
    for (const person of people) {
      for (const idempotencyKey of [`${person}-key-0`, `${person}-key-1`]) {
        const again: Voucher | Error = await claimVoucher({ residentId: person, campaignId, dropId: "d1", voucherTypeId: "100-30", idempotencyKey }, deps(db)).catch((error: unknown) => error as Error);
        if (again instanceof Error) {
          expect(again instanceof SoldOutError || again instanceof LimitReachedError, String(again)).toBe(true);
          continue;
        }
        answers.set(`${person} ${idempotencyKey}`, (answers.get(`${person} ${idempotencyKey}`) ?? new Set<string>()).add(again.voucherId));
      }
    }

    // The faults struck.
    expect(lost).toBeGreaterThan(0);
    expect(crashes).toBeGreaterThan(0);
    const issued = await vouchersIssued(campaignId);
    expect(issued.length).toBeLessThanOrEqual(stock);
    const perPerson = new Map<string, number>();
    for (const voucher of issued) perPerson.set(voucher.owner, (perPerson.get(voucher.owner) ?? 0) + 1);
    expect(Math.max(...perPerson.values())).toBeLessThanOrEqual(limit);
    // Keyed retries converge: one voucher per key, and it is the one filed.
    const filed = new Set(issued.map((voucher) => voucher.voucherId));
    for (const [key, ids] of answers) {
      expect(ids.size, key).toBe(1);
      expect(filed.has([...ids][0]!), key).toBe(true);
    }
    // After the healthy retries no keyed slot names a voucher that does not exist.
    for (const person of people) {
      const counter = await readClaimCounter(db, tables.vouchers, person, campaignId);
      expect(counter.claimed, person).toBeLessThanOrEqual(limit);
      for (const voucherId of [...counter.voucherIds].filter((id) => id.startsWith("k"))) expect(filed.has(voucherId), `${person} ${voucherId}`).toBe(true);
    }
    const outcome = await closeAndCount(campaignId, closesAt);
    expect(outcome).toMatchObject({ issued: issued.length });
    expect(outcome!.issued + outcome!.unclaimed).toBe(stock);
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
