/**
 * A redelivery drill for the stats projector (issue 6: "exact under redelivery"). Real traffic on
 * the emulators through a test runtime (claims on several days, payments at merchants of two
 * sectors, refunds under `void` and then `restore`, a restored voucher spent again) is projected
 * live by the runtime's stream pollers. Then every record of the vouchers and redemptions streams
 * is read back from the streams themselves and fed to projectStats again, in overlapping shuffled
 * batches, some concurrently: the figures must not move, and must equal a recount of the source
 * records, field for field. A second drill rebuilds the figures from the streams into an empty
 * stats table while batches crash in the middle (one before its second transaction commits, one
 * after it commits but before it is acknowledged), then replays everything: still exact.
 */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { CreateTableCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from "@aws-sdk/client-dynamodb-streams";
import { ScanCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../../infra/local/emulators.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { localDate } from "../../shared/domain/settlement.js";
import { ClaimCaches, claimVoucher } from "../../shared/use-cases/claim.js";
import { recordPayment, recordRefund } from "../../shared/use-cases/payments.js";
import { type StreamChange, projectStats, recountStats, statsView } from "../../shared/use-cases/stats.js";
import type { CampaignRecord } from "../../shared/store/campaigns.js";
import { campaignKey } from "../../shared/store/keys.js";
import { readStats } from "../../shared/store/stats.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { seedMerchant } from "../support/settlement.js";
import { eventually, startTestRuntime, tableNamesOf, testClients } from "./runtime-helpers.js";
import { type CampaignStats } from "../../shared/domain/stats.js";

const { db } = testClients();
const streams = new DynamoDBStreamsClient({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: inject("dynamodbEndpoint") });
let runtime: LocalRuntime;
let tables: Record<"campaigns" | "inventory" | "vouchers" | "redemptions" | "merchants" | "stats", string>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONE = "Asia/Shanghai";
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

/** What the drill did, counted from the answers the platform gave (not from any projection). */
interface Expected {
  campaign: CampaignRecord;
  claimed: number;
  redeemed: number;
  reversed: number;
  subsidy: number;
  grossSales: number;
  /** Discount of every voucher by id, and whether it is usable (CLAIMED) now. */
  vouchers: Map<string, { discount: number; usable: boolean }>;
  claimedByDay: Map<string, number>;
  redeemedByDay: Map<string, number>;
  bySector: Map<string, { redeemed: number; reversed: number; subsidy: number; grossSales: number }>;
}

let drill: Expected;

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "stats-redelivery");
  tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "vouchers", "redemptions", "merchants", "stats"]);
  drill = await runTraffic();
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  streams.destroy();
});

/**
 * Claims on four days (three days ago to today), payments at four merchants in two sectors (and
 * one merchant whose sector the campaign does not cover), refunds under `void`, then under
 * `restore`, restored vouchers spent again, a duplicate payment and a refund that comes first.
 */
