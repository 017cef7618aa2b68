import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BudgetExceededError, CampaignInvalidError, type CampaignIssue, DomainError } from "../../shared/errors.js";
import {
  type Campaign,
  type CampaignInput,
  checkNewDrop,
  committedSubsidy,
  parseCampaign,
  voucherExpiry,
} from "../../shared/domain/campaign.js";

// Modelled on a city consumption-voucher plan: 满100减30 and 满200减60 at supermarkets and
// restaurants, two weekly drops, ¥600,000 of subsidy committed to the fen.
function cityPlan(): CampaignInput {
  return {
    id: "hefei-2024-spring",
    name: "合肥消费券 2024 春季",
    budget: 60_000_000,
    startsAt: "2024-03-01T00:00:00+08:00",
    endsAt: "2024-04-30T23:59:59+08:00",
    perPersonLimit: 2,
    sectors: ["supermarket", "restaurant"],
    refundPolicy: "void",
    voucherTypes: [
      { id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 },
      { id: "200-60", threshold: 20_000, discount: 6_000, validUntil: "2024-04-15T23:59:59+08:00" },
    ],
    drops: [
      {
        id: "week-1",
        opensAt: "2024-03-01T10:00:00+08:00",
        closesAt: "2024-03-08T10:00:00+08:00",
        stock: { "100-30": 5_000, "200-60": 2_500 },
        expectedAttemptsPerSecond: 20_000,
      },
      {
        // Opens the moment week 1 closes: touching is not overlapping.
        id: "week-2",
        opensAt: "2024-03-08T10:00:00+08:00",
        closesAt: "2024-03-15T10:00:00+08:00",
        stock: { "100-30": 5_000, "200-60": 2_500 },
        shards: 16,
      },
    ],
  };
}

