/**
 * Read copies of campaigns on the emulators. Through the local runtime's stream poller, the
 * replicator writes every copy when a campaign is published, paused, and when a drop is marked
 * sold out; the newest read wins a race; copies are in neither index and the admin list and the
 * public listing never show them. On tables without the replicator: a claim with copies reads one
 * copy (one GetItem, no Query of the campaign) and falls back to the campaign while copies are
 * missing; the replicator's batch reports only a failed campaign's records; and
 * `npm run campaign:copies` rewrites a campaign's copies.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../../infra/local/emulators.js";
import { type PhysicalResources, provisionResources, teardownResources } from "../../infra/local/provision.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { writeStateFile } from "../../infra/local/state-file.js";
import { parseCampaign } from "../../shared/domain/campaign.js";
import { CAMPAIGN_COPIES, type CampaignCopy, MAX_ITEM_BYTES, readCampaignCopy, writeCampaignCopies } from "../../shared/store/campaign-copies.js";
import { loadCampaign } from "../../shared/store/campaigns.js";
import { DUE, LISTED, campaignCopyKey, campaignKey } from "../../shared/store/keys.js";
import { copyChangedCampaigns, refreshCampaignCopies } from "../../shared/use-cases/campaign-copies.js";
import { TtlCache } from "../../shared/use-cases/campaign-views.js";
import { type CampaignPage, createCampaign, listAllCampaigns, listPublicCampaigns, publishCampaign, setCampaignStatus } from "../../shared/use-cases/campaigns.js";
import { ClaimCaches, claimVoucher } from "../../shared/use-cases/claim.js";
import { platform } from "../../shared/wiring/platform.js";
import { campaignInput } from "../fixtures/campaigns.js";
import { runScript } from "../support/process.js";
import { seedCampaign } from "../support/seed.js";
import { eventually, startTestRuntime, tableNamesOf, testClients, testEndpoints, uniquePrefix } from "./runtime-helpers.js";

const { db } = testClients();
const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

/** Tables fed to the replicator by the runtime's stream poller. */
let runtime: LocalRuntime;
let streamed: Record<"campaigns" | "inventory" | "vouchers" | "drawSeeds", string>;
/** Tables nothing replicates: copies there are only what a test wrote. */
let plain: PhysicalResources;
let plainPrefix: string;
let tables: Record<"campaigns" | "inventory" | "vouchers", string>;

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "copies");
  streamed = tableNamesOf(runtime.resources, ["campaigns", "inventory", "vouchers", "drawSeeds"]);
  plainPrefix = uniquePrefix("copies-plain");
  plain = await provisionResources(platform, { ...testEndpoints(), prefix: plainPrefix });
  tables = tableNamesOf(plain, ["campaigns", "inventory", "vouchers"]);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  if (plain) await teardownResources(plain, testEndpoints());
});

async function copiesOf(table: string, campaignId: string): Promise<(CampaignCopy | undefined)[]> {
  return Promise.all(Array.from({ length: CAMPAIGN_COPIES }, (_, k) => readCampaignCopy(db, table, campaignId, k)));
}

/** Every copy, once all of them satisfy `holds`. */
function copiesWhen(campaignId: string, holds: (copy: CampaignCopy) => boolean, what: string): Promise<CampaignCopy[]> {
  return eventually(
    async () => {
      const copies = await copiesOf(streamed.campaigns, campaignId);
      return copies.every((copy) => copy !== undefined && holds(copy)) ? (copies as CampaignCopy[]) : undefined;
    },
    30_000,
    what,
  );
}

