/**
 * What the operations screens add to the console's formatting (console/src/format.ts) and words
 * (console/src/messages-operations.ts): percentages, the operator's own zone for instants of no
 * campaign, and both languages with the same words and placeholders.
 */
import { describe, expect, it } from "vitest";
import { formatInstant, formatPercent, localZone } from "../../console/src/format.js";
import { operationsEn, operationsZh } from "../../console/src/messages-operations.js";
import { messages } from "../../console/src/messages.js";

describe("formatPercent", () => {
  it("shows a ratio as a percentage with two decimals", () => {
    expect(formatPercent(0)).toBe("0.00%");
    expect(formatPercent(1)).toBe("100.00%");
    expect(formatPercent(0.4567)).toBe("45.67%");
    expect(formatPercent(1 / 3)).toBe("33.33%");
  });
});

describe("localZone", () => {
  it("is the zone the runtime resolves, usable to show an instant with the zone named", () => {
    const zone = localZone();
    expect(zone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(formatInstant("2026-12-05T01:30:00Z", zone)).toMatch(new RegExp(`^2026-12-0[45] \\d{2}:\\d{2}:00 [+-]\\d{2}:\\d{2} \\(${zone.replace("/", "\\/")}\\)$`));
  });
});

describe("the operations screens' words", () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

  it("are in the catalogue in both languages, with the same placeholders", () => {
    for (const key of Object.keys(operationsZh) as (keyof typeof operationsZh)[]) {
      expect(messages["zh-CN"][key]).toBe(operationsZh[key]);
      expect(messages.en[key]).toBe(operationsEn[key]);
      expect(placeholders(operationsEn[key]), key).toEqual(placeholders(operationsZh[key]));
    }
  });

  it("name every sector the API knows", async () => {
    const { SECTORS } = await import("../../shared/domain/sectors.js");
    for (const sector of SECTORS) expect(Object.keys(operationsZh)).toContain(`sector_${sector}`);
  });
});
