/** The portal's and reviewer queue's pure helpers: yuan typed → fen sent, and refusals → form fields. */
import { describe, expect, it } from "vitest";
import { fenToYuanInput, yuanRule, yuanToFen } from "../../console/src/money-input.js";
import { fieldErrorsOf } from "../../console/src/programme-errors.js";
import { applicationBody, percentText, programmeDefinition } from "../../console/src/programme-forms.js";
import { isMerchantOnly } from "../../console/src/roles.js";

describe("yuanToFen", () => {
  it("reads yuan with up to two decimals exactly, without floating point", () => {
    expect(yuanToFen("0.29")).toBe(29);
    expect(yuanToFen("1,234.5")).toBe(123_450);
    expect(yuanToFen(" ¥105000 ")).toBe(10_500_000);
    expect(yuanToFen("0")).toBe(0);
    expect(yuanToFen("1.10")).toBe(110);
  });

  it("refuses anything else", () => {
    for (const text of ["", "-1", "1.234", "1e3", "abc", ".5", "1.", "99999999999999"]) expect(yuanToFen(text), text).toBeUndefined();
  });
});

describe("fenToYuanInput", () => {
  it("writes fen as yuan with two decimals, the inverse of yuanToFen", () => {
    expect(fenToYuanInput(123_450)).toBe("1234.50");
    expect(fenToYuanInput(7)).toBe("0.07");
    for (const fen of [0, 1, 99, 100, 12_345_678]) expect(yuanToFen(fenToYuanInput(fen))).toBe(fen);
    expect(() => fenToYuanInput(-1)).toThrow(RangeError);
    expect(() => fenToYuanInput(1.5)).toThrow(RangeError);
  });
});

describe("yuanRule", () => {
  it("accepts amounts, and with positive only those above 0", async () => {
    await expect(yuanRule("bad").validator(undefined, "1.00")).resolves.toBeUndefined();
    await expect(yuanRule("bad").validator(undefined, "0")).resolves.toBeUndefined();
    await expect(yuanRule("bad", { positive: true }).validator(undefined, "0")).rejects.toThrow("bad");
    await expect(yuanRule("bad").validator(undefined, "1.001")).rejects.toThrow("bad");
    await expect(yuanRule("bad").validator(undefined, undefined)).rejects.toThrow("bad");
  });
});

describe("fieldErrorsOf", () => {
  it("puts each refusal next to the field it concerns", () => {
    expect(fieldErrorsOf({ code: "NO_BASE_YEAR_SALES", message: "m" })).toEqual([{ name: ["sales", "lastYear"], message: "m" }]);
    expect(fieldErrorsOf({ code: "MONTH_NOT_ENDED", message: "m" })).toEqual([{ name: ["month"], message: "m" }]);
    expect(fieldErrorsOf({ code: "ALREADY_APPLIED", message: "m" })).toEqual([{ name: ["month"], message: "m" }]);
    expect(fieldErrorsOf({ code: "NOT_FILED", message: "m" })).toEqual([{ name: ["filing"], message: "m" }]);
    expect(fieldErrorsOf({ code: "ATTACHMENT_INVALID", message: "m", details: { attachmentId: "a" } })).toEqual([{ name: ["attachments"], message: "m" }]);
    expect(fieldErrorsOf({ code: "DUPLICATE_INVOICE", message: "m" })).toEqual([{ name: ["invoiceNumber"], message: "m" }]);
    // The budget and the exclusive group are the programme's, not a field's: above the form.
    expect(fieldErrorsOf({ code: "EXCLUSIVE_AWARD", message: "m" })).toEqual([{ name: [], message: "m" }]);
    expect(fieldErrorsOf({ code: "PROGRAMME_BUDGET_EXCEEDED", message: "m" })).toEqual([{ name: [], message: "m" }]);
  });

  it("takes VALIDATION_FAILED's own paths, and puts what concerns no field on the form", () => {
    expect(
      fieldErrorsOf({
        code: "VALIDATION_FAILED",
        message: "The body is invalid",
        details: [
          { path: "sales.current", message: "too small" },
          { path: "attachments.1", message: "bad id" },
          { path: "", message: "whole" },
        ],
      }),
    ).toEqual([
      { name: ["sales", "current"], message: "too small" },
      { name: ["attachments"], message: "bad id" },
      { name: [], message: "whole" },
    ]);
    expect(fieldErrorsOf({ code: "VALIDATION_FAILED", message: "not JSON" })).toEqual([{ name: [], message: "not JSON" }]);
    expect(fieldErrorsOf({ code: "FORBIDDEN", message: "no" })).toEqual([{ name: [], message: "no" }]);
  });
});

describe("applicationBody", () => {
  it("sends a growth reward's month and sales in fen, and the evidence kept and added", () => {
    const body = applicationBody(
      { month: "2026-11", sales: { current: "105000", lastYear: "100,000.00", previousMonth: "90000.5" }, summary: "Grew", attachments: ["new-1"] },
      true,
      ["old-1"],
    );
    expect(body).toEqual({ month: "2026-11", sales: { current: 10_500_000, lastYear: 10_000_000, previousMonth: 9_000_050 }, summary: "Grew", attachments: ["old-1", "new-1"] });
  });

  it("sends only the summary (and evidence) for the other kinds", () => {
    expect(applicationBody({ month: "2026-11", sales: { current: "1", lastYear: "1", previousMonth: "1" }, summary: "Fair" }, false, [])).toEqual({ summary: "Fair" });
  });
});

describe("programmeDefinition", () => {
  const common = { id: "p1", name: "P", budget: "50000", from: "2026-01-01", to: "2026-12-31", timezone: "Asia/Shanghai" };
  it("builds each kind with its own fields, money in fen", () => {
    expect(programmeDefinition({ ...common, kind: "growth_reward", tiers: [{ minGrowthPercent: 5, award: "5000" }], maxAward: "9" })).toEqual({
      id: "p1",
      name: "P",
      budget: 5_000_000,
      period: { from: "2026-01-01", to: "2026-12-31" },
      timezone: "Asia/Shanghai",
      kind: "growth_reward",
      tiers: [{ minGrowthPercent: 5, award: 500_000 }],
    });
    expect(programmeDefinition({ ...common, kind: "event_subsidy", maxAward: "20000", exclusiveGroup: "g" })).toMatchObject({ kind: "event_subsidy", maxAward: 2_000_000, exclusiveGroup: "g" });
    expect(programmeDefinition({ ...common, kind: "new_enterprise", award: "100000" })).toMatchObject({ kind: "new_enterprise", award: 10_000_000 });
    expect(programmeDefinition({ ...common, kind: "trade_in", percent: 15, maxPerItem: "2000" })).toMatchObject({ kind: "trade_in", rule: { percent: 15, maxPerItem: 200_000 } });
    expect(programmeDefinition({ ...common, kind: "event_subsidy", maxAward: "1" })).not.toHaveProperty("exclusiveGroup");
  });
});

describe("percentText and isMerchantOnly", () => {
  it("shows growth with two decimals", () => {
    expect(percentText(5)).toBe("5.00%");
    expect(percentText(-12.5)).toBe("-12.50%");
  });

  it("gives a merchant the portal only, an operator (even one also a merchant) the operator screens", () => {
    expect(isMerchantOnly(["merchants"])).toBe(true);
    expect(isMerchantOnly(["merchants", "operators"])).toBe(false);
    expect(isMerchantOnly(["operators"])).toBe(false);
    expect(isMerchantOnly([])).toBe(false);
  });
});
