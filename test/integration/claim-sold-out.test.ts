/**
 * The sell-out spread through the shards (shared/store/inventory.ts, shared/use-cases/claim.ts):
 * the claim that empties the last shard marks the drop item and every empty shard, so an instance
 * that has not heard of it learns it from one failed take instead of a search over the shards.
 * On DynamoDB Local, with claims running concurrently; the marks are hints, so the checks are
 * also that the stock is never oversold and that units coming back clear what they make untrue.
 */
import { randomUUID } from "node:crypto";
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { keyedVoucherId } from "../../shared/domain/claim.js";
import { LimitReachedError, SoldOutError } from "../../shared/errors.js";
import {
  addRolledInUnits,
  forgetEmptiedShards,
  giveBackUnit,
  markShardsSoldOut,
  recordShardEmptied,
  takeUnit,
} from "../../shared/store/inventory.js";
import { dropKey, emptiedShardsKey, issuedPartition, shardKey } from "../../shared/store/keys.js";
import { ClaimCaches, claimVoucher, knownSoldOut } from "../../shared/use-cases/claim.js";
import { type KeyedClaimDependencies, claimOnce } from "../../shared/use-cases/claim-idempotency.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
let tables: { campaigns: string; inventory: string; vouchers: string; idempotency: string };
const HOUR = 3_600_000;
const TYPE = "100-30";

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "sold-out-mark");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers", "idempotency"]);
});

