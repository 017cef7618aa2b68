/**
 * The campaign use cases against DynamoDB Local: what publishing provisions, that every write
 * is safe to repeat and to race, and the budget rule for drops added later.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../../infra/local/emulators.js";
import { type PhysicalResources, teardownResources } from "../../infra/local/provision.js";
import { checkNewDrop, checkNewDrops, parseCampaign, parseDrop } from "../../shared/domain/campaign.js";
import type { Dependencies } from "../../shared/use-cases/dependencies.js";
import { BudgetExceededError } from "../../shared/errors.js";
import { TtlCache } from "../../shared/use-cases/campaign-views.js";
import {
  type OperatorTrail,
  type CampaignPage,
  addDrop,
  createCampaign,
  getCampaign,
  listPublicCampaigns,
  publishCampaign,
  replaceCampaign,
  setCampaignStatus,
} from "../../shared/use-cases/campaigns.js";
import { insertDrop, markPublishing } from "../../shared/store/campaign-writes.js";
import { provisionShards } from "../../shared/store/inventory.js";
import { closeDrop } from "../../shared/store/drop-close.js";
import { loadCampaign } from "../../shared/store/campaigns.js";
import { DUE, LISTED, campaignKey, dropKey, shardKey } from "../../shared/store/keys.js";
import { rejection } from "../support/rejection.js";
import { platform } from "../../shared/wiring/platform.js";
import { FIXTURE_BUDGET, FIXTURE_COMMITTED, campaignInput, extraDrop } from "../fixtures/campaigns.js";
import { provisionTestResources, tableNamesOf, testEndpoints } from "./runtime-helpers.js";

const NOW = new Date("2029-12-01T08:00:00.000Z");

let resources: PhysicalResources;
let deps: Dependencies<"campaigns" | "inventory" | "drawSeeds" | "lottery"> & OperatorTrail;
const db = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: inject("dynamodbEndpoint") }),
  { marshallOptions: { removeUndefinedValues: true } },
);

beforeAll(async () => {
  resources = await provisionTestResources(platform, "campaigns");
  deps = {
    db,
    tables: tableNamesOf(resources, ["campaigns", "inventory", "drawSeeds", "lottery"]),
    now: () => NOW,
  };
});

afterAll(async () => {
  if (resources) await teardownResources(resources, testEndpoints());
  db.destroy();
});


/** `remaining` of shards 0 … count (one past the last, which must not exist). */
async function shards(campaignId: string, dropId: string, typeId: string, count: number): Promise<(number | undefined)[]> {
  const keys = Array.from({ length: count + 1 }, (_, n) => shardKey(campaignId, dropId, typeId, n));
  const table = deps.tables.inventory;
  const { Responses } = await db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }));
  const byPk = new Map((Responses?.[table] ?? []).map((item) => [item.pk as string, item]));
  return keys.map((key) => {
    const item = byPk.get(key.pk);
    if (item) expect(item.initial).toBeTypeOf("number");
    return item?.remaining as number | undefined;
  });
}

async function rawItem(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  return (await db.send(new GetCommand({ TableName: deps.tables.campaigns, Key: key, ConsistentRead: true }))).Item;
}

async function takeUnits(campaignId: string, dropId: string, typeId: string, shard: number, units: number): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: deps.tables.inventory,
      Key: shardKey(campaignId, dropId, typeId, shard),
      UpdateExpression: "ADD remaining :minus",
      ExpressionAttributeValues: { ":minus": -units },
    }),
  );
}

const create = (id: string, overrides = {}) => createCampaign({ ...deps, campaign: parseCampaign(campaignInput(id, overrides)), operator: "op-alice" });

