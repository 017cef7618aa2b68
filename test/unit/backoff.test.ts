import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../shared/domain/backoff.js";

describe("backoffDelay", () => {
  it("waits a random whole number of ms below a ceiling that doubles with each retry", () => {
    const almostOne = () => 0.999_999;
    expect([1, 2, 3, 4].map((retry) => backoffDelay(retry, { baseMs: 20, random: almostOne }))).toEqual([19, 39, 79, 159]);
    expect(backoffDelay(3, { baseMs: 20, random: () => 0.5 })).toBe(40);
    expect(backoffDelay(5, { baseMs: 20, random: () => 0 })).toBe(0);
  });

  it("never lets the ceiling pass maxMs", () => {
    expect(backoffDelay(10, { baseMs: 20, maxMs: 320, random: () => 0.999_999 })).toBe(319);
  });

  it("draws from Math.random when no source is given, staying below the ceiling", () => {
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(2, { baseMs: 50 });
      expect(Number.isInteger(delay) && delay >= 0 && delay < 100).toBe(true);
    }
  });
});