/** A document client that counts the calls it sends, by command and table. */
function countingClient(): { client: DynamoDBDocumentClient; calls: { command: string; table: string }[] } {
  const calls: { command: string; table: string }[] = [];
  const client = {
    send: (command: { constructor: { name: string }; input: { TableName?: string } }) => {
      calls.push({ command: command.constructor.name, table: command.input.TableName ?? "" });
      return db.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, calls };
}

/** One function instance: its own caches, campaign cached long enough to miss the drop item's mark. */
function instance(client: DynamoDBDocumentClient = db): KeyedClaimDependencies {
  return {
    db: client,
    tables,
    caches: new ClaimCaches({ campaignTtlMs: 60_000, soldOutTtlMs: 5_000 }),
    now: () => new Date(),
    random: Math.random,
    retry: { sleep: () => Promise.resolve() },
  };
}

async function seedDrop(stock: number, shards: number, perPersonLimit = 1): Promise<string> {
  const campaignId = `mark-${randomUUID().slice(0, 8)}`;
  await seedCampaign(db, tables, {
    id: campaignId,
    perPersonLimit,
    drops: [{ id: "d1", stock: { [TYPE]: stock }, shards, opensAt: new Date(Date.now() - HOUR).toISOString(), closesAt: new Date(Date.now() + HOUR).toISOString() }],
  });
  return campaignId;
}

const claimOf = (campaignId: string, residentId: string) => ({ residentId, campaignId, dropId: "d1", voucherTypeId: TYPE });

async function shard(campaignId: string, n: number): Promise<Record<string, unknown>> {
  const { Item } = await db.send(new GetCommand({ TableName: tables.inventory, Key: shardKey(campaignId, "d1", TYPE, n), ConsistentRead: true }));
  return Item ?? {};
}

async function issuedCount(campaignId: string, shards: number): Promise<number> {
  let total = 0;
  for (let n = 0; n < shards; n += 1) {
    const { Count } = await db.send(
      new QueryCommand({ TableName: tables.vouchers, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": issuedPartition(campaignId, "d1", TYPE, n) }, Select: "COUNT", ConsistentRead: true }),
    );
    total += Count ?? 0;
  }
  return total;
}

/** The shards in group `group`'s set of the emptied-shard record, or the groups in its top set. */
async function emptiedSet(campaignId: string, group?: number): Promise<number[]> {
  const { Item } = await db.send(new GetCommand({ TableName: tables.inventory, Key: emptiedShardsKey(campaignId, "d1", TYPE, group), ConsistentRead: true }));
  return [...((Item?.emptied as Set<number> | undefined) ?? [])].sort((a, b) => a - b);
}

describe("the sell-out spread through the shards", () => {
  it("is announced by the claim that empties the last shard, under concurrent claims, and never oversells", async () => {
    const shards = 4;
    const stock = 24;
    const campaignId = await seedDrop(stock, shards);
    const late = instance();
    // This instance reads the campaign now, before the sell-out, and keeps it for a minute.
    await claimVoucher(claimOf(campaignId, "early-bird"), late);

    // Several instances, 60 people at once for the 23 units left.
    const instances = Array.from({ length: 4 }, () => instance());
    const outcomes = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => claimVoucher(claimOf(campaignId, `p${i}`), instances[i % 4]!)));
    const issued = outcomes.filter((outcome) => outcome.status === "fulfilled").length;
    const rejected = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
    expect(issued).toBe(stock - 1);
    expect(rejected.every((reason) => reason instanceof SoldOutError)).toBe(true);
    expect(await issuedCount(campaignId, shards)).toBe(stock);

    // Every shard carries the moment, and the drop item shows it (the console's sold-out moment).
    const marks = await Promise.all(Array.from({ length: shards }, (_, n) => shard(campaignId, n)));
    expect(marks.map((item) => item.remaining)).toEqual([0, 0, 0, 0]);
    expect(marks.every((item) => typeof item.soldOutAt === "string")).toBe(true);
    const { Item: dropItem } = await db.send(new GetCommand({ TableName: tables.campaigns, Key: dropKey(campaignId, "d1"), ConsistentRead: true }));
    expect(typeof (dropItem?.soldOut as Record<string, unknown>)[TYPE]).toBe("string");
    expect(await emptiedSet(campaignId, 0)).toEqual([0, 1, 2, 3]);
    expect(await emptiedSet(campaignId)).toEqual([0]);
  });

  it("tells an instance that has not read the mark after one failed take, and its next claims cost no write", async () => {
    const shards = 16;
    const campaignId = await seedDrop(16, shards);
    const counted = countingClient();
    const late = instance(counted.client);
    await claimVoucher(claimOf(campaignId, "early-bird"), late);
    const others = instance();
    for (let i = 0; i < 15; i += 1) await claimVoucher(claimOf(campaignId, `q${i}`), others);

    counted.calls.length = 0;
    await expect(claimVoucher(claimOf(campaignId, "late-1"), late)).rejects.toBeInstanceOf(SoldOutError);
    // One shard write, not up to 16: its failed condition answered with the mark.
    expect(counted.calls.filter((call) => call.table === tables.inventory)).toEqual([{ command: "UpdateCommand", table: tables.inventory }]);

    counted.calls.length = 0;
    await expect(claimVoucher(claimOf(campaignId, "late-2"), late)).rejects.toBeInstanceOf(SoldOutError);
    expect(counted.calls).toEqual([]);
  });

  it("is announced once by an instance however many of its claims in flight find every shard empty", async () => {
    const shards = 4;
    const campaignId = await seedDrop(8, shards);
    const counted = countingClient();
    const busy = instance(counted.client);
    // This instance caches the campaign while stock is left.
    await claimVoucher(claimOf(campaignId, "early-bird"), busy);
    // The rest goes without a claim completing the emptied-shard record, so nobody announces it.
    for (let n = 0; n < shards; n += 1) while ((await takeUnit(db, tables.inventory, { campaignId, dropId: "d1", voucherTypeId: TYPE, shard: n })).outcome === "taken");

    counted.calls.length = 0;
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => claimVoucher(claimOf(campaignId, `r${i}`), busy)));
    expect(outcomes.every((outcome) => outcome.status === "rejected" && outcome.reason instanceof SoldOutError)).toBe(true);
    // One announcement (the drop item and each shard, once), not one per claim that found the shards empty.
    expect(counted.calls.filter((call) => call.table === tables.campaigns)).toEqual([{ command: "UpdateCommand", table: tables.campaigns }]);
    const marks = await Promise.all(Array.from({ length: shards }, (_, n) => shard(campaignId, n)));
    expect(marks.every((item) => item.remaining === 0 && typeof item.soldOutAt === "string")).toBe(true);
    expect(counted.calls.filter((call) => call.table === tables.inventory).length).toBeLessThanOrEqual(20 * shards + shards);
  });

  it("comes off the drop item and the shard when a claim over the limit gives back a last unit", async () => {
    const campaignId = await seedDrop(2, 2, 1);
    // One person claims twice at once: both tries pass the counter read and take a shard's last
    // unit (a barrier holds each after its take), so one of them completes the set and announces;
    // then one slot is refused at the limit and its unit goes back.
    let arrived = 0;
    let release = () => {};
    const bothTaken = new Promise<void>((resolve) => (release = resolve));
    const barrier = async () => {
      arrived += 1;
      if (arrived === 2) release();
      await bothTaken;
    };
    const racing = { ...instance(), afterTake: barrier };
    const outcomes = await Promise.allSettled([claimVoucher(claimOf(campaignId, "twice"), racing), claimVoucher(claimOf(campaignId, "twice"), racing)]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(outcomes.find((outcome) => outcome.status === "rejected")?.reason).toBeInstanceOf(LimitReachedError);

    // The unit is back, unmarked, out of the set; the drop item no longer says sold out.
    const items = await Promise.all([shard(campaignId, 0), shard(campaignId, 1)]);
    const back = items.findIndex((item) => item.remaining === 1);
    expect(back).toBeGreaterThanOrEqual(0);
    expect(items[back]!.soldOutAt).toBeUndefined();
    const { Item: dropItem } = await db.send(new GetCommand({ TableName: tables.campaigns, Key: dropKey(campaignId, "d1"), ConsistentRead: true }));
    expect((dropItem?.soldOut as Record<string, unknown>)[TYPE]).toBeUndefined();
    expect(await emptiedSet(campaignId, 0)).toEqual([1 - back]);
    expect(await emptiedSet(campaignId)).toEqual([]);

    // Someone else gets it from its shard, which empties the set again and announces anew.
    const next = instance();
    const tries = [0, 1].map((n) => ({ ...next, random: () => (n === 0 ? 0 : 0.99) }));
    const got = await Promise.allSettled(tries.map((deps, i) => claimVoucher(claimOf(campaignId, `next-${i}`), deps)));
    expect(got.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    expect(await issuedCount(campaignId, 2)).toBe(2);
  });

  it("keeps the set idempotent and marks only the shards that are empty", async () => {
    const campaignId = await seedDrop(4, 2);
    const stock = { campaignId, dropId: "d1", voucherTypeId: TYPE };
    expect(await takeUnit(db, tables.inventory, { ...stock, shard: 0 })).toEqual({ outcome: "taken", lastUnit: false });
    expect(await takeUnit(db, tables.inventory, { ...stock, shard: 0 })).toEqual({ outcome: "taken", lastUnit: true });
    expect(await takeUnit(db, tables.inventory, { ...stock, shard: 0 })).toEqual({ outcome: "empty", soldOutMarked: false });
    expect(await recordShardEmptied(db, tables.inventory, { ...stock, shard: 0 }, 2)).toBe(false);
    // A lost answer's retry adds the same shard again: still one of two.
    expect(await recordShardEmptied(db, tables.inventory, { ...stock, shard: 0 }, 2)).toBe(false);
    expect(await emptiedSet(campaignId, 0)).toEqual([0]);

    await markShardsSoldOut(db, tables.inventory, stock, 2, new Date("2030-01-01T02:00:00.000Z"));
    expect((await shard(campaignId, 0)).soldOutAt).toBe("2030-01-01T02:00:00.000Z");
    expect((await shard(campaignId, 1)).soldOutAt).toBeUndefined();
    expect(await takeUnit(db, tables.inventory, { ...stock, shard: 0 })).toEqual({ outcome: "empty", soldOutMarked: true });

    // A unit back takes the shard's mark away; forgetting is idempotent too.
    await giveBackUnit(db, tables.inventory, { ...stock, shard: 0 });
    expect(await shard(campaignId, 0)).toMatchObject({ remaining: 1 });
    expect((await shard(campaignId, 0)).soldOutAt).toBeUndefined();
    await forgetEmptiedShards(db, tables.inventory, stock, [0]);
    await forgetEmptiedShards(db, tables.inventory, stock, [0]);
    expect(await emptiedSet(campaignId, 0)).toEqual([]);
    expect(await recordShardEmptied(db, tables.inventory, { ...stock, shard: 1 }, 2)).toBe(false);
  });

  it("records emptied shards in groups of 32, so no item takes more than 32 writes, and completes only with every shard", async () => {
    const shardCount = 70;
    const campaignId = `groups-${randomUUID().slice(0, 8)}`;
    const stock = { campaignId, dropId: "d1", voucherTypeId: TYPE };
    const order = Array.from({ length: shardCount }, (_, shard) => shard).reverse();
    const last = order.pop()!;
    // Recorded concurrently, as claims on many instances record them: none completes the record.
    const early = await Promise.all(order.map((shard) => recordShardEmptied(db, tables.inventory, { ...stock, shard }, shardCount)));
    expect(early.every((complete) => !complete)).toBe(true);
    expect(await emptiedSet(campaignId)).toEqual([1, 2]);
    expect(await emptiedSet(campaignId, 0)).toHaveLength(31);
    expect(await emptiedSet(campaignId, 1)).toHaveLength(32);
    expect(await emptiedSet(campaignId, 2)).toEqual([64, 65, 66, 67, 68, 69]);
    expect(await recordShardEmptied(db, tables.inventory, { ...stock, shard: last }, shardCount)).toBe(true);

    // A unit back on shard 40 takes it and its group out; its next emptying completes it again.
    await forgetEmptiedShards(db, tables.inventory, stock, [40]);
    expect(await emptiedSet(campaignId)).toEqual([0, 2]);
    expect(await recordShardEmptied(db, tables.inventory, { ...stock, shard: 5 }, shardCount)).toBe(false);
    expect(await recordShardEmptied(db, tables.inventory, { ...stock, shard: 40 }, shardCount)).toBe(true);
  });

  it.each(["claimOnce", "claimVoucher"] as const)(
    "still gives a keyed retry (%s) the voucher of a slot its first try took before dying, after its instance learned the sell-out",
    async (entry) => {
      const campaignId = await seedDrop(2, 1);
      const request = { ...claimOf(campaignId, "crashed"), idempotencyKey: `key-${entry}` };
      const deps = instance();
      let crash = true;
      const dying = {
        ...deps,
        afterAdmit: () => {
          if (crash) throw new Error("the instance died between the counter's slot and the voucher");
        },
      };
      const claim = (d: KeyedClaimDependencies) => (entry === "claimOnce" ? claimOnce(request, d) : claimVoucher(request, d));
      await expect(claim(dying)).rejects.toThrow(/died between/);
      crash = false;
      // Someone takes the last unit on the same instance, which now answers SOLD_OUT from memory.
      await claimVoucher(claimOf(campaignId, "last"), deps);
      await expect(claimVoucher(claimOf(campaignId, "late"), deps)).rejects.toBeInstanceOf(SoldOutError);
      expect(knownSoldOut(request, deps)).toBe(true);

      const retried = await claim(deps);
      expect(retried.voucherId).toBe(keyedVoucherId(request));
      expect(await issuedCount(campaignId, 1)).toBe(2);
    },
  );

  it.each([
    ["the emptied-shard record's writes", "ADD emptied"],
    ["the marks on the shards", "SET soldOutAt"],
  ])("leaves the sell-out to trying shards when %s fail, and never oversells", async (_what, failing) => {
    const shards = 4;
    const stock = 8;
    const campaignId = await seedDrop(stock, shards);
    // An instance that read the campaign before the sell-out, with a healthy client.
    const counted = countingClient();
    const stale = instance(counted.client);
    await claimVoucher(claimOf(campaignId, "early-bird"), stale);

    // A client on which every write of the announcement's kind fails, as a crash or a lost service would leave it.
    const faulty = {
      send: (command: { input: { UpdateExpression?: string } }) =>
        command.input.UpdateExpression?.startsWith(failing) ? Promise.reject(new Error(`injected: ${failing} lost`)) : db.send(command as never),
    } as unknown as DynamoDBDocumentClient;
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => claimVoucher(claimOf(campaignId, `f${i}`), instance(faulty))));
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(stock - 1);
    expect(outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : [])).every((reason) => reason instanceof SoldOutError)).toBe(true);
    expect(await issuedCount(campaignId, shards)).toBe(stock);

    // The stale instance finds the sell-out by trying shards (no more than there are), and the
    // shards end up marked: by its own announcement, or by the fallback of an instance above.
    counted.calls.length = 0;
    await expect(claimVoucher(claimOf(campaignId, "after"), stale)).rejects.toBeInstanceOf(SoldOutError);
    expect(counted.calls.filter((call) => call.command === "UpdateCommand" && call.table === tables.inventory).length).toBeLessThanOrEqual(2 * shards);
    const marks = await Promise.all(Array.from({ length: shards }, (_, n) => shard(campaignId, n)));
    expect(marks.map((item) => item.remaining)).toEqual([0, 0, 0, 0]);
    expect(marks.every((item) => typeof item.soldOutAt === "string")).toBe(true);
    expect(await issuedCount(campaignId, shards)).toBe(stock);
  });

  it("loses its marks on every shard when units roll in, those given none too", async () => {
    const campaignId = await seedDrop(3, 3);
    const stock = { campaignId, dropId: "d1", voucherTypeId: TYPE };
    for (let n = 0; n < 3; n += 1) await takeUnit(db, tables.inventory, { ...stock, shard: n });
    await markShardsSoldOut(db, tables.inventory, stock, 3, new Date());
    await addRolledInUnits(db, tables.inventory, { ...stock, shard: 0 }, "d0", 1);
    await addRolledInUnits(db, tables.inventory, { ...stock, shard: 1 }, "d0", 0);
    expect(await shard(campaignId, 0)).toMatchObject({ remaining: 1 });
    expect((await shard(campaignId, 0)).soldOutAt).toBeUndefined();
    expect((await shard(campaignId, 1)).soldOutAt).toBeUndefined();
    expect(typeof (await shard(campaignId, 2)).soldOutAt).toBe("string");
  });
});