async function runTraffic(): Promise<Expected> {
  const campaignId = unique("drill");
  const start = Date.now();
  const { campaign } = await seedCampaign(db, tables, {
    id: campaignId,
    perPersonLimit: 2,
    startsAt: new Date(start - 5 * DAY).toISOString(),
    drops: [{ id: "d1", stock: { "100-30": 100, "200-60": 60 }, shards: 3, opensAt: new Date(start - 4 * DAY).toISOString(), closesAt: new Date(start + 2 * HOUR).toISOString() }],
  });
  const merchants = [
    { id: unique("super-a"), sector: "supermarket" },
    { id: unique("super-b"), sector: "supermarket" },
    { id: unique("resto-a"), sector: "restaurant" },
    { id: unique("resto-b"), sector: "restaurant" },
  ];
  const fuel = unique("fuel");
  for (const merchant of merchants) await seedMerchant(db, tables.merchants, { ...merchant, partnerId: "bank-a" });
  await seedMerchant(db, tables.merchants, { id: fuel, partnerId: "bank-a", sector: "fuel" });

  const expected: Expected = {
    campaign,
    claimed: 0,
    redeemed: 0,
    reversed: 0,
    subsidy: 0,
    grossSales: 0,
    vouchers: new Map(),
    claimedByDay: new Map(),
    redeemedByDay: new Map(),
    bySector: new Map(),
  };
  const bump = (map: Map<string, number>, key: string, by: number) => map.set(key, (map.get(key) ?? 0) + by);
  const sector = (name: string) => {
    if (!expected.bySector.has(name)) expected.bySector.set(name, { redeemed: 0, reversed: 0, subsidy: 0, grossSales: 0 });
    return expected.bySector.get(name)!;
  };
  const caches = new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 });

  // Claims: 60 payers, one or two vouchers each, on four days, eight payers at a time.
  const payers = Array.from({ length: 60 }, (_, i) => ({ sub: `payer-${campaignId}-${i}`, claimedAt: new Date(start - (3 - (i % 4)) * DAY - (i % 4 === 3 ? HOUR : 0)) }));
  const claimAll = async (i: number, payer: (typeof payers)[number]) => {
    const types = i % 3 === 0 ? ["100-30", "200-60"] : [i % 2 === 0 ? "200-60" : "100-30"];
    for (const voucherTypeId of types) {
      const voucher = await claimVoucher(
        { residentId: payer.sub, campaignId, dropId: "d1", voucherTypeId },
        { db, tables, caches, now: () => payer.claimedAt, random: Math.random },
      );
      expected.claimed += 1;
      expected.vouchers.set(voucher.voucherId, { discount: voucher.discount, usable: true });
      bump(expected.claimedByDay, localDate(payer.claimedAt, ZONE), 1);
    }
  };
  await inGroups([...payers.entries()], ([i, payer]) => claimAll(i, payer));

  const payments = { db, tables, now: () => new Date() };
  const redeemed = new Map<string, { voucherId: string; discount: number; amount: number; sector: string; day: string }>();
  const pay = async (payer: (typeof payers)[number], merchant: { id: string; sector: string }, amount: number, occurredAt: Date, transactionId = unique("t")) => {
    const answer = await recordPayment(
      { partnerId: "bank-a", body: { eventId: unique("e"), transactionId, merchantId: merchant.id, payerId: payer.sub, amount, occurredAt: occurredAt.toISOString() } },
      payments,
    );
    if (answer.voucherId !== null && !redeemed.has(transactionId)) {
      const day = localDate(occurredAt, ZONE);
      redeemed.set(transactionId, { voucherId: answer.voucherId, discount: answer.discount, amount, sector: merchant.sector, day });
      expected.redeemed += 1;
      expected.subsidy += answer.discount;
      expected.grossSales += amount;
      bump(expected.redeemedByDay, day, 1);
      Object.assign(sector(merchant.sector), {
        redeemed: sector(merchant.sector).redeemed + 1,
        subsidy: sector(merchant.sector).subsidy + answer.discount,
        grossSales: sector(merchant.sector).grossSales + amount,
      });
      expected.vouchers.get(answer.voucherId)!.usable = false;
    }
    return { transactionId, answer };
  };
  const reversedTransactions = new Set<string>();
  const refund = async (transactionId: string, policy: "void" | "restore") => {
    const answer = await recordRefund({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId, occurredAt: new Date().toISOString() } }, payments);
    const payment = redeemed.get(transactionId);
    if (answer.reversed && payment && !reversedTransactions.has(transactionId)) {
      reversedTransactions.add(transactionId);
      expected.redeemed -= 1;
      expected.reversed += 1;
      expected.subsidy -= payment.discount;
      expected.grossSales -= payment.amount;
      bump(expected.redeemedByDay, payment.day, -1);
      const bucket = sector(payment.sector);
      Object.assign(bucket, { redeemed: bucket.redeemed - 1, reversed: bucket.reversed + 1, subsidy: bucket.subsidy - payment.discount, grossSales: bucket.grossSales - payment.amount });
      expected.vouchers.get(payment.voucherId)!.usable = policy === "restore";
    }
    return answer;
  };

  // Payments by 44 of the 60 payers, some hours after their claim (on the claim day or the next).
  const paid: string[] = [];
  await inGroups([...payers.slice(0, 44).entries()], async ([i, payer]) => {
    const occurredAt = new Date(Math.min(payer.claimedAt.getTime() + (i % 3) * 7 * HOUR + 10 * 60_000, Date.now() - 60_000));
    const { transactionId, answer } = await pay(payer, merchants[i % merchants.length]!, 21_000 + i * 500, occurredAt, `t-${i}-${campaignId}`);
    expect(answer.discount).toBeGreaterThan(0);
    paid[i] = transactionId;
  });
  // A duplicate delivery of a payment, a payment at a merchant outside the campaign's sectors, one below every threshold.
  await pay(payers[0]!, merchants[0]!, 21_000, new Date(payers[0]!.claimedAt.getTime() + 10 * 60_000), paid[0]);
  expect((await pay(payers[50]!, { id: fuel, sector: "fuel" }, 30_000, new Date(Date.now() - 60_000))).answer.discount).toBe(0);
  expect((await pay(payers[51]!, merchants[1]!, 5_000, new Date(Date.now() - 60_000))).answer.discount).toBe(0);
  // A refund that comes before its payment.
  const early = unique("t");
  expect(await refund(early, "void")).toEqual({ transactionId: early, reversed: false, refunded: 0, remaining: 0 });

  // Refunds under `void`.
  for (const transactionId of paid.slice(0, 4)) expect(await refund(transactionId, "void")).toMatchObject({ reversed: true });
  // Then the campaign takes vouchers back on refund: refunds under `restore`.
  await db.send(new UpdateCommand({ TableName: tables.campaigns, Key: campaignKey(campaignId), UpdateExpression: "SET refundPolicy = :restore", ExpressionAttributeValues: { ":restore": "restore" } }));
  for (const transactionId of paid.slice(4, 9)) expect(await refund(transactionId, "restore")).toMatchObject({ reversed: true });
  // Payers whose voucher was restored spend it (or their other one) again, today.
  for (const [i, transactionId] of paid.slice(4, 7).entries()) {
    const payer = payers[paid.indexOf(transactionId)]!;
    expect((await pay(payer, merchants[(i + 1) % merchants.length]!, 26_000, new Date(Date.now() - 30_000))).answer.discount).toBeGreaterThan(0);
  }
  // A refund delivered twice reverses once.
  expect(await refund(paid[4]!, "restore")).toMatchObject({ reversed: true });
  return expected;
}

