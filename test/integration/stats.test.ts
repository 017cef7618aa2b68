/**
 * The stats projector through the local runtime: claims, payments and refunds reach `stats` by the
 * vouchers and redemptions streams, and the projected figures equal a recount of the source records.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { ClaimCaches, claimVoucher } from "../../shared/use-cases/claim.js";
import { recordPayment, recordRefund } from "../../shared/use-cases/payments.js";
import { getCampaignStats, instantDiscountsView, projectStats, recountStats, statsView } from "../../shared/use-cases/stats.js";
import { ledgerPartition } from "../../shared/store/keys.js";
import { readStats } from "../../shared/store/stats.js";
import { platform } from "../../shared/wiring/platform.js";
import { seedCampaign } from "../support/seed.js";
import { seedMerchant } from "../support/settlement.js";
import { eventually, startTestRuntime, tableNamesOf, testClients } from "./runtime-helpers.js";

const { db } = testClients();
let runtime: LocalRuntime;
let tables: Record<"campaigns" | "inventory" | "vouchers" | "redemptions" | "merchants" | "stats", string>;

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "stats");
  tables = tableNamesOf(runtime.resources, ["campaigns", "inventory", "vouchers", "redemptions", "merchants", "stats"]);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

describe("the stats projector", () => {
  it("counts claims, redemptions and reversals once each, equal to a recount of the records", async () => {
    const campaignId = unique("c");
    const { campaign } = await seedCampaign(db, tables, { id: campaignId, perPersonLimit: 2, drops: [{ id: "d1", stock: { "100-30": 20, "200-60": 20 }, shards: 2 }] });
    const merchantId = unique("m");
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId: "bank-a", sector: "restaurant" });
    const claims = { db, tables, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }), now: () => new Date(), random: Math.random };
    const payers = Array.from({ length: 6 }, (_, i) => `payer-${campaignId}-${i}`);
    for (const sub of payers) await claimVoucher({ residentId: sub, campaignId, dropId: "d1", voucherTypeId: "100-30" }, claims);
    const payments = { db, tables, now: () => new Date() };
    const transactions: string[] = [];
    for (const payerId of payers.slice(0, 4)) {
      const transactionId = unique("t");
      transactions.push(transactionId);
      await recordPayment({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId, merchantId, payerId, amount: 15_000, occurredAt: new Date().toISOString() } }, payments);
    }
    await recordRefund({ partnerId: "bank-a", body: { eventId: unique("e"), transactionId: transactions[0]!, occurredAt: new Date().toISOString() } }, payments);

    const stats = await eventually(async () => {
      const view = await getCampaignStats({ db, tables, campaignId });
      return view.claimed === 6 && view.redeemed === 3 && view.reversed === 1 ? view : undefined;
    }, 30_000, "the projection to catch up");
    expect(stats).toMatchObject({ budget: campaign.budget, subsidy: 9_000, grossSales: 45_000, leverage: 5, redemptionRate: 0.5 });
    // Six claimed for 3,000 each; three redeemed (9,000 spent); the refunded voucher is void; two still usable.
    expect(stats.remainingBudget).toBe(campaign.budget - 9_000 - 2 * 3_000);
    expect(stats.bySector).toEqual({ restaurant: { redeemed: 3, reversed: 1, subsidy: 9_000, grossSales: 45_000, leverage: 5 } });
    expect(statsView(campaign, await recountStats({ db, tables, campaignId }))).toEqual(statsView(campaign, await readStats(db, tables.stats, campaignId)));
  }, 60_000);

  it("counts instant discounts in the top-level figures and in their own part, a reversal included, equal to a recount", async () => {
    const campaignId = unique("c");
    // A partner of its own, listed by the discount, so no other test's payment meets it.
    const partnerId = unique("bank");
    const { campaign } = await seedCampaign(db, tables, {
      id: campaignId,
      refundPolicy: "restore",
      drops: [{ id: "d1", stock: { "100-30": 5 }, shards: 1 }],
      // 20 off from 100 yuan, 60 off from 300.
      instantDiscounts: [{ id: "swipe", tiers: [10_000, 30_000].map((threshold) => ({ threshold, discount: threshold / 5 })), quota: { total: 10 }, partners: [partnerId] }],
    });
    const merchantId = unique("m");
    await seedMerchant(db, tables.merchants, { id: merchantId, partnerId, sector: "supermarket" });
    const holder = `payer-${campaignId}-holder`;
    await claimVoucher(
      { residentId: holder, campaignId, dropId: "d1", voucherTypeId: "100-30" },
      { db, tables, caches: new ClaimCaches({ campaignTtlMs: 0, soldOutTtlMs: 0 }), now: () => new Date(), random: Math.random },
    );
    const payments = { db, tables, now: () => new Date() };
    const pay = async (payerId: string, amount: number) => {
      const transactionId = unique("t");
      const answer = await recordPayment({ partnerId, body: { eventId: unique("e"), transactionId, merchantId, payerId, amount, occurredAt: new Date().toISOString() } }, payments);
      return { transactionId, answer };
    };
    // The voucher holder's payment takes the voucher (30 off 150); two card payments take the instant discount (20 off 120, 60 off 350).
    const voucherPayment = (await pay(holder, 15_000)).answer;
    expect("voucherId" in voucherPayment && typeof voucherPayment.voucherId === "string" && voucherPayment.discount).toBe(3_000);
    expect((await pay(unique("card"), 12_000)).answer).toMatchObject({ instantDiscountId: "swipe", voucherId: null, discount: 2_000 });
    const reversed = await pay(unique("card"), 35_000);
    expect(reversed.answer).toMatchObject({ instantDiscountId: "swipe", discount: 6_000 });
    await recordRefund({ partnerId, body: { eventId: unique("e"), transactionId: reversed.transactionId, occurredAt: new Date().toISOString() } }, payments);

    const stats = await eventually(async () => {
      const view = await getCampaignStats({ db, tables, campaignId });
      return view.redeemed === 2 && view.reversed === 1 ? view : undefined;
    }, 30_000, "the projection to count the payments and the refund");
    expect(stats.instantDiscounts).toEqual({ applied: 1, subsidy: 2_000, grossSales: 12_000 });
    // The top-level figures cover both kinds: 30 + 20 yuan of subsidy on 150 + 120 yuan of sales.
    expect(stats).toMatchObject({ claimed: 1, redeemed: 2, reversed: 1, subsidy: 5_000, grossSales: 27_000, leverage: 5.4, redemptionRate: 1 });
    expect(stats.remainingBudget).toBe(campaign.budget - 5_000);
    expect(stats.bySector).toEqual({ supermarket: { redeemed: 2, reversed: 1, subsidy: 5_000, grossSales: 27_000, leverage: 5.4 } });
    const buckets = await readStats(db, tables.stats, campaignId);
    expect(instantDiscountsView(buckets)).toEqual({ swipe: { applied: 1, reversed: 1, subsidy: 2_000, grossSales: 12_000 } });
    const recounted = await recountStats({ db, tables, campaignId });
    expect(statsView(campaign, recounted)).toEqual(statsView(campaign, buckets));
    expect(instantDiscountsView(recounted)).toEqual(instantDiscountsView(buckets));

    // The stream delivers a record again: its marker leaves it out, the instant part included.
    const record = {
      ...{ pk: ledgerPartition(campaignId, merchantId), sk: "2026-01-01T00:00:00.000Z#t-again" },
      ...{ kind: "REDEMPTION", campaignId, merchantId, instantDiscountId: "swipe", discount: 2_000, amount: 10_000, occurredAt: "2026-01-01T00:00:00.000Z" },
    };
    const redelivered = { eventId: unique("event"), eventName: "INSERT" as const, newImage: record };
    expect((await projectStats({ db, tables, now: () => new Date(), changes: [redelivered, redelivered] })).counted).toBe(1);
    expect((await projectStats({ db, tables, now: () => new Date(), changes: [redelivered] })).counted).toBe(0);
    expect(instantDiscountsView(await readStats(db, tables.stats, campaignId)).swipe).toEqual({ applied: 2, reversed: 1, subsidy: 4_000, grossSales: 22_000 });
  }, 60_000);

  it("counts a change that appears twice in one batch once", async () => {
    const campaignId = unique("c");
    await seedCampaign(db, tables, { id: campaignId, drops: [] });
    const claimedAt = new Date().toISOString();
    const voucher = { pk: `ISSUED#${campaignId}#d1#100-30#0`, sk: "VOUCHER#v1", campaignId, discount: 3_000, status: "CLAIMED", claimedAt, expiresAt: claimedAt };
    const change = { eventId: unique("event"), eventName: "INSERT" as const, newImage: voucher };
    const outcome = await projectStats({ db, tables, now: () => new Date(), changes: [change, change] });
    expect(outcome.counted).toBe(1);
    expect((await readStats(db, tables.stats, campaignId)).get("TOTAL")).toMatchObject({ claimed: 1, claimedDiscount: 3_000, outstanding: 3_000 });
  });
});