describe("creating a campaign", () => {
  it("stores a DRAFT with its drops and the operator, and refuses the same id again", async () => {
    const created = await create("create-once");
    expect(created).toMatchObject({ id: "create-once", status: "DRAFT", timezone: "Asia/Shanghai", createdAt: NOW.toISOString() });
    expect(created.drops.map((drop) => drop.id)).toEqual(["d1", "d2"]);
    expect(created).not.toHaveProperty("version");
    expect(await rawItem(campaignKey("create-once"))).toMatchObject({ version: 0, createdBy: "op-alice", releasedSubsidy: 0 });
    expect(await rawItem(dropKey("create-once", "d2"))).toMatchObject({ expectedAttemptsPerSecond: 1000, shardCounts: {} });
    expect(await rawItem(dropKey("create-once", "d2"))).not.toHaveProperty("due");

    const again = await rejection(create("create-once", { name: "another" }));
    expect(again).toMatchObject({ code: "ALREADY_EXISTS", status: 409 });
    expect((await loadCampaign(db, deps.tables.campaigns, "create-once"))?.campaign.name).toBe(created.name);
  });

  it("lets exactly one of concurrent creates of one id through", async () => {
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => create("create-race")));
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(outcome.reason).toMatchObject({ code: "ALREADY_EXISTS" });
    }
  });

  it("refuses more drops than one transaction holds, with a 400 naming drops", async () => {
    const drops = Array.from({ length: 100 }, (_, n) => ({
      id: `m${n}`,
      opensAt: new Date(Date.parse("2030-02-01T00:00:00Z") + n * 3_600_000).toISOString(),
      closesAt: new Date(Date.parse("2030-02-01T00:30:00Z") + n * 3_600_000).toISOString(),
      stock: { "100-30": 1 },
    }));
    const error = await rejection(create("too-many-drops", { drops }));
    expect(error).toMatchObject({ code: "VALIDATION_FAILED", status: 400, details: [{ path: "drops" }] });
    expect(await rawItem(campaignKey("too-many-drops"))).toBeUndefined();
  });
});

describe("publishing", () => {
  it("splits each stock over its shards, summing exactly, remainders on the first shards", async () => {
    await create("publish-split");
    const published = await publishCampaign({ ...deps, campaignId: "publish-split" });
    expect(published.status).toBe("PUBLISHED");

    expect(await shards("publish-split", "d1", "100-30", 4)).toEqual([26, 25, 25, 25, undefined]);
    expect(await shards("publish-split", "d1", "200-60", 4)).toEqual([13, 13, 12, 12, undefined]);
    // No shard count given: the default rate of 1,000 attempts/s plans 2 shards.
    expect(await shards("publish-split", "d2", "100-30", 2)).toEqual([6, 5, undefined]);

    expect(await rawItem(dropKey("publish-split", "d1"))).toMatchObject({ shardCounts: { "100-30": 4, "200-60": 4 }, due: DUE });
    expect(await rawItem(dropKey("publish-split", "d2"))).toMatchObject({ shardCounts: { "100-30": 2 }, due: DUE });
    const campaign = await rawItem(campaignKey("publish-split"));
    expect(campaign).toMatchObject({ status: "PUBLISHED", listing: LISTED, version: 1 });
    expect(campaign).not.toHaveProperty("publishing");
  });

  it("is harmless twice and when 5 run at once: the same shards, taken units not refilled, one status change", async () => {
    await create("publish-race");
    const results = await Promise.all(Array.from({ length: 5 }, () => publishCampaign({ ...deps, campaignId: "publish-race" })));
    expect(results.map((result) => result.status)).toEqual(Array(5).fill("PUBLISHED"));
    await takeUnits("publish-race", "d1", "100-30", 0, 3);

    const again = await publishCampaign({ ...deps, campaignId: "publish-race" });
    expect(again.status).toBe("PUBLISHED");
    expect(await shards("publish-race", "d1", "100-30", 4)).toEqual([23, 25, 25, 25, undefined]);
    expect(await shards("publish-race", "d2", "100-30", 2)).toEqual([6, 5, undefined]);
    expect(await rawItem(campaignKey("publish-race"))).toMatchObject({ status: "PUBLISHED", version: 1 });
  });

  it("finishes an interrupted publish when published again", async () => {
    await create("publish-resume");
    // A crash after the freeze and part of the inventory: d1 provisioned, d2 and the status not.
    await markPublishing(db, deps.tables.campaigns, "publish-resume", NOW.toISOString());
    await provisionShards(db, deps.tables.inventory, "publish-resume", { id: "d1", stock: { "100-30": 101 }, shards: 4 });
    await takeUnits("publish-resume", "d1", "100-30", 1, 1);
    expect(await rejection(replaceCampaign({ ...deps, campaignId: "publish-resume", campaign: parseCampaign(campaignInput("publish-resume")) }))).toMatchObject({
      code: "NOT_DRAFT",
    });

    const published = await publishCampaign({ ...deps, campaignId: "publish-resume" });
    expect(published.status).toBe("PUBLISHED");
    expect(await shards("publish-resume", "d1", "100-30", 4)).toEqual([26, 24, 25, 25, undefined]);
    expect(await shards("publish-resume", "d1", "200-60", 4)).toEqual([13, 13, 12, 12, undefined]);
    expect(await shards("publish-resume", "d2", "100-30", 2)).toEqual([6, 5, undefined]);
  });

  it("answers 404 for an unknown campaign", async () => {
    expect(await rejection(publishCampaign({ ...deps, campaignId: "no-such-campaign" }))).toMatchObject({ code: "NOT_FOUND", status: 404 });
  });
});

