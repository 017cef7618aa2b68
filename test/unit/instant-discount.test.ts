/** Instant discounts (刷卡满额立减): tiers, the weekly window in the campaign's zone, budget, choice across campaigns. */
import { describe, expect, it } from "vitest";
import { type CampaignInput, committedSubsidy, parseCampaign } from "../../shared/domain/campaign.js";
import { BudgetExceededError, CampaignInvalidError } from "../../shared/errors.js";
import {
  type InstantDiscount,
  inWindow,
  instantCandidates,
  instantDiscountSchema,
  instantSubsidy,
  firstRefusal,
  instantDiscountMayApply,
  instantOffers,
  localWeekTime,
  quotaDay,
  reachedTier,
} from "../../shared/domain/instant-discount.js";

// Tongjiang 2023: UnionPay cardholders, 满100减20 and 满300减60, Friday to Sunday 10:00–22:00.
const swipe: InstantDiscount = instantDiscountSchema.parse({
  id: "swipe",
  tiers: [{ threshold: 10_000, discount: 2_000 }, { threshold: 30_000, discount: 6_000 }],
  quota: { total: 5_000, daily: 500 },
  perPayer: { total: 2, daily: 1 },
  window: { daysOfWeek: [5, 6, 7], from: "10:00", to: "22:00" },
  partners: ["unionpay"],
});

describe("an instant discount's definition", () => {
  it("commits its total quota × its largest tier discount against the budget", () => {
    expect(instantSubsidy(swipe)).toBe(5_000 * 6_000);
  });

  it("refuses a window that crosses midnight, a discount not below its threshold, a duplicate threshold and a daily quota over the total", () => {
    const issues = instantDiscountSchema.safeParse({
      id: "bad",
      tiers: [{ threshold: 10_000, discount: 10_000 }, { threshold: 10_000, discount: 2_000 }],
      quota: { total: 10, daily: 11 },
      window: { from: "22:00", to: "02:00" },
    });
    expect(issues.success).toBe(false);
    expect(issues.error!.issues.map((issue) => issue.path.join("."))).toEqual(expect.arrayContaining(["tiers.0.discount", "tiers", "window.to", "quota.daily"]));
    expect(instantDiscountSchema.safeParse({ ...swipe, window: { from: "24:00" } }).success).toBe(false);
    expect(instantDiscountSchema.safeParse({ ...swipe, window: { daysOfWeek: [0] } }).success).toBe(false);
  });
});

describe("the tier a payment reaches", () => {
  it("is the highest threshold reached, none below the lowest; thresholds are inclusive", () => {
    expect(reachedTier(swipe.tiers, 9_999)).toBeUndefined();
    expect(reachedTier(swipe.tiers, 10_000)).toEqual({ threshold: 10_000, discount: 2_000 });
    expect(reachedTier(swipe.tiers, 29_999)?.discount).toBe(2_000);
    expect(reachedTier(swipe.tiers, 30_000)?.discount).toBe(6_000);
    expect(reachedTier([...swipe.tiers].reverse(), 1_000_000)?.discount).toBe(6_000);
  });
});

describe("the window, in the campaign's zone", () => {
  it("reads the weekday and wall clock in the zone, not in UTC", () => {
    // Friday 2026-12-04 23:30Z is Saturday 07:30 in Shanghai.
    expect(localWeekTime(new Date("2026-12-04T23:30:00Z"), "Asia/Shanghai")).toEqual({ weekday: 6, time: "07:30" });
    expect(localWeekTime(new Date("2026-12-06T16:00:00Z"), "Asia/Shanghai")).toEqual({ weekday: 1, time: "00:00" });
  });

  it("includes `from`, excludes `to` (the window's end minute is out), and keeps to the listed days", () => {
    const at = (iso: string) => inWindow(swipe.window, new Date(iso), "Asia/Shanghai");
    expect(at("2026-12-04T10:00:00+08:00")).toBe(true); // Friday 10:00
    expect(at("2026-12-04T09:59:59+08:00")).toBe(false);
    expect(at("2026-12-04T21:59:59+08:00")).toBe(true);
    expect(at("2026-12-04T22:00:00+08:00")).toBe(false);
    expect(at("2026-12-06T12:00:00+08:00")).toBe(true); // Sunday
    expect(at("2026-12-07T12:00:00+08:00")).toBe(false); // Monday
    expect(inWindow(undefined, new Date(), "Asia/Shanghai")).toBe(true);
  });

  it("follows a zone with daylight saving and a half-hour offset zone", () => {
    const berlin = { from: "10:00", to: "11:00" };
    expect(inWindow(berlin, new Date("2026-03-28T09:30:00Z"), "Europe/Berlin")).toBe(true); // 10:30 CET
    expect(inWindow(berlin, new Date("2026-03-29T08:30:00Z"), "Europe/Berlin")).toBe(true); // 10:30 CEST
    expect(inWindow(berlin, new Date("2026-03-29T09:30:00Z"), "Europe/Berlin")).toBe(false); // 11:30 CEST
    expect(inWindow({ from: "10:00", to: "10:30" }, new Date("2026-12-04T05:00:00Z"), "Asia/Kolkata")).toBe(false); // 10:30 IST, the end minute
    expect(inWindow({ from: "10:00", to: "10:30" }, new Date("2026-12-04T04:35:00Z"), "Asia/Kolkata")).toBe(true); // 10:05 IST
  });
});

