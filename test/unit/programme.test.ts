/** Merchant programmes' pure rules: definitions, growth tiers at their boundaries, trade-in subsidies, months and filings. */
import { describe, expect, it } from "vitest";
import {
  MAX_MONTHLY_SALES,
  MAX_PROGRAMME_AMOUNT,
  MAX_TRADE_IN_PRICE,
  checkApplicationMonth,
  filedBeforeMonth,
  growthAward,
  monthlySalesSchema,
  programmeDefinitionSchema,
  programmeEnded,
  tradeInSubsidy,
} from "../../shared/domain/programme.js";
import { MonthNotEndedError, NoBaseYearSalesError } from "../../shared/errors.js";
import { programmeFigures } from "../../shared/domain/report.js";
import { tradeInBodySchema } from "../../shared/api/trade-in-schemas.js";

const TIERS = [
  { minGrowthPercent: 5, award: 500_000 },
  { minGrowthPercent: 10, award: 1_000_000 },
  { minGrowthPercent: 20, award: 2_000_000 },
];
const PERIOD = { from: "2026-01-01", to: "2026-12-31" };

describe("growth tiers", () => {
  it("pays nothing at 4.99 % and the first tier at exactly 5 %", () => {
    expect(growthAward(TIERS, { current: 10_499, lastYear: 10_000 })).toEqual({ growthPercent: 4.99, award: 0 });
    expect(growthAward(TIERS, { current: 10_500, lastYear: 10_000 })).toEqual({ growthPercent: 5, award: 500_000, tier: 5 });
  });

  it("does not let a rounded percentage cross a boundary: 4.9999 % stays below 5 %", () => {
    const outcome = growthAward(TIERS, { current: 1_049_999, lastYear: 1_000_000 });
    expect(outcome.award).toBe(0);
    expect(outcome.growthPercent).toBe(5);
  });

  it("pays the highest tier reached", () => {
    expect(growthAward(TIERS, { current: 11_999, lastYear: 10_000 }).award).toBe(1_000_000);
    expect(growthAward(TIERS, { current: 12_000, lastYear: 10_000 }).award).toBe(2_000_000);
    expect(growthAward(TIERS, { current: 90_000, lastYear: 10_000 }).award).toBe(2_000_000);
  });

  it("pays nothing when sales fell year on year", () => {
    expect(growthAward(TIERS, { current: 8_000, lastYear: 10_000 })).toEqual({ growthPercent: -20, award: 0 });
    expect(growthAward(TIERS, { current: 0, lastYear: 10_000 })).toEqual({ growthPercent: -100, award: 0 });
  });

  it("refuses a zero base year with NO_BASE_YEAR_SALES and says why", () => {
    const refuse = () => growthAward(TIERS, { current: 10_000, lastYear: 0 });
    expect(refuse).toThrow(NoBaseYearSalesError);
    expect(refuse).toThrow(/sales\.lastYear .* is 0/);
  });
});

describe("programme definitions", () => {
  const common = { id: "p1", name: "Growth 2024", budget: 10_000_000, period: PERIOD };

  it("accepts the four kinds, with Asia/Shanghai by default", () => {
    for (const body of [
      { ...common, kind: "growth_reward", tiers: TIERS },
      { ...common, kind: "event_subsidy", maxAward: 2_000_000 },
      { ...common, kind: "new_enterprise", award: 10_000_000, exclusiveGroup: "quota-entry" },
      { ...common, kind: "trade_in", rule: { percent: 15, maxPerItem: 200_000 } },
    ]) {
      const parsed = programmeDefinitionSchema.parse(body);
      expect(parsed.kind).toBe(body.kind);
      expect(parsed.timezone).toBe("Asia/Shanghai");
    }
  });

  it("refuses tiers that do not rise, a field of another kind, and a period that ends before it begins", () => {
    expect(programmeDefinitionSchema.safeParse({ ...common, kind: "growth_reward", tiers: [TIERS[1], TIERS[0]] }).success).toBe(false);
    expect(programmeDefinitionSchema.safeParse({ ...common, kind: "event_subsidy", maxAward: 1, award: 1 }).success).toBe(false);
    expect(programmeDefinitionSchema.safeParse({ ...common, kind: "new_enterprise", award: 1, period: { from: "2026-02-01", to: "2026-01-31" } }).success).toBe(false);
    expect(programmeDefinitionSchema.safeParse({ ...common, kind: "trade_in", rule: { percent: 101, maxPerItem: 1 } }).success).toBe(false);
  });
});

