/** Recurring drops (API.md, "Instant discounts and recurring drops"): `repeat: {every, times}`. */
import { describe, expect, it } from "vitest";
import { type CampaignInput, committedSubsidy, dropOccurrences, parseCampaign } from "../../shared/domain/campaign.js";
import { addLocalDays } from "../../shared/domain/settlement.js";
import { BudgetExceededError, CampaignInvalidError, type CampaignIssue } from "../../shared/errors.js";

// Pingliang 2020 issued vouchers every week to registered users: one drop declared, N materialised.
function weeklyPlan(times = 4): CampaignInput {
  return {
    id: "pingliang-2020",
    name: "平凉消费券",
    budget: 10_000 * 3_000 * times,
    startsAt: "2020-05-01T00:00:00+08:00",
    endsAt: "2020-07-31T23:59:59+08:00",
    perPersonLimit: 4,
    sectors: ["supermarket"],
    refundPolicy: "void",
    voucherTypes: [{ id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 }],
    drops: [{ id: "weekly", opensAt: "2020-05-01T10:00:00+08:00", closesAt: "2020-05-01T22:00:00+08:00", stock: { "100-30": 10_000 }, shards: 4, repeat: { every: "P1W", times } }],
  };
}

function issuesOf(input: CampaignInput): CampaignIssue[] {
  try {
    parseCampaign(input);
  } catch (error) {
    if (error instanceof CampaignInvalidError) return error.details;
    throw error;
  }
  throw new Error("expected the campaign to be refused");
}

describe("a repeating drop", () => {
  it("is materialised as its occurrences <id>-1 … <id>-N, a week apart at the same wall-clock time, with the same stock and sizing", () => {
    const campaign = parseCampaign(weeklyPlan(4));
    expect(campaign.drops.map((drop) => drop.id)).toEqual(["weekly-1", "weekly-2", "weekly-3", "weekly-4"]);
    expect(campaign.drops.map((drop) => [Date.parse(drop.opensAt), Date.parse(drop.closesAt)])).toEqual(
      [0, 7, 14, 21].map((days) => [Date.parse("2020-05-01T02:00:00Z") + days * 86_400_000, Date.parse("2020-05-01T14:00:00Z") + days * 86_400_000]),
    );
    for (const drop of campaign.drops) {
      expect(drop).toMatchObject({ stock: { "100-30": 10_000 }, shards: 4 });
      expect(drop).not.toHaveProperty("repeat");
    }
  });

  it("repeats daily with P1D", () => {
    const plan = weeklyPlan();
    plan.drops[0] = { ...plan.drops[0]!, repeat: { every: "P1D", times: 3 } };
    expect(parseCampaign(plan).drops.map((drop) => drop.opensAt.slice(0, 10))).toEqual(["2020-05-01", "2020-05-02", "2020-05-03"]);
  });

  it("keeps the wall-clock time across a daylight-saving change, where the UTC gap is not whole days", () => {
    // Europe/Berlin moves to summer time on 2026-03-29: 10:00 local is 09:00Z before, 08:00Z after.
    const [first, second] = dropOccurrences(
      { id: "d", opensAt: "2026-03-28T09:00:00Z", closesAt: "2026-03-28T17:00:00Z", stock: { t: 1 }, repeat: { every: "P1D", times: 2 } },
      "Europe/Berlin",
    );
    expect(first!.opensAt).toBe("2026-03-28T09:00:00Z");
    expect(second!.opensAt).toBe("2026-03-29T08:00:00.000Z");
    expect(second!.closesAt).toBe("2026-03-29T16:00:00.000Z");
    // An offset zone without daylight saving: exactly 24 h.
    expect(addLocalDays(new Date("2026-03-28T02:00:00Z"), 1, "Asia/Shanghai").toISOString()).toBe("2026-03-29T02:00:00.000Z");
  });

  it("counts every occurrence against the budget", () => {
    expect(committedSubsidy(weeklyPlan(4))).toBe(4 * 10_000 * 3_000);
    const plan = weeklyPlan(4);
    plan.budget = 3 * 10_000 * 3_000;
    expect(() => parseCampaign(plan)).toThrow(BudgetExceededError);
  });

  it("refuses an occurrence id longer than 64 characters, at the repeat", () => {
    const plan = weeklyPlan(10);
    plan.drops[0] = { ...plan.drops[0]!, id: "w".repeat(63) };
    expect(issuesOf(plan)).toContainEqual({ path: "drops.0.repeat", message: `occurrence id ${"w".repeat(63)}-10 is longer than 64 characters` });
  });

  it("refuses an occurrence whose id is another drop's", () => {
    const plan = weeklyPlan(2);
    plan.drops.push({ id: "weekly-2", opensAt: "2020-07-01T10:00:00+08:00", closesAt: "2020-07-01T22:00:00+08:00", stock: { "100-30": 1 }, shards: 1 });
    plan.budget += 3_000;
    expect(issuesOf(plan)).toContainEqual({ path: "drops.1.id", message: "drop weekly-2 is defined twice" });
  });

  it("refuses occurrences that leave the campaign or overlap each other, naming the occurrence", () => {
    const late = weeklyPlan(20);
    expect(issuesOf(late).some((issue) => issue.path === "drops.0.opensAt" && issue.message.startsWith("occurrence weekly-15: must be within the campaign"))).toBe(true);
    const overlapping = weeklyPlan(2);
    overlapping.drops[0] = { ...overlapping.drops[0]!, closesAt: "2020-05-03T10:00:00+08:00", repeat: { every: "P1D", times: 2 } };
    expect(issuesOf(overlapping)).toContainEqual({ path: "drops.0.opensAt", message: "occurrence weekly-2: overlaps drop weekly-1 for voucher type 100-30" });
  });

  it("takes 2 … 52 occurrences, every P1D or P1W", () => {
    for (const repeat of [{ every: "P1D", times: 1 }, { every: "P1D", times: 53 }, { every: "P1M", times: 2 }]) {
      const plan = weeklyPlan() as unknown as { drops: Record<string, unknown>[] };
      plan.drops[0]!.repeat = repeat;
      expect(issuesOf(plan as unknown as CampaignInput).some((issue) => issue.path.startsWith("drops.0.repeat"))).toBe(true);
    }
  });
});