describe("choosing among campaigns' instant discounts", () => {
  const offer = (campaignId: string, campaignStartsAt: string, discount: InstantDiscount) => ({ campaignId, campaignStartsAt, timezone: "Asia/Shanghai", discount });
  const friday = new Date("2026-12-04T12:00:00+08:00");

  it("puts the largest discount first; on a tie the campaign that started first, then by id", () => {
    const small = instantDiscountSchema.parse({ id: "s", tiers: [{ threshold: 10_000, discount: 1_000 }], quota: { total: 10 } });
    const big = instantDiscountSchema.parse({ id: "b", tiers: [{ threshold: 10_000, discount: 3_000 }], quota: { total: 10 } });
    const candidates = instantCandidates(
      [offer("late-big", "2026-12-01T00:00:00+08:00", big), offer("small", "2026-11-01T00:00:00+08:00", small), offer("early-big", "2026-11-15T00:00:00+08:00", big), offer("a-big", "2026-11-15T00:00:00+08:00", big)],
      { amount: 12_000, occurredAt: friday, partnerId: "any" },
    );
    expect(Array.isArray(candidates) && candidates.map((c) => c.campaignId)).toEqual(["a-big", "early-big", "late-big", "small"]);
  });

  it("answers BELOW_THRESHOLD in a window below every tier, NO_ELIGIBLE_VOUCHER outside every window or for an unlisted partner", () => {
    const offers = [offer("c", "2026-11-01T00:00:00+08:00", swipe)];
    expect(instantCandidates(offers, { amount: 5_000, occurredAt: friday, partnerId: "unionpay" })).toBe("BELOW_THRESHOLD");
    expect(instantCandidates(offers, { amount: 50_000, occurredAt: new Date("2026-12-07T12:00:00+08:00"), partnerId: "unionpay" })).toBe("NO_ELIGIBLE_VOUCHER");
    expect(instantCandidates(offers, { amount: 50_000, occurredAt: friday, partnerId: "bank-a" })).toBe("NO_ELIGIBLE_VOUCHER");
    expect(instantCandidates(offers, { amount: 50_000, occurredAt: friday, partnerId: "unionpay" })).toEqual([
      { campaignId: "c", campaignStartsAt: "2026-11-01T00:00:00+08:00", instantDiscountId: "swipe", tier: { threshold: 30_000, discount: 6_000 } },
    ]);
  });
});

describe("a campaign with instant discounts", () => {
  const plan = (): CampaignInput => ({
    id: "tongjiang-2023",
    name: "同江刷卡满额立减",
    budget: 5_000 * 6_000 + 100 * 3_000,
    startsAt: "2026-12-01T00:00:00+08:00",
    endsAt: "2026-12-31T23:59:59+08:00",
    perPersonLimit: 1,
    sectors: ["supermarket"],
    refundPolicy: "restore",
    voucherTypes: [{ id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 }],
    drops: [{ id: "d1", opensAt: "2026-12-05T10:00:00+08:00", closesAt: "2026-12-05T12:00:00+08:00", stock: { "100-30": 100 }, shards: 1 }],
    instantDiscounts: [swipe],
  });

  it("counts Σ voucher stock × discount + Σ instant quota × largest tier discount against the budget, to the fen", () => {
    expect(committedSubsidy(plan())).toBe(5_000 * 6_000 + 100 * 3_000);
    expect(parseCampaign(plan()).instantDiscounts).toEqual([swipe]);
    const over = plan();
    over.budget -= 1;
    expect(() => parseCampaign(over)).toThrow(BudgetExceededError);
  });

  it("refuses two instant discounts with one id", () => {
    const twice = plan();
    twice.instantDiscounts = [swipe, { ...swipe, quota: { total: 1 } }];
    twice.budget += 6_000;
    expect(() => parseCampaign(twice)).toThrow(CampaignInvalidError);
  });
});

