/**
 * The expiry sweep on the emulators, inside a local runtime of the platform wiring (so its stream
 * pollers project the stats): due CLAIMED vouchers become EXPIRED and nothing else changes, a
 * second sweep changes nothing, a redemption racing the sweep wins or loses whole, a closed drop
 * past expiry + grace is marked and skipped later, and the stats count the expiries and give
 * their discounts back to the remaining budget.
 */
import { randomUUID } from "node:crypto";
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { EXPIRY_GRACE_MS } from "../../shared/domain/expiry.js";
import { ClaimCaches, claimVoucher } from "../../shared/use-cases/claim.js";
import { sweepExpiredVouchers } from "../../shared/use-cases/expiry.js";
import { recordPayment, recordRefund } from "../../shared/use-cases/payments.js";
import { getCampaignStats, recountStats, statsView } from "../../shared/use-cases/stats.js";
import { loadCampaign } from "../../shared/store/campaigns.js";
import { campaignKey, dropKey } from "../../shared/store/keys.js";
import { readStats } from "../../shared/store/stats.js";
import { type VoucherItem, readIssuedVouchers, writeIssuedVoucher } from "../../shared/store/vouchers.js";
import { platform } from "../../shared/wiring/platform.js";
import { VOUCHER_TYPES, seedCampaign } from "../support/seed.js";
import { seedMerchant } from "../support/settlement.js";
import { eventually, startTestRuntime, tableNamesOf, testClients } from "./runtime-helpers.js";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const BUDGET = 1_000_000_000;
const DISCOUNT = VOUCHER_TYPES[0]!.discount;

const { db } = testClients();
let runtime: LocalRuntime;
let tables: Record<"campaigns" | "inventory" | "vouchers" | "redemptions" | "merchants" | "stats", string>;
let merchantId: string;
/** Campaigns of the test under way, taken off the listing after it so later sweeps do not see them. */
let created: string[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "expiry");
  tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "vouchers", "redemptions", "merchants", "stats"]);
  merchantId = unique("m");
  await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a", sector: "restaurant" });
}, 60_000);

afterEach(async () => {
  for (const campaignId of created) {
    await db.send(new UpdateCommand({ TableName: tables.campaigns, Key: campaignKey(campaignId), UpdateExpression: "REMOVE listing" }));
  }
  created = [];
});

afterAll(async () => {
  await runtime?.stop();
});

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const iso = (ms: number) => new Date(ms).toISOString();

async function campaign(options: Parameters<typeof seedCampaign>[2]) {
  created.push(options.id);
  return seedCampaign(db, tables, options);
}

/** A voucher written as a claim writes it, with the claim and expiry times given (claims only issue current ones). */
async function putVoucher(input: { campaignId: string; dropId: string; owner: string; claimedAt: number; expiresAt: number; shard?: number }): Promise<string> {
  const voucherId = unique("v");
  const type = VOUCHER_TYPES[0]!;
  const outcome = await writeIssuedVoucher(db, tables.vouchers, {
    residentId: input.owner,
    perPersonLimit: 10,
    shard: input.shard ?? 0,
    attempt: voucherId,
    voucher: {
      voucherId,
      campaignId: input.campaignId,
      dropId: input.dropId,
      voucherTypeId: type.id,
      threshold: type.threshold,
      discount: type.discount,
      claimedAt: iso(input.claimedAt),
      expiresAt: iso(input.expiresAt),
      status: "CLAIMED",
    },
  });
  expect(outcome.outcome).toBe("issued");
  return voucherId;
}

async function vouchersOf(campaignId: string, dropId: string, shardCount = 2): Promise<Map<string, VoucherItem>> {
  const items = await readIssuedVouchers(db, tables.vouchers, { campaignId, dropId, voucherTypeId: VOUCHER_TYPES[0]!.id, shardCount });
  return new Map(items.map((item) => [item.owner, item]));
}

/** The vouchers' raw items (with expiredAt, which the store's schema leaves out), by owner. */
async function rawVouchers(campaignId: string, dropId: string, shardCount = 2): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  for (let shard = 0; shard < shardCount; shard++) {
    const page = await db.send(
      new QueryCommand({
        TableName: tables.vouchers,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `ISSUED#${campaignId}#${dropId}#${VOUCHER_TYPES[0]!.id}#${shard}` },
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) found.set(String(item.owner), item);
  }
  return found;
}

function pay(payerId: string, occurredAt: string) {
  return recordPayment(
    { partnerId: "bank-a", body: { eventId: unique("e"), transactionId: unique("t"), merchantId, payerId, amount: 15_000, occurredAt } },
    { db, tables, now: () => new Date() },
  );
}

/**
 * The campaign's stats once `ready` holds and the projection has caught up with every record: the
 * two streams are read apart, so one may show a change the other does not yet.
 */
