/**
 * The campaign editor's pure half (console/src/campaign-form.ts): yuan typed to fen exactly, local
 * wall-clock times to instants in the campaign's zone and back, the live budget arithmetic equal to
 * the figure the API answers, and API issue paths placed at their form fields.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  budgetArithmetic,
  changedFieldNames,
  fenToYuanField,
  fieldOfIssue,
  instantToLocal,
  localToInstant,
  toCampaignDocument,
  toCampaignFields,
  toDropDocument,
  yuanToFen,
} from "../../console/src/campaign-form.js";
import { parseCampaign } from "../../shared/domain/campaign.js";
import { BudgetExceededError } from "../../shared/errors.js";

describe("money in the editor", () => {
  it("turns every amount of fen shown as yuan back into the same fen", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e13 }), (fen) => yuanToFen(fenToYuanField(fen)) === fen));
    expect(yuanToFen(1.15)).toBe(115);
    expect(yuanToFen(0.29)).toBe(29);
    expect(yuanToFen(930_000)).toBe(93_000_000);
  });

  it("passes on what is not whole fen, for the API to refuse at its field, and nothing for an empty field", () => {
    expect(yuanToFen(1.005)).not.toSatisfy(Number.isInteger);
    expect(yuanToFen(undefined)).toBeUndefined();
    expect(yuanToFen(null)).toBeUndefined();
  });
});

describe("times in the campaign's zone", () => {
  it("reads a wall-clock time in the zone, with the zone's offset", () => {
    expect(localToInstant("2026-12-05 10:00", "Asia/Shanghai")).toBe("2026-12-05T10:00:00+08:00");
    expect(localToInstant("2026-07-01 09:30", "Europe/Berlin")).toBe("2026-07-01T09:30:00+02:00");
    expect(localToInstant("2026-01-15 09:30", "Europe/Berlin")).toBe("2026-01-15T09:30:00+01:00");
    // A time the spring change skips (02:00 → 03:00) resolves to a real instant next to it, not an error.
    expect(localToInstant("2026-03-29 02:30", "Europe/Berlin")).toBe("2026-03-29T01:30:00+01:00");
  });

  it("passes on text that is no such time, so the API names the field; nothing for an empty field", () => {
    expect(localToInstant("tomorrow", "Asia/Shanghai")).toBe("tomorrow");
    expect(localToInstant("2026-12-05 10:00", "Mars/Olympus")).toBe("2026-12-05 10:00");
    expect(localToInstant("  ", "Asia/Shanghai")).toBeUndefined();
  });

  it("shows an instant as the zone's wall clock and reads it back as the same instant, in any zone", () => {
    const zones = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"];
    fc.assert(
      fc.property(fc.integer({ min: Date.parse("2020-01-01T00:00:00Z") / 60_000, max: Date.parse("2035-01-01T00:00:00Z") / 60_000 }), fc.constantFrom(...zones), (minute, zone) => {
        const instant = new Date(minute * 60_000);
        const back = localToInstant(instantToLocal(instant.toISOString(), zone), zone)!;
        // An hour repeated by the autumn change reads as one of its two instants.
        const gap = Math.abs(Date.parse(back) - instant.getTime());
        return gap === 0 || gap === 3_600_000;
      }),
    );
  });
});

/** A campaign definition the API accepts or refuses only for its budget. */
const campaignArbitrary = fc
  .record({
    budget: fc.integer({ min: 0, max: 5_000_000_00 }),
    discounts: fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 3 }),
    drops: fc.array(fc.record({ stocks: fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 3 }), times: fc.option(fc.integer({ min: 2, max: 5 }), { nil: undefined }) }), {
      maxLength: 4,
    }),
    instant: fc.array(fc.record({ total: fc.integer({ min: 1, max: 10_000 }), tiers: fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 3 }) }), { maxLength: 2 }),
  })
  .map(({ budget, discounts, drops, instant }) => ({
    id: "generated",
    name: "生成的活动",
    timezone: "Asia/Shanghai",
    budget,
    startsAt: "2030-01-01T00:00:00+08:00",
    endsAt: "2030-12-31T23:59:59+08:00",
    perPersonLimit: 1,
    sectors: ["supermarket"],
    refundPolicy: "void" as const,
    rollover: false,
    voucherTypes: discounts.map((discount, i) => ({ id: `t${i}`, threshold: discount + 1, discount, validDays: 7 })),
    drops: drops.map((drop, i) => ({
      id: `d${i}`,
      // A day per drop, each a week apart, so repeats of a week never overlap the next drop.
      opensAt: `2030-0${2 + Math.floor(i / 2)}-${i % 2 === 0 ? "01" : "15"}T10:00:00+08:00`,
      closesAt: `2030-0${2 + Math.floor(i / 2)}-${i % 2 === 0 ? "01" : "15"}T11:00:00+08:00`,
      stock: Object.fromEntries(drop.stocks.slice(0, discounts.length).map((units, t) => [`t${t}`, units])),
      shards: 1,
      ...(drop.times === undefined ? {} : { repeat: { every: "P1D" as const, times: drop.times } }),
    })),
    ...(instant.length === 0
      ? {}
      : { instantDiscounts: instant.map((entry, i) => ({ id: `i${i}`, quota: { total: entry.total }, tiers: entry.tiers.map((discount, k) => ({ threshold: (k + 1) * 100_000, discount: Math.min(discount, (k + 1) * 100_000 - 1) })) })) }),
  }));

