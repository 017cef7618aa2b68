/**
 * Lottery drops on DynamoDB Local (API.md, "Fair allocation"): the seed and its commitment at
 * publish (and after a publish cut short), registration once per person inside the window, and
 * the draw's fan-out under crashes and redelivery: winners' vouchers issued exactly once, never
 * over stock, and the published result recomputable from the seed and the ids.
 */
import { randomUUID } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { type CampaignInput, parseCampaign } from "../../shared/domain/campaign.js";
import { type DrawEntry, drawCommitment, winners } from "../../shared/domain/lottery.js";
import type { DrawChunkMessage, DrawIssueMessage, DrawMessage } from "../../shared/api/messages.js";
import { markPublishing } from "../../shared/store/campaign-writes.js";
import { closeDrop } from "../../shared/store/drop-close.js";
import { ensureDrawSeed, readDrawSeed } from "../../shared/store/draw-seeds.js";
import { claimCounterKey } from "../../shared/store/keys.js";
import { CHUNK_PART_ENTRIES, putChunkResult, readChunkResults } from "../../shared/store/lottery.js";
import { countIssued, listVouchers } from "../../shared/store/vouchers.js";
import { TtlCache } from "../../shared/use-cases/campaign-views.js";
import { type CampaignPage, addDrop, createCampaign, listPublicCampaigns, publishCampaign, setCampaignStatus } from "../../shared/use-cases/campaigns.js";
import { ClaimCaches, claimVoucher } from "../../shared/use-cases/claim.js";
import { runTicker } from "../../shared/use-cases/ticker.js";
import type { Dependencies } from "../../shared/use-cases/dependencies.js";
import { type DrawWorkerDependencies, issueDrawBatch, listMyRegistrations, rankDrawChunk, readDrawResult, registerForDraw, registrationCount, startDraw, startDueDraws } from "../../shared/use-cases/lottery.js";
import { parseDrop } from "../../shared/domain/campaign.js";
import { platform } from "../../shared/wiring/platform.js";
import { campaignInput } from "../fixtures/campaigns.js";
import { rejection } from "../support/rejection.js";
import { provisionTestResources, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
const BEFORE = new Date("2030-02-01T00:00:00+08:00");
const DURING = new Date("2030-03-02T00:00:00+08:00");
const AFTER = new Date("2030-03-03T12:00:00+08:00");

type Tables = "campaigns" | "inventory" | "drawSeeds" | "vouchers" | "lottery";
let tables: Record<Tables, string>;
let allTables: Record<"operations" | "redemptions" | "settlements" | "merchants", string>;
const at = (now: Date): Dependencies<Tables> => ({ db, tables, now: () => now });
/** The draw worker's dependencies; a draw this small issues its winners in the merge and sends nothing. */
const worker = (now: Date, extra: Partial<DrawWorkerDependencies> = {}): DrawWorkerDependencies => ({
  ...at(now),
  send: () => Promise.reject(new Error("a small draw sends no issue batch")),
  ...extra,
});

beforeAll(async () => {
  const resources = await provisionTestResources(platform, "lottery");
  tables = tableNamesOf(resources, ["campaigns", "inventory", "drawSeeds", "vouchers", "lottery"]);
  allTables = tableNamesOf(resources, ["operations", "redemptions", "settlements", "merchants"]);
});

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

const LOTTERY_DROP = {
  id: "draw1",
  opensAt: "2030-03-01T10:00:00+08:00",
  closesAt: "2030-03-05T12:00:00+08:00",
  stock: { "100-30": 3, "200-60": 2 },
  shards: 2,
  allocation: "lottery" as const,
  registration: { opensAt: "2030-03-01T10:00:00+08:00", closesAt: "2030-03-03T10:00:00+08:00" },
  drawAt: "2030-03-03T11:00:00+08:00",
};
const PLAIN_DROP = { id: "plain", opensAt: "2030-03-10T10:00:00+08:00", closesAt: "2030-03-10T12:00:00+08:00", stock: { "100-30": 5 } };

async function lotteryCampaign(overrides: Partial<CampaignInput> = {}): Promise<string> {
  const id = unique("lot");
  await createCampaign({ ...at(BEFORE), campaign: parseCampaign(campaignInput(id, { perPersonLimit: 1, drops: [LOTTERY_DROP, PLAIN_DROP], ...overrides })), operator: "op" });
  return id;
}

async function register(campaignId: string, person: string, voucherTypeId = "100-30", now = DURING) {
  return registerForDraw({ residentId: person, campaignId, dropId: "draw1", voucherTypeId }, at(now));
}

/** Runs the draw as the queue would: start, then every chunk (or what `deliver` makes of them). */
async function draw(campaignId: string, options: { deliver?: (messages: DrawChunkMessage[]) => Promise<void> } = {}): Promise<DrawChunkMessage[]> {
  const sent: DrawChunkMessage[] = [];
  await startDraw({ ...at(AFTER), campaignId, dropId: "draw1", send: (messages) => {
      sent.push(...messages);
      return Promise.resolve();
    },
  });
  if (options.deliver) await options.deliver(sent);
  else for (const message of sent) await rankDrawChunk(message, worker(AFTER));
  return sent;
}

async function setClaimed(person: string, campaignId: string, claimed: number): Promise<void> {
  await db.send(
    new UpdateCommand({ TableName: tables.vouchers, Key: claimCounterKey(person, campaignId), UpdateExpression: "SET claimed = :n", ExpressionAttributeValues: { ":n": claimed } }),
  );
}

describe("the seed and its commitment", () => {
  it("are drawn at publish, kept apart, and shown only as the commitment, unchanged by publishing again", async () => {
    const campaignId = await lotteryCampaign();
    const published = await publishCampaign({ ...at(BEFORE), campaignId });
    const seed = await readDrawSeed(db, tables.drawSeeds, { campaignId, dropId: "draw1" });
    expect(seed).toMatch(/^[0-9a-f]{64}$/);
    const drop = published.drops.find((candidate) => candidate.id === "draw1");
    expect(drop).toMatchObject({ allocation: "lottery", drawCommitment: drawCommitment(seed!), drawAt: LOTTERY_DROP.drawAt });
    expect(published.drops.find((candidate) => candidate.id === "plain")?.drawCommitment).toBeUndefined();

    const again = await publishCampaign({ ...at(BEFORE), campaignId });
    expect(again.drops.find((candidate) => candidate.id === "draw1")?.drawCommitment).toBe(drawCommitment(seed!));
    expect(await readDrawSeed(db, tables.drawSeeds, { campaignId, dropId: "draw1" })).toBe(seed);

    const list = await listPublicCampaigns({ ...at(BEFORE), query: { limit: 100 }, cache: new TtlCache<CampaignPage>(0) });
    const listed = list.items.find((item) => item.id === campaignId);
    expect(listed?.drops.find((candidate) => candidate.id === "draw1")?.drawCommitment).toBe(drawCommitment(seed!));
    expect(JSON.stringify(list)).not.toContain(seed!);
  });

  it("survive a publish cut short after the seed was written: publishing again keeps that seed", async () => {
    const campaignId = await lotteryCampaign();
    await markPublishing(db, tables.campaigns, campaignId, BEFORE.toISOString());
    const stored = "ab".repeat(32);
    await ensureDrawSeed(db, tables.drawSeeds, { campaignId, dropId: "draw1" }, stored, BEFORE.toISOString());
    const published = await publishCampaign({ ...at(BEFORE), campaignId });
    expect(published.drops.find((candidate) => candidate.id === "draw1")?.drawCommitment).toBe(drawCommitment(stored));
    expect(await readDrawSeed(db, tables.drawSeeds, { campaignId, dropId: "draw1" })).toBe(stored);
  });

  it("is drawn for a lottery drop added to a published campaign", async () => {
    const campaignId = await lotteryCampaign({ drops: [PLAIN_DROP] });
    await publishCampaign({ ...at(BEFORE), campaignId });
    const added = await addDrop({ ...at(BEFORE), campaignId, drop: parseDrop(LOTTERY_DROP) });
    const seed = await readDrawSeed(db, tables.drawSeeds, { campaignId, dropId: "draw1" });
    expect(added.drops.find((candidate) => candidate.id === "draw1")?.drawCommitment).toBe(drawCommitment(seed!));
  });
});

describe("registration", () => {
  it("is open only inside the window, once per person, and counted", async () => {
    const campaignId = await lotteryCampaign();
    await publishCampaign({ ...at(BEFORE), campaignId });
    expect(await rejection(register(campaignId, "early", "100-30", BEFORE))).toMatchObject({ code: "REGISTRATION_CLOSED", status: 409 });
    expect(await rejection(register(campaignId, "late", "100-30", AFTER))).toMatchObject({ code: "REGISTRATION_CLOSED" });

    const first = await register(campaignId, "alice");
    expect(first).toMatchObject({ created: true, registration: { voucherTypeId: "100-30", status: "REGISTERED" } });
    const racing = await Promise.all(Array.from({ length: 8 }, () => register(campaignId, "alice", "200-60")));
    expect(racing.every((outcome) => !outcome.created && outcome.registration.registrationId === first.registration.registrationId)).toBe(true);

    const concurrent = await Promise.all(Array.from({ length: 8 }, () => register(campaignId, "bob")));
    expect(concurrent.filter((outcome) => outcome.created)).toHaveLength(1);
    expect(new Set(concurrent.map((outcome) => outcome.registration.registrationId)).size).toBe(1);
    expect(await registrationCount({ ...at(DURING), campaignId, dropId: "draw1" })).toBe(2);
    expect((await listMyRegistrations({ ...at(DURING), residentId: "alice" })).items).toEqual([
      { campaignId, dropId: "draw1", registrationId: first.registration.registrationId, voucherTypeId: "100-30", status: "REGISTERED" },
    ]);
  });

  it("counts linked accounts as one person: of concurrent registrations by two accounts sharing a verified phone, exactly one counts", async () => {
    const campaignId = await lotteryCampaign();
    await publishCampaign({ ...at(BEFORE), campaignId });
    // The keyed hash of one verified phone number, carried by both accounts' tokens.
    const identities = { phone: `phone-${unique("hash")}` };
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        registerForDraw({ residentId: index % 2 === 0 ? "twin-a" : "twin-b", identities, campaignId, dropId: "draw1", voucherTypeId: "100-30" }, at(DURING)),
      ),
    );
    expect(attempts.filter((outcome) => outcome.created)).toHaveLength(1);
    expect(new Set(attempts.map((outcome) => outcome.registration.registrationId)).size).toBe(1);
    expect(await registrationCount({ ...at(DURING), campaignId, dropId: "draw1" })).toBe(1);
  });

  it("refuses a person at the per-person limit, a drop that is no lottery, a draft, and claims on the lottery drop", async () => {
    const campaignId = await lotteryCampaign();
    expect(await rejection(register(campaignId, "carol"))).toMatchObject({ code: "NOT_FOUND" });
    await publishCampaign({ ...at(BEFORE), campaignId });
    await setClaimed("carol", campaignId, 1);
    expect(await rejection(register(campaignId, "carol"))).toMatchObject({ code: "LIMIT_REACHED", status: 409 });
    expect(await rejection(register(campaignId, "erin", "no-such-type"))).toMatchObject({ code: "NOT_FOUND" });
    await setCampaignStatus({ ...at(DURING), campaignId, action: "pause" });
    expect(await rejection(register(campaignId, "erin"))).toMatchObject({ code: "REGISTRATION_CLOSED" });
    await setCampaignStatus({ ...at(DURING), campaignId, action: "resume" });
    expect((await register(campaignId, "erin")).created).toBe(true);
    expect(
      await rejection(registerForDraw({ residentId: "dan", campaignId, dropId: "plain", voucherTypeId: "100-30" }, at(DURING))),
    ).toMatchObject({ code: "NOT_A_LOTTERY_DROP", status: 409 });
    const claim = claimVoucher({ residentId: "dan", campaignId, dropId: "draw1", voucherTypeId: "100-30" }, { ...at(DURING), caches: new ClaimCaches(), random: Math.random });
    expect(await rejection(claim)).toMatchObject({ code: "LOTTERY_DROP", status: 409 });
  });
});

