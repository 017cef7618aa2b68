/**
 * A campaign with both kinds of benefit, played over the local runtime's HTTP with real partner
 * signatures, through settlement: a resident's claimed voucher and card-swipe instant discounts at
 * the same shop, duplicates, a quota that runs out, a full refund that gives its unit back
 * (`restore`) and a partial one that leaves the discount standing; then the day is settled, paid
 * through the partner simulator, and the books balance to the fen (invariant 6) with both kinds.
 * On the way, the operator's view of the quota (used, remaining, usedToday), the stats' instant
 * part and the report's instant-discount row.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../../infra/local/jwt.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { paymentAnswerSchema, refundAnswerSchema } from "../../shared/api/payment-schemas.js";
import { campaignDetailSchema, voucherSchema } from "../../shared/api/schemas.js";
import { campaignReportSchema } from "../../shared/api/report-schemas.js";
import { campaignStatsSchema } from "../../shared/api/stats-schemas.js";
import { formatYuan } from "../../shared/domain/money.js";
import { reconciliationSchema, statementDetailSchema, statementListSchema } from "../../shared/api/settlement-schemas.js";
import { localDate } from "../../shared/domain/settlement.js";
import { platform } from "../../shared/wiring/platform.js";
import { eventually, startTestRuntime, TEST_JWT, testClients } from "../integration/runtime-helpers.js";
import { apiCall, signedPost } from "../support/http.js";
import { seedCampaign } from "../support/seed.js";

const { db } = testClients();
let runtime: LocalRuntime;
let operatorToken: string;

const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const world = { partnerId: unique("swipe-bank"), secret: "", merchantId: unique("swipe-shop"), campaignId: unique("swipe") };
const table = (logical: string) => runtime.resources.tables[logical]!.name;
const asOperator = (method: string, path: string, body?: unknown) => apiCall(runtime.url, method, path, { body, token: operatorToken });

/** `ms` as a partner's clock writes it: whole seconds, +08:00. */
const partnerClock = (ms = Date.now()) => `${new Date(Math.floor(ms / 1_000) * 1_000 + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;

async function pay(payerId: string, amount: number, transactionId = unique("t")) {
  const body = { eventId: randomUUID(), transactionId, merchantId: world.merchantId, payerId, amount, occurredAt: partnerClock() };
  const reply = await signedPost(runtime.url, `/partners/${world.partnerId}/payments`, body, world.secret);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return { transactionId, answer: paymentAnswerSchema.parse(reply.body) };
}

async function refund(transactionId: string, amount?: number) {
  const body = { eventId: randomUUID(), transactionId, occurredAt: partnerClock(), ...(amount === undefined ? {} : { amount }) };
  const reply = await signedPost(runtime.url, `/partners/${world.partnerId}/refunds`, body, world.secret);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return refundAnswerSchema.parse(reply.body);
}

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "instant-e2e");
  operatorToken = await signLocalToken({ sub: "op-instant", operator: true, settings: TEST_JWT });
  // No payoutUrl: the partner is paid through the local partner simulator.
  const partner = await asOperator("POST", "/admin/partners", { id: world.partnerId, name: "Swipe Bank" });
  expect(partner.status).toBe(201);
  world.secret = String((partner.body as { signingSecret: string }).signingSecret);
  const submitted = await signedPost(runtime.url, `/partners/${world.partnerId}/merchants`, { id: world.merchantId, name: "刷卡超市", sector: "supermarket" }, world.secret);
  expect(submitted.status).toBe(201);
  expect((await asOperator("POST", `/admin/merchants/${world.merchantId}/approve`)).status).toBe(200);
  await seedCampaign(db, { campaigns: table("campaigns"), inventory: table("inventory") }, {
    id: world.campaignId,
    refundPolicy: "restore",
    startsAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
    drops: [{ id: "d1", stock: { "100-30": 10 }, shards: 1 }],
    instantDiscounts: [
      {
        id: "swipe",
        tiers: [
          { threshold: 10_000, discount: 2_000 },
          { threshold: 30_000, discount: 6_000 },
        ],
        quota: { total: 4, daily: 4 },
        perPayer: { daily: 1 },
        partners: [world.partnerId],
      },
    ],
  });
});

afterAll(async () => {
  await runtime?.stop();
});

describe("a campaign with vouchers and an instant discount, through settlement", () => {
  it("applies each benefit once, never over the quota, gives a refunded unit back, and the settled books balance to the fen", async () => {
    // A resident with a claimed voucher: the voucher applies, not the instant discount.
    const residentId = unique("resident");
    const token = await signLocalToken({ sub: residentId, settings: TEST_JWT });
    const claimed = await apiCall(runtime.url, "POST", `/campaigns/${world.campaignId}/drops/d1/claims`, { body: { voucherTypeId: "100-30" }, token });
    expect(claimed.status).toBe(201);
    const voucher = voucherSchema.parse(claimed.body);
    const byVoucher = await pay(residentId, 35_000);
    expect(byVoucher.answer).toEqual({ transactionId: byVoucher.transactionId, campaignId: world.campaignId, voucherId: voucher.voucherId, discount: 3_000, payable: 32_000 });

    // A ¥350 card takes the top tier; then four ¥120 cards race for the three units left: three
    // discounts, one QUOTA_EXHAUSTED (which card loses is the race's; the figures below are not).
    const cards = Array.from({ length: 5 }, (_, index) => `card-${index}-${randomUUID().slice(0, 4)}`);
    const first = await pay(cards[0]!, 35_000);
    expect(first.answer).toMatchObject({ instantDiscountId: "swipe", discount: 6_000 });
    const raced = [first, ...(await Promise.all(cards.slice(1).map((card) => pay(card, 12_000))))];
    const applied = raced.filter(({ answer }) => "instantDiscountId" in answer);
    expect(applied).toHaveLength(4);
    expect(raced.filter(({ answer }) => "reason" in answer && answer.reason === "QUOTA_EXHAUSTED")).toHaveLength(1);
    for (const { transactionId, answer } of applied) {
      expect(answer).toMatchObject({ transactionId, campaignId: world.campaignId, instantDiscountId: "swipe", voucherId: null });
      // Delivered again: the same answer, nothing applied twice.
      expect((await pay("someone-else", 99_999, transactionId)).answer).toEqual(answer);
    }

    // A card that was served pays again today: its daily limit is reached.
    const served = applied[0]!;
    const servedCard = cards[raced.indexOf(served)]!;
    expect((await pay(servedCard, 12_000)).answer).toMatchObject({ reason: "PAYER_LIMIT_REACHED" });

    // A full refund reverses one discount and gives its unit back (restore): the refused card now gets it.
    const [reversedOne, partlyRefunded] = applied.filter(({ answer }) => answer.discount === 2_000);
    expect(await refund(reversedOne!.transactionId)).toEqual({ transactionId: reversedOne!.transactionId, reversed: true, refunded: 12_000, remaining: 0 });
    const refusedCard = cards[raced.findIndex(({ answer }) => "reason" in answer)]!;
    const late = await pay(refusedCard, 12_000);
    expect(late.answer).toMatchObject({ instantDiscountId: "swipe", discount: 2_000 });
    // A partial refund that leaves the tier's threshold covered keeps the discount.
    expect(await refund(partlyRefunded!.transactionId, 1_000)).toEqual({ transactionId: partlyRefunded!.transactionId, reversed: false, refunded: 1_000, remaining: 11_000 });

    // The quota as the operator sees it: four units used (the refunded one went back and the late card took it), all today.
    const campaign = await asOperator("GET", `/admin/campaigns/${world.campaignId}`);
    expect(campaign.status).toBe(200);
    expect(campaignDetailSchema.parse(campaign.body).instantDiscounts?.map(({ id, used, remaining, usedToday }) => ({ id, used, remaining, usedToday }))).toEqual([
      { id: "swipe", used: 4, remaining: 0, usedToday: 4 },
    ]);

    // The stats: the top-level figures cover both kinds, the instant part apart; the report gives the discount its row.
    const standing = [...applied.filter((payment) => payment !== reversedOne), late];
    const amountOf = (discount: number) => (discount === 6_000 ? 35_000 : 12_000);
    const instantSubsidy = standing.reduce((sum, { answer }) => sum + answer.discount, 0);
    const instantSales = standing.reduce((sum, { answer }) => sum + amountOf(answer.discount), 0) - 1_000;
    const stats = await eventually(
      async () => {
        const figures = campaignStatsSchema.parse((await asOperator("GET", `/admin/campaigns/${world.campaignId}/stats`)).body);
        return figures.redeemed === 5 && figures.reversed === 1 && figures.grossSales === 35_000 + instantSales ? figures : undefined;
      },
      30_000,
      "the stats projection to count the payments and refunds",
    );
    expect(stats.instantDiscounts).toEqual({ applied: 4, subsidy: instantSubsidy, grossSales: instantSales });
    expect(stats).toMatchObject({ claimed: 1, subsidy: 3_000 + instantSubsidy, redemptionRate: 1 });
    const report = campaignReportSchema.parse((await asOperator("GET", `/admin/reports/campaigns/${world.campaignId}?format=json`)).body);
    expect(report.byInstantDiscount).toEqual([
      {
        instantDiscountId: "swipe",
        tiers: "满¥100.00减¥20.00; 满¥300.00减¥60.00",
        ...{ applied: 4, reversed: 1, subsidy: instantSubsidy, subsidyYuan: formatYuan(instantSubsidy), grossSales: instantSales, grossSalesYuan: formatYuan(instantSales) },
      },
    ]);

    // Settle today's period (it has begun) and let the payout through the simulator finish.
    const period = localDate(new Date(), "Asia/Shanghai");
    const run = await apiCall(runtime.url, "POST", "/admin/settlements/run", { body: { period }, token: operatorToken });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    const statements = await eventually(
      async () => {
        const list = statementListSchema.parse((await asOperator("GET", `/admin/settlements?period=${period}`)).body);
        const ours = list.items.filter((statement) => statement.campaignId === world.campaignId);
        return ours.length === 1 && ours[0]!.status === "PAID" ? ours : undefined;
      },
      60_000,
      "the campaign's statement PAID",
    );
    // 3,000 (voucher) + 6,000 + 3 × 2,000 + 2,000 (the late card), of which one 2,000 was reversed within the statement.
    expect(statements[0]).toMatchObject({ merchantId: world.merchantId, redemptionCount: 5, cancelledCount: 1, subsidy: 15_000, net: 15_000, payable: 15_000 });
    const detail = statementDetailSchema.parse(
      (await asOperator("GET", `/admin/settlements/${world.campaignId}/${world.merchantId}/${period}`)).body,
    );
    const instantLines = detail.redemptions.filter((line) => line.instantDiscountId === "swipe");
    expect(instantLines).toHaveLength(5);
    expect(detail.redemptions.filter((line) => line.voucherId === voucher.voucherId)).toHaveLength(1);

    const books = reconciliationSchema.parse((await asOperator("GET", `/admin/campaigns/${world.campaignId}/reconciliation`)).body);
    expect(books.problems).toEqual([]);
    expect(books).toMatchObject({ balanced: true, difference: 0 });
  });
});