describe("the window at its edges", () => {
  const allDay = { from: "00:00", to: "23:59" };
  it("opens at local midnight and closes for the day's last minute", () => {
    expect(inWindow(allDay, new Date("2026-12-04T00:00:00+08:00"), "Asia/Shanghai")).toBe(true);
    expect(inWindow(allDay, new Date("2026-12-03T23:59:59+08:00"), "Asia/Shanghai")).toBe(false);
    expect(inWindow(allDay, new Date("2026-12-04T23:58:59+08:00"), "Asia/Shanghai")).toBe(true);
    // UTC midnight is 08:00 in Shanghai: the edge is the campaign's midnight, not the server's.
    expect(inWindow({ to: "08:00" }, new Date("2026-12-04T00:00:00Z"), "Asia/Shanghai")).toBe(false);
  });
});

describe("the daily quota's day", () => {
  it("rolls over at local midnight in the campaign's zone, a DST-free zone and an offset zone alike", () => {
    expect(quotaDay(new Date("2026-12-04T23:59:59.999+08:00"), "Asia/Shanghai")).toBe("2026-12-04");
    expect(quotaDay(new Date("2026-12-05T00:00:00+08:00"), "Asia/Shanghai")).toBe("2026-12-05");
    // 18:29:59Z is 23:59:59 in Kolkata (+05:30); 18:30Z is the next day there, the same day in UTC.
    expect(quotaDay(new Date("2026-12-04T18:29:59Z"), "Asia/Kolkata")).toBe("2026-12-04");
    expect(quotaDay(new Date("2026-12-04T18:30:00Z"), "Asia/Kolkata")).toBe("2026-12-05");
    // Across a DST change (Berlin, 2026-03-29) the day still turns at local midnight.
    expect(quotaDay(new Date("2026-03-29T21:59:59Z"), "Europe/Berlin")).toBe("2026-03-29");
    expect(quotaDay(new Date("2026-03-29T22:00:00Z"), "Europe/Berlin")).toBe("2026-03-30");
  });
});

describe("a voucher or an instant discount", () => {
  it("tries an instant discount whenever no voucher applied, except at a merchant not approved or for a payment that names a voucher", () => {
    for (const reason of ["NO_ELIGIBLE_VOUCHER", "BELOW_THRESHOLD", "SECTOR_NOT_ELIGIBLE", "CAMPAIGN_NOT_ACTIVE"] as const) {
      expect(instantDiscountMayApply(reason, {})).toBe(true);
    }
    expect(instantDiscountMayApply("MERCHANT_NOT_APPROVED", {})).toBe(false);
    expect(instantDiscountMayApply("NO_ELIGIBLE_VOUCHER", { voucherId: "v1" })).toBe(false);
  });

  it("answers the first reason in API.md's order when neither applied", () => {
    expect(firstRefusal("NO_ELIGIBLE_VOUCHER", "QUOTA_EXHAUSTED")).toBe("QUOTA_EXHAUSTED");
    expect(firstRefusal("NO_ELIGIBLE_VOUCHER", "NO_ELIGIBLE_VOUCHER")).toBe("NO_ELIGIBLE_VOUCHER");
    expect(firstRefusal("BELOW_THRESHOLD", "PAYER_LIMIT_REACHED")).toBe("BELOW_THRESHOLD");
    expect(firstRefusal("SECTOR_NOT_ELIGIBLE", "BELOW_THRESHOLD")).toBe("SECTOR_NOT_ELIGIBLE");
    expect(firstRefusal("CAMPAIGN_NOT_ACTIVE", "QUOTA_EXHAUSTED")).toBe("CAMPAIGN_NOT_ACTIVE");
    expect(firstRefusal("NO_ELIGIBLE_VOUCHER", "PAYER_LIMIT_REACHED")).toBe("PAYER_LIMIT_REACHED");
  });
});

describe("the instant discounts open to a payment", () => {
  const campaign = {
    id: "c1",
    status: "PUBLISHED" as const,
    startsAt: "2026-12-01T00:00:00+08:00",
    endsAt: "2026-12-31T23:59:59+08:00",
    sectors: ["supermarket" as const],
    timezone: "Asia/Shanghai",
    instantDiscounts: [swipe],
  };
  const at = new Date("2026-12-04T12:00:00+08:00");
  it("are those of published campaigns running at the payment that list the merchant's sector", () => {
    expect(instantOffers([campaign], "supermarket", at)).toEqual([{ campaignId: "c1", campaignStartsAt: campaign.startsAt, timezone: "Asia/Shanghai", discount: swipe }]);
    expect(instantOffers([{ ...campaign, status: "PAUSED" }], "supermarket", at)).toEqual([]);
    expect(instantOffers([campaign], "restaurant", at)).toEqual([]);
    expect(instantOffers([campaign], "supermarket", new Date("2027-01-01T00:00:00+08:00"))).toEqual([]);
    expect(instantOffers([{ ...campaign, instantDiscounts: undefined }], "supermarket", at)).toEqual([]);
  });
});