describe("replacing a draft", () => {
  it("replaces the definition and its drops, deleting the drops left out", async () => {
    await create("replace-draft");
    const body = campaignInput("replace-draft", {
      name: "renamed",
      drops: [{ id: "d3", opensAt: "2030-05-01T10:00:00+08:00", closesAt: "2030-05-01T11:00:00+08:00", stock: { "200-60": 5 } }],
    });
    const replaced = await replaceCampaign({ ...deps, campaignId: "replace-draft", campaign: parseCampaign(body) });
    expect(replaced).toMatchObject({ name: "renamed", status: "DRAFT", drops: [{ id: "d3" }] });
    expect(await rawItem(dropKey("replace-draft", "d1"))).toBeUndefined();
    expect(await rawItem(campaignKey("replace-draft"))).toMatchObject({ version: 1, createdBy: "op-alice" });
  });

  it("answers NOT_DRAFT for a published campaign, 404 for none, and 400 when the ids differ", async () => {
    await create("replace-published");
    await publishCampaign({ ...deps, campaignId: "replace-published" });
    const body = campaignInput("replace-published", { name: "too late" });
    expect(await rejection(replaceCampaign({ ...deps, campaignId: "replace-published", campaign: parseCampaign(body) }))).toMatchObject({ code: "NOT_DRAFT", status: 409 });
    expect(await rejection(replaceCampaign({ ...deps, campaignId: "replace-missing", campaign: parseCampaign(campaignInput("replace-missing")) }))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await rejection(replaceCampaign({ ...deps, campaignId: "replace-published", campaign: parseCampaign(campaignInput("other")) }))).toMatchObject({
      code: "VALIDATION_FAILED",
      details: [{ path: "id" }],
    });
  });
});

describe("instant discounts in a campaign", () => {
  it("are kept through create, replace and publish, and shown with the campaign", async () => {
    const swipe = { id: "swipe", tiers: [{ threshold: 10_000, discount: 2_000 }], quota: { total: 10, daily: 5 }, window: { daysOfWeek: [6, 7], from: "10:00", to: "22:00" } };
    const created = await create("instant-kept", { instantDiscounts: [swipe] });
    expect(created.instantDiscounts).toEqual([swipe]);
    const wider = { ...swipe, quota: { total: 20 } };
    const replaced = await replaceCampaign({ ...deps, campaignId: "instant-kept", campaign: parseCampaign(campaignInput("instant-kept", { instantDiscounts: [wider] })) });
    expect(replaced.instantDiscounts).toEqual([wider]);
    const published = await publishCampaign({ ...deps, campaignId: "instant-kept" });
    expect(published.instantDiscounts).toEqual([wider]);
    // The operator's detail adds the use of each (nothing taken yet).
    expect((await getCampaign({ ...deps, campaignId: "instant-kept" })).instantDiscounts).toEqual([{ ...wider, used: 0, remaining: 20, usedToday: 0 }]);
    // A campaign without any shows none.
    expect(await create("instant-none")).not.toHaveProperty("instantDiscounts");
  });
});