describe("the live budget arithmetic", () => {
  it("is the figure the API computes: BUDGET_EXCEEDED's committed when over, a campaign that parses when not", () => {
    fc.assert(
      fc.property(campaignArbitrary, (campaign) => {
        const figures = budgetArithmetic(campaign);
        expect(figures).toBeDefined();
        try {
          parseCampaign(campaign);
          expect(figures!.left).toBeGreaterThanOrEqual(0);
        } catch (error) {
          expect(error).toBeInstanceOf(BudgetExceededError);
          expect((error as BudgetExceededError).details).toMatchObject({ budget: campaign.budget, committed: figures!.committed });
          expect(figures!.left).toBeLessThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("counts what the form would send: Σ stock × discount with every repetition, plus quota × largest tier, in fen from yuan", () => {
    const document = toCampaignDocument({
      id: "c",
      budget: 1_000,
      timezone: "Asia/Shanghai",
      voucherTypes: [{ id: "100-30", threshold: 100, discount: 30, validDays: 7 }],
      drops: [{ id: "d1", opensAt: "2030-02-01 10:00", closesAt: "2030-02-01 11:00", stock: { "100-30": 10, other: null }, repeat: { every: "P1D", times: 3 } }],
      instantDiscounts: [{ id: "swipe", tiers: [{ threshold: 100, discount: 20 }, { threshold: 300, discount: 60.5 }], quota: { total: 2 } }],
    });
    // 10 × 3 occurrences × ¥30 = ¥900, + 2 × ¥60.50 = ¥121: ¥1,021 of ¥1,000.
    expect(budgetArithmetic(document)).toEqual({ budget: 100_000, committed: 102_100, left: -2_100 });
  });

  it("waits for the figures it needs rather than showing a wrong sum", () => {
    expect(budgetArithmetic(toCampaignDocument({ budget: 10, voucherTypes: [{ id: "a" }], drops: [] }))).toBeUndefined();
    expect(budgetArithmetic(toCampaignDocument({ voucherTypes: [], drops: [] }))).toBeUndefined();
    expect(budgetArithmetic(toCampaignDocument({ budget: 10, voucherTypes: [], drops: [], instantDiscounts: [{ id: "i", tiers: [], quota: { total: 3 } }] }))).toBeUndefined();
  });
});

describe("the form and the document", () => {
  it("sends a lottery drop with its registration window and draw in the zone, and no lottery fields for an ordinary drop", () => {
    const lottery = toDropDocument(
      { id: "l", opensAt: "2030-02-01 10:00", closesAt: "2030-02-03 10:00", stock: { a: 5 }, lottery: true, registration: { opensAt: "2030-02-01 10:00", closesAt: "2030-02-02 10:00" }, drawAt: "2030-02-02 12:00" },
      "Asia/Shanghai",
    );
    expect(lottery).toEqual({
      id: "l",
      opensAt: "2030-02-01T10:00:00+08:00",
      closesAt: "2030-02-03T10:00:00+08:00",
      stock: { a: 5 },
      allocation: "lottery",
      registration: { opensAt: "2030-02-01T10:00:00+08:00", closesAt: "2030-02-02T10:00:00+08:00" },
      drawAt: "2030-02-02T12:00:00+08:00",
    });
    const ordinary = toDropDocument({ id: "o", opensAt: "2030-02-01 10:00", closesAt: "2030-02-01 11:00", stock: { a: 5 }, registration: { opensAt: "2030-02-01 10:00" } }, "Asia/Shanghai");
    expect(ordinary).not.toHaveProperty("registration");
    expect(ordinary).not.toHaveProperty("allocation");
  });

  it("shows a stored campaign in the form and sends back the same document the API accepts", () => {
    const campaign = parseCampaign({
      id: "round",
      name: "往返",
      timezone: "Asia/Shanghai",
      budget: 93_000_000,
      startsAt: "2030-01-01T00:00:00+08:00",
      endsAt: "2030-12-31T23:59:00+08:00",
      perPersonLimit: 2,
      sectors: ["supermarket", "restaurant"],
      refundPolicy: "restore",
      rollover: true,
      voucherTypes: [{ id: "100-30", threshold: 10_000, discount: 3_000, validDays: 7 }],
      drops: [{ id: "d1", opensAt: "2030-02-01T10:00:00+08:00", closesAt: "2030-02-01T12:00:00+08:00", stock: { "100-30": 5_000 }, shards: 4 }],
      instantDiscounts: [{ id: "swipe", tiers: [{ threshold: 10_000, discount: 2_000 }], quota: { total: 500, daily: 50 }, perPayer: { daily: 1 }, window: { daysOfWeek: [5, 6, 7], from: "10:00", to: "22:00" }, partners: ["unionpay"] }],
    });
    const fields = toCampaignFields(campaign);
    expect(fields).toMatchObject({ budget: 930_000, startsAt: "2030-01-01 00:00", drops: [{ opensAt: "2030-02-01 10:00", stock: { "100-30": 5_000 } }] });
    expect(parseCampaign(toCampaignDocument(fields))).toEqual(campaign);
  });
});

describe("API issues at their fields", () => {
  it.each([
    ["budget", ["budget"]],
    ["drops.0.closesAt", ["drops", 0, "closesAt"]],
    ["drops.2.stock.100-30", ["drops", 2, "stock", "100-30"]],
    ["drops.1.registration.closesAt", ["drops", 1, "registration", "closesAt"]],
    ["voucherTypes.0.discount", ["voucherTypes", 0, "discount"]],
    ["instantDiscounts.0.tiers.1.discount", ["instantDiscounts", 0, "tiers", 1, "discount"]],
    ["instantDiscounts.0.window.from", ["instantDiscounts", 0, "window", "from"]],
    // Nearest field above a path that names none of its own.
    ["sectors.1", ["sectors"]],
    ["drops.0.repeat", undefined],
    ["voucherTypes.0", undefined],
    ["", undefined],
  ])("%s → %j", (path, field) => {
    expect(fieldOfIssue(path)).toEqual(field);
  });

  it("places a drop's issues in the add-drop form, whose fields are the drop's own", () => {
    expect(fieldOfIssue("closesAt", ["drops", "0"])).toEqual(["closesAt"]);
    expect(fieldOfIssue("stock.100-30", ["drops", "0"])).toEqual(["stock", "100-30"]);
    expect(fieldOfIssue("repeat", ["drops", "0"])).toBeUndefined();
  });
});

describe("the fields an edit touched", () => {
  it("names each edited leaf, list entries by index, and a list of plain values as one field", () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(changedFieldNames({ drops: [, { closesAt: "2030-01-01 10:00" }] })).toEqual([["drops", 1, "closesAt"]]);
    expect(changedFieldNames({ drops: [{ stock: { "100-30": 5 } }] })).toEqual([["drops", 0, "stock", "100-30"]]);
    expect(changedFieldNames({ budget: 10 })).toEqual([["budget"]]);
    expect(changedFieldNames({ sectors: ["fuel", "hotel"] })).toEqual([["sectors"]]);
    expect(changedFieldNames({ instantDiscounts: [{ window: { daysOfWeek: [1, 2] } }] })).toEqual([["instantDiscounts", 0, "window", "daysOfWeek"]]);
  });
});