describe("the replicator on the campaigns stream", () => {
  it("writes every copy on publish, and a pause reaches every copy", async () => {
    const campaignId = unique("publish");
    const deps = { db, tables: streamed, now: () => new Date() };
    await createCampaign({ ...deps, campaign: parseCampaign(campaignInput(campaignId)), operator: "op-alice" });
    await publishCampaign({ ...deps, campaignId });
    const source = await loadCampaign(db, streamed.campaigns, campaignId, { consistent: true });
    const published = await copiesWhen(campaignId, (copy) => copy.campaign.status === "PUBLISHED" && copy.drops.every((drop) => Object.keys(drop.shardCounts).length > 0), "the published copies");
    for (const copy of published) {
      expect({ campaign: copy.campaign, drops: copy.drops }).toEqual(source);
      expect(Date.parse(copy.readAt)).not.toBeNaN();
    }

    await setCampaignStatus({ ...deps, campaignId, action: "pause" });
    const paused = await copiesWhen(campaignId, (copy) => copy.campaign.status === "PAUSED", "the pause in every copy");
    expect(paused.every((copy) => copy.readAt >= published[0]!.readAt)).toBe(true);
    expect(paused[0]!.campaign.version).toBe((await loadCampaign(db, streamed.campaigns, campaignId, { consistent: true }))!.campaign.version);
  }, 60_000);

  it("writes the drop's sold-out mark to every copy", async () => {
    const campaignId = unique("sold");
    await seedCampaign(db, streamed, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 1 }, shards: 1 }] });
    await copiesWhen(campaignId, (copy) => copy.drops.length === 1, "the seeded copies");
    const claims = { db, tables: streamed, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }), now: () => new Date(), random: Math.random };
    await claimVoucher({ residentId: unique("resident"), campaignId, dropId: "d1", voucherTypeId: "100-30" }, claims);
    const marked = (await loadCampaign(db, streamed.campaigns, campaignId, { consistent: true }))!.drops[0]!.soldOut["100-30"];
    expect(marked).toBeTypeOf("string");
    await copiesWhen(campaignId, (copy) => copy.drops[0]!.soldOut["100-30"] === marked, "the sold-out mark in every copy");
  }, 60_000);
});

