import { describe, expect, it } from "vitest";
import { calendarDay, fenToYuan, fillMessage, formatInstant, formatYuan } from "../../console/src/format.js";
import { type MessageKey, messages } from "../../console/src/messages.js";
import { tiersText, windowText } from "../../console/src/instant-text.js";
import { formatYuan as platformFormatYuan } from "../../shared/domain/money.js";

describe("the console's money formatting", () => {
  it("shows fen as yuan with two decimals and thousands separators", () => {
    expect(formatYuan(0)).toBe("¥0.00");
    expect(formatYuan(5)).toBe("¥0.05");
    expect(formatYuan(100)).toBe("¥1.00");
    expect(formatYuan(123_456)).toBe("¥1,234.56");
    expect(formatYuan(100_000_000_00)).toBe("¥100,000,000.00");
    expect(formatYuan(-1_050)).toBe("-¥10.50");
  });

  it("never rounds a fen away, even where binary fractions would", () => {
    // 0.1 + 0.2 style errors: 1.15 yuan is 115 fen, not 114.99999.
    expect(formatYuan(115)).toBe("¥1.15");
    expect(formatYuan(Number.MAX_SAFE_INTEGER)).toBe("¥90,071,992,547,409.91");
  });

  it("is the platform's own formatting (reports, CSV) with thousands separators added", () => {
    for (const amount of [0, 7, 99, 100, 1_000_00, 123_456_789, -98_765]) {
      expect(formatYuan(amount).replaceAll(",", "")).toBe(platformFormatYuan(amount));
    }
  });

  it("refuses amounts that are not whole fen", () => {
    expect(() => formatYuan(1.5)).toThrow(/not a safe integer number of fen/);
    expect(() => formatYuan(Number.NaN)).toThrow(RangeError);
  });

  it("gives charts yuan numbers", () => {
    expect(fenToYuan(123_456)).toBe(1234.56);
  });
});

describe("the console's time formatting", () => {
  const instant = "2026-03-08T01:30:00Z";

  it("shows an instant in the campaign's zone, with the zone named", () => {
    expect(formatInstant(instant, "Asia/Shanghai")).toBe("2026-03-08 09:30:00 +08:00 (Asia/Shanghai)");
    expect(formatInstant(new Date(instant), "UTC")).toBe("2026-03-08 01:30:00 +00:00 (UTC)");
    // The evening before US clocks change (2026-03-08 02:00 local): still standard time, -05:00.
    expect(formatInstant(instant, "America/New_York")).toBe("2026-03-07 20:30:00 -05:00 (America/New_York)");
    expect(formatInstant("2026-03-08T12:00:00Z", "America/New_York")).toBe("2026-03-08 08:00:00 -04:00 (America/New_York)");
  });

  it("uses a 24-hour clock at midnight", () => {
    expect(formatInstant("2026-12-04T16:00:00Z", "Asia/Shanghai")).toBe("2026-12-05 00:00:00 +08:00 (Asia/Shanghai)");
  });

  it("refuses what is not an instant", () => {
    expect(() => formatInstant("yesterday", "Asia/Shanghai")).toThrow(/not an instant/);
  });

  it("names the calendar day in the zone, as the stats key their days", () => {
    expect(calendarDay(new Date("2026-12-04T16:00:00Z"), "Asia/Shanghai")).toBe("2026-12-05");
    expect(calendarDay(new Date("2026-12-04T15:59:59Z"), "Asia/Shanghai")).toBe("2026-12-04");
  });
});

describe("an instant discount on screen", () => {
  const tIn = (language: "zh-CN" | "en") => (key: MessageKey, values?: Record<string, string | number>) => fillMessage(messages[language][key], values);

  it("reads its tiers lowest first, money in yuan", () => {
    const tiers = [{ threshold: 30_000, discount: 6_000 }, { threshold: 10_000, discount: 2_000 }];
    expect(tiersText(tiers, tIn("zh-CN"))).toBe("满¥100.00减¥20.00; 满¥300.00减¥60.00");
    expect(tiersText(tiers, tIn("en"))).toBe("¥20.00 off from ¥100.00; ¥60.00 off from ¥300.00");
  });

  it("reads its weekly window as days and local hours, every day and all day when absent", () => {
    expect(windowText({ daysOfWeek: [7, 5, 6], from: "10:00", to: "22:00" }, tIn("zh-CN"))).toBe("周五 周六 周日 10:00–22:00");
    expect(windowText({ from: "08:00" }, tIn("en"))).toBe("Every day 08:00–24:00");
    expect(windowText(undefined, tIn("en"))).toBe("Every day all day");
    expect(windowText({ daysOfWeek: [1, 2, 3, 4, 5, 6, 7] }, tIn("zh-CN"))).toBe("每天 全天");
  });

  it("fills a message's placeholders, leaving unknown ones as written", () => {
    expect(fillMessage("每天 {n} 次", { n: 1 })).toBe("每天 1 次");
    expect(fillMessage("{a} and {b}", { a: "x" })).toBe("x and {b}");
  });
});