/** The error parseCampaign throws, or a failure when it throws none. */
function rejection(input: unknown): DomainError {
  try {
    parseCampaign(input);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected the campaign to be refused");
}

function paths(error: DomainError): string[] {
  return (error.details as CampaignIssue[]).map((issue) => issue.path);
}

type Mutation = (c: CampaignInput) => void;
const voucherType = (c: CampaignInput, index: number) => c.voucherTypes[index]!;
const drop = (c: CampaignInput, index: number) => c.drops[index]!;

describe("parseCampaign", () => {
  it("accepts the city plan and applies the defaults", () => {
    const campaign = parseCampaign(cityPlan());
    expect(campaign.timezone).toBe("Asia/Shanghai");
    expect(campaign.rollover).toBe(false);
    expect(campaign.drops[0]!.expectedAttemptsPerSecond).toBe(20_000);
    // A drop that fixes its shards needs no attempt rate; one that fixes neither gets 1,000/s.
    expect(campaign.drops[1]!.expectedAttemptsPerSecond).toBeUndefined();
    expect(committedSubsidy(campaign)).toBe(60_000_000);
  });

  it("applies the attempt-rate default to a drop that fixes neither rate nor shards", () => {
    const input = cityPlan();
    delete drop(input, 1).shards;
    expect(parseCampaign(input).drops[1]!.expectedAttemptsPerSecond).toBe(1000);
  });

  it("keeps explicit values over the defaults", () => {
    const campaign = parseCampaign({ ...cityPlan(), timezone: "Asia/Urumqi", rollover: true });
    expect(campaign.timezone).toBe("Asia/Urumqi");
    expect(campaign.rollover).toBe(true);
  });

  it("lets drops of different voucher types overlap", () => {
    const input = cityPlan();
    drop(input, 0).stock = { "100-30": 5_000 };
    drop(input, 1).stock = { "200-60": 5_000 };
    drop(input, 1).opensAt = drop(input, 0).opensAt;
    expect(() => parseCampaign(input)).not.toThrow();
  });

  it.each<[string, Mutation, string]>([
    ["an unknown top-level field", (c) => Object.assign(c, { currency: "CNY" }), ""],
    ["an unknown field in a voucher type", (c) => Object.assign(voucherType(c, 0), { sector: "fuel" }), "voucherTypes.0"],
    ["an id with a space", (c) => (c.id = "hefei 2024"), "id"],
    ["an id longer than 64", (c) => (c.id = "x".repeat(65)), "id"],
    ["an empty name", (c) => (c.name = ""), "name"],
    ["an unknown time zone", (c) => (c.timezone = "Mars/Olympus_Mons"), "timezone"],
    ["an offset for a time zone", (c) => (c.timezone = "+08:00"), "timezone"],
    ["a negative budget", (c) => (c.budget = -1), "budget"],
    ["a budget in yuan with decimals", (c) => (c.budget = 600_000.5), "budget"],
    ["a start without offset", (c) => (c.startsAt = "2024-03-01T00:00:00"), "startsAt"],
    ["an end before the start", (c) => (c.endsAt = "2024-02-01T00:00:00+08:00"), "endsAt"],
    ["a per-person limit of zero", (c) => (c.perPersonLimit = 0), "perPersonLimit"],
    ["no sectors", (c) => (c.sectors = []), "sectors"],
    ["an unknown sector", (c) => (c.sectors = ["supermarket", "casino" as "other"]), "sectors.1"],
    ["a sector listed twice", (c) => (c.sectors = ["supermarket", "restaurant", "supermarket"]), "sectors.2"],
    ["an unknown refund policy", (c) => (c.refundPolicy = "keep" as "void"), "refundPolicy"],
    ["no voucher types", (c) => ((c.voucherTypes = []), (c.drops = [])), "voucherTypes"],
    ["a discount equal to the threshold", (c) => (voucherType(c, 0).discount = 10_000), "voucherTypes.0.discount"],
    ["a zero discount", (c) => (voucherType(c, 0).discount = 0), "voucherTypes.0.discount"],
    ["a negative threshold", (c) => (voucherType(c, 1).threshold = -20_000), "voucherTypes.1.threshold"],
    ["both validDays and validUntil", (c) => (voucherType(c, 0).validUntil = "2024-04-01T00:00:00+08:00"), "voucherTypes.0"],
    ["neither validDays nor validUntil", (c) => delete voucherType(c, 0).validDays, "voucherTypes.0"],
    ["validUntil after the campaign ends", (c) => (voucherType(c, 1).validUntil = "2024-05-01T00:00:00+08:00"), "voucherTypes.1.validUntil"],
    ["validUntil before the campaign starts", (c) => (voucherType(c, 1).validUntil = "2024-02-01T00:00:00+08:00"), "voucherTypes.1.validUntil"],
    ["a voucher type id used twice", (c) => (voucherType(c, 1).id = "100-30"), "voucherTypes.1.id"],
    ["a drop id used twice", (c) => (drop(c, 1).id = "week-1"), "drops.1.id"],
    ["a drop that closes before it opens", (c) => (drop(c, 0).closesAt = "2024-03-01T09:00:00+08:00"), "drops.0.closesAt"],
    ["a drop that opens before the campaign", (c) => (drop(c, 0).opensAt = "2024-02-28T10:00:00+08:00"), "drops.0.opensAt"],
    ["a drop that closes after the campaign", (c) => (drop(c, 1).closesAt = "2024-05-01T10:00:00+08:00"), "drops.1.closesAt"],
    ["a drop naming an unknown voucher type", (c) => (drop(c, 0).stock = { "100-30": 10, "50-10": 10 }), "drops.0.stock.50-10"],
    ["overlapping drops of one voucher type", (c) => (drop(c, 1).opensAt = "2024-03-08T09:59:59+08:00"), "drops.1.opensAt"],
    ["a drop with no stock", (c) => (drop(c, 0).stock = {}), "drops.0.stock"],
    ["a stock of zero", (c) => (drop(c, 0).stock["100-30"] = 0), "drops.0.stock.100-30"],
    ["1001 shards", (c) => (drop(c, 0).shards = 1001), "drops.0.shards"],
    ["zero expected attempts", (c) => (drop(c, 0).expectedAttemptsPerSecond = 0), "drops.0.expectedAttemptsPerSecond"],
  ])("refuses %s with VALIDATION_FAILED at %j", (_name, mutate, path) => {
    const input = cityPlan();
    mutate(input);
    const error = rejection(input);
    expect(error).toBeInstanceOf(CampaignInvalidError);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.status).toBe(400);
    expect(paths(error)).toContain(path);
  });

  // 200-60 is valid until 2024-04-15T23:59:59+08:00: a drop stocking it must close by then, or it
  // would issue vouchers that are already expired, consuming stock and per-person limits.
  it.each<[string, Mutation, string]>([
    ["a drop that closes after its voucher type's validUntil", (c) => (voucherType(c, 1).validUntil = "2024-03-10T00:00:00+08:00"), "drops.1.stock.200-60"],
    ["a drop that opens after its voucher type's validUntil", (c) => (voucherType(c, 1).validUntil = "2024-03-05T00:00:00+08:00"), "drops.1.stock.200-60"],
    ["a drop that closes 1 ms after its voucher type's validUntil", (c) => (voucherType(c, 1).validUntil = "2024-03-15T09:59:59.999+08:00"), "drops.1.stock.200-60"],
  ])("refuses %s with VALIDATION_FAILED at %j", (_name, mutate, path) => {
    const input = cityPlan();
    mutate(input);
    const error = rejection(input);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.status).toBe(400);
    expect(paths(error)).toContain(path);
    const issue = (error.details as CampaignIssue[]).find((candidate) => candidate.path === path);
    expect(issue?.message).toMatch(/validUntil .* before the drop closes/);
  });

  it("accepts a validUntil exactly at the close of the last drop stocking the type", () => {
    const input = cityPlan();
    voucherType(input, 1).validUntil = drop(input, 1).closesAt;
    expect(() => parseCampaign(input)).not.toThrow();
  });

  it("lets a drop that does not stock a dated voucher type close after its validUntil", () => {
    const input = cityPlan();
    voucherType(input, 1).validUntil = "2024-03-10T00:00:00+08:00";
    drop(input, 1).stock = { "100-30": 5_000 };
    expect(() => parseCampaign(input)).not.toThrow();
  });

  it("reports every problem of a campaign at once", () => {
    const input = cityPlan();
    Object.assign(input, { currency: "CNY" });
    input.timezone = "Nowhere/Special";
    input.sectors = ["supermarket", "supermarket"];
    voucherType(input, 0).discount = 12_000;
    voucherType(input, 1).validUntil = "2025-01-01T00:00:00+08:00";
    drop(input, 0).stock = { "100-30": 5_000, "300-90": 100 };
    drop(input, 1).opensAt = "2024-03-05T10:00:00+08:00";
    drop(input, 1).shards = 0;

    const error = rejection(input);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(paths(error)).toEqual(
      expect.arrayContaining([
        "",
        "timezone",
        "sectors.1",
        "voucherTypes.0.discount",
        "voucherTypes.1.validUntil",
        "drops.0.stock.300-90",
        "drops.1.opensAt",
        "drops.1.shards",
      ]),
    );
  });

  it("reports an overlap once per voucher type the two drops share", () => {
    const input = cityPlan();
    drop(input, 1).opensAt = "2024-03-05T10:00:00+08:00";
    const issues = rejection(input).details as CampaignIssue[];
    expect(issues.filter((issue) => issue.path === "drops.1.opensAt").map((issue) => issue.message)).toEqual([
      "overlaps drop week-1 for voucher type 100-30",
      "overlaps drop week-1 for voucher type 200-60",
    ]);
  });

  it("answers BUDGET_EXCEEDED with exact figures when the budget is one fen short", () => {
    const error = rejection({ ...cityPlan(), budget: 59_999_999 });
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error.code).toBe("BUDGET_EXCEEDED");
    expect(error.status).toBe(400);
    expect(error.details).toEqual({ budget: 59_999_999, committed: 60_000_000, excess: 1 });
    expect(error.message).toContain("¥600000.00");
  });

  it("lets structural issues take precedence over the budget", () => {
    const input = { ...cityPlan(), budget: 1_000, perPersonLimit: 0 };
    const error = rejection(input);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(paths(error)).toEqual(["perPersonLimit"]);
  });

  it("refuses stock × discount beyond the safe integers instead of miscounting", () => {
    const input = cityPlan();
    drop(input, 0).stock["100-30"] = Number.MAX_SAFE_INTEGER;
    expect(rejection(input).code).toBe("VALIDATION_FAILED");
  });

  it("refuses what is not an object", () => {
    expect(rejection(null).code).toBe("VALIDATION_FAILED");
    expect(rejection("campaign").code).toBe("VALIDATION_FAILED");
  });
});

