/** The drop-day view's arithmetic (console/src/drop-day.ts): samples, claims per second, the next drop, the countdown. */
import { describe, expect, it } from "vitest";
import { MAX_SAMPLES, addSamples, claimsPerSecond, countdown, dropPhase, nextOpening, sampleKey } from "../../console/src/drop-day.js";

describe("samples between polls", () => {
  it("adds each poll's reading per drop and voucher type, once per answer, keeping the last 300", () => {
    const key = sampleKey("d1", "100-30");
    let history = addSamples(new Map(), 1_000, new Map([[key, 20]]));
    const before = history;
    history = addSamples(history, 3_000, new Map([[key, 15]]));
    history = addSamples(history, 3_000, new Map([[key, 15]]));
    expect(history.get(key)).toEqual([
      { at: 1_000, remaining: 20 },
      { at: 3_000, remaining: 15 },
    ]);
    // The earlier history is left as it was (React state).
    expect(before.get(key)).toHaveLength(1);
    for (let n = 0; n < 400; n++) history = addSamples(history, 5_000 + n, new Map([[key, 10]]));
    expect(history.get(key)).toHaveLength(MAX_SAMPLES);
    expect(history.get(key)!.at(-1)).toEqual({ at: 5_399, remaining: 10 });
  });

  it("keeps drops and voucher types apart", () => {
    expect(sampleKey("d1", "a-b")).not.toBe(sampleKey("d1-a", "b"));
  });
});

describe("claims per second", () => {
  it("is the units gone over the seconds between two polls, at the later poll", () => {
    expect(
      claimsPerSecond([
        { at: 0, remaining: 100 },
        { at: 2_000, remaining: 80 },
        { at: 4_500, remaining: 80 },
        { at: 5_000, remaining: 75 },
      ]),
    ).toEqual([
      [2_000, 10],
      [4_500, 0],
      [5_000, 10],
    ]);
  });

  it("counts units coming back as no claims, and skips polls at the same instant", () => {
    expect(claimsPerSecond([{ at: 0, remaining: 5 }, { at: 2_000, remaining: 9 }, { at: 2_000, remaining: 8 }])).toEqual([[2_000, 0]]);
    expect(claimsPerSecond([])).toEqual([]);
    expect(claimsPerSecond([{ at: 0, remaining: 5 }])).toEqual([]);
  });
});

describe("the next drop and its countdown", () => {
  const drops = [
    { id: "past", opensAt: "2030-01-01T00:00:00Z", closesAt: "2030-01-01T01:00:00Z" },
    { id: "later", opensAt: "2030-01-03T00:00:00Z", closesAt: "2030-01-03T01:00:00Z" },
    { id: "next", opensAt: "2030-01-02T00:00:00Z", closesAt: "2030-01-02T01:00:00Z" },
  ];
  const now = Date.parse("2030-01-01T00:30:00Z");

  it("is the soonest opening still to come", () => {
    expect(nextOpening(drops, now)?.id).toBe("next");
    expect(nextOpening(drops, Date.parse("2030-01-04T00:00:00Z"))).toBeUndefined();
  });

  it("places each drop before, in or after its window, or closed by drop close", () => {
    expect(drops.map((drop) => dropPhase(drop, now))).toEqual(["open", "upcoming", "upcoming"]);
    expect(dropPhase(drops[0]!, Date.parse("2030-01-01T01:00:00Z"))).toBe("closed");
    expect(dropPhase({ ...drops[0]!, closedAt: "2030-01-01T00:40:00Z" }, now)).toBe("closed");
  });

  it("counts down in whole seconds, with days from a day on, never below zero", () => {
    expect(countdown(3_723_999)).toBe("01:02:03");
    expect(countdown(59_000)).toBe("00:00:59");
    expect(countdown(3 * 86_400_000 + 61_000)).toBe("3d 00:01:01");
    expect(countdown(-5_000)).toBe("00:00:00");
  });
});
