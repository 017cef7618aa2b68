import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  CAMPAIGN_CACHE_CEILING_MS,
  CAMPAIGN_CACHE_FLOOR_MS,
  CLAIM_WCU_PER_ATTEMPT,
  DEFAULT_ATTEMPTS_PER_SECOND,
  DEFAULT_QUOTAS,
  dropPlanSchema,
  CAMPAIGN_COPIES,
  MAX_CAMPAIGN_COPIES,
  campaignCacheMs,
  campaignCopies,
  planDrop,
  planShards,
  MAX_SHARD_TRIES,
  shardTries,
} from "../../shared/domain/capacity.js";

describe("shardTries", () => {
  it("is what the shards' partitions absorb per attempt at the drop's rate, from 1 to 16 and at most the shards", () => {
    // A planned drop: headroom 2 gives 2 tries.
    const planned = planShards({ attemptsPerSecond: 100_000, wcuPerAttempt: 1 });
    expect(shardTries({ shards: planned.shards, attemptsPerSecond: 100_000 })).toBe(2);
    // A city's drop at the 1,000-shard cap: 600,000 attempts/s leave 1.67 writes an attempt.
    expect(shardTries({ shards: 1_000, attemptsPerSecond: 600_000 })).toBe(1);
    expect(shardTries({ shards: 1_000, attemptsPerSecond: 5_000_000 })).toBe(1);
    // Few attempts for many shards: the 16-try ceiling; few shards: every one.
    expect(shardTries({ shards: 1_000, attemptsPerSecond: 1_000 })).toBe(MAX_SHARD_TRIES);
    expect(MAX_SHARD_TRIES).toBe(16);
    expect(shardTries({ shards: 4, attemptsPerSecond: 1_000 })).toBe(4);
    expect(shardTries({ shards: 1, attemptsPerSecond: 1 })).toBe(1);
    // An exact fit is not rounded down by floating-point dust.
    expect(shardTries({ shards: 3, attemptsPerSecond: 1_000, partitionWcuPerSecond: 1_000 })).toBe(3);
    expect(shardTries({ shards: 10, attemptsPerSecond: 3_333.3333333333335 })).toBe(3);
  });

  it("refuses shards outside 1–1,000 and rates that are not positive", () => {
    for (const shards of [0, 1.5, 1_001, Number.NaN]) expect(() => shardTries({ shards, attemptsPerSecond: 1 }), String(shards)).toThrow(RangeError);
    for (const rate of [0, -1, Number.POSITIVE_INFINITY]) expect(() => shardTries({ shards: 4, attemptsPerSecond: rate }), String(rate)).toThrow(RangeError);
  });
});

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
    const result = run("--attempts-per-second", "20000", "--stock", "100000");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^shards: 40$/m);
    expect(result.stdout).toContain("40,000 WCU/s");
  });

  it("takes the cost and headroom from the command line", () => {
    const result = run("--attempts-per-second", "20000", "--stock", "100000", "--wcu-per-attempt", "2", "--headroom", "1.5");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^shards: 60$/m);
  });

  it.each([
    ["a missing rate", ["--stock", "100"]],
    ["a missing stock", ["--attempts-per-second", "100"]],
    ["a rate that is not a number", ["--attempts-per-second", "lots", "--stock", "100"]],
    ["a zero rate", ["--attempts-per-second", "0", "--stock", "100"]],
    ["a fractional stock", ["--attempts-per-second", "100", "--stock", "1.5"]],
    ["headroom below 1", ["--attempts-per-second", "100", "--stock", "100", "--headroom", "0.5"]],
    ["a keyed share above 1", ["--attempts-per-second", "100", "--stock", "100", "--keyed-share", "2"]],
    ["a success cheaper than its shard write", ["--attempts-per-second", "100", "--stock", "100", "--wcu-per-success", "0.5"]],
    ["an unknown option", ["--attempts-per-second", "100", "--stock", "100", "--shards", "4"]],
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

describe("planDrop", () => {
  it("plans a drop of 20,000 attempts/s: shards, warm throughput, provisioned concurrency, quota raises", () => {
    const plan = planDrop({ attemptsPerSecond: 20_000, stock: 100_000 });
    expect(plan.version).toBe(1);
    expect(plan.shards).toBe(40);
    expect(plan.warmThroughput).toEqual({
      // 20,000 × 1 WCU × 2; reads never below a new table's 12,000.
      inventory: { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 40_000 },
      // 20,000 × 1 RCU × 2, and 20,000 × (3 − 1) WCU × 2.
      vouchers: { readUnitsPerSecond: 40_000, writeUnitsPerSecond: 80_000 },
      // 20,000 × 1 keyed × 2 WCU × 2.
      idempotency: { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 80_000 },
      // 1,600 environments × 0.5 RCU is below a new table's warm throughput.
      campaigns: { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 4_000 },
    });
    // Little's law: 20,000/s × 40 ms × 2.
    expect(plan.claimFunction.provisionedConcurrency).toBe(1_600);
    expect(plan.quotas).toEqual({
      apiGatewayRequestsPerSecond: 40_000,
      apiGatewayBurst: 40_000,
      lambdaConcurrentExecutions: 2_600,
      tableReadUnitsPerSecond: 40_000,
      tableWriteUnitsPerSecond: 80_000,
    });
    expect(plan.quotaRaises).toEqual([
      { quota: "apiGatewayRequestsPerSecond", from: 10_000, to: 40_000 },
      { quota: "apiGatewayBurst", from: 5_000, to: 40_000 },
      { quota: "lambdaConcurrentExecutions", from: 1_000, to: 2_600 },
      { quota: "tableWriteUnitsPerSecond", from: 40_000, to: 80_000 },
    ]);
    expect(plan.explanation.join("\n")).toContain("20,000 attempts/s × 40 ms × headroom 2 = 1,600 provisioned environments");
    expect(dropPlanSchema.parse(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });

  it("takes the measured inputs", () => {
    const plan = planDrop({ attemptsPerSecond: 10_000, stock: 50_000, wcuPerSuccess: 5, claimMs: 25, keyedShare: 0, headroom: 1 });
    expect(plan.warmThroughput.vouchers.writeUnitsPerSecond).toBe(40_000);
    expect(plan.warmThroughput.idempotency.writeUnitsPerSecond).toBe(4_000);
    expect(plan.claimFunction.provisionedConcurrency).toBe(250);
    expect(plan.shards).toBe(10);
  });

  it("raises only what exceeds AWS's defaults, and never plans below a new table's warm throughput", () => {
    const plan = planDrop({ attemptsPerSecond: 100, stock: 10 });
    expect(plan.shards).toBe(1);
    // The 8 provisioned environments come on top of the 1,000 the rest of the platform keeps.
    expect(plan.quotaRaises).toEqual([{ quota: "lambdaConcurrentExecutions", from: 1_000, to: 1_008 }]);
    expect(plan.quotas).toEqual({ ...DEFAULT_QUOTAS, lambdaConcurrentExecutions: 1_008 });
    expect(plan.warmThroughput.inventory).toEqual({ readUnitsPerSecond: 12_000, writeUnitsPerSecond: 4_000 });
  });

  it("never plans more shards than units of stock", () => {
    expect(planDrop({ attemptsPerSecond: 20_000, stock: 7 }).shards).toBe(7);
  });

  it.each([
    ["no stock", { attemptsPerSecond: 100, stock: 0 }],
    ["fractional stock", { attemptsPerSecond: 100, stock: 2.5 }],
    ["a zero rate", { attemptsPerSecond: 0, stock: 10 }],
    ["a success cheaper than its shard write", { attemptsPerSecond: 100, stock: 10, wcuPerSuccess: 0.5 }],
    ["a keyed share above 1", { attemptsPerSecond: 100, stock: 10, keyedShare: 1.5 }],
    ["negative read units", { attemptsPerSecond: 100, stock: 10, rcuPerAttempt: -1 }],
    ["a zero claim duration", { attemptsPerSecond: 100, stock: 10, claimMs: 0 }],
  ])("refuses %s", (_label, input) => {
    expect(() => planDrop(input)).toThrow(RangeError);
  });

  it("caches the campaign long enough that the environments' re-reads take at most half of its partition's 3,000 RCU/s, from 1 s to 10 s", () => {
    expect([CAMPAIGN_CACHE_FLOOR_MS, CAMPAIGN_CACHE_CEILING_MS]).toEqual([1_000, 10_000]);
    // 1,600 environments × 0.5 RCU per second = 800 RCU/s, under 1,500: the floor.
    expect(campaignCacheMs(1_600)).toBe(1_000);
    // 8,000 × 0.5 = 4,000 RCU per read round; at 1,500 RCU/s, one round per 2.67 s, rounded up to 2.7 s.
    expect(campaignCacheMs(8_000)).toBe(2_700);
    expect((8_000 * 0.5) / 2.7).toBeLessThanOrEqual(1_500);
    // 40,800 would need 13.6 s: the ceiling, 2,040 RCU/s.
    expect(campaignCacheMs(40_800)).toBe(10_000);
    expect(campaignCacheMs(0)).toBe(1_000);

    const plan = planDrop({ attemptsPerSecond: 100_000, stock: 100_000 });
    expect(plan.claimFunction).toEqual({ provisionedConcurrency: 8_000, campaignCacheMs: 2_700, campaignCopies: 32 });
    expect(plan.explanation.join("\n")).toContain("a pause takes effect within 2.7 s");
  });

  it("spreads the herd of first campaign reads as the drop opens, arriving at the attempt rate, over copies of 3,000 RCU/s each, a power of two from 1 to 128", () => {
    expect(CAMPAIGN_COPIES).toBe(16);
    expect(MAX_CAMPAIGN_COPIES).toBe(128);
    // 1,000 attempts/s × 0.5 RCU = 500 RCU/s: one copy.
    expect(campaignCopies(1_000)).toBe(1);
    expect(campaignCopies(6_000)).toBe(1);
    expect(campaignCopies(6_001)).toBe(2);
    // The design point: 600,000 × 0.5 = 300,000 RCU/s, 100 copies' worth: 128.
    expect(campaignCopies(600_000)).toBe(128);
    expect(campaignCopies(10_000_000)).toBe(MAX_CAMPAIGN_COPIES);
    for (const rate of [1_000, 8_000, 100_000, 510_000, 600_000]) expect((rate * 0.5) / campaignCopies(rate), String(rate)).toBeLessThanOrEqual(3_000);

    expect(planDrop({ attemptsPerSecond: 6_250, stock: 10_000 }).claimFunction).toMatchObject({ provisionedConcurrency: 500, campaignCopies: 2 });
    const design = planDrop({ attemptsPerSecond: 600_000, stock: 100_000, claimMs: 34 });
    expect(design.claimFunction).toMatchObject({ provisionedConcurrency: 40_800, campaignCopies: 128 });
    // The campaigns table takes the herd: 300,000 RCU/s warm.
    expect(design.warmThroughput.campaigns.readUnitsPerSecond).toBe(300_000);
    expect(design.explanation.join("\n")).toContain("read from a random one of 128 copies");
  });

  it("keeps reading plans written before the campaign cache time and copies", () => {
    const plan = planDrop({ attemptsPerSecond: 100, stock: 10 });
    const older = { ...plan, claimFunction: { provisionedConcurrency: plan.claimFunction.provisionedConcurrency } };
    expect(dropPlanSchema.parse(JSON.parse(JSON.stringify(older)))).toEqual(older);
    expect(dropPlanSchema.safeParse({ ...plan, claimFunction: { ...plan.claimFunction, campaignCacheMs: 60_000 } }).success).toBe(false);
    expect(dropPlanSchema.safeParse({ ...plan, claimFunction: { ...plan.claimFunction, campaignCopies: 129 } }).success).toBe(false);
  });

  it("refuses a plan of another version", () => {
    const plan = planDrop({ attemptsPerSecond: 100, stock: 10 });
    expect(dropPlanSchema.safeParse({ ...plan, version: 2 }).success).toBe(false);
  });
});

const outDir = mkdtempSync(join(tmpdir(), "capacity-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("npm run capacity, the plan", { timeout: 30_000 }, () => {
  const run = (...args: string[]) =>
    spawnSync("node_modules/.bin/tsx", ["scripts/capacity.ts", ...args], { cwd: repoRoot, encoding: "utf8", timeout: 30_000 });

  it("prints the plan as JSON and writes it with --out", () => {
    const out = join(outDir, "plan.json");
    const result = run("--attempts-per-second", "20000", "--stock", "100000", "--json", "--out", out);
    expect(result.status).toBe(0);
    const printed = dropPlanSchema.parse(JSON.parse(result.stdout));
    expect(printed).toEqual(planDrop({ attemptsPerSecond: 20_000, stock: 100_000 }));
    expect(dropPlanSchema.parse(JSON.parse(readFileSync(out, "utf8")))).toEqual(printed);
  });

  it("prints warm throughput, provisioned concurrency and quota raises", () => {
    const result = run("--attempts-per-second", "20000", "--stock", "100000", "--claim-ms", "25");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("warm throughput inventory: 12,000 RCU/s, 40,000 WCU/s");
    expect(result.stdout).toContain("provisioned concurrency (claimVoucher): 1,000");
    expect(result.stdout).toContain("quota raises: apiGatewayRequestsPerSecond 10,000 → 40,000");
  });
});
