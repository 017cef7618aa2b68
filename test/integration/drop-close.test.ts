/**
 * Drop close on DynamoDB Local: roll-over and release move exactly stock − vouchers issued, once,
 * however often, concurrently or interrupted the close runs. Campaigns, drops, shards and vouchers
 * are seeded directly with the platform's keys.
 */
import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { splitStock } from "../../shared/domain/inventory.js";
import { campaignRecordSchema, dropRecordSchema } from "../../shared/store/campaigns.js";
import {
  closeDrop,
  closeDueDrops,
  findDueDrops,
  type DropCloseCheckpoint,
  type DropCloseTables,
} from "../../shared/store/drop-close.js";
import { DUE, LISTED, campaignKey, dropKey, issuedVoucherKey, shardKey } from "../../shared/store/keys.js";
import { countIssued } from "../../shared/store/vouchers.js";
import { platform } from "../../shared/wiring/platform.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";


const { db } = testClients();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Close time of every test's first drop. */
const T = Date.parse("2026-11-01T04:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
/** Past the first drop's close and the default grace. */
const AFTER_GRACE = new Date(T + 61_000);

const DISCOUNTS = { v30: 3000, v60: 6000 } as const;
type VoucherTypeId = keyof typeof DISCOUNTS;

let tables: DropCloseTables;

beforeEach(async () => {
  // A fresh set of tables per test: the due-drops query reads the whole index.
  const resources = await provisionTestResources(platform, "dropclose");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers"]);
});

interface DropSeed {
  id: string;
  opensAt: number;
  closesAt: number;
  stock: Partial<Record<VoucherTypeId, number>>;
  /** Shards per type; a type left out has no inventory provisioned. */
  shards: Partial<Record<VoucherTypeId, number>>;
  soldOut?: Partial<Record<VoucherTypeId, boolean>>;
  /** False for a drop whose addition has not finished: not on the close schedule yet. */
  due?: boolean;
}

async function seedCampaign(rollover: boolean, drops: DropSeed[]): Promise<string> {
  const campaignId = `c-${randomUUID().slice(0, 8)}`;
  const now = iso(T - 48 * HOUR);
  await db.send(
    new PutCommand({
      TableName: tables.campaigns,
      Item: {
        ...campaignKey(campaignId),
        ...campaignRecordSchema.parse({
          id: campaignId,
          name: "满减 test",
          timezone: "Asia/Shanghai",
          budget: 100_000_000,
          startsAt: iso(T - 24 * HOUR),
          endsAt: iso(T + 30 * 24 * HOUR),
          perPersonLimit: 2,
          sectors: ["supermarket"],
          refundPolicy: "void",
          rollover,
          voucherTypes: [
            { id: "v30", threshold: 10_000, discount: DISCOUNTS.v30, validDays: 7 },
            { id: "v60", threshold: 20_000, discount: DISCOUNTS.v60, validDays: 7 },
          ],
          status: "PUBLISHED",
          version: 3,
          createdAt: now,
          updatedAt: now,
          createdBy: "operator-1",
        }),
        listing: LISTED,
      },
    }),
  );
  for (const drop of drops) {
    await db.send(
      new PutCommand({
        TableName: tables.campaigns,
        Item: {
          ...dropKey(campaignId, drop.id),
          campaignId,
          id: drop.id,
          opensAt: iso(drop.opensAt),
          closesAt: iso(drop.closesAt),
          stock: drop.stock,
          shards: 4,
          shardCounts: drop.shards,
          soldOut: drop.soldOut ?? {},
          rolledIn: {},
          ...(drop.due === false ? {} : { due: DUE }),
        },
      }),
    );
    for (const [type, count] of Object.entries(drop.shards)) {
      const parts = splitStock(drop.stock[type as VoucherTypeId] ?? 0, count);
      for (const [n, units] of parts.entries()) {
        await db.send(new PutCommand({ TableName: tables.inventory, Item: { ...shardKey(campaignId, drop.id, type, n), remaining: units, initial: units } }));
      }
    }
  }
  return campaignId;
}

/** Claims `count` units as the claim path does: shard decrement, then the voucher item. */
async function claim(campaignId: string, dropId: string, type: VoucherTypeId, shard: number, count: number, options: { strand?: boolean } = {}) {
  for (let i = 0; i < count; i++) {
    await db.send(
      new UpdateCommand({
        TableName: tables.inventory,
        Key: shardKey(campaignId, dropId, type, shard),
        UpdateExpression: "ADD remaining :minusOne",
        ConditionExpression: "remaining > :zero",
        ExpressionAttributeValues: { ":minusOne": -1, ":zero": 0 },
      }),
    );
    // A stranded unit: the claim crashed after taking it, so no voucher exists.
    if (options.strand) continue;
    const voucherId = randomUUID();
    const sub = `resident-${randomUUID().slice(0, 8)}`;
    await db.send(
      new PutCommand({
        TableName: tables.vouchers,
        Item: {
          ...issuedVoucherKey(campaignId, dropId, type, shard, voucherId),
          voucherId,
          campaignId,
          dropId,
          voucherTypeId: type,
          threshold: 10_000,
          discount: DISCOUNTS[type],
          claimedAt: iso(T - HOUR),
          expiresAt: iso(T + 7 * 24 * HOUR),
          status: "CLAIMED",
          owner: sub,
          shard,
        },
      }),
    );
  }
}

async function readDrop(campaignId: string, dropId: string) {
  const { Item } = await db.send(new GetCommand({ TableName: tables.campaigns, Key: dropKey(campaignId, dropId), ConsistentRead: true }));
  return { record: dropRecordSchema.parse(Item), raw: Item ?? {} };
}

async function releasedSubsidy(campaignId: string): Promise<number> {
  const { Item } = await db.send(new GetCommand({ TableName: tables.campaigns, Key: campaignKey(campaignId), ConsistentRead: true }));
  return campaignRecordSchema.parse(Item).releasedSubsidy;
}

/** Σ remaining over the shards the drop item declares for a type. */
async function shardSum(campaignId: string, dropId: string, type: VoucherTypeId): Promise<number> {
  const { record } = await readDrop(campaignId, dropId);
  let sum = 0;
  for (let n = 0; n < (record.shardCounts[type] ?? 0); n++) {
    const { Item } = await db.send(new GetCommand({ TableName: tables.inventory, Key: shardKey(campaignId, dropId, type, n), ConsistentRead: true }));
    sum += Number(Item?.remaining ?? 0);
  }
  return sum;
}

/** d1 closes at T; d2 (v30 only) and d3 (both types) follow and are not due yet. */
const threeDrops = (): DropSeed[] => [
  { id: "d1", opensAt: T - 2 * HOUR, closesAt: T, stock: { v30: 100, v60: 50 }, shards: { v30: 4, v60: 2 } },
  { id: "d2", opensAt: T + HOUR, closesAt: T + 2 * HOUR, stock: { v30: 200 }, shards: { v30: 3 } },
  { id: "d3", opensAt: T + 3 * HOUR, closesAt: T + 4 * HOUR, stock: { v30: 10, v60: 80 }, shards: { v30: 1, v60: 4 } },
];

describe("roll-over", () => {
  it("moves exactly stock − issued of each type into the next drop that stocks it", async () => {
    const c = await seedCampaign(true, threeDrops());
    await claim(c, "d1", "v30", 0, 20);
    await claim(c, "d1", "v30", 3, 25);
    await claim(c, "d1", "v60", 1, 7);

    const run = await closeDueDrops({ db, tables, now: AFTER_GRACE });

    expect(run).toMatchObject({ due: 1, failed: [], deferred: 0 });
    expect(run.results).toEqual([
      expect.objectContaining({
        campaignId: c,
        dropId: "d1",
        status: "closed",
        resumed: false,
        outcome: { v30: { issued: 45, unclaimed: 55, movedTo: "d2" }, v60: { issued: 7, unclaimed: 43, movedTo: "d3" } },
      }),
    ]);
    // v30 goes to d2 (earliest later drop with v30), v60 to d3 (the only one with v60).
    const d2 = await readDrop(c, "d2");
    const d3 = await readDrop(c, "d3");
    expect(d2.record.stock).toEqual({ v30: 255 });
    expect(d2.record.rolledIn).toEqual({ d1: { v30: 55 } });
    expect(await shardSum(c, "d2", "v30")).toBe(255);
    expect(d3.record.stock).toEqual({ v30: 10, v60: 123 });
    expect(d3.record.rolledIn).toEqual({ d1: { v60: 43 } });
    expect(await shardSum(c, "d3", "v60")).toBe(123);
    expect(await shardSum(c, "d3", "v30")).toBe(10);
    // The units are spread over the target's shards as evenly as the split allows: 67+19, 67+18, 66+18.
    const d2Shards = await Promise.all(
      [0, 1, 2].map(async (n) => (await db.send(new GetCommand({ TableName: tables.inventory, Key: shardKey(c, "d2", "v30", n) }))).Item),
    );
    expect(d2Shards).toMatchObject([86, 85, 84].map((units) => ({ remaining: units, initial: units })));

    const d1 = await readDrop(c, "d1");
    expect(d1.record.closedAt).toBe(AFTER_GRACE.toISOString());
    expect(d1.record.closeOutcome).toEqual(run.results[0] && "outcome" in run.results[0] ? run.results[0].outcome : undefined);
    expect(d1.raw).not.toHaveProperty("due");
    expect(d1.raw).not.toHaveProperty("closing");
    expect(await releasedSubsidy(c)).toBe(0);
    expect(await findDueDrops(db, tables.campaigns, new Date(T + 10 * MINUTE))).toEqual([]);
  });

  it("moves a stranded unit (shard decremented, no voucher) and makes a sold-out target claimable again", async () => {
    const c = await seedCampaign(true, [
      { id: "d1", opensAt: T - HOUR, closesAt: T, stock: { v30: 10 }, shards: { v30: 2 } },
      { id: "d2", opensAt: T + HOUR, closesAt: T + 2 * HOUR, stock: { v30: 2 }, shards: { v30: 2 }, soldOut: { v30: true } },
    ]);
    await claim(c, "d1", "v30", 0, 5);
    await claim(c, "d1", "v30", 1, 4);
    await claim(c, "d1", "v30", 1, 1, { strand: true });
    await claim(c, "d2", "v30", 0, 1, { strand: true });
    await claim(c, "d2", "v30", 1, 1, { strand: true });
    // Every shard of d1 is at 0, yet only 9 vouchers exist: one unit is unclaimed.
    expect(await shardSum(c, "d1", "v30")).toBe(0);
    expect(await countIssued(db, tables.vouchers, c, "d1", "v30", 2)).toBe(9);

    const run = await closeDueDrops({ db, tables, now: AFTER_GRACE });

    expect(run.results[0]).toMatchObject({ status: "closed", outcome: { v30: { issued: 9, unclaimed: 1, movedTo: "d2" } } });
    const d2 = await readDrop(c, "d2");
    expect(d2.record.stock).toEqual({ v30: 3 });
    expect(d2.record.soldOut).toEqual({});
    // One unit, two shards: only shard 0 gets it.
    expect(await shardSum(c, "d2", "v30")).toBe(1);
  });

  it("never rolls into a drop whose inventory of that type is not provisioned yet: it releases instead", async () => {
    const c = await seedCampaign(true, [
      { id: "d1", opensAt: T - HOUR, closesAt: T, stock: { v60: 12 }, shards: { v60: 3 } },
      { id: "d2", opensAt: T + HOUR, closesAt: T + 2 * HOUR, stock: { v60: 30 }, shards: {}, due: false },
    ]);
    await claim(c, "d1", "v60", 2, 4);

    await closeDueDrops({ db, tables, now: AFTER_GRACE });

    const d1 = await readDrop(c, "d1");
    expect(d1.record.closeOutcome?.v60).toEqual({ issued: 4, unclaimed: 8, released: 8 * 6_000 });
    const d2 = await readDrop(c, "d2");
    expect(d2.record.stock).toEqual({ v60: 30 });
    expect(d2.record.shardCounts).toEqual({});
  });
});

describe("exactly once", () => {
  /** d1 rolls v30 into d2 and, with no later v60 drop, releases v60. */
  const mixed = (): DropSeed[] => [
    { id: "d1", opensAt: T - HOUR, closesAt: T, stock: { v30: 40, v60: 20 }, shards: { v30: 4, v60: 2 } },
    { id: "d2", opensAt: T + HOUR, closesAt: T + 2 * HOUR, stock: { v30: 100 }, shards: { v30: 5 } },
  ];

  async function expectClosedExactly(c: string) {
    expect((await readDrop(c, "d2")).record.stock).toEqual({ v30: 131 });
    expect(await shardSum(c, "d2", "v30")).toBe(131);
    expect(await releasedSubsidy(c)).toBe(17 * DISCOUNTS.v60);
    const d1 = await readDrop(c, "d1");
    expect(d1.record.closeOutcome).toEqual({
      v30: { issued: 9, unclaimed: 31, movedTo: "d2" },
      v60: { issued: 3, unclaimed: 17, released: 17 * DISCOUNTS.v60 },
    });
    expect(d1.raw).not.toHaveProperty("closing");
    expect(d1.raw).not.toHaveProperty("due");
  }

  async function seedMixed() {
    const c = await seedCampaign(true, mixed());
    await claim(c, "d1", "v30", 1, 9);
    await claim(c, "d1", "v60", 0, 3);
    return c;
  }

  it("closing twice moves and releases nothing twice", async () => {
    const c = await seedMixed();
    const first = await closeDueDrops({ db, tables, now: AFTER_GRACE });
    const second = await closeDueDrops({ db, tables, now: new Date(T + 5 * MINUTE) });
    // A run that still saw the drop in the (eventually consistent) index finds it closed.
    const direct = await closeDrop({ db, tables, campaignId: c, dropId: "d1", now: new Date(T + 5 * MINUTE) });

    expect(first.results.map((result) => result.status)).toEqual(["closed"]);
    expect(second).toMatchObject({ due: 0, results: [], failed: [] });
    expect(direct.status).toBe("already-closed");
    await expectClosedExactly(c);
  });

  it("5 concurrent closes: exactly one finishes the close, and the totals are exact", async () => {
    const c = await seedMixed();
    const runs = await Promise.all(Array.from({ length: 5 }, () => closeDueDrops({ db, tables, now: AFTER_GRACE })));

    expect(runs.flatMap((run) => run.failed)).toEqual([]);
    const statuses = runs.flatMap((run) => run.results.map((result) => result.status));
    expect(statuses.filter((status) => status === "closed")).toHaveLength(1);
    expect(statuses).toHaveLength(5);
    await expectClosedExactly(c);
  });

  const crashes: { at: string; when: (checkpoint: DropCloseCheckpoint) => boolean }[] = [
    { at: "after step 1 (the decision is stored)", when: (cp) => cp.step === "claimed" },
    { at: "after the target drop item took the units", when: (cp) => cp.step === "target-drop" },
    { at: "half-way through the shard writes", when: (cp) => cp.step === "shard" && cp.shard === 2 },
    { at: "after step 2, before the release", when: (cp) => cp.step === "rolled-in" },
  ];

  it.each(crashes)("a crash $at is completed by the next run with exact totals", async ({ when }) => {
    const c = await seedMixed();
    const crashed = await closeDueDrops({
      db,
      tables,
      now: AFTER_GRACE,
      fault: (checkpoint) => {
        if (when(checkpoint)) throw new Error(`injected crash at ${checkpoint.step}`);
      },
    });
    expect(crashed.failed).toHaveLength(1);
    expect(crashed.failed[0]).toMatchObject({ campaignId: c, dropId: "d1" });
    expect(crashed.failed[0]?.error).toContain("injected crash");
    const interrupted = await readDrop(c, "d1");
    expect(interrupted.record.closedAt).toBeUndefined();
    expect(interrupted.raw).toHaveProperty("closing");
    expect(await releasedSubsidy(c)).toBe(0);
    // Nothing is ever added beyond the decision, even half-way.
    expect(await shardSum(c, "d2", "v30")).toBeLessThanOrEqual(131);

    // A voucher written late (a claim still in flight) must not change the stored decision.
    await claim(c, "d1", "v30", 2, 1);
    const resumed = await closeDueDrops({ db, tables, now: new Date(T + 2 * MINUTE) });

    expect(resumed.failed).toEqual([]);
    expect(resumed.results).toEqual([expect.objectContaining({ dropId: "d1", status: "closed", resumed: true })]);
    await expectClosedExactly(c);
  });

  it("a crash half-way through the shard writes leaves the target's stock already raised", async () => {
    const c = await seedMixed();
    await closeDueDrops({
      db,
      tables,
      now: AFTER_GRACE,
      fault: (checkpoint) => {
        if (checkpoint.step === "shard" && checkpoint.shard === 2) throw new Error("injected crash");
      },
    });
    // Stock first, shards second: vouchers issued can never exceed the recorded stock.
    expect((await readDrop(c, "d2")).record.stock).toEqual({ v30: 131 });
    const partial = await shardSum(c, "d2", "v30");
    expect(partial).toBeGreaterThanOrEqual(100);
    expect(partial).toBeLessThan(131);
  });
});

describe("failures", () => {
  it("a target already closing refuses the units; the source stays closing and later drops of its campaign wait", async () => {
    const c = await seedCampaign(true, [
      { id: "d1", opensAt: T - HOUR, closesAt: T, stock: { v30: 10 }, shards: { v30: 1 } },
      { id: "dx", opensAt: T - HOUR, closesAt: T + 30_000, stock: { v60: 10 }, shards: { v60: 1 } },
      { id: "d2", opensAt: T + HOUR, closesAt: T + 2 * HOUR, stock: { v30: 10 }, shards: { v30: 1 } },
    ]);
    const now = new Date(T + 2 * MINUTE);
    const crashed = await closeDueDrops({
      db,
      tables,
      now,
      fault: (checkpoint) => {
        if (checkpoint.step === "claimed") throw new Error("injected crash");
      },
    });
    expect(crashed).toMatchObject({ due: 2, results: [], deferred: 1 });
    // Changed by hand: the target started closing before the source's roll-in.
    await db.send(new UpdateCommand({ TableName: tables.campaigns, Key: dropKey(c, "d2"), UpdateExpression: "SET closing = :empty", ExpressionAttributeValues: { ":empty": {} } }));

    const refused = await closeDueDrops({ db, tables, now });

    expect(refused.failed).toHaveLength(1);
    expect(refused.failed[0]?.error).toMatch(/^RollInRefusedError: drop d2/);
    expect(refused.deferred).toBe(1);
    expect((await readDrop(c, "d1")).raw).toHaveProperty("closing");
    expect((await readDrop(c, "dx")).record.closedAt).toBeUndefined();
    expect((await readDrop(c, "d2")).record.stock).toEqual({ v30: 10 });
    expect(await shardSum(c, "d2", "v30")).toBe(10);
  });
});

describe("release", () => {
  it("without roll-over, releases unclaimed × discount to releasedSubsidy once", async () => {
    const c = await seedCampaign(false, threeDrops());
    await claim(c, "d1", "v30", 2, 20);
    await claim(c, "d1", "v30", 0, 10);
    await claim(c, "d1", "v30", 1, 1, { strand: true });
    await claim(c, "d1", "v60", 0, 25);
    await claim(c, "d1", "v60", 1, 25);

    const run = await closeDueDrops({ db, tables, now: AFTER_GRACE });
    await Promise.all(Array.from({ length: 3 }, () => closeDueDrops({ db, tables, now: new Date(T + 3 * MINUTE) })));

    expect(run.results[0]).toMatchObject({
      status: "closed",
      outcome: { v30: { issued: 30, unclaimed: 70, released: 70 * DISCOUNTS.v30 }, v60: { issued: 50, unclaimed: 0 } },
    });
    expect(await releasedSubsidy(c)).toBe(70 * DISCOUNTS.v30);
    expect((await readDrop(c, "d2")).record.stock).toEqual({ v30: 200 });
    expect(await shardSum(c, "d2", "v30")).toBe(200);
    expect((await readDrop(c, "d3")).record.rolledIn).toEqual({});
  });

  it("with roll-over but no later drop of the type, releases it", async () => {
    const c = await seedCampaign(true, [
      { id: "d1", opensAt: T - HOUR, closesAt: T, stock: { v60: 10 }, shards: { v60: 1 } },
      // Opens before d1 closes: not a roll-over target.
      { id: "d0", opensAt: T - 30 * MINUTE, closesAt: T + HOUR, stock: { v60: 10 }, shards: { v60: 1 } },
    ]);
    await claim(c, "d1", "v60", 0, 4);

    const run = await closeDueDrops({ db, tables, now: AFTER_GRACE });

    expect(run.results[0]).toMatchObject({ status: "closed", outcome: { v60: { issued: 4, unclaimed: 6, released: 36_000 } } });
    expect(await releasedSubsidy(c)).toBe(36_000);
    expect((await readDrop(c, "d0")).record.stock).toEqual({ v60: 10 });
  });
});

describe("finding due drops", () => {
  it("does not close a drop before closesAt + grace, and closes it after", async () => {
    const c = await seedCampaign(false, threeDrops());

    const early = await closeDueDrops({ db, tables, now: new Date(T + 59_000) });
    expect(early).toMatchObject({ due: 0, results: [] });
    expect((await readDrop(c, "d1")).record.closedAt).toBeUndefined();
    expect(await findDueDrops(db, tables.campaigns, new Date(T + 10_000), 5)).toEqual([{ campaignId: c, dropId: "d1", closesAt: iso(T) }]);

    const late = await closeDueDrops({ db, tables, now: new Date(T + 60_000) });
    expect(late.results.map((result) => [result.dropId, result.status])).toEqual([["d1", "closed"]]);
    expect((await readDrop(c, "d2")).record.closedAt).toBeUndefined();
  });

  it("compares close times as instants when they carry a UTC offset, oldest first", async () => {
    const c = await seedCampaign(false, []);
    const put = (id: string, closesAt: string) =>
      db.send(
        new PutCommand({
          TableName: tables.campaigns,
          Item: { ...dropKey(c, id), campaignId: c, id, opensAt: iso(T - HOUR), closesAt, stock: { v30: 1 }, due: DUE },
        }),
      );
    // 11:59+08:00 is 03:59Z; 12:30+08:00 is 04:30Z; 04:00Z itself.
    await put("east", "2026-11-01T11:59:00+08:00");
    await put("late", "2026-11-01T12:30:00+08:00");
    await put("utc", "2026-11-01T04:00:00Z");

    const due = await findDueDrops(db, tables.campaigns, AFTER_GRACE);
    expect(due.map((drop) => drop.dropId)).toEqual(["east", "utc"]);
  });
});
