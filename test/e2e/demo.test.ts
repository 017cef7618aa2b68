/**
 * The demo as `npm start` seeds it and `npm run demo` plays it, on the local runtime; its instant
 * discount serves the demo partner's card payments and no other partner's.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CAMPAIGN_ID, DEMO_PARTNER_ID, demoCampaign, describeInstantDiscounts, runDemo, seedDemo } from "../../infra/local/demo.js";
import type { LocalRuntime } from "../../infra/local/runtime.js";
import { campaignDetailSchema, campaignListSchema } from "../../shared/api/schemas.js";
import { paymentAnswerSchema } from "../../shared/api/payment-schemas.js";
import { committedSubsidy, parseCampaign } from "../../shared/domain/campaign.js";
import { localDate } from "../../shared/domain/settlement.js";
import { TOTAL_PERIOD, readQuotaTaken } from "../../shared/store/instant-quota.js";
import { platform } from "../../shared/wiring/platform.js";
import { TEST_JWT, startTestRuntime, testClients } from "../integration/runtime-helpers.js";
import { asOperator, signedPost } from "../support/http.js";

let runtime: LocalRuntime;
const { db } = testClients();

beforeAll(async () => {
  runtime = await startTestRuntime(platform, "demo");
});

afterAll(async () => {
  await runtime?.stop();
});

describe("the demo", () => {
  it("is a valid campaign within its budget, with a drop opening when asked", () => {
    const now = new Date("2026-11-22T09:59:00+08:00");
    const campaign = parseCampaign(demoCampaign(now, 60));
    expect(campaign.drops[0]?.opensAt).toBe("2026-11-22T02:00:00.000Z");
    expect(campaign.voucherTypes.map((type) => [type.threshold, type.discount])).toEqual([
      [10_000, 3_000],
      [20_000, 6_000],
    ]);
    // 满100减20 and 满300减60 for the demo partner's cards only, within shop hours.
    const [swipe, ...others] = campaign.instantDiscounts ?? [];
    expect(others).toEqual([]);
    expect(swipe?.tiers.map((tier) => [tier.threshold, tier.discount])).toEqual([
      [10_000, 2_000],
      [30_000, 6_000],
    ]);
    expect([swipe?.id, swipe?.quota.total, swipe?.quota.daily, swipe?.perPayer?.total, swipe?.perPayer?.daily]).toEqual(["swipe", 1_000, 100, 2, 1]);
    expect([swipe?.window?.daysOfWeek, swipe?.window?.from, swipe?.window?.to, swipe?.partners]).toEqual([undefined, "08:00", "22:00", [DEMO_PARTNER_ID]]);
    // Vouchers and the instant discount's quota at its largest tier together fit the budget.
    expect(committedSubsidy(campaign)).toBeLessThanOrEqual(campaign.budget);
    expect(describeInstantDiscounts(campaign)).toEqual([
      "instant discount swipe (card payments through partner bank-1, no claim): ¥100 → ¥20 off, ¥300 → ¥60 off; quota 1000 (100 a day), per payer 2 in all, 1 a day, every day 08:00–22:00 Asia/Shanghai",
    ]);
  });

  it("seeds once however often it is seeded, then plays a flash drop over HTTP", async () => {
    const tables = { campaigns: runtime.resources.tables.campaigns!.name, inventory: runtime.resources.tables.inventory!.name, drawSeeds: runtime.resources.tables.drawSeeds!.name };
    const first = await seedDemo({ db, tables, now: () => new Date(), opensInSeconds: 0 });
    const again = await seedDemo({ db, tables, now: () => new Date(), opensInSeconds: 0 });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    // What npm start prints under the demo campaign.
    expect(first.instantDiscounts).toEqual([expect.stringMatching(/^instant discount swipe \(card payments through partner bank-1, no claim\): ¥100 → ¥20 off, ¥300 → ¥60 off;/)]);

    const listed = campaignListSchema.parse(await (await fetch(`${runtime.url}/campaigns`)).json());
    const demo = listed.items.filter((campaign) => campaign.id === DEMO_CAMPAIGN_ID);
    expect(demo).toHaveLength(1);
    expect(demo[0]!.instantDiscounts?.map((discount) => [discount.id, discount.partners])).toEqual([["swipe", [DEMO_PARTNER_ID]]]);
    const detail = await asOperator(runtime.url, "GET", `/admin/campaigns/${DEMO_CAMPAIGN_ID}`);
    expect(detail.status).toBe(200);
    expect(campaignDetailSchema.parse(detail.body).instantDiscounts).toMatchObject([{ id: "swipe", quota: { total: 1_000, daily: 100 }, partners: [DEMO_PARTNER_ID] }]);

    const lines: string[] = [];
    const report = await runDemo({ url: runtime.url, attempts: 200, concurrency: 20, jwt: TEST_JWT, progress: (line) => lines.push(line) });
    expect(report).toMatchObject({ attempts: 200, claimed: 200, soldOut: 0, other: {} });
    expect(report.claimsPerSecond).toBeGreaterThan(0);
  });
});

describe("the demo's instant discount", () => {
  /** A partner registered over HTTP with an approved supermarket: its id, secret and merchant. */
  async function partnerWithShop(partnerId: string) {
    const registered = await asOperator(runtime.url, "POST", "/admin/partners", { id: partnerId, name: "Demo Bank" });
    expect(registered.status).toBe(201);
    const secret = String(registered.body.signingSecret);
    const merchantId = `shop-${randomUUID().slice(0, 8)}`;
    expect((await signedPost(runtime.url, `/partners/${partnerId}/merchants`, { id: merchantId, name: "惠民超市", sector: "supermarket" }, secret)).status).toBe(201);
    expect((await asOperator(runtime.url, "POST", `/admin/merchants/${merchantId}/approve`)).status).toBe(200);
    return { partnerId, secret, merchantId };
  }

  it("takes ¥20 off a ¥120 card payment through the demo partner, within its window, and serves no other partner", async () => {
    const tables = { campaigns: runtime.resources.tables.campaigns!.name, inventory: runtime.resources.tables.inventory!.name, drawSeeds: runtime.resources.tables.drawSeeds!.name };
    await seedDemo({ db, tables, now: () => new Date(), opensInSeconds: 0 });
    // The last 12:00 in Shanghai (inside the 08:00–22:00 window, after the demo campaign started a day ago).
    const noon = new Date(`${localDate(new Date(), "Asia/Shanghai")}T12:00:00+08:00`);
    if (noon.getTime() > Date.now()) noon.setTime(noon.getTime() - 86_400_000);
    const pay = (partner: { partnerId: string; secret: string; merchantId: string }, payerId: string) =>
      signedPost(
        runtime.url,
        `/partners/${partner.partnerId}/payments`,
        { eventId: randomUUID(), transactionId: `t-${randomUUID().slice(0, 8)}`, merchantId: partner.merchantId, payerId, amount: 12_000, occurredAt: noon.toISOString() },
        partner.secret,
      );

    const demoBank = await partnerWithShop(DEMO_PARTNER_ID);
    const card = `card-${randomUUID().slice(0, 8)}`;
    const applied = await pay(demoBank, card);
    expect(applied.status).toBe(200);
    expect(paymentAnswerSchema.parse(applied.body)).toEqual({
      transactionId: applied.body.transactionId,
      campaignId: DEMO_CAMPAIGN_ID,
      instantDiscountId: "swipe",
      voucherId: null,
      discount: 2_000,
      payable: 10_000,
    });
    const quota = { campaignId: DEMO_CAMPAIGN_ID, instantDiscountId: "swipe" };
    expect(await readQuotaTaken(db, tables.inventory, { ...quota, period: TOTAL_PERIOD }, 1_000)).toBe(1);
    expect(await readQuotaTaken(db, tables.inventory, { ...quota, period: localDate(noon, "Asia/Shanghai") }, 100)).toBe(1);
    // One a day per payer: the same card again that day is refused, and takes no quota.
    expect((await pay(demoBank, card)).body).toMatchObject({ voucherId: null, discount: 0, reason: "PAYER_LIMIT_REACHED" });
    expect(await readQuotaTaken(db, tables.inventory, { ...quota, period: TOTAL_PERIOD }, 1_000)).toBe(1);

    // Another partner's payments answer as they did before the demo had an instant discount.
    const otherBank = await partnerWithShop(`bank-${randomUUID().slice(0, 6)}`);
    expect((await pay(otherBank, `card-${randomUUID().slice(0, 8)}`)).body).toMatchObject({ voucherId: null, discount: 0, reason: "NO_ELIGIBLE_VOUCHER" });
  });
});
