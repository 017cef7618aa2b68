import { describe, expect, it } from "vitest";
import { nextFireTime, parseScheduleExpression } from "../../infra/local/schedule-expression.js";

describe("rate expressions", () => {
  it.each([
    ["rate(1 minute)", 60_000],
    ["rate(5 minutes)", 300_000],
    ["rate(1 hour)", 3_600_000],
    ["rate(2 days)", 172_800_000],
  ])("%s fires every %i ms from its anchor", (expression, everyMs) => {
    const schedule = parseScheduleExpression(expression, "UTC");
    const anchor = new Date("2026-11-22T10:00:30Z");
    expect(nextFireTime(schedule, anchor, anchor).getTime()).toBe(anchor.getTime() + everyMs);
    const later = new Date(anchor.getTime() + everyMs * 3 + 1);
    expect(nextFireTime(schedule, later, anchor).getTime()).toBe(anchor.getTime() + everyMs * 4);
  });

  it.each(["rate(1 minutes)", "rate(2 minute)", "rate(0 minutes)", "rate(5 weeks)", "every minute"])("refuses %s", (expression) => {
    expect(() => parseScheduleExpression(expression, "UTC")).toThrow();
  });
});

describe("cron expressions", () => {
  it("reads the fields in the schedule's time zone", () => {
    const schedule = parseScheduleExpression("cron(0 2 * * ? *)", "Asia/Shanghai");
    // 02:00 in Shanghai is 18:00 UTC the day before.
    expect(nextFireTime(schedule, new Date("2026-11-22T10:00:00Z")).toISOString()).toBe("2026-11-22T18:00:00.000Z");
    expect(nextFireTime(schedule, new Date("2026-11-22T18:00:00Z")).toISOString()).toBe("2026-11-23T18:00:00.000Z");
  });

  it("follows daylight saving time where the zone has it", () => {
    const schedule = parseScheduleExpression("cron(30 9 * * ? *)", "America/New_York");
    expect(nextFireTime(schedule, new Date("2026-03-07T12:00:00Z")).toISOString()).toBe("2026-03-07T14:30:00.000Z");
    expect(nextFireTime(schedule, new Date("2026-03-08T12:00:00Z")).toISOString()).toBe("2026-03-08T13:30:00.000Z");
  });

  it("supports lists, ranges, steps and day names", () => {
    const weekdays = parseScheduleExpression("cron(0/15 9-10 ? * MON-FRI *)", "UTC");
    // 2026-11-21 is a Saturday: the next firing is Monday 09:00.
    expect(nextFireTime(weekdays, new Date("2026-11-21T08:00:00Z")).toISOString()).toBe("2026-11-23T09:00:00.000Z");
    expect(nextFireTime(weekdays, new Date("2026-11-23T09:00:00Z")).toISOString()).toBe("2026-11-23T09:15:00.000Z");
    expect(nextFireTime(weekdays, new Date("2026-11-23T10:45:00Z")).toISOString()).toBe("2026-11-24T09:00:00.000Z");
    const firstOfMonth = parseScheduleExpression("cron(0 0 1 JAN,JUL ? *)", "UTC");
    expect(nextFireTime(firstOfMonth, new Date("2026-11-22T00:00:00Z")).toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  it.each([
    ["cron(0 2 * * * *)", /exactly one/],
    ["cron(0 2 ? * ? *)", /exactly one/],
    ["cron(0 2 * *)", /six fields/],
    ["cron(61 2 * * ? *)", /outside/],
    ["cron(0 2 L * ? *)", /not supported/],
    ["cron(0 2 ? * 2#1 *)", /not supported/],
  ])("refuses %s", (expression, message) => {
    expect(() => parseScheduleExpression(expression, "UTC")).toThrow(message);
  });
});
