/**
 * The pure parts of the campaign routes (shard plans, views, page tokens, the list cache) and how
 * the store turns DynamoDB outcomes into domain errors, with the client mocked.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { campaignDetailSchema } from "../../shared/api/schemas.js";
import { parseCampaign } from "../../shared/domain/campaign.js";
import { AlreadyExistsError, ValidationError } from "../../shared/errors.js";
import { TtlCache, decodePageToken, encodePageToken, toCampaignDetail, toCampaignView } from "../../shared/use-cases/campaign-views.js";
import { budgetedStock, publishCampaign, sameDefinition, setCampaignStatus } from "../../shared/use-cases/campaigns.js";
import { insertCampaign } from "../../shared/store/campaign-writes.js";
import { forEachLimited, provisionShards, shardPlan } from "../../shared/store/inventory.js";
import { type CampaignRecord, type DropRecord, dropRecordSchema } from "../../shared/store/campaigns.js";
import { campaignKey } from "../../shared/store/keys.js";
import { campaignInput } from "../fixtures/campaigns.js";

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }));
const mock = mockClient(documents);
const NOW = new Date("2029-12-01T08:00:00.000Z");
const deps = { db: documents, tables: { campaigns: "campaigns", inventory: "inventory", drawSeeds: "drawSeeds" }, now: () => NOW };

beforeEach(() => {
  mock.reset();
});

const record: CampaignRecord = {
  ...(({ drops: _drops, ...definition }) => definition)(parseCampaign(campaignInput("c1"))),
  status: "PUBLISHED",
  version: 3,
  createdAt: "2029-11-01T00:00:00.000Z",
  updatedAt: "2029-11-02T00:00:00.000Z",
  createdBy: "op-alice",
  releasedSubsidy: 0,
};

function drop(overrides: Partial<DropRecord> & { id: string; opensAt: string }): DropRecord {
  return dropRecordSchema.parse({ campaignId: "c1", closesAt: "2030-12-01T00:00:00Z", stock: { "100-30": 10 }, shards: 2, ...overrides });
}

describe("shardPlan", () => {
  it.each([
    ["a fixed shard count", { stock: { a: 101 }, shards: 4 }, { a: [26, 25, 25, 25] }],
    ["fewer units than shards", { stock: { a: 3 }, shards: 8 }, { a: [1, 1, 1] }],
    ["the default rate (1,000/s → 2 shards)", { stock: { a: 11 } }, { a: [6, 5] }],
    ["a planned rate (20,000/s → 40 shards)", { stock: { a: 80 }, expectedAttemptsPerSecond: 20_000 }, { a: Array(40).fill(2) }],
    ["several voucher types, an emptied one skipped", { stock: { a: 5, b: 0, c: 7 }, shards: 2 }, { a: [3, 2], c: [4, 3] }],
  ])("splits with %s", (_, input, expected) => {
    expect(shardPlan(input)).toEqual(expected);
  });

  it("always sums to the stock", () => {
    for (const stock of [1, 2, 99, 1000, 12_345]) {
      for (const shards of [1, 3, 16, 1000]) {
        const units = shardPlan({ stock: { a: stock }, shards }).a!;
        expect(units.reduce((sum, n) => sum + n, 0)).toBe(stock);
        expect(Math.max(...units) - Math.min(...units)).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe("forEachLimited", () => {
  it("runs every item with at most `limit` in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimited(Array.from({ length: 50 }, (_, i) => i), 4, async (item) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(item);
      inFlight--;
    });
    expect(peak).toBe(4);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("rejects with a failure and does nothing for no items", async () => {
    await expect(forEachLimited([1, 2, 3], 2, (item) => (item === 2 ? Promise.reject(new Error("boom")) : Promise.resolve()))).rejects.toThrow("boom");
    await expect(forEachLimited([], 2, () => Promise.reject(new Error("never")))).resolves.toBeUndefined();
  });
});

describe("views", () => {
  const drops = [drop({ id: "late", opensAt: "2030-05-01T00:00:00Z" }), drop({ id: "early", opensAt: "2030-04-01T00:00:00Z", shardCounts: { "100-30": 2 } })];

  it("show the campaign without internal fields, drops in opening order", () => {
    const stored = { ...record, listing: "LISTED", publishing: "2029-12-01T00:00:00Z" };
    const view = toCampaignView(stored, drops);
    expect(Object.keys(view).sort()).toEqual(
      ["budget", "createdAt", "drops", "endsAt", "id", "name", "perPersonLimit", "refundPolicy", "rollover", "sectors", "startsAt", "status", "timezone", "updatedAt", "voucherTypes"].sort(),
    );
    expect(view.drops.map((d) => d.id)).toEqual(["early", "late"]);
    expect(Object.keys(view.drops[0]!).sort()).toEqual(["closesAt", "id", "opensAt", "shards", "stock"]);
  });

  it("detail counts shards where provisioned and the stock where not, with each shard's units", () => {
    const detail = toCampaignDetail(record, drops, new Map([["early", { "100-30": [3, 4] }]]));
    expect(detail.drops.map((d) => [d.id, d.remaining, d.shardRemaining])).toEqual([
      ["early", { "100-30": 7 }, { "100-30": [3, 4] }],
      ["late", { "100-30": 10 }, {}],
    ]);
  });

  it("detail shows a sold-out type with the moment it sold out, and one marked before moments were kept without one", () => {
    const marked = [drop({ id: "early", opensAt: "2030-04-01T00:00:00Z", stock: { "100-30": 10, "50-10": 5 }, shardCounts: { "100-30": 2, "50-10": 1 }, soldOut: { "100-30": "2030-04-01T00:00:03.250Z", "50-10": true } })];
    const detail = toCampaignDetail(record, marked, new Map([["early", { "100-30": [0, 0], "50-10": [0] }]]));
    expect(detail.drops[0]).toMatchObject({ soldOut: { "100-30": true, "50-10": true }, soldOutAt: { "100-30": "2030-04-01T00:00:03.250Z" } });
    expect(campaignDetailSchema.parse(detail)).toEqual(detail);
  });

  it("detail shows each instant discount with its use, zeros and the whole quota where nothing was read", () => {
    const swipe = { id: "swipe", tiers: [{ threshold: 10_000, discount: 2_000 }], quota: { total: 50, daily: 10 } };
    const quiet = { id: "quiet", tiers: [{ threshold: 5_000, discount: 500 }], quota: { total: 8 } };
    const detail = toCampaignDetail({ ...record, instantDiscounts: [swipe, quiet] }, drops, new Map(), new Map([["swipe", { used: 12, remaining: 38, usedToday: 4 }]]));
    expect(detail.instantDiscounts).toEqual([
      { ...swipe, used: 12, remaining: 38, usedToday: 4 },
      { ...quiet, used: 0, remaining: 8, usedToday: 0 },
    ]);
    expect(campaignDetailSchema.parse(detail)).toEqual(detail);
    // The public view carries the definitions only.
    expect(toCampaignView({ ...record, instantDiscounts: [swipe] }, drops).instantDiscounts).toEqual([swipe]);
    expect(toCampaignDetail(record, drops, new Map())).not.toHaveProperty("instantDiscounts");
  });
});

describe("page tokens", () => {
  const key = { pk: "CAMPAIGN#c1", sk: "#CAMPAIGN", listing: "LISTED", startsAt: "2030-01-01T00:00:00+08:00" };

  it("round-trip as URL-safe text", () => {
    const token = encodePageToken(key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token)).toEqual(key);
  });

  it.each([
    ["not base64 JSON", "!!!"],
    ["JSON of another shape", Buffer.from(JSON.stringify({ pk: "x" })).toString("base64url")],
    ["extra fields", Buffer.from(JSON.stringify({ ...key, admin: true })).toString("base64url")],
  ])("refuse %s with a 400 naming nextToken", (_, token) => {
    let thrown: unknown;
    try {
      decodePageToken(token);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrown).toMatchObject({ details: [{ path: "nextToken" }] });
  });
});

describe("TtlCache", () => {
  it("serves a fresh answer, shares a load between concurrent misses, and reloads once expired", async () => {
    const cache = new TtlCache<number>(2_000);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    const [a, b] = await Promise.all([cache.get("k", 0, load), cache.get("k", 0, load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    expect(await cache.get("k", 1_999, load)).toBe(1);
    expect(await cache.get("k", 2_000, load)).toBe(2);
    expect(await cache.get("other", 2_000, load)).toBe(3);
  });

  it("does not keep a failed load", async () => {
    const cache = new TtlCache<number>(2_000);
    await expect(cache.get("k", 0, () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.get("k", 1, () => Promise.resolve(5))).toBe(5);
  });

  it("stays bounded", async () => {
    const cache = new TtlCache<number>(2_000, 3);
    for (let i = 0; i < 10; i++) await cache.get(`k${i}`, 0, () => Promise.resolve(i));
    let reloaded = false;
    await cache.get("k0", 1, () => {
      reloaded = true;
      return Promise.resolve(0);
    });
    expect(reloaded).toBe(true);
  });
});

describe("sameDefinition", () => {
  const stored = drop({ id: "d", opensAt: "2030-04-01T02:00:00Z", closesAt: "2030-04-01T04:00:00Z", stock: { a: 1, b: 2 }, shards: 2 });
  const base = { id: "d", opensAt: "2030-04-01T10:00:00+08:00", closesAt: "2030-04-01T12:00:00+08:00", stock: { b: 2, a: 1 }, shards: 2 };

  it("compares times as instants and stock regardless of order", () => {
    expect(sameDefinition(stored, base)).toBe(true);
  });

  it.each([
    ["stock", { ...base, stock: { a: 1, b: 3 } }],
    ["a voucher type more", { ...base, stock: { a: 1, b: 2, c: 1 } }],
    ["closesAt", { ...base, closesAt: "2030-04-01T13:00:00+08:00" }],
    ["shards", { ...base, shards: 3 }],
  ])("tells a different %s", (_, other) => {
    expect(sameDefinition(stored, other)).toBe(false);
  });
});

describe("DynamoDB outcomes", () => {
  it("a create whose condition fails is ALREADY_EXISTS; any other cancellation is rethrown", async () => {
    const campaign = parseCampaign(campaignInput("c1"));
    mock.on(TransactWriteCommand).rejectsOnce(
      new TransactionCanceledException({ message: "cancelled", $metadata: {}, CancellationReasons: [{ Code: "ConditionalCheckFailed" }, { Code: "None" }, { Code: "None" }] }),
    );
    await expect(insertCampaign(documents, "campaigns", campaign, { at: "t", by: "op" })).rejects.toBeInstanceOf(AlreadyExistsError);

    const conflict = new TransactionCanceledException({ message: "cancelled", $metadata: {}, CancellationReasons: [{ Code: "TransactionConflict" }] });
    mock.reset();
    mock.on(TransactWriteCommand).rejects(conflict);
    await expect(insertCampaign(documents, "campaigns", campaign, { at: "t", by: "op" })).rejects.toBe(conflict);
  });

  it("provisioning ignores shards that exist and rethrows anything else", async () => {
    mock.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: "exists", $metadata: {} }));
    await expect(provisionShards(documents, "inventory", "c1", { id: "d1", stock: { a: 5 }, shards: 3 })).resolves.toEqual({ a: 3 });
    expect(mock.commandCalls(PutCommand).map((call) => call.args[0].input.Item)).toEqual([
      { pk: "SHARD#c1#d1#a#0", remaining: 2, initial: 2 },
      { pk: "SHARD#c1#d1#a#1", remaining: 2, initial: 2 },
      { pk: "SHARD#c1#d1#a#2", remaining: 1, initial: 1 },
    ]);

    mock.reset();
    const throttled = new Error("throttled");
    mock.on(PutCommand).rejects(throttled);
    await expect(provisionShards(documents, "inventory", "c1", { id: "d1", stock: { a: 5 }, shards: 3 })).rejects.toBe(throttled);
  });

  it("publishing a campaign that is already published writes nothing", async () => {
    const item = { ...campaignKey("c1"), ...record };
    mock.on(GetCommand).resolves({ Item: item });
    mock.on(QueryCommand).resolves({ Items: [item] });
    const view = await publishCampaign({ ...deps, campaignId: "c1" });
    expect(view.status).toBe("PUBLISHED");
    expect(mock.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(mock.commandCalls(PutCommand)).toHaveLength(0);
  });

  it("a pause that fails its condition on a draft is INVALID_STATE", async () => {
    mock.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: "no", $metadata: {} }));
    mock.on(QueryCommand).resolves({ Items: [{ ...campaignKey("c1"), ...record, status: "DRAFT" }] });
    await expect(setCampaignStatus({ ...deps, campaignId: "c1", action: "pause" })).rejects.toMatchObject({ code: "INVALID_STATE", status: 409 });
  });
});

describe("budgetedStock", () => {
  it("counts rolled-in units at their source only, and frees what a closed drop released", () => {
    expect(budgetedStock({ stock: { a: 100, b: 50 }, rolledIn: {}, closeOutcome: undefined })).toEqual({ a: 100, b: 50 });
    // 30 units of a arrived from d1, which still counts them.
    expect(budgetedStock({ stock: { a: 130 }, rolledIn: { d1: { a: 30 } }, closeOutcome: undefined })).toEqual({ a: 100 });
    // Closed: a moved its 20 unclaimed on (still committed), b released 10 (free again).
    expect(
      budgetedStock({
        stock: { a: 100, b: 50 },
        rolledIn: {},
        closeOutcome: { a: { issued: 80, unclaimed: 20, movedTo: "d2" }, b: { issued: 40, unclaimed: 10, released: 60_000 } },
      }),
    ).toEqual({ a: 100, b: 40 });
  });
});