/** Runs `work` on every item, eight at a time. */
async function inGroups<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += 8) await Promise.all(items.slice(i, i + 8).map(work));
}

/** Every record of a table's stream, every shard, from the trim horizon. */
async function streamRecords(table: "vouchers" | "redemptions"): Promise<StreamChange[]> {
  const streamArn = runtime.resources.tables[table]!.streamArn!;
  const shards: string[] = [];
  let exclusiveStart: string | undefined;
  do {
    const page = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStart }));
    shards.push(...(page.StreamDescription?.Shards ?? []).map((shard) => shard.ShardId!));
    exclusiveStart = page.StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStart);
  const image = (value: unknown) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);
  const changes: StreamChange[] = [];
  for (const shardId of shards) {
    let iterator = (await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    // An open shard always has a next iterator: read until it has nothing more (twice, to be sure).
    for (let empty = 0; iterator && empty < 2; ) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = page.Records ?? [];
      empty = records.length === 0 ? empty + 1 : 0;
      for (const record of records) {
        changes.push({
          eventId: record.eventID!,
          eventName: record.eventName!,
          oldImage: image(record.dynamodb?.OldImage),
          newImage: image(record.dynamodb?.NewImage),
        });
      }
      iterator = page.NextShardIterator;
    }
  }
  return changes;
}

/** A deterministic shuffle (mulberry32), so a failing run can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/**
 * Overlapping windows over a circular list: `size` records each, starting every `size / 2`, so
 * every record is in exactly two batches and no batch holds a record twice.
 */
function overlappingBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  const width = Math.min(size, items.length);
  const stride = Math.max(1, Math.floor(width / 2));
  for (let from = 0; from < items.length; from += stride) {
    batches.push(Array.from({ length: width }, (_, k) => items[(from + k) % items.length]!));
  }
  return batches;
}