describe("checkNewDrop", () => {
  // Published with ¥60,000 of the ¥660,000 budget not yet committed.
  const published: Campaign = parseCampaign({ ...cityPlan(), budget: 66_000_000 });
  const week3 = {
    id: "week-3",
    opensAt: "2024-03-15T10:00:00+08:00",
    closesAt: "2024-03-22T10:00:00+08:00",
    stock: { "100-30": 2_000 },
  };

  it("accepts a drop that uses exactly the remaining budget, with defaults applied", () => {
    expect(checkNewDrop(published, week3)).toEqual({ ...week3, expectedAttemptsPerSecond: 1000 });
  });

  it("refuses a drop one voucher over the remaining budget, with figures", () => {
    let error: unknown;
    try {
      checkNewDrop(published, { ...week3, stock: { "100-30": 2_001 } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as BudgetExceededError).details).toEqual({ budget: 66_000_000, committed: 66_003_000, excess: 3_000 });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["overlaps an existing drop of the same voucher type", { opensAt: "2024-03-14T10:00:00+08:00" }, "opensAt"],
    ["reuses an existing drop id", { id: "week-1" }, "id"],
    ["names an unknown voucher type", { stock: { "500-150": 10 } }, "stock.500-150"],
    ["closes after the campaign", { closesAt: "2024-05-02T10:00:00+08:00" }, "closesAt"],
    ["has an unknown field", { budget: 1 }, ""],
    ["has no stock", { stock: {} }, "stock"],
    ["stocks a voucher type whose validUntil is before it closes", { stock: { "200-60": 10 }, opensAt: "2024-04-10T10:00:00+08:00", closesAt: "2024-04-16T10:00:00+08:00" }, "stock.200-60"],
    ["stocks a voucher type whose validUntil is before it opens", { stock: { "200-60": 10 }, opensAt: "2024-04-20T10:00:00+08:00", closesAt: "2024-04-21T10:00:00+08:00" }, "stock.200-60"],
  ])("refuses a drop that %s", (_name, change, path) => {
    let error: unknown;
    try {
      checkNewDrop(published, { ...week3, ...change });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CampaignInvalidError);
    expect((error as CampaignInvalidError).details.map((issue) => issue.path)).toContain(path);
  });
});

describe("voucherExpiry", () => {
  const campaign = parseCampaign(cityPlan());
  const [weekly, dated] = campaign.voucherTypes as [Campaign["voucherTypes"][number], Campaign["voucherTypes"][number]];

  it("is validDays × 24 h after the claim", () => {
    expect(voucherExpiry(campaign, weekly, new Date("2024-03-01T10:00:05+08:00"))).toEqual(new Date("2024-03-08T10:00:05+08:00"));
  });

  it("never outlives the campaign", () => {
    expect(voucherExpiry(campaign, weekly, new Date("2024-04-28T12:00:00+08:00"))).toEqual(new Date("2024-04-30T23:59:59+08:00"));
    const lateUntil = { ...dated, validUntil: "2024-06-01T00:00:00+08:00" };
    expect(voucherExpiry(campaign, lateUntil, new Date("2024-03-01T10:00:00+08:00"))).toEqual(new Date("2024-04-30T23:59:59+08:00"));
  });

  it("is validUntil whatever the claim time", () => {
    expect(voucherExpiry(campaign, dated, new Date("2024-03-02T10:00:00+08:00"))).toEqual(new Date("2024-04-15T23:59:59+08:00"));
  });
});

describe("the budget rule, for any voucher types and drops", () => {
  const HOUR = 3_600_000;
  const start = Date.parse("2024-01-01T00:00:00Z");
  const typesArb = fc.array(
    fc.record({ discount: fc.integer({ min: 1, max: 100_000 }), extra: fc.integer({ min: 1, max: 100_000 }) }),
    { minLength: 1, maxLength: 5 },
  );
  const scenario = typesArb.chain((types) =>
    fc.record({
      types: fc.constant(types),
      drops: fc.array(
        fc
          .array(fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }), { minLength: types.length, maxLength: types.length })
          .filter((stocks) => stocks.some((units) => units !== undefined)),
        { maxLength: 6 },
      ),
      budgetDelta: fc.oneof(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.constantFrom(-1, 0, 1)),
    }),
  );

  it("committedSubsidy is the brute-force sum and the campaign passes iff it fits the budget", () => {
    fc.assert(
      fc.property(scenario, ({ types, drops, budgetDelta }) => {
        const voucherTypes = types.map((type, index) => ({
          id: `t${index}`,
          threshold: type.discount + type.extra,
          discount: type.discount,
          validDays: 3,
        }));
        const dropInputs = drops.map((stocks, index) => ({
          id: `d${index}`,
          // One hour each, back to back: never overlapping.
          opensAt: new Date(start + index * HOUR).toISOString(),
          closesAt: new Date(start + (index + 1) * HOUR).toISOString(),
          stock: Object.fromEntries(stocks.flatMap((units, t) => (units === undefined ? [] : [[`t${t}`, units]]))),
        }));
        let bruteForce = 0;
        for (const d of dropInputs) {
          for (const t of voucherTypes) bruteForce += (d.stock[t.id] ?? 0) * t.discount;
        }
        const budget = Math.max(0, bruteForce + budgetDelta);
        const input: CampaignInput = {
          id: "prop",
          name: "property",
          budget,
          startsAt: new Date(start).toISOString(),
          endsAt: new Date(start + 24 * HOUR).toISOString(),
          perPersonLimit: 1,
          sectors: ["other"],
          refundPolicy: "restore",
          voucherTypes,
          drops: dropInputs,
        };

        expect(committedSubsidy(input)).toBe(bruteForce);
        if (bruteForce <= budget) {
          expect(committedSubsidy(parseCampaign(input))).toBe(bruteForce);
        } else {
          const error = rejection(input);
          expect(error).toBeInstanceOf(BudgetExceededError);
          expect(error.details).toEqual({ budget, committed: bruteForce, excess: bruteForce - budget });
        }
      }),
      { numRuns: 300 },
    );
  });
});