describe("the draw", () => {
  async function registered(campaignId: string, count: number): Promise<DrawEntry[]> {
    const entries: DrawEntry[] = [];
    for (let i = 0; i < count; i++) {
      const outcome = await register(campaignId, `p${i}`, i % 3 === 0 ? "200-60" : "100-30");
      entries.push({ registrationId: outcome.registration.registrationId, voucherTypeId: outcome.registration.voucherTypeId });
    }
    return entries;
  }

  it("is planned by the ticker once drawAt has passed, once", async () => {
    const campaignId = await lotteryCampaign();
    await publishCampaign({ ...at(BEFORE), campaignId });
    const sent: DrawChunkMessage[] = [];
    const send = (messages: readonly DrawChunkMessage[]) => {
      sent.push(...messages.filter((message) => message.campaignId === campaignId));
      return Promise.resolve();
    };
    const beforeDrawAt = new Date(Date.parse(LOTTERY_DROP.drawAt) - 1);
    expect((await startDueDraws({ ...at(beforeDrawAt), send })).started).not.toContain(`${campaignId}/draw1`);
    expect(sent).toHaveLength(0);
    // The ticker's firing plans it.
    const tick = await runTicker({
      db,
      operationsTable: allTables.operations,
      campaignsTable: tables.campaigns,
      inventoryTable: tables.inventory,
      vouchersTable: tables.vouchers,
      settlement: {
        tables: { redemptions: allTables.redemptions, settlements: allTables.settlements, merchants: allTables.merchants },
        send: () => Promise.resolve(),
        sendPayout: () => Promise.resolve(),
      },
      draws: { lotteryTable: tables.lottery, send },
      scheduledTime: AFTER.toISOString(),
      now: () => AFTER,
    });
    expect(tick.draws.started).toContain(`${campaignId}/draw1`);
    expect(sent.map((message) => message.chunk)).toEqual(Array.from({ length: 32 }, (_, chunk) => chunk));
    expect((await startDueDraws({ ...at(AFTER), send })).started).not.toContain(`${campaignId}/draw1`);
    expect(sent).toHaveLength(32);
  });

  it("keeps a chunk's top-k of any size, in parts under the item limit, and counts a chunk only once its header is written", async () => {
    const drop = { campaignId: unique("parts"), dropId: "draw1" };
    const entry = (i: number) => ({
      campaignId: drop.campaignId,
      dropId: "draw1",
      registrationId: `r${i}`,
      voucherTypeId: i % 2 === 0 ? "a" : "b",
      resident: `resident-with-a-long-account-id-${"x".repeat(40)}-${i}`,
      personKey: `resident-with-a-long-account-id-${"x".repeat(40)}-${i}`,
      shard: i % 32,
      registeredAt: "2030-03-02T00:00:00.000Z",
      rank: i.toString(16).padStart(64, "0"),
    });
    const big = Array.from({ length: 2 * CHUNK_PART_ENTRIES + 500 }, (_, i) => entry(i));
    const top = { a: big.filter((e) => e.voucherTypeId === "a"), b: big.filter((e) => e.voucherTypeId === "b") };
    await putChunkResult(db, tables.lottery, drop, 3, { registrations: 9_999, top });
    await putChunkResult(db, tables.lottery, drop, 3, { registrations: 9_999, top });
    const [read, ...more] = await readChunkResults(db, tables.lottery, drop);
    expect(more).toEqual([]);
    expect(read).toEqual({ registrations: 9_999, top });
  });

  it("is refused before registration closes and publishes nothing before it runs", async () => {
    const campaignId = await lotteryCampaign();
    await publishCampaign({ ...at(BEFORE), campaignId });
    const early = startDraw({ ...at(DURING), campaignId, dropId: "draw1", send: () => Promise.resolve() });
    expect(await rejection(early)).toMatchObject({ code: "REGISTRATION_OPEN", status: 409 });
    expect(await rejection(readDrawResult({ ...at(DURING), campaignId, dropId: "draw1", limit: 10 }))).toMatchObject({ code: "NOT_DRAWN", status: 404 });
  });

  it("issues the winners' vouchers exactly once under a crashed merge and redelivered chunks, never over stock, and publishes a recomputable result", async () => {
    const campaignId = await lotteryCampaign();
    await publishCampaign({ ...at(BEFORE), campaignId });
    const entries = await registered(campaignId, 24);
    const seed = (await readDrawSeed(db, tables.drawSeeds, { campaignId, dropId: "draw1" }))!;
    const expected = winners(seed, entries, LOTTERY_DROP.stock);
    // One winner reached the limit since registering: it gets nothing, and nobody below it does instead.
    const atLimit = expected["100-30"]![1]!;
    const owners = new Map(entries.map((entry, i) => [entry.registrationId, `p${i}`]));
    await setClaimed(owners.get(atLimit.registrationId)!, campaignId, 1);

    const closeTables = { campaigns: tables.campaigns, inventory: tables.inventory, vouchers: tables.vouchers };
    const afterClose = new Date(Date.parse(LOTTERY_DROP.closesAt) + 3_600_000);
    // Drop close waits for the draw: it could not count the vouchers the draw is yet to issue.
    expect(await closeDrop({ db, tables: closeTables, campaignId, dropId: "draw1", now: afterClose })).toMatchObject({ status: "awaiting-draw" });

    let issues = 0;
    const sent = await draw(campaignId, {
      deliver: async (messages) => {
        // The merge dies at its third winner, the others in flight or done.
        const crashing = {
          ...worker(AFTER),
          beforeIssue: () => {
            if (++issues === 3) throw new Error("injected crash in the merge");
          },
        };
        // Every chunk but the last reports; the last one merges and crashes after issuing nothing or part.
        for (const message of messages.slice(0, -1)) expect(await rankDrawChunk(message, worker(AFTER))).toBe("ranked");
        await expect(rankDrawChunk(messages.at(-1)!, crashing)).rejects.toThrow("injected crash");
        // Redelivered: a chunk already reported, then the crashed one, then all again.
        expect(await rankDrawChunk(messages[0]!, worker(AFTER))).toBe("drawn");
        for (const message of messages) expect(await rankDrawChunk(message, worker(AFTER))).toBe("already-drawn");
      },
    });
    expect(sent).toHaveLength(32);
    // Drawing again changes nothing.
    expect(await startDraw({ ...at(AFTER), campaignId, dropId: "draw1", send: () => Promise.reject(new Error("must not send")) })).toMatchObject({ status: "DRAWN" });

    expect(await countIssued(db, tables.vouchers, campaignId, "draw1", "100-30", 2)).toBe(2);
    expect(await countIssued(db, tables.vouchers, campaignId, "draw1", "200-60", 2)).toBe(2);
    for (const [typeId, list] of Object.entries(expected)) {
      for (const winner of list) {
        const owner = owners.get(winner.registrationId)!;
        const held = (await listVouchers(db, tables.vouchers, owner)).filter((voucher) => voucher.campaignId === campaignId);
        expect(held.map((voucher) => voucher.voucherTypeId)).toEqual(winner === atLimit ? [] : [typeId]);
      }
    }

    // Now it closes, counting the issued vouchers; the unit of the winner at the limit is unclaimed.
    const closed = await closeDrop({ db, tables: closeTables, campaignId, dropId: "draw1", now: afterClose });
    expect(closed).toMatchObject({ status: "closed", outcome: { "100-30": { issued: 2, unclaimed: 1 }, "200-60": { issued: 2, unclaimed: 0 } } });

    const pages = [];
    let nextToken: string | undefined;
    do {
      const page = await readDrawResult({ ...at(AFTER), campaignId, dropId: "draw1", limit: 5, nextToken });
      pages.push(page);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    const first = pages[0]!;
    expect(first).toMatchObject({ seed, commitment: drawCommitment(seed), stock: LOTTERY_DROP.stock, registrations: 24, winners: { "100-30": 3, "200-60": 2 }, issued: { "100-30": 2, "200-60": 2 } });
    const published = pages.flatMap((page) => page.registrationIds);
    expect(published).toHaveLength(24);
    expect(new Set(published.map((entry) => entry.registrationId))).toEqual(new Set(entries.map((entry) => entry.registrationId)));
    expect(winners(first.seed, published, first.stock)).toEqual(expected);

    const mine = (await listMyRegistrations({ ...at(AFTER), residentId: owners.get(expected["200-60"]![0]!.registrationId)! })).items;
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: "WON" });
    expect(mine[0]!.voucherId).toMatch(/^v[0-9a-f]{32}$/);
    expect((await listMyRegistrations({ ...at(AFTER), residentId: owners.get(atLimit.registrationId)! })).items).toEqual([expect.objectContaining({ status: "WON" })]);
    const loser = entries.find((entry) => !Object.values(expected).flat().some((winner) => winner.registrationId === entry.registrationId))!;
    expect((await listMyRegistrations({ ...at(AFTER), residentId: owners.get(loser.registrationId)! })).items).toEqual([expect.objectContaining({ status: "LOST" })]);
  });

  it("issues a large draw's winners in batches through the queue, exactly once under a crashed batch, a merge run twice and redelivered batches", async () => {
    const campaignId = await lotteryCampaign();
    await publishCampaign({ ...at(BEFORE), campaignId });
    const entries = await registered(campaignId, 24);
    const seed = (await readDrawSeed(db, tables.drawSeeds, { campaignId, dropId: "draw1" }))!;
    const expected = winners(seed, entries, LOTTERY_DROP.stock);
    const atLimit = expected["200-60"]![0]!;
    const owners = new Map(entries.map((entry, i) => [entry.registrationId, `p${i}`]));
    await setClaimed(owners.get(atLimit.registrationId)!, campaignId, 1);
    const closeTables = { campaigns: tables.campaigns, inventory: tables.inventory, vouchers: tables.vouchers };
    const afterClose = new Date(Date.parse(LOTTERY_DROP.closesAt) + 3_600_000);

    // Five winners, two per batch: the merge stores three batches and sends one message each.
    const queued: DrawMessage[] = [];
    const batched = (extra: Partial<DrawWorkerDependencies> = {}) =>
      worker(AFTER, {
        issueBatchWinners: 2,
        send: (messages) => {
          queued.push(...messages);
          return Promise.resolve();
        },
        ...extra,
      });
    const chunks = await draw(campaignId, {
      deliver: async (messages) => {
        for (const message of messages.slice(0, -1)) expect(await rankDrawChunk(message, batched())).toBe("ranked");
        expect(await rankDrawChunk(messages.at(-1)!, batched())).toBe("issuing");
        // The last chunk redelivered (its delete lost): the merge runs again and sends the batches again.
        expect(await rankDrawChunk(messages.at(-1)!, batched())).toBe("issuing");
      },
    });
    expect(chunks).toHaveLength(32);
    const batches = queued.filter((message): message is DrawIssueMessage => "batch" in message);
    expect(batches.map((message) => message.batch).sort()).toEqual([0, 0, 1, 1, 2, 2]);

    // Batch 0 dies after its first winner; the others and its redelivery run, the last two at once.
    let issues = 0;
    const crashing = batched({
      beforeIssue: () => {
        if (++issues === 2) throw new Error("injected crash in an issue batch");
      },
    });
    const [zero, one, two] = [0, 1, 2].map((batch) => batches.find((message) => message.batch === batch)!);
    await expect(issueDrawBatch(zero!, crashing)).rejects.toThrow("injected crash");
    expect(await issueDrawBatch(one!, batched())).toBe("issued");
    // Not published while a batch is outstanding, and drop close still waits.
    expect(await rejection(readDrawResult({ ...at(AFTER), campaignId, dropId: "draw1", limit: 10 }))).toMatchObject({ code: "NOT_DRAWN" });
    expect(await closeDrop({ db, tables: closeTables, campaignId, dropId: "draw1", now: afterClose })).toMatchObject({ status: "awaiting-draw" });
    const last = await Promise.all([issueDrawBatch(zero!, batched()), issueDrawBatch(two!, batched())]);
    expect(last).toContain("drawn");
    for (const message of batches) expect(await issueDrawBatch(message, batched())).toBe("already-drawn");
    expect(await rankDrawChunk(chunks[0]!, batched())).toBe("already-drawn");

    expect(await countIssued(db, tables.vouchers, campaignId, "draw1", "100-30", 2)).toBe(3);
    expect(await countIssued(db, tables.vouchers, campaignId, "draw1", "200-60", 2)).toBe(1);
    for (const [typeId, list] of Object.entries(expected)) {
      for (const winner of list) {
        const held = (await listVouchers(db, tables.vouchers, owners.get(winner.registrationId)!)).filter((voucher) => voucher.campaignId === campaignId);
        expect(held.map((voucher) => voucher.voucherTypeId)).toEqual(winner === atLimit ? [] : [typeId]);
      }
    }
    const result = await readDrawResult({ ...at(AFTER), campaignId, dropId: "draw1", limit: 100 });
    expect(result).toMatchObject({ seed, registrations: 24, winners: { "100-30": 3, "200-60": 2 }, issued: { "100-30": 3, "200-60": 1 } });
    expect(winners(result.seed, result.registrationIds, result.stock)).toEqual(expected);
    const closed = await closeDrop({ db, tables: closeTables, campaignId, dropId: "draw1", now: afterClose });
    expect(closed).toMatchObject({ status: "closed", outcome: { "100-30": { issued: 3, unclaimed: 0 }, "200-60": { issued: 1, unclaimed: 1 } } });
  });
});