/**
 * Every record fed again: pass 1 in overlapping windows of 60, one batch after another; pass 2
 * reshuffled in overlapping windows of 37, four batches at a time. Each record goes in four times.
 */
async function replay(changes: readonly StreamChange[], deps: { db: DynamoDBDocumentClient; stats: string }, seed: number): Promise<{ counted: number; batches: number; deliveries: Map<string, number> }> {
  const deliveries = new Map<string, number>();
  let counted = 0;
  const project = async (batch: readonly StreamChange[]) => {
    for (const change of batch) deliveries.set(change.eventId, (deliveries.get(change.eventId) ?? 0) + 1);
    const outcome = await projectStats({ db: deps.db, tables: { stats: deps.stats, campaigns: tables.campaigns, merchants: tables.merchants }, now: () => new Date(), changes: batch });
    counted += outcome.counted;
  };
  const first = overlappingBatches(shuffled(changes, seed), 60);
  for (const batch of first) await project(batch);
  const second = overlappingBatches(shuffled(changes, seed + 1), 37);
  for (let i = 0; i < second.length; i += 4) await Promise.all(second.slice(i, i + 4).map(project));
  return { counted, batches: first.length + second.length, deliveries };
}

/** The view of the projected figures and the view of a recount, of one campaign. */
async function views(campaign: CampaignRecord, stats: string): Promise<{ projected: CampaignStats; recounted: CampaignStats }> {
  const [projected, recounted] = await Promise.all([readStats(db, stats, campaign.id), recountStats({ db, tables, campaignId: campaign.id })]);
  return { projected: statsView(campaign, projected), recounted: statsView(campaign, recounted) };
}

/** Both streams, every record, and a check that the drill's changes are all there. */
async function allRecords(): Promise<StreamChange[]> {
  const changes = [...(await streamRecords("vouchers")), ...(await streamRecords("redemptions"))];
  expect(new Set(changes.map((change) => change.eventId)).size, "event ids are unique across both streams").toBe(changes.length);
  const ofDrill = changes.filter((change) => (change.newImage ?? change.oldImage)?.campaignId === drill.campaign.id);
  expect(ofDrill.filter((change) => change.eventName === "INSERT" && String(change.newImage?.pk).startsWith("ISSUED#"))).toHaveLength(drill.claimed);
  return changes;
}