describe("copies and the campaigns table's readers", () => {
  it("are in neither index, and the admin list and the public listing show each campaign once", async () => {
    const campaignId = unique("listed");
    await seedCampaign(db, streamed, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    await copiesWhen(campaignId, () => true, "the copies");

    const admin: string[] = [];
    let nextToken: string | undefined;
    do {
      // Small pages: the scan passes copies between campaign items, and across page boundaries.
      const page: CampaignPage = await listAllCampaigns({ db, tables: streamed, now: () => new Date(), query: { limit: 2, nextToken } });
      admin.push(...page.items.map((item) => item.id));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(admin.filter((id) => id === campaignId)).toEqual([campaignId]);
    expect(new Set(admin).size).toBe(admin.length);

    const listed: string[] = [];
    const cache = new TtlCache<CampaignPage>(0);
    nextToken = undefined;
    do {
      const page: CampaignPage = await listPublicCampaigns({ db, tables: streamed, now: () => new Date(), cache, query: { limit: 2, nextToken } });
      listed.push(...page.items.map((item) => item.id));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(listed.filter((id) => id === campaignId)).toEqual([campaignId]);

    for (const [index, key, value] of [["listing", "listing", LISTED], ["dueDrops", "due", DUE]] as const) {
      const { Items } = await db.send(new QueryCommand({ TableName: streamed.campaigns, IndexName: index, KeyConditionExpression: "#k = :v", ExpressionAttributeNames: { "#k": key }, ExpressionAttributeValues: { ":v": value } }));
      expect(Items!.length, index).toBeGreaterThan(0);
      expect(Items!.filter((item) => String(item.pk).startsWith("COPY#")), index).toEqual([]);
    }
  }, 60_000);
});

describe("writing copies", () => {
  it("keeps the newest read when an older one is written after it", async () => {
    const campaignId = unique("race");
    const { campaign, drops } = await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    const newer = { campaign: { ...campaign, status: "PAUSED" as const }, drops };
    expect(await writeCampaignCopies(db, tables.campaigns, newer, "2030-01-01T00:00:02.000Z")).toEqual({ outcome: "written", written: CAMPAIGN_COPIES, newerKept: 0 });
    expect(await writeCampaignCopies(db, tables.campaigns, { campaign, drops }, "2030-01-01T00:00:01.000Z")).toEqual({ outcome: "written", written: 0, newerKept: CAMPAIGN_COPIES });
    for (const copy of await copiesOf(tables.campaigns, campaignId)) expect(copy).toMatchObject({ readAt: "2030-01-01T00:00:02.000Z", campaign: { status: "PAUSED" } });
    // The same read again, or a later one, is written.
    expect(await writeCampaignCopies(db, tables.campaigns, { campaign, drops }, "2030-01-01T00:00:03.000Z")).toMatchObject({ written: CAMPAIGN_COPIES });
    for (const copy of await copiesOf(tables.campaigns, campaignId)) expect(copy).toMatchObject({ readAt: "2030-01-01T00:00:03.000Z", campaign: { status: "PUBLISHED" } });
  });

  it("keeps a newer campaign version against an older one read on a clock minutes ahead", async () => {
    const campaignId = unique("skew");
    await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    const ahead = () => new Date(Date.now() + 5 * 60_000);
    const onTime = () => new Date();
    // An instance whose clock runs five minutes ahead copies the published campaign.
    await refreshCampaignCopies({ db, tables, now: ahead, campaignId });
    await setCampaignStatus({ db, tables, now: onTime, campaignId, action: "pause" });
    // The pause's refresh, on a correct clock, reads an earlier instant but a newer version: it wins.
    expect(await refreshCampaignCopies({ db, tables, now: onTime, campaignId })).toEqual({ outcome: "written", written: CAMPAIGN_COPIES, newerKept: 0 });
    for (const copy of await copiesOf(tables.campaigns, campaignId)) expect(copy?.campaign.status).toBe("PAUSED");
    // The published snapshot, written again late with its later clock, does not come back.
    const published = await loadCampaign(db, tables.campaigns, campaignId, { consistent: true });
    const older = { campaign: { ...published!.campaign, status: "PUBLISHED" as const, version: published!.campaign.version - 1 }, drops: published!.drops };
    expect(await writeCampaignCopies(db, tables.campaigns, older, ahead().toISOString())).toEqual({ outcome: "written", written: 0, newerKept: CAMPAIGN_COPIES });
    for (const copy of await copiesOf(tables.campaigns, campaignId)) expect(copy?.campaign.status).toBe("PAUSED");
  });

  it("refuses a snapshot that would not fit in one item: no copy holds it", async () => {
    const campaignId = unique("huge");
    const { campaign, drops } = await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    const huge = { campaign: { ...campaign, name: "券".repeat(MAX_ITEM_BYTES / 3) }, drops };
    const outcome = await writeCampaignCopies(db, tables.campaigns, huge, new Date().toISOString());
    expect(outcome).toMatchObject({ outcome: "too-large" });
    expect(outcome.outcome === "too-large" && outcome.bytes).toBeGreaterThan(MAX_ITEM_BYTES);
    expect(await copiesOf(tables.campaigns, campaignId)).toEqual(Array.from({ length: CAMPAIGN_COPIES }, () => undefined));
  });

  it("removes older copies when the newer snapshot is too large, so claims read the campaign itself", async () => {
    const campaignId = unique("outgrown");
    const { campaign, drops } = await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    await writeCampaignCopies(db, tables.campaigns, { campaign, drops }, "2030-01-01T00:00:01.000Z");
    // Paused, and grown past one item: a copy must not go on saying it is published.
    const outgrown = { campaign: { ...campaign, status: "PAUSED" as const, version: campaign.version + 1, name: "券".repeat(MAX_ITEM_BYTES / 3) }, drops };
    expect(await writeCampaignCopies(db, tables.campaigns, outgrown, "2030-01-01T00:00:02.000Z")).toMatchObject({ outcome: "too-large" });
    expect(await copiesOf(tables.campaigns, campaignId)).toEqual(Array.from({ length: CAMPAIGN_COPIES }, () => undefined));
    // An older snapshot that fits, written late, does not bring the published copies back.
    expect(await writeCampaignCopies(db, tables.campaigns, { campaign, drops }, "2030-01-01T00:00:01.500Z")).toMatchObject({ outcome: "written" });
    expect(await copiesOf(tables.campaigns, campaignId)).toEqual(Array.from({ length: CAMPAIGN_COPIES }, () => undefined));
  });
});

describe("a stream batch", () => {
  it("refreshes each campaign once, ignores copies, and reports only a failed campaign's records", async () => {
    const [good, broken] = [unique("good"), unique("broken")];
    await seedCampaign(db, tables, { id: good, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    // A campaign item its schema refuses: its refresh fails.
    await db.send(new PutCommand({ TableName: tables.campaigns, Item: { ...campaignKey(broken), id: broken, status: "NOT A STATUS" } }));
    const change = (sequenceNumber: string, pk: string, sk: string) => ({ sequenceNumber, keys: { pk, sk } });
    const outcome = await copyChangedCampaigns({
      db,
      tables,
      now: () => new Date(),
      changes: [
        change("1", campaignKey(good).pk, "#CAMPAIGN"),
        change("2", campaignCopyKey(good, 3).pk, "#COPY"),
        change("3", campaignKey(broken).pk, "DROP#d1"),
        change("4", campaignKey(good).pk, "DROP#d1"),
        change("5", campaignKey(broken).pk, "#CAMPAIGN"),
      ],
    });
    expect(outcome).toEqual({ campaigns: 2, ignored: 1, tooLarge: 0, failed: ["3", "5"] });
    expect((await copiesOf(tables.campaigns, good)).every((copy) => copy?.campaign.id === good)).toBe(true);
    expect(await readCampaignCopy(db, tables.campaigns, broken, 0)).toBeUndefined();
  });
});

describe("a stream batch with keys it cannot use", () => {
  it("passes over a record without a key, with a key of another shape, or naming no campaign, and refreshes the rest", async () => {
    const good = unique("beside-odd");
    await seedCampaign(db, tables, { id: good, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    const outcome = await copyChangedCampaigns({
      db,
      tables,
      now: () => new Date(),
      changes: [
        { sequenceNumber: "1", keys: {} },
        { sequenceNumber: "2", keys: { pk: 7, sk: "#CAMPAIGN" } },
        { sequenceNumber: "3", keys: { pk: campaignKey("").pk, sk: "#CAMPAIGN" } },
        { sequenceNumber: "4", keys: { pk: campaignKey(good).pk, sk: "#CAMPAIGN" } },
      ],
    });
    // Nothing goes back to the stream: no record is delivered again for ever.
    expect(outcome).toEqual({ campaigns: 2, ignored: 2, tooLarge: 0, failed: [] });
    expect((await copiesOf(tables.campaigns, good)).every((copy) => copy?.campaign.id === good)).toBe(true);
  });
});

describe("a claim with CLAIM_CAMPAIGN_COPIES", () => {
  /** A document client on the emulator that records each request to the campaigns table. */
  function countingClient(): { client: DynamoDBDocumentClient; campaignCalls: { command: string; input: string }[] } {
    const campaignCalls: { command: string; input: string }[] = [];
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: testEndpoints().dynamodbEndpoint }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string };
        if (input.TableName === tables.campaigns) campaignCalls.push({ command: context.commandName ?? "?", input: JSON.stringify(input) });
        return next(args);
      },
      { step: "initialize", name: "countCampaignCalls" },
    );
    return { client, campaignCalls };
  }

  const claimWith = (client: DynamoDBDocumentClient, campaignId: string, random: () => number) =>
    claimVoucher(
      { residentId: unique("resident"), campaignId, dropId: "d1", voucherTypeId: "100-30" },
      { db: client, tables, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0, campaignCopies: 16 }), now: () => new Date(), random },
    );

  it("reads one random copy: a GetItem of its key, no Query of the campaign", async () => {
    const campaignId = unique("copied");
    const snapshot = await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    await writeCampaignCopies(db, tables.campaigns, snapshot, new Date().toISOString());
    const { client, campaignCalls } = countingClient();
    // random() = 0.5 of 16 copies: copy 8.
    const voucher = await claimWith(client, campaignId, () => 0.5);
    expect(voucher.campaignId).toBe(campaignId);
    expect(campaignCalls.map((call) => call.command)).toEqual(["GetItemCommand"]);
    expect(campaignCalls[0]!.input).toContain(campaignCopyKey(campaignId, 8).pk);
    expect(campaignCalls[0]!.input).not.toContain("ConsistentRead\":true");
    client.destroy();
  });

  it("reads the campaign itself while its copies are missing", async () => {
    const campaignId = unique("uncopied");
    await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
    const { client, campaignCalls } = countingClient();
    const voucher = await claimWith(client, campaignId, () => 0.99);
    expect(voucher.campaignId).toBe(campaignId);
    expect(campaignCalls.map((call) => call.command)).toEqual(["GetItemCommand", "QueryCommand"]);
    expect(campaignCalls[0]!.input).toContain(campaignCopyKey(campaignId, 15).pk);
    expect(campaignCalls[1]!.input).toContain(campaignKey(campaignId).pk);
    client.destroy();
  });
});

describe("npm run campaign:copies", () => {
  it("rewrites a campaign's copies on the local platform, and says when there is no such campaign", async () => {
    const dir = mkdtempSync(join(tmpdir(), "copies-state-"));
    const stateFile = join(dir, "state.json");
    try {
      const env = { VOUCHERS_LOCAL_STATE_FILE: stateFile };
      const none = await runScript("scripts/campaign-copies.ts", ["--campaign", "x"], env);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain("no local platform is running");

      const { dynamodbEndpoint, sqsEndpoint } = testEndpoints();
      await writeStateFile({ url: "http://127.0.0.1:1", prefix: plainPrefix, dynamodbEndpoint, sqsEndpoint, pid: process.pid, startedAt: new Date().toISOString() }, stateFile);
      const campaignId = unique("script");
      await seedCampaign(db, tables, { id: campaignId, drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }] });
      const run = await runScript("scripts/campaign-copies.ts", ["--campaign", campaignId], env);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ campaignId, table: tables.campaigns, outcome: "written", written: CAMPAIGN_COPIES });
      const source = await loadCampaign(db, tables.campaigns, campaignId, { consistent: true });
      for (const copy of await copiesOf(tables.campaigns, campaignId)) expect({ campaign: copy!.campaign, drops: copy!.drops }).toEqual(source);

      // A drop plan's count: copies 16 … 39 too.
      const planned = await runScript("scripts/campaign-copies.ts", ["--campaign", campaignId, "--copies", "40"], env);
      expect(planned.code, planned.stderr).toBe(0);
      expect(JSON.parse(planned.stdout)).toMatchObject({ outcome: "written", written: 40 });
      expect(await readCampaignCopy(db, tables.campaigns, campaignId, 39)).toMatchObject({ campaign: source!.campaign });
      expect(await readCampaignCopy(db, tables.campaigns, campaignId, 40)).toBeUndefined();
      const tooMany = await runScript("scripts/campaign-copies.ts", ["--campaign", campaignId, "--copies", "129"], env);
      expect(tooMany.code).toBe(2);

      const absent = await runScript("scripts/campaign-copies.ts", ["--campaign", unique("absent")], env);
      expect(absent.code).toBe(1);
      expect(absent.stderr).toContain("no campaign");

      const bad = await runScript("scripts/campaign-copies.ts", ["--table", "t"], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("usage: npm run campaign:copies");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