describe("pausing and resuming", () => {
  it("moves PUBLISHED ↔ PAUSED, repeats harmlessly, and refuses a draft", async () => {
    await create("pause-cycle");
    expect(await rejection(setCampaignStatus({ ...deps, campaignId: "pause-cycle", action: "pause" }))).toMatchObject({ code: "INVALID_STATE", status: 409 });
    expect(await rejection(setCampaignStatus({ ...deps, campaignId: "pause-cycle", action: "resume" }))).toMatchObject({ code: "INVALID_STATE" });
    await publishCampaign({ ...deps, campaignId: "pause-cycle" });

    expect((await setCampaignStatus({ ...deps, campaignId: "pause-cycle", action: "pause" })).status).toBe("PAUSED");
    expect((await setCampaignStatus({ ...deps, campaignId: "pause-cycle", action: "pause" })).status).toBe("PAUSED");
    // Paused stays listed, and publishing a paused campaign does not resume it.
    expect((await publishCampaign({ ...deps, campaignId: "pause-cycle" })).status).toBe("PAUSED");
    expect(await rawItem(campaignKey("pause-cycle"))).toMatchObject({ listing: LISTED, status: "PAUSED" });
    expect((await setCampaignStatus({ ...deps, campaignId: "pause-cycle", action: "resume" })).status).toBe("PUBLISHED");
    expect((await setCampaignStatus({ ...deps, campaignId: "pause-cycle", action: "resume" })).status).toBe("PUBLISHED");
    expect(await rejection(setCampaignStatus({ ...deps, campaignId: "pause-missing", action: "pause" }))).toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("adding a drop", () => {
  it("adds one within the budget not yet committed, provisioned and due, and refuses the next one over it with the figures", async () => {
    await create("add-drop");
    await publishCampaign({ ...deps, campaignId: "add-drop" });

    const added = await addDrop({ ...deps, campaignId: "add-drop", drop: parseDrop(extraDrop("d3", 100)) });
    expect(added.drops.map((drop) => drop.id)).toEqual(["d1", "d2", "d3"]);
    expect(await shards("add-drop", "d3", "100-30", 2)).toEqual([50, 50, undefined]);
    expect(await rawItem(dropKey("add-drop", "d3"))).toMatchObject({ shardCounts: { "100-30": 2 }, due: DUE });

    const over = await rejection(addDrop({ ...deps, campaignId: "add-drop", drop: parseDrop(extraDrop("d4", 22, 2)) }));
    expect(over).toBeInstanceOf(BudgetExceededError);
    const committed = FIXTURE_COMMITTED + 100 * 3_000 + 22 * 3_000;
    expect(over).toMatchObject({ status: 400, details: { budget: FIXTURE_BUDGET, committed, excess: committed - FIXTURE_BUDGET } });
    expect(await rawItem(dropKey("add-drop", "d4"))).toBeUndefined();
    expect(await shards("add-drop", "d4", "100-30", 0)).toEqual([undefined]);
  });

  it("adds a repeating drop as its occurrences, each provisioned and due, in one write; the same request again changes nothing", async () => {
    await create("add-weekly");
    await publishCampaign({ ...deps, campaignId: "add-weekly" });
    const weekly = parseDrop({ ...extraDrop("wk", 10), repeat: { every: "P1W", times: 3 } });

    const added = await addDrop({ ...deps, campaignId: "add-weekly", drop: weekly });
    expect(added.drops.map((drop) => drop.id)).toEqual(["d1", "d2", "wk-1", "wk-2", "wk-3"]);
    for (const [k, day] of [[1, "2030-04-01"], [2, "2030-04-08"], [3, "2030-04-15"]] as const) {
      const item = await rawItem(dropKey("add-weekly", `wk-${k}`));
      expect(item).toMatchObject({ shardCounts: { "100-30": 2 }, due: DUE });
      expect(Date.parse(String(item!.opensAt))).toBe(Date.parse(`${day}T10:00:00+08:00`));
      expect(await shards("add-weekly", `wk-${k}`, "100-30", 2)).toEqual([5, 5, undefined]);
    }
    expect(await rejection(addDrop({ ...deps, campaignId: "add-weekly", drop: weekly }))).toMatchObject({ code: "ALREADY_EXISTS" });

    // Every occurrence counts against the budget: 3 × 100 units fit once, 3 × 130 more do not.
    const left = FIXTURE_BUDGET - FIXTURE_COMMITTED - 3 * 10 * 3_000;
    const tooMany = Math.floor(left / 3_000 / 3) + 1;
    const over = await rejection(addDrop({ ...deps, campaignId: "add-weekly", drop: parseDrop({ ...extraDrop("big", tooMany, 20), repeat: { every: "P1D", times: 3 } }) }));
    expect(over).toBeInstanceOf(BudgetExceededError);
    expect(over).toMatchObject({ details: { committed: FIXTURE_COMMITTED + 3 * 10 * 3_000 + 3 * tooMany * 3_000 } });
    expect(await rawItem(dropKey("add-weekly", "big-1"))).toBeUndefined();
  });

  it("closes each occurrence of a repeating drop and rolls its unclaimed units into the next, like drops declared by hand", async () => {
    await create("add-weekly-close");
    await publishCampaign({ ...deps, campaignId: "add-weekly-close" });
    await addDrop({ ...deps, campaignId: "add-weekly-close", drop: parseDrop({ ...extraDrop("wk", 10), repeat: { every: "P1W", times: 3 } }) });
    const tables = tableNamesOf(resources, ["campaigns", "inventory", "vouchers"]);
    const first = await closeDrop({ db, tables, campaignId: "add-weekly-close", dropId: "wk-1", now: new Date("2030-04-01T12:05:00+08:00") });
    expect(first).toMatchObject({ status: "closed", outcome: { "100-30": { issued: 0, unclaimed: 10, movedTo: "wk-2" } } });
    expect(await shards("add-weekly-close", "wk-2", "100-30", 2)).toEqual([10, 10, undefined]);
    const second = await closeDrop({ db, tables, campaignId: "add-weekly-close", dropId: "wk-2", now: new Date("2030-04-08T12:05:00+08:00") });
    expect(second).toMatchObject({ status: "closed", outcome: { "100-30": { issued: 0, unclaimed: 20, movedTo: "wk-3" } } });
    expect(await shards("add-weekly-close", "wk-3", "100-30", 2)).toEqual([15, 15, undefined]);
  });

  it("finishes a repeating drop whose provisioning was cut short after its first occurrence when the same drop is sent again", async () => {
    await create("add-weekly-resume");
    await publishCampaign({ ...deps, campaignId: "add-weekly-resume" });
    const weekly = parseDrop({ ...extraDrop("wk", 10), repeat: { every: "P1W", times: 3 } });
    // A crash after the occurrences were written (one transaction) and the first was provisioned.
    const loaded = await loadCampaign(db, deps.tables.campaigns, "add-weekly-resume", { consistent: true });
    const occurrences = checkNewDrops({ ...loaded!.campaign, drops: loaded!.drops }, weekly);
    expect(await insertDrop(db, deps.tables.campaigns, loaded!.campaign, occurrences, NOW.toISOString(), undefined, weekly)).toBe("inserted");
    await provisionShards(db, deps.tables.inventory, "add-weekly-resume", occurrences[0]!);
    expect(await rawItem(dropKey("add-weekly-resume", "wk-2"))).not.toHaveProperty("due");

    const finished = await addDrop({ ...deps, campaignId: "add-weekly-resume", drop: weekly });
    expect(finished.drops.map((drop) => drop.id)).toEqual(["d1", "d2", "wk-1", "wk-2", "wk-3"]);
    for (const k of [1, 2, 3]) {
      expect(await rawItem(dropKey("add-weekly-resume", `wk-${k}`))).toMatchObject({ shardCounts: { "100-30": 2 }, due: DUE });
      // Provisioning again never refilled the first occurrence's shards, and none has more than its units.
      expect(await shards("add-weekly-resume", `wk-${k}`, "100-30", 2)).toEqual([5, 5, undefined]);
    }
  });

  it("refuses an existing drop id (409), an overlap (400 with its path) and a draft (409 INVALID_STATE)", async () => {
    await create("add-drop-refusals");
    expect(await rejection(addDrop({ ...deps, campaignId: "add-drop-refusals", drop: parseDrop(extraDrop("d3", 1)) }))).toMatchObject({
      code: "INVALID_STATE",
    });
    await publishCampaign({ ...deps, campaignId: "add-drop-refusals" });
    expect(await rejection(addDrop({ ...deps, campaignId: "add-drop-refusals", drop: parseDrop({ ...extraDrop("d1", 1) }) }))).toMatchObject({
      code: "ALREADY_EXISTS",
      status: 409,
    });
    const overlapping = { ...extraDrop("d5", 1), opensAt: "2030-03-01T11:00:00+08:00", closesAt: "2030-03-01T13:00:00+08:00" };
    expect(await rejection(addDrop({ ...deps, campaignId: "add-drop-refusals", drop: parseDrop(overlapping) }))).toMatchObject({
      code: "VALIDATION_FAILED",
      details: [{ path: "opensAt", message: "overlaps drop d1 for voucher type 100-30" }],
    });
  });

  it("never lets two concurrent drops spend the same budget", async () => {
    await create("add-drop-race");
    await publishCampaign({ ...deps, campaignId: "add-drop-race" });
    // 70 × 3,000 fen each: either fits the 364,000 fen left, both do not.
    const outcomes = await Promise.allSettled([
      addDrop({ ...deps, campaignId: "add-drop-race", drop: parseDrop(extraDrop("r1", 70, 10)) }),
      addDrop({ ...deps, campaignId: "add-drop-race", drop: parseDrop(extraDrop("r2", 70, 11)) }),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const refused = outcomes.find((outcome) => outcome.status === "rejected");
    expect(refused?.reason).toBeInstanceOf(BudgetExceededError);
    const loaded = await loadCampaign(db, deps.tables.campaigns, "add-drop-race", { consistent: true });
    expect(loaded?.drops.map((drop) => drop.id).filter((id) => id.startsWith("r"))).toHaveLength(1);
  });

  it("finishes a drop whose provisioning was cut short when the same drop is sent again", async () => {
    await create("add-drop-resume");
    await publishCampaign({ ...deps, campaignId: "add-drop-resume" });
    // A crash right after the drop item was written: no shards, not due.
    const loaded = await loadCampaign(db, deps.tables.campaigns, "add-drop-resume", { consistent: true });
    const drop = checkNewDrop({ ...loaded!.campaign, drops: loaded!.drops }, extraDrop("d3", 9));
    expect(await insertDrop(db, deps.tables.campaigns, loaded!.campaign, [drop], NOW.toISOString())).toBe("inserted");
    expect(await rawItem(dropKey("add-drop-resume", "d3"))).not.toHaveProperty("due");

    const finished = await addDrop({ ...deps, campaignId: "add-drop-resume", drop: parseDrop(extraDrop("d3", 9)) });
    expect(finished.drops.map((d) => d.id)).toContain("d3");
    expect(await shards("add-drop-resume", "d3", "100-30", 2)).toEqual([5, 4, undefined]);
    expect(await rawItem(dropKey("add-drop-resume", "d3"))).toMatchObject({ due: DUE, shardCounts: { "100-30": 2 } });
    expect(await rejection(addDrop({ ...deps, campaignId: "add-drop-resume", drop: parseDrop(extraDrop("d3", 9)) }))).toMatchObject({ code: "ALREADY_EXISTS" });
  });
});

describe("reading", () => {
  it("shows the units left per drop and voucher type, summed over the shards", async () => {
    await create("read-remaining");
    const draft = await getCampaign({ ...deps, campaignId: "read-remaining" });
    expect(draft.drops[0]).toMatchObject({ id: "d1", shardCounts: {}, remaining: { "100-30": 101, "200-60": 50 } });

    await publishCampaign({ ...deps, campaignId: "read-remaining" });
    await takeUnits("read-remaining", "d1", "100-30", 2, 5);
    await takeUnits("read-remaining", "d1", "100-30", 3, 1);
    const detail = await getCampaign({ ...deps, campaignId: "read-remaining" });
    expect(detail.drops[0]).toMatchObject({
      id: "d1",
      shardCounts: { "100-30": 4, "200-60": 4 },
      remaining: { "100-30": 95, "200-60": 50 },
      soldOut: {},
    });
    expect(detail.drops[0]).not.toHaveProperty("closedAt");
    expect(detail.drops[1]).toMatchObject({ id: "d2", remaining: { "100-30": 11 } });
    expect(await rejection(getCampaign({ ...deps, campaignId: "read-missing" }))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("lists published and paused campaigns, latest start first, page by page, never a draft", async () => {
    // Its own tables, so other tests' campaigns do not appear in the list.
    const own = await provisionTestResources(platform, "campaign-list");
    try {
      const listDeps = { ...deps, tables: tableNamesOf(own, ["campaigns", "inventory", "drawSeeds", "lottery"]) };
      const make = (id: string, startsAt: string) =>
        createCampaign({ ...listDeps, campaign: parseCampaign(campaignInput(id, { startsAt })), operator: "op" });
      await make("list-early", "2030-01-01T00:00:00+08:00");
      await make("list-late", "2030-02-01T00:00:00+08:00");
      await make("list-draft", "2030-02-15T00:00:00+08:00");
      await publishCampaign({ ...listDeps, campaignId: "list-early" });
      await publishCampaign({ ...listDeps, campaignId: "list-late" });
      await setCampaignStatus({ ...listDeps, campaignId: "list-early", action: "pause" });

      const cache = new TtlCache<CampaignPage>(2_000);
      const list = (query: { limit: number; nextToken?: string }) => listPublicCampaigns({ ...listDeps, query, cache });
      const all = await list({ limit: 50 });
      expect(all.items.map((item) => [item.id, item.status])).toEqual([
        ["list-late", "PUBLISHED"],
        ["list-early", "PAUSED"],
      ]);
      expect(all.items[0]?.drops.map((drop) => drop.id)).toEqual(["d1", "d2"]);
      expect(all.items[0]).not.toHaveProperty("version");
      expect(all.items[0]?.drops[0]).not.toHaveProperty("due");

      const first = await list({ limit: 1 });
      expect(first.items.map((item) => item.id)).toEqual(["list-late"]);
      expect(first.nextToken).toMatch(/^[A-Za-z0-9_-]+$/);
      const second = await list({ limit: 1, nextToken: first.nextToken! });
      expect(second.items.map((item) => item.id)).toEqual(["list-early"]);

      await expect(list({ limit: 1, nextToken: "bm90LWEtdG9rZW4" })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    } finally {
      await teardownResources(own, testEndpoints());
    }
  });
});