describe("the stats projector under forced redelivery", () => {
  it("counts the drill exactly once: every figure equals the recount, and replaying every stream record (overlapping, shuffled, concurrent) changes nothing", async () => {
    const { campaign } = drill;
    // The live projection (the runtime's stream pollers) catches up with the source records.
    const caughtUp = await eventually(
      async () => {
        const { projected, recounted } = await views(campaign, tables.stats);
        return isDeepStrictEqual(projected, recounted) && projected.claimed === drill.claimed && projected.reversed === drill.reversed ? projected : undefined;
      },
      45_000,
      "the live projection to equal the recount",
    );

    // The figures are what the drill did, by its own count.
    const usable = [...drill.vouchers.values()].filter((voucher) => voucher.usable).reduce((sum, voucher) => sum + voucher.discount, 0);
    expect(caughtUp).toMatchObject({
      budget: campaign.budget,
      claimed: drill.claimed,
      redeemed: drill.redeemed,
      reversed: drill.reversed,
      expired: 0,
      subsidy: drill.subsidy,
      grossSales: drill.grossSales,
      remainingBudget: campaign.budget - drill.subsidy - usable,
    });
    expect(caughtUp.reversed).toBe(9);
    expect(Object.keys(caughtUp.byDay).length).toBeGreaterThanOrEqual(4);
    for (const [day, claimed] of drill.claimedByDay) expect(caughtUp.byDay[day]?.claimed, day).toBe(claimed);
    for (const [day, redeemed] of drill.redeemedByDay) expect(caughtUp.byDay[day]?.redeemed, day).toBe(redeemed);
    expect(Object.fromEntries(Object.entries(caughtUp.bySector).map(([name, figures]) => [name, { redeemed: figures.redeemed, reversed: figures.reversed, subsidy: figures.subsidy, grossSales: figures.grossSales }]))).toEqual(
      Object.fromEntries(drill.bySector),
    );
    expect(Object.keys(caughtUp.bySector).sort()).toEqual(["restaurant", "supermarket"]);
    expect(Object.keys(caughtUp.byMerchant)).toHaveLength(4);

    // Forced redelivery of everything both streams hold.
    const changes = await allRecords();
    const replayed = await replay(changes, { db, stats: tables.stats }, 6);
    expect(Math.min(...replayed.deliveries.values())).toBeGreaterThanOrEqual(4);
    expect(replayed.deliveries.size).toBe(changes.length);
    // Nothing was new: every change had been counted by the live projection.
    expect(replayed.counted).toBe(0);

    const after = await views(campaign, tables.stats);
    expect(after.projected).toEqual(caughtUp);
    expect(after.projected).toEqual(after.recounted);
  });

  it("rebuilds from the streams into an empty table exactly, though batches crash before and after their second transaction commits", async () => {
    const changes = await allRecords();
    const rebuilt = `${tables.stats}-rebuild`;
    await db.send(
      new CreateTableCommand({
        TableName: rebuilt,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
      }),
    );

    // A batch of every record takes several transactions (at most 100 items each). The first
    // commits; the projector dies before the second commits, or (a lost acknowledgement) after it.
    const crash = async (mode: "before-commit" | "after-commit", seed: number) => {
      let calls = 0;
      let commits = 0;
      const crashing = new Proxy(db, {
        get(target, property, receiver) {
          if (property !== "send") return Reflect.get(target, property, receiver) as unknown;
          return async (command: Parameters<DynamoDBDocumentClient["send"]>[0]) => {
            if (!(command instanceof TransactWriteCommand)) return target.send(command);
            calls += 1;
            if (mode === "before-commit" && calls > 1) throw new Error("the projector died before its second transaction committed");
            // A transaction cancelled on markers already there commits nothing: it is not the one to die after.
            const result = await target.send(command);
            commits += 1;
            if (mode === "after-commit" && commits > 1) throw new Error("the projector died after its second transaction committed");
            return result;
          };
        },
      });
      await expect(
        projectStats({ db: crashing, tables: { stats: rebuilt, campaigns: tables.campaigns, merchants: tables.merchants }, now: () => new Date(), changes: shuffled(changes, seed) }),
      ).rejects.toThrow(/the projector died/);
      expect(commits).toBe(mode === "before-commit" ? 1 : 2);
    };
    /** Stream records counted into the rebuilt table so far (its markers). */
    const markers = async () => {
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new ScanCommand({ TableName: rebuilt, FilterExpression: "begins_with(pk, :event)", ExpressionAttributeValues: { ":event": "EVENT#" }, Select: "COUNT", ConsistentRead: true, ExclusiveStartKey: start }),
        );
        count += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start);
      return count;
    };

    await crash("before-commit", 11);
    const afterFirstCrash = await markers();
    expect(afterFirstCrash).toBeGreaterThan(0);
    // Only the first transaction's changes were counted: the figures fall short of the truth.
    const partial = await views(drill.campaign, rebuilt);
    expect(partial.projected).not.toEqual(partial.recounted);
    await crash("after-commit", 12);
    expect(await markers()).toBeGreaterThan(afterFirstCrash);

    const replayed = await replay(changes, { db, stats: rebuilt }, 13);
    expect(Math.min(...replayed.deliveries.values())).toBeGreaterThanOrEqual(4);
    expect(replayed.counted).toBeGreaterThan(0);
    // A replay of what is already counted counts nothing.
    expect((await replay(changes, { db, stats: rebuilt }, 14)).counted).toBe(0);

    const { projected, recounted } = await views(drill.campaign, rebuilt);
    expect(projected).toEqual(recounted);
    // And the rebuild equals the live projection.
    expect(projected).toEqual(statsView(drill.campaign, await readStats(db, tables.stats, drill.campaign.id)));
  });
});