async function statsWhen(campaignId: string, ready: (stats: Awaited<ReturnType<typeof getCampaignStats>>) => boolean, what: string) {
  const loaded = await loadCampaign(db, tables.campaigns, campaignId, { consistent: true });
  return eventually(async () => {
    // The figures returned are the very ones found equal to the recount: a read taken before the
    // projection caught up must never be returned after it did.
    const projected = await getCampaignStats({ db, tables, campaignId });
    if (!ready(projected)) return undefined;
    const recounted = statsView(loaded!.campaign, await recountStats({ db, tables, campaignId }));
    return JSON.stringify(recounted) === JSON.stringify(projected) ? projected : undefined;
  }, 30_000, what);
}

async function projectionEqualsRecount(campaignId: string): Promise<void> {
  const loaded = await loadCampaign(db, tables.campaigns, campaignId, { consistent: true });
  expect(statsView(loaded!.campaign, await recountStats({ db, tables, campaignId }))).toEqual(statsView(loaded!.campaign, await readStats(db, tables.stats, campaignId)));
}

describe("the expiry sweep", () => {
  it("expires the due CLAIMED vouchers only, changes nothing the second time, and the stats give the discounts back", async () => {
    const campaignId = unique("c");
    await campaign({ id: campaignId, perPersonLimit: 1, drops: [{ id: "d1", stock: { "100-30": 20 }, shards: 2 }] });
    const claims = { db, tables, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }), now: () => new Date(), random: Math.random };
    const payers = Array.from({ length: 5 }, (_, i) => `p${i}-${campaignId}`);
    const claimedAt = Date.now();
    for (const sub of payers) await claimVoucher({ residentId: sub, campaignId, dropId: "d1", voucherTypeId: "100-30" }, claims);
    // p0 redeemed, p1 redeemed then refunded (voided); p2, p3, p4 still CLAIMED (7 days' validity).
    expect((await pay(payers[0]!, new Date().toISOString())).discount).toBe(DISCOUNT);
    const refunded = unique("t");
    await recordPayment(
      { partnerId: "bank-a", body: { eventId: unique("e"), transactionId: refunded, merchantId, payerId: payers[1]!, amount: 15_000, occurredAt: new Date().toISOString() } },
      { db, tables, now: () => new Date() },
    );
    await recordRefund({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId: refunded, occurredAt: new Date().toISOString() } }, { db, tables, now: () => new Date() });

    // The sweep's clock: a day and five minutes after the claims' expiry.
    const sweepAt = claimedAt + 8 * DAY + 5 * 60_000;
    // p5's voucher expired 12 h before the sweep: within the grace period, not due yet.
    const late = `p5-${campaignId}`;
    await putVoucher({ campaignId, dropId: "d1", owner: late, claimedAt, expiresAt: sweepAt - EXPIRY_GRACE_MS / 2, shard: 1 });

    const before = await statsWhen(campaignId, (s) => s.claimed === 6 && s.redeemed === 1 && s.reversed === 1, "claims and payments to be projected");
    expect(before.expired).toBe(0);
    // Spent: 3,000 (p0). Still usable: p2, p3, p4, p5.
    expect(before.remainingBudget).toBe(BUDGET - DISCOUNT - 4 * DISCOUNT);

    const first = await sweepExpiredVouchers({ db, tables, now: () => new Date(sweepAt) });
    expect(first).toMatchObject({ campaigns: 1, dropsSwept: 1, dropsFinished: 0, alreadyDone: 0, vouchersExpired: 3, vouchersChanged: 0, complete: true, failed: [] });
    expect(first.limit).toBe(iso(sweepAt - EXPIRY_GRACE_MS));

    const after = await rawVouchers(campaignId, "d1");
    expect(after.get(payers[0]!)).toMatchObject({ status: "REDEEMED" });
    expect(after.get(payers[1]!)).toMatchObject({ status: "VOID" });
    for (const payer of payers.slice(2)) expect(after.get(payer)).toMatchObject({ status: "EXPIRED", expiredAt: iso(sweepAt) });
    expect(after.get(late)).toMatchObject({ status: "CLAIMED" });
    for (const owner of [payers[0]!, payers[1]!, late]) expect(after.get(owner)).not.toHaveProperty("expiredAt");

    const second = await sweepExpiredVouchers({ db, tables, now: () => new Date(sweepAt) });
    expect(second).toMatchObject({ campaigns: 1, dropsSwept: 1, vouchersExpired: 0, vouchersChanged: 0, complete: true, failed: [] });
    expect(await rawVouchers(campaignId, "d1")).toEqual(after);

    const stats = await statsWhen(campaignId, (s) => s.expired === 3, "the expiries to be projected");
    expect(stats.remainingBudget).toBe(before.remainingBudget + 3 * DISCOUNT);
    expect(Object.values(stats.byDay).reduce((sum, day) => sum + day.expired, 0)).toBe(3);
    expect(stats).toMatchObject({ claimed: 6, redeemed: 1, reversed: 1, subsidy: DISCOUNT });
    await projectionEqualsRecount(campaignId);

    // Past p5's grace too: it expires, and only it.
    const third = await sweepExpiredVouchers({ db, tables, now: () => new Date(sweepAt + DAY) });
    expect(third).toMatchObject({ vouchersExpired: 1, vouchersChanged: 0 });
    expect((await vouchersOf(campaignId, "d1")).get(late)?.status).toBe("EXPIRED");
  }, 90_000);

  it("leaves a voucher redeemed between the sweep's read and its write as redeemed", async () => {
    const now = Date.now();
    const campaignId = unique("c");
    await campaign({
      id: campaignId,
      startsAt: iso(now - 30 * DAY),
      drops: [{ id: "d1", stock: { "100-30": 10 }, shards: 2, opensAt: iso(now - 20 * DAY), closesAt: iso(now - 19 * DAY) }],
    });
    const expiresAt = now - 2 * DAY;
    const payers = [`a-${campaignId}`, `b-${campaignId}`];
    for (const owner of payers) await putVoucher({ campaignId, dropId: "d1", owner, claimedAt: now - 19.5 * DAY, expiresAt });

    // The payment of `a` (made an hour before the expiry, reported late) lands just as the sweep
    // is about to write `a`'s voucher, after it read it CLAIMED.
    let raced: Awaited<ReturnType<typeof pay>> | undefined;
    const target = (await vouchersOf(campaignId, "d1")).get(payers[0]!)!;
    const racing = {
      send: async (command: unknown) => {
        if (command instanceof UpdateCommand && raced === undefined && command.input.Key?.sk === `VOUCHER#${target.voucherId}`) {
          raced = await pay(payers[0]!, iso(expiresAt - HOUR));
        }
        return db.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const outcome = await sweepExpiredVouchers({ db: racing, tables, now: () => new Date() });
    expect(raced?.discount).toBe(DISCOUNT);
    expect(outcome).toMatchObject({ vouchersExpired: 1, vouchersChanged: 1, failed: [] });
    const after = await rawVouchers(campaignId, "d1");
    expect(after.get(payers[0]!)).toMatchObject({ status: "REDEEMED" });
    expect(after.get(payers[0]!)).not.toHaveProperty("expiredAt");
    expect(after.get(payers[1]!)).toMatchObject({ status: "EXPIRED" });

    const stats = await statsWhen(campaignId, (s) => s.expired === 1 && s.redeemed === 1, "the race's outcome to be projected");
    expect(stats.remainingBudget).toBe(BUDGET - DISCOUNT);
    await projectionEqualsRecount(campaignId);
  }, 90_000);

  it("races late payments against the sweep: each voucher ends redeemed or expired, never both", async () => {
    const now = Date.now();
    const campaignId = unique("c");
    await campaign({
      id: campaignId,
      startsAt: iso(now - 30 * DAY),
      drops: [{ id: "d1", stock: { "100-30": 40 }, shards: 2, opensAt: iso(now - 20 * DAY), closesAt: iso(now - 19 * DAY) }],
    });
    const expiresAt = now - 2 * DAY;
    const payers = Array.from({ length: 24 }, (_, i) => `r${i}-${campaignId}`);
    for (const [i, owner] of payers.entries()) await putVoucher({ campaignId, dropId: "d1", owner, claimedAt: now - 19.5 * DAY, expiresAt, shard: i % 2 });

    const [outcome, ...answers] = await Promise.all([
      sweepExpiredVouchers({ db, tables, now: () => new Date() }),
      ...payers.map((payer) => pay(payer, iso(expiresAt - HOUR))),
    ]);
    const after = await rawVouchers(campaignId, "d1");
    let redeemed = 0;
    for (const [i, payer] of payers.entries()) {
      const voucher = after.get(payer)!;
      if (answers[i]!.voucherId !== null) {
        redeemed++;
        expect(voucher).toMatchObject({ status: "REDEEMED" });
        expect(voucher).not.toHaveProperty("expiredAt");
      } else {
        expect(answers[i]).toMatchObject({ discount: 0, reason: "NO_ELIGIBLE_VOUCHER" });
        expect(voucher).toMatchObject({ status: "EXPIRED" });
      }
    }
    expect(outcome.vouchersExpired).toBe(payers.length - redeemed);
    expect(outcome.failed).toEqual([]);

    const stats = await statsWhen(campaignId, (s) => s.expired + s.redeemed === payers.length, "the race's outcome to be projected");
    expect(stats).toMatchObject({ claimed: payers.length, expired: payers.length - redeemed, redeemed, subsidy: redeemed * DISCOUNT });
    // Nothing is left usable: every discount was either spent or given back.
    expect(stats.remainingBudget).toBe(BUDGET - redeemed * DISCOUNT);
    await projectionEqualsRecount(campaignId);
  }, 90_000);

  it("through the runtime's schedule: sweeps a closed drop past expiry + grace, marks it, and later sweeps skip it", async () => {
    const now = Date.now();
    const campaignId = unique("c");
    await campaign({
      id: campaignId,
      startsAt: iso(now - 40 * DAY),
      drops: [
        { id: "old", stock: { "100-30": 10 }, shards: 2, opensAt: iso(now - 30 * DAY), closesAt: iso(now - 29 * DAY) },
        // Open now: none of its vouchers can be due, so it is not read.
        { id: "live", stock: { "100-30": 10 }, shards: 2 },
      ],
    });
    await db.send(
      new UpdateCommand({ TableName: tables.campaigns, Key: dropKey(campaignId, "old"), UpdateExpression: "SET closedAt = :at REMOVE #due", ExpressionAttributeNames: { "#due": "due" }, ExpressionAttributeValues: { ":at": iso(now - 29 * DAY + 60_000) } }),
    );
    const owners = Array.from({ length: 5 }, (_, i) => `o${i}-${campaignId}`);
    for (const [i, owner] of owners.entries()) {
      const claimedAt = now - 29.5 * DAY + i * HOUR;
      await putVoucher({ campaignId, dropId: "old", owner, claimedAt, expiresAt: claimedAt + 7 * DAY, shard: i % 2 });
    }
    await statsWhen(campaignId, (s) => s.claimed === 5, "the vouchers to be projected");

    await runtime.fireSchedule("expiry-sweep");

    const after = await rawVouchers(campaignId, "old");
    for (const owner of owners) {
      expect(after.get(owner)?.status).toBe("EXPIRED");
      expect(typeof after.get(owner)?.expiredAt).toBe("string");
    }
    const loaded = await loadCampaign(db, tables.campaigns, campaignId, { consistent: true });
    expect(typeof loaded!.drops.find((drop) => drop.id === "old")?.expirySweptAt).toBe("string");
    expect(loaded!.drops.find((drop) => drop.id === "live")?.expirySweptAt).toBeUndefined();

    const again = await sweepExpiredVouchers({ db, tables, now: () => new Date() });
    expect(again).toMatchObject({ campaigns: 1, alreadyDone: 1, notDue: 1, dropsSwept: 0, vouchersExpired: 0, failed: [] });

    const stats = await statsWhen(campaignId, (s) => s.expired === 5, "the expiries to be projected");
    expect(stats.remainingBudget).toBe(BUDGET);
    await projectionEqualsRecount(campaignId);
  }, 90_000);

  it("stops at its voucher limit and the next run continues; the drop is marked only once all of it is swept", async () => {
    const now = Date.now();
    const campaignId = unique("c");
    await campaign({
      id: campaignId,
      startsAt: iso(now - 40 * DAY),
      drops: [{ id: "old", stock: { "100-30": 20 }, shards: 2, opensAt: iso(now - 30 * DAY), closesAt: iso(now - 29 * DAY) }],
    });
    await db.send(
      new UpdateCommand({ TableName: tables.campaigns, Key: dropKey(campaignId, "old"), UpdateExpression: "SET closedAt = :at", ExpressionAttributeValues: { ":at": iso(now - 29 * DAY + 60_000) } }),
    );
    const owners = Array.from({ length: 10 }, (_, i) => `l${i}-${campaignId}`);
    for (const [i, owner] of owners.entries()) await putVoucher({ campaignId, dropId: "old", owner, claimedAt: now - 29.5 * DAY, expiresAt: now - 22 * DAY, shard: i % 2 });

    const first = await sweepExpiredVouchers({ db, tables, now: () => new Date(), limits: { maxVouchers: 4 } });
    expect(first).toMatchObject({ complete: false, vouchersExpired: 4, dropsFinished: 0 });
    expect((await loadCampaign(db, tables.campaigns, campaignId, { consistent: true }))!.drops[0]!.expirySweptAt).toBeUndefined();

    const second = await sweepExpiredVouchers({ db, tables, now: () => new Date() });
    expect(second).toMatchObject({ complete: true, dropsFinished: 1, vouchersExpired: 6, failed: [] });
    expect([...(await vouchersOf(campaignId, "old")).values()].every((voucher) => voucher.status === "EXPIRED")).toBe(true);

    // Out of time before it starts: nothing is read or written.
    const late = await sweepExpiredVouchers({ db, tables, now: () => new Date(), remainingTimeMs: () => 1_000 });
    expect(late).toMatchObject({ complete: false, campaigns: 0, vouchersExpired: 0 });
  }, 90_000);
});
