import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLAIM_WCU_PER_ATTEMPT, DEFAULT_ATTEMPTS_PER_SECOND, planShards } from "../../shared/domain/capacity.js";

describe("planShards", () => {
  it.each([
    // attempts/s, WCU per attempt, headroom, partition WCU/s, shards
    [1_000, 1, 2, undefined, 2],
    [20_000, 1, 2, undefined, 40],
    [20_000, 1, 1, undefined, 20],
    [1_500, 1, 2, undefined, 3],
    [1_001, 1, 1, undefined, 2],
    [300, 0.1, 3, undefined, 1],
    [3_000, 0.1, 10, undefined, 3],
    [1_000, 2, 2, 500, 8],
    [1e9, 1, 2, undefined, 1000],
    [0.001, 1, 2, undefined, 1],
  ] as const)("%d attempts/s × %d WCU × headroom %d (partition %s WCU/s) → %d shards", (attemptsPerSecond, wcuPerAttempt, headroom, partitionWcuPerSecond, shards) => {
    const plan = planShards({ attemptsPerSecond, wcuPerAttempt, headroom, partitionWcuPerSecond });
    expect(plan.shards).toBe(shards);
    expect(plan.perShardAttemptsPerSecond).toBeCloseTo(attemptsPerSecond / shards);
  });

  it("defaults to headroom 2 on 1,000 WCU/s partitions", () => {
    const plan = planShards({ attemptsPerSecond: DEFAULT_ATTEMPTS_PER_SECOND, wcuPerAttempt: CLAIM_WCU_PER_ATTEMPT });
    expect(plan).toMatchObject({ shards: 2, perShardAttemptsPerSecond: 500 });
  });

  it("shows the arithmetic in its explanation", () => {
    expect(planShards({ attemptsPerSecond: 20_000, wcuPerAttempt: 1 }).explanation).toBe(
      "20,000 attempts/s × 1 WCU × headroom 2 = 40,000 WCU/s; ÷ 1,000 WCU/s per partition, rounded up, = 40 shards, about 500 attempts/s each.",
    );
    expect(planShards({ attemptsPerSecond: 10, wcuPerAttempt: 1 }).explanation).toMatch(/fits one partition.*1 shard/);
    expect(planShards({ attemptsPerSecond: 1e7, wcuPerAttempt: 1 }).explanation).toMatch(/20,000 shards, clamped to the maximum of 1,000/);
  });

  it.each([
    ["zero attempts", { attemptsPerSecond: 0, wcuPerAttempt: 1 }],
    ["negative attempts", { attemptsPerSecond: -1, wcuPerAttempt: 1 }],
    ["NaN attempts", { attemptsPerSecond: Number.NaN, wcuPerAttempt: 1 }],
    ["infinite attempts", { attemptsPerSecond: Number.POSITIVE_INFINITY, wcuPerAttempt: 1 }],
    ["zero WCU", { attemptsPerSecond: 1000, wcuPerAttempt: 0 }],
    ["zero partition WCU", { attemptsPerSecond: 1000, wcuPerAttempt: 1, partitionWcuPerSecond: 0 }],
    ["headroom below 1", { attemptsPerSecond: 1000, wcuPerAttempt: 1, headroom: 0.5 }],
    ["NaN headroom", { attemptsPerSecond: 1000, wcuPerAttempt: 1, headroom: Number.NaN }],
  ])("refuses %s", (_label, input) => {
    expect(() => planShards(input)).toThrow(RangeError);
  });
});

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

// Each case starts a tsx process (about half a second), so allow more than the default 5 s.
describe("npm run capacity", { timeout: 30_000 }, () => {
  const run = (...args: string[]) =>
    spawnSync("node_modules/.bin/tsx", ["scripts/capacity.ts", ...args], { cwd: repoRoot, encoding: "utf8", timeout: 30_000 });

  it("prints the shard count and the arithmetic", () => {
    const result = run("--attempts-per-second", "20000");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^shards: 40$/m);
    expect(result.stdout).toContain("40,000 WCU/s");
  });

  it("takes the cost and headroom from the command line", () => {
    const result = run("--attempts-per-second", "20000", "--wcu-per-attempt", "2", "--headroom", "1.5");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^shards: 60$/m);
  });

  it.each([
    ["a missing rate", []],
    ["a rate that is not a number", ["--attempts-per-second", "lots"]],
    ["a zero rate", ["--attempts-per-second", "0"]],
    ["headroom below 1", ["--attempts-per-second", "100", "--headroom", "0.5"]],
    ["an unknown option", ["--attempts-per-second", "100", "--shards", "4"]],
  ])("exits 2 with the usage on %s", (_label, args) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("usage: npm run capacity");
    expect(result.stdout).toBe("");
  });

  it("prints the usage on --help", () => {
    const result = run("--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("usage: npm run capacity");
  });
});
