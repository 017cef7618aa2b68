/**
 * What the console reads of campaigns, against DynamoDB Local: every campaign with drafts, page by
 * page and by status (GET /admin/campaigns), and per drop and voucher type each shard's units and
 * the moment it sold out (GET /admin/campaigns/{id}).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../../infra/local/emulators.js";
import { type PhysicalResources, teardownResources } from "../../infra/local/provision.js";
import { parseCampaign } from "../../shared/domain/campaign.js";
import type { Dependencies } from "../../shared/use-cases/dependencies.js";
import { createCampaign, getCampaign, listAllCampaigns, publishCampaign, setCampaignStatus } from "../../shared/use-cases/campaigns.js";
import { markSoldOut, takeUnit } from "../../shared/store/inventory.js";
import { countRegistration } from "../../shared/store/lottery.js";
import { platform } from "../../shared/wiring/platform.js";
import { campaignInput } from "../fixtures/campaigns.js";
import { provisionTestResources, tableNamesOf, testEndpoints } from "./runtime-helpers.js";

const NOW = new Date("2029-12-01T08:00:00.000Z");

let resources: PhysicalResources;
let deps: Dependencies<"campaigns" | "inventory" | "drawSeeds" | "lottery">;
const db = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: inject("dynamodbEndpoint") }),
  { marshallOptions: { removeUndefinedValues: true } },
);

beforeAll(async () => {
  // Its own tables, so the list holds this file's campaigns only.
  resources = await provisionTestResources(platform, "admin-campaigns");
  deps = { db, tables: tableNamesOf(resources, ["campaigns", "inventory", "drawSeeds", "lottery"]), now: () => NOW };
});

afterAll(async () => {
  if (resources) await teardownResources(resources, testEndpoints());
  db.destroy();
});

const create = (id: string) => createCampaign({ ...deps, campaign: parseCampaign(campaignInput(id)), operator: "op" });

/** Takes `units` from one shard the way claims do, one conditional update each. */
async function takeUnits(campaignId: string, dropId: string, voucherTypeId: string, shard: number, units: number): Promise<void> {
  for (let n = 0; n < units; n++) {
    expect(await takeUnit(db, deps.tables.inventory, { campaignId, dropId, voucherTypeId, shard })).toMatchObject({ outcome: "taken" });
  }
}