describe("money a merchant reports, or an operator defines, is bounded", () => {
  const sales = { current: 1_000_000, lastYear: 1_000_000, previousMonth: 1_000_000 };
  const refusedAt = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
    result.success ? [] : result.error!.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);

  it("takes each sales figure up to the bound and refuses one fen more, naming the field and the bound in yuan", () => {
    for (const field of ["current", "lastYear", "previousMonth"] as const) {
      expect(monthlySalesSchema.safeParse({ ...sales, [field]: MAX_MONTHLY_SALES }).success).toBe(true);
      const problems = refusedAt(monthlySalesSchema.safeParse({ ...sales, [field]: MAX_MONTHLY_SALES + 1 }));
      expect(problems).toEqual([`${field}: must be at most ¥100000000000.00 (10000000000000 fen)`]);
      // Past 2^53 the figure is no longer an exact integer: refused too, never rounded.
      expect(monthlySalesSchema.safeParse({ ...sales, [field]: 2 ** 60 }).success).toBe(false);
    }
  });

  it("takes a trade-in's price up to the bound and refuses one fen more", () => {
    const record = (price: number) => ({
      buyer: { name: "张三", phone: "13800138000" },
      newProduct: { category: "家电/冰箱", model: "BCD-500", price },
      oldProduct: { category: "家电/冰箱", description: "旧冰箱" },
      invoiceNumber: "INV-1",
      attachments: ["a1"],
    });
    expect(tradeInBodySchema.safeParse(record(MAX_TRADE_IN_PRICE)).success).toBe(true);
    expect(refusedAt(tradeInBodySchema.safeParse(record(MAX_TRADE_IN_PRICE + 1)))).toEqual(["newProduct.price: must be at most ¥10000000.00 (1000000000 fen)"]);
  });

  it("bounds a programme's budget and awards", () => {
    const common = { id: "p1", name: "Growth", period: PERIOD };
    const over = MAX_PROGRAMME_AMOUNT + 1;
    for (const body of [
      { ...common, budget: over, kind: "event_subsidy", maxAward: 1 },
      { ...common, budget: 1, kind: "event_subsidy", maxAward: over },
      { ...common, budget: 1, kind: "new_enterprise", award: over },
      { ...common, budget: 1, kind: "trade_in", rule: { percent: 10, maxPerItem: over } },
      { ...common, budget: 1, kind: "growth_reward", tiers: [{ minGrowthPercent: 5, award: over }] },
    ]) {
      expect(refusedAt(programmeDefinitionSchema.safeParse(body)), JSON.stringify(body)).toEqual([expect.stringMatching(/must be at most ¥10000000000\.00 \(1000000000000 fen\)$/)]);
    }
    expect(programmeDefinitionSchema.safeParse({ ...common, budget: MAX_PROGRAMME_AMOUNT, kind: "new_enterprise", award: MAX_PROGRAMME_AMOUNT }).success).toBe(true);
  });
});

describe("trade-in subsidy", () => {
  it("is the floor of the percentage, capped per item", () => {
    expect(tradeInSubsidy({ percent: 15, maxPerItem: 200_000 }, 999_999)).toBe(149_999);
    expect(tradeInSubsidy({ percent: 15, maxPerItem: 200_000 }, 5_000_000)).toBe(200_000);
    expect(tradeInSubsidy({ percent: 12.5, maxPerItem: 1_000_000 }, 7)).toBe(0);
  });
});

describe("months and filings, in the programme's zone", () => {
  const programme = { period: PERIOD, timezone: "Asia/Shanghai" };

  it("takes a month only once it has ended in Shanghai", () => {
    // 2026-03-31T16:00Z is midnight of 1 April in Shanghai.
    expect(() => checkApplicationMonth(programme, "2026-03", new Date("2026-03-31T15:59:59Z"))).toThrow(MonthNotEndedError);
    expect(() => checkApplicationMonth(programme, "2026-03", new Date("2026-03-31T16:00:00Z"))).not.toThrow();
  });

  it("refuses a month outside the period", () => {
    expect(() => checkApplicationMonth(programme, "2025-12", new Date("2027-06-01T00:00:00Z"))).toThrow(MonthNotEndedError);
  });

  it("counts a filing only when it was made before the month began", () => {
    expect(filedBeforeMonth("2026-02-28T15:59:59Z", "2026-03", "Asia/Shanghai")).toBe(true);
    expect(filedBeforeMonth("2026-02-28T16:00:00Z", "2026-03", "Asia/Shanghai")).toBe(false);
  });

  it("ends a programme at the end of its last day in its zone", () => {
    expect(programmeEnded(programme, new Date("2026-12-31T15:59:59Z"))).toBe(false);
    expect(programmeEnded(programme, new Date("2026-12-31T16:00:00Z"))).toBe(true);
  });
});

describe("the programmes section of the report and the stats", () => {
  it("adds awards up in all, by kind, by growth tier and by sector, paid apart from pending", () => {
    const figures = programmeFigures([
      { kind: "growth_reward", tier: 5, sector: "appliance", amount: 500_000, paid: true },
      { kind: "growth_reward", tier: 10, sector: "appliance", amount: 1_000_000, paid: false },
      { kind: "growth_reward", tier: 5, sector: "restaurant", amount: 500_000, paid: true },
      { kind: "event_subsidy", sector: "restaurant", amount: 2_000_000, paid: false },
      { kind: "trade_in", amount: 150_000, paid: true },
    ]);
    expect(figures.total).toEqual({ awards: 5, amount: 4_150_000, paid: 1_150_000, pending: 3_000_000 });
    expect(figures.byKind).toEqual({
      growth_reward: { awards: 3, amount: 2_000_000, paid: 1_000_000, pending: 1_000_000 },
      event_subsidy: { awards: 1, amount: 2_000_000, paid: 0, pending: 2_000_000 },
      trade_in: { awards: 1, amount: 150_000, paid: 150_000, pending: 0 },
    });
    expect(figures.byTier).toEqual({ "5": { awards: 2, amount: 1_000_000, paid: 1_000_000, pending: 0 }, "10": { awards: 1, amount: 1_000_000, paid: 0, pending: 1_000_000 } });
    expect(figures.bySector).toEqual({
      appliance: { awards: 2, amount: 1_500_000, paid: 500_000, pending: 1_000_000 },
      restaurant: { awards: 2, amount: 2_500_000, paid: 500_000, pending: 2_000_000 },
      other: { awards: 1, amount: 150_000, paid: 150_000, pending: 0 },
    });
  });
});