describe("every campaign for operators", () => {
  it("lists drafts, published and paused campaigns with their drops, by status, and page by page through every one exactly once", async () => {
    const ids = Array.from({ length: 7 }, (_, n) => `all-${n}`);
    for (const id of ids) await create(id);
    await publishCampaign({ ...deps, campaignId: "all-1" });
    await publishCampaign({ ...deps, campaignId: "all-2" });
    await setCampaignStatus({ ...deps, campaignId: "all-2", action: "pause" });

    const everything = await listAllCampaigns({ ...deps, query: { limit: 50 } });
    expect(everything.items.map((item) => item.id).sort()).toEqual(ids);
    expect(everything.nextToken).toBeUndefined();
    const all1 = everything.items.find((item) => item.id === "all-1");
    expect(all1).toMatchObject({ status: "PUBLISHED", budget: 1_000_000 });
    // Drops come with each campaign (repeating drops would be listed by occurrence), never internal fields.
    expect(all1?.drops.map((drop) => drop.id)).toEqual(["d1", "d2"]);
    expect(all1).not.toHaveProperty("version");

    const byStatus = async (status: "DRAFT" | "PUBLISHED" | "PAUSED") =>
      (await listAllCampaigns({ ...deps, query: { limit: 50, status } })).items.map((item) => item.id).sort();
    await expect(byStatus("DRAFT")).resolves.toEqual(["all-0", "all-3", "all-4", "all-5", "all-6"]);
    await expect(byStatus("PUBLISHED")).resolves.toEqual(["all-1"]);
    await expect(byStatus("PAUSED")).resolves.toEqual(["all-2"]);

    // Pages of 2 among 7 campaigns and 14 drops: each campaign once, every page but the last full.
    const seen: string[] = [];
    const sizes: number[] = [];
    let nextToken: string | undefined;
    do {
      const page = await listAllCampaigns({ ...deps, query: { limit: 2, ...(nextToken ? { nextToken } : {}) } });
      seen.push(...page.items.map((item) => item.id));
      sizes.push(page.items.length);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen.sort()).toEqual(ids);
    expect(sizes.slice(0, 3)).toEqual([2, 2, 2]);
    expect(sizes.reduce((sum, n) => sum + n, 0)).toBe(7);

    await expect(listAllCampaigns({ ...deps, query: { limit: 2, nextToken: "bm90LWEtdG9rZW4" } })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    const forged = Buffer.from(JSON.stringify({ pk: "MERCHANT#x", sk: "#CAMPAIGN" })).toString("base64url");
    await expect(listAllCampaigns({ ...deps, query: { limit: 2, nextToken: forged } })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });
});

describe("a campaign's inventory for operators", () => {
  it("shows each shard's units, and when a voucher type sold out: the first moment a claim found it empty", async () => {
    await create("shards");
    const draft = await getCampaign({ ...deps, campaignId: "shards" });
    expect(draft.drops[0]).toMatchObject({ shardRemaining: {}, soldOut: {}, soldOutAt: {}, remaining: { "100-30": 101 } });

    await publishCampaign({ ...deps, campaignId: "shards" });
    // d1 splits 101 units of 100-30 over 4 shards (26, 25, 25, 25) and 50 of 200-60 (13, 13, 12, 12).
    await takeUnits("shards", "d1", "100-30", 1, 5);
    await takeUnits("shards", "d1", "200-60", 0, 13);
    await takeUnits("shards", "d1", "200-60", 1, 13);
    await takeUnits("shards", "d1", "200-60", 2, 12);
    await takeUnits("shards", "d1", "200-60", 3, 12);
    const soldOutAt = new Date("2030-03-01T02:00:04.500Z");
    const marked = { campaignId: "shards", dropId: "d1", voucherTypeId: "200-60" };
    await markSoldOut(db, deps.tables.campaigns, marked, soldOutAt);
    // Claims that find it empty later keep the first moment.
    await markSoldOut(db, deps.tables.campaigns, marked, new Date("2030-03-01T02:00:09.000Z"));

    const detail = await getCampaign({ ...deps, campaignId: "shards" });
    expect(detail.drops[0]).toMatchObject({
      id: "d1",
      shardRemaining: { "100-30": [26, 20, 25, 25], "200-60": [0, 0, 0, 0] },
      remaining: { "100-30": 96, "200-60": 0 },
      soldOut: { "200-60": true },
      soldOutAt: { "200-60": soldOutAt.toISOString() },
    });
    expect(detail.drops[1]).toMatchObject({ id: "d2", shardRemaining: { "100-30": [6, 5] }, soldOut: {}, soldOutAt: {} });
  });

  it("shows a lottery drop's registrations so far, summed over its counters, and none for other drops", async () => {
    const lottery = {
      id: "lot",
      opensAt: "2030-03-10T10:00:00+08:00",
      closesAt: "2030-03-12T12:00:00+08:00",
      stock: { "100-30": 5 },
      shards: 1,
      allocation: "lottery" as const,
      registration: { opensAt: "2030-03-10T10:00:00+08:00", closesAt: "2030-03-11T10:00:00+08:00" },
      drawAt: "2030-03-11T12:00:00+08:00",
    };
    const input = campaignInput("lottery-count");
    await createCampaign({ ...deps, campaign: parseCampaign({ ...input, drops: [...input.drops, lottery] }), operator: "op" });
    await publishCampaign({ ...deps, campaignId: "lottery-count" });
    const drop = { campaignId: "lottery-count", dropId: "lot" };
    await countRegistration(db, deps.tables.lottery, drop, 0);
    await countRegistration(db, deps.tables.lottery, drop, 3);
    await countRegistration(db, deps.tables.lottery, drop, 3);
    const detail = await getCampaign({ ...deps, campaignId: "lottery-count" });
    expect(detail.drops.find((d) => d.id === "lot")).toMatchObject({ allocation: "lottery", registrations: 3 });
    expect(detail.drops.find((d) => d.id === "lot")).not.toHaveProperty("drawnAt");
    expect(detail.drops.find((d) => d.id === "d1")).not.toHaveProperty("registrations");
  });
});
