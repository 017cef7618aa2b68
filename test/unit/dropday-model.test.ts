import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type BenchClaimsFigures, benchClaimsFiguresSchema } from "../../bench/dropday/calibration.js";
import {
  type DropDayScenario,
  LAMBDA_SCALE_INTERVAL_MS,
  LAMBDA_SCALE_STEP,
  PARTITION_LIMITS,
  busiestInstanceScans,
  clientBackoffWindowMs,
  emptiedShare,
  environmentLimit,
  sdkOutcomes,
  simulateDropDay,
} from "../../bench/dropday/model.js";
import {
  SOLD_OUT_MARK,
  awsScenario,
  builtInCalibration,
  dropCost,
  planQuotas,
  planWarm,
  recommendedPlan,
  replayScenario,
  replayServer,
} from "../../bench/dropday/scenarios.js";
import { shardTries } from "../../shared/domain/capacity.js";
import { EMPTIED_GROUP_SIZE, SHARD_WRITE_CONCURRENCY } from "../../shared/store/inventory.js";
import { ClaimCaches } from "../../shared/use-cases/claim.js";

const unlimited = Number.POSITIVE_INFINITY;

/** A drop where nothing limits anything unless a test says so: every call 1 ms, no edge, no cold start. */
function scenario(overrides: Partial<DropDayScenario> = {}): DropDayScenario {
  return {
    contenders: 1_000,
    stock: 1_000,
    shards: 1,
    provisioned: 0,
    load: { kind: "burst", sharePerSecond: [1] },
    quotas: { apiGatewayRps: unlimited, apiGatewayBurst: unlimited, stageRps: unlimited, stageBurst: unlimited, lambdaConcurrency: unlimited, tableReadUnits: unlimited, tableWriteUnits: unlimited },
    partition: { readUnitsPerSecond: unlimited, writeUnitsPerSecond: unlimited },
    warm: { inventory: { read: unlimited, write: unlimited }, vouchers: { read: unlimited, write: unlimited }, idempotency: { read: unlimited, write: unlimited }, campaigns: { read: unlimited, write: unlimited } },
    latencies: { gatewayMs: 0, handlerMs: 0, soldOutMs: 1, campaignReadMs: 1, counterReadMs: 1, shardWriteMs: 1, coldWritesMs: 1, idempotencyMs: 0 },
    units: { wcuPerSuccess: 3, rcuPerAttempt: 1, campaignRcu: 0.5, idempotencyWcu: 0, voucherPartitionWcu: 1 },
    coldStartMs: 0,
    memoryMb: 1024,
    keyedShare: 0,
    client: { baseMs: 100, capMs: 1_000, maxAttempts: 1 },
    campaignTtlMs: 1_000,
    campaignReadPartitions: 1,
    maxShardTries: 16,
    stepMs: 1,
    maxSeconds: 60,
    ...overrides,
  };
}

describe("Lambda scaling", () => {
  it("adds 1,000 environments per function every 10 s, on top of the provisioned ones, within the account's concurrency", () => {
    expect([LAMBDA_SCALE_STEP, LAMBDA_SCALE_INTERVAL_MS]).toEqual([1_000, 10_000]);
    expect(environmentLimit(0, 0, unlimited)).toBe(1_000);
    expect(environmentLimit(9_999, 0, unlimited)).toBe(1_000);
    expect(environmentLimit(10_000, 0, unlimited)).toBe(2_000);
    expect(environmentLimit(25_000, 500, unlimited)).toBe(3_500);
    expect(environmentLimit(25_000, 500, 1_000)).toBe(1_000);
  });

  it("serves a slow flood on 1,000 environments for 10 s, then on 2,000, throttling the rest", () => {
    const result = simulateDropDay(
      scenario({
        contenders: 20_000,
        stock: 20_000,
        latencies: { ...scenario().latencies, handlerMs: 2_000 },
        client: { baseMs: 500, capMs: 1_000, maxAttempts: 40 },
      }),
    );
    const before = result.timeline.filter((point) => point.atMs < 10_000);
    const after = result.timeline.filter((point) => point.atMs >= 10_000 && point.atMs < 20_000);
    expect(Math.max(...before.map((point) => point.environments))).toBe(1_000);
    expect(Math.max(...after.map((point) => point.environments))).toBe(2_000);
    expect(result.timeline.find((point) => point.environments > 1_000)?.atMs).toBe(10_000);
    expect(result.throttled.lambda).toBeGreaterThan(0);
    // Without provisioned environments, every environment there is was a cold start.
    expect(result.coldStarts).toBeCloseTo(Math.max(...result.timeline.map((point) => point.environments)), 6);
  });

  it("starts provisioned environments warm and cold-starts the rest", () => {
    const result = simulateDropDay(scenario({ contenders: 1_000, provisioned: 400, coldStartMs: 300, latencies: { ...scenario().latencies, handlerMs: 500 } }));
    expect(result.coldStarts).toBeGreaterThan(0);
    expect(result.coldStarts).toBeLessThanOrEqual(1_000);
    expect(result.p99Ms).toBeGreaterThanOrEqual(800);
  });
});

describe("DynamoDB limits", () => {
  it("pins a partition at 1,000 WCU/s and 3,000 RCU/s", () => {
    expect(PARTITION_LIMITS).toEqual({ writeUnitsPerSecond: 1_000, readUnitsPerSecond: 3_000 });
  });

  // Twice the stock the contenders take, so that no shard empties and claims try one shard each.
  const shardFlood = (shards: number) =>
    simulateDropDay(scenario({ contenders: 1_800, stock: 3_600, shards, partition: { readUnitsPerSecond: unlimited, writeUnitsPerSecond: 1_000 } }));

  it("throttles 1,800 shard writes a second on one shard, and takes them on two", () => {
    const one = shardFlood(1);
    expect(one.throttled.dynamodb).toBeGreaterThan(0);
    expect(one.timeline.some((point) => point.worstThrottle.resource === "shardPartition" && point.worstThrottle.share > 0.4)).toBe(true);
    const two = shardFlood(2);
    expect(two.throttled.dynamodb).toBe(0);
    expect(two.successes).toBeCloseTo(1_800, 6);
  });

  /** 60,000 contenders on 10,000 provisioned environments, the campaign item on one partition of 3,000 RCU/s. */
  const campaignReads = (overrides: Partial<DropDayScenario>) =>
    simulateDropDay(
      scenario({
        contenders: 60_000,
        stock: 60_000,
        shards: 100,
        provisioned: 10_000,
        quotas: { ...scenario().quotas, lambdaConcurrency: 11_000 },
        partition: { readUnitsPerSecond: PARTITION_LIMITS.readUnitsPerSecond, writeUnitsPerSecond: unlimited },
        ...overrides,
      }),
    );

  it("throttles the campaign item when more instances read it each second than its partition serves", () => {
    // 10,000 instances re-read the campaign every second at 0.5 RCU: 5,000 RCU/s against 3,000 on one partition.
    const reads = (campaignReadPartitions: number) => campaignReads({ latencies: { ...scenario().latencies, handlerMs: 150 }, campaignReadPartitions });
    expect(reads(1).throttled.dynamodb).toBeGreaterThan(0);
    expect(reads(2).throttled.dynamodb).toBe(0);
  });

  it("throttles the campaign item when provisioned environments open the drop with no campaign cached, and not when their caches are spread", () => {
    // 10,000 environments re-reading every 10 s take 500 RCU/s; reading on their first claims, 60 a millisecond, 30,000 RCU/s.
    // Twice the stock, so that no shard empties.
    const opening = (campaignCachesCold: boolean) => campaignReads({ stock: 120_000, campaignTtlMs: 10_000, campaignCachesCold });
    const cold = opening(true);
    expect(cold.timeline.some((point) => (point.throttles.campaignPartition ?? 0) > 0.5)).toBe(true);
    expect(cold.throttled.dynamodb).toBeGreaterThan(0);
    expect(opening(false).throttled.dynamodb).toBe(0);
  });

  it("holds a table to its warm throughput", () => {
    const warm = (write: number) =>
      simulateDropDay(scenario({ contenders: 5_000, stock: 10_000, shards: 10, warm: { ...scenario().warm, inventory: { read: unlimited, write } } }));
    expect(warm(4_000).throttled.dynamodb).toBeGreaterThan(0);
    expect(warm(10_000).throttled.dynamodb).toBe(0);
  });

  it("bills the units served: 3 WCU per success, one failed write per shard tried after sell-out, none from the sold-out cache", () => {
    const result = simulateDropDay(scenario({ contenders: 1_000, stock: 100, shards: 1, load: { kind: "closed", clients: 10 }, instances: 1 }));
    expect(result.successes).toBeCloseTo(100, 6);
    expect(result.soldOutAnswers).toBeCloseTo(900, 6);
    // One instance learns from its first scan of the single shard; the rest answer from the cache.
    expect(result.wcu).toBeGreaterThanOrEqual(300);
    expect(result.wcu).toBeLessThan(300 + 12);
  });
});

describe("retries", () => {
  it("backs off with full jitter, doubling up to the cap", () => {
    const client = { baseMs: 250, capMs: 1_500, maxAttempts: 8 };
    expect([0, 1, 2, 3].map((attempt) => clientBackoffWindowMs(attempt, client))).toEqual([250, 500, 1_000, 1_500]);
  });

  it("splits an SDK call's tries: once, after one back-off, after two, or throttled to the end", () => {
    expect(sdkOutcomes(0)).toEqual([1, 0, 0, 0]);
    const [first, second, third, throttled] = sdkOutcomes(0.5);
    expect([first, second, third, throttled]).toEqual([0.5, 0.25, 0.125, 0.125]);
    expect(first + second + third + throttled).toBe(1);
  });

  it("answers API Gateway's excess with 429 and serves it on the clients' later tries", () => {
    const throttledGateway = { ...scenario().quotas, apiGatewayRps: 1_000, apiGatewayBurst: 1_000 };
    const once = simulateDropDay(scenario({ contenders: 3_000, stock: 3_000, quotas: throttledGateway }));
    // A full bucket of 1,000 plus 1,000 refilled within the second: 1,000 of 3,000 refused.
    expect(once.throttled.apiGateway).toBeCloseTo(1_000, -1);
    expect(once.gaveUp).toBeCloseTo(once.throttled.apiGateway, 6);
    expect(once.attempts).toBeCloseTo(3_000, 6);

    const retrying = simulateDropDay(scenario({ contenders: 3_000, stock: 3_000, quotas: throttledGateway, client: { baseMs: 500, capMs: 4_000, maxAttempts: 10 } }));
    expect(retrying.gaveUp).toBeLessThan(1);
    expect(retrying.successes).toBeCloseTo(3_000, 0);
    expect(retrying.attempts).toBeGreaterThan(3_000);
    expect(retrying.throttledShare).toBeCloseTo((retrying.attempts - 3_000) / retrying.attempts, 2);
  });

  it("takes the busiest instance ahead of the mean by √(2 · mean · ln N)", () => {
    expect(busiestInstanceScans(8, 1)).toBe(8);
    expect(busiestInstanceScans(8, Math.E ** 4)).toBeCloseTo(16, 9);
  });
});

describe("a closed loop (the local benchmark)", () => {
  it("with one server, sells out after the work of the stock however many clients wait, and answers the requests in flight together", () => {
    // 1 ms per answer + 1 ms counter read + 1 ms shard write + 2 ms cold writes: 5 ms of the server's work per success.
    const served = (clients: number, contenders = 300) =>
      simulateDropDay(
        scenario({
          contenders,
          stock: 40,
          load: { kind: "closed", clients },
          instances: 1,
          oneServer: true,
          latencies: { ...scenario().latencies, gatewayMs: 1, campaignReadMs: 0, coldWritesMs: 2 },
        }),
      );
    // 40 successes × 5 ms = 200 ms, whether 10 or 40 clients wait: the server, not the clients, sets the pace.
    expect(served(10).soldOutSeconds).toBeCloseTo(0.2, 2);
    expect(served(40).soldOutSeconds).toBeCloseTo(0.2, 2);
    // Without the server, 40 clients each taking 5 ms would be done in one round.
    expect(simulateDropDay(scenario({ contenders: 300, stock: 40, load: { kind: "closed", clients: 40 }, instances: 1, latencies: { ...scenario().latencies, gatewayMs: 1, campaignReadMs: 0, coldWritesMs: 2 } })).soldOutSeconds).toBeLessThan(0.01);
    // The server shares its time among the requests in flight, as Node's event loop does: 40
    // claims sent together for the 40 units are all answered at about 200 ms (first come, first
    // served would have answered them one by one from 5 ms on, with a p50 of about 100 ms).
    expect(served(40, 40).p50Ms).toBeGreaterThan(190);
    expect(served(40, 40).p99Ms).toBeLessThan(210);
    // Ten clients: four waves of ten, each answered together after 50 ms.
    expect(served(10, 40).p50Ms).toBeGreaterThan(45);
    expect(served(10, 40).p99Ms).toBeLessThan(55);
  });

  it("sells out after stock ÷ clients rounds of one attempt's latency", () => {
    // 10 clients, 40 ms per attempt (10 ms edge + 1 + 1 + 28 ms of cold writes), 100 units: 10 rounds, 0.4 s.
    const result = simulateDropDay(
      scenario({
        contenders: 300,
        stock: 100,
        load: { kind: "closed", clients: 10 },
        instances: 1,
        latencies: { ...scenario().latencies, gatewayMs: 10, campaignReadMs: 0, coldWritesMs: 28 },
      }),
    );
    expect(result.soldOutSeconds).toBeCloseTo(0.4, 2);
    expect(result.attempts).toBeCloseTo(300, 6);
    expect(result.throttledShare).toBe(0);
  });
});

const figures: BenchClaimsFigures = benchClaimsFiguresSchema.parse({
  version: 1,
  measuredAt: "2026-12-05T08:00:00.000Z",
  setting: { attempts: 3_000, stock: 500, concurrency: 200, shards: 4 },
  flood: {
    sellOutSeconds: 2.1,
    successes: 500,
    latencyMeanMs: 200,
    successLatencyMeanMs: 1_000,
    latencyP50Ms: 48,
    latencyP99Ms: 3_000,
    callMs: { GetItem: { calls: 600, meanMs: 250 }, UpdateItem: { calls: 700, meanMs: 280 }, TransactWriteItems: { calls: 500, meanMs: 300 }, Query: { calls: 3, meanMs: 40 } },
  },
  afterSellOutMeanMs: 60,
  perSuccess: { calls: { GetItem: 1, UpdateItem: 1, TransactWriteItems: 1 }, wcu: 5, rcu: 1 },
  import: { p50Ms: 45, p50WithSourceMapsMs: 52 },
  handlerCpuMsPerSuccess: 2.4,
  saturated: { successesPerSecond: 250, soldOutAnswersPerSecond: 2_000, rawCallsPerSecond: 1_200, floodCpu: { wallMs: 3_000, nodeMs: 3_000, javaMs: 1_800 } },
});

describe("the replay of a benchmark run", () => {
  it("makes the runtime one server whose work per answer and per call come from the run's saturated rates", () => {
    // 1 ÷ 2,000 answers/s = 0.5 ms per answer; 1 ÷ 250 successes/s = 4 ms per success, 3.5 ms of it over 3 calls.
    expect(replayServer(figures)).toEqual({ perAnswerMs: 0.5, perCallMs: 3.5 / 3, callsPerSuccess: 3 });
    const replay = replayScenario(figures);
    expect(replay).toMatchObject({ contenders: 3_000, stock: 500, shards: 4, load: { kind: "closed", clients: 200 }, instances: 1, keyedShare: 0, oneServer: true });
    expect(replay.latencies.gatewayMs).toBeCloseTo(0.5, 9);
    expect(replay.latencies.gatewayMs + replay.latencies.counterReadMs + replay.latencies.shardWriteMs + replay.latencies.coldWritesMs).toBeCloseTo(4, 9);
    const result = simulateDropDay(replay);
    // 500 units at 250 successes/s: 2 s of successes' work, whatever the per-call latencies under
    // load were. Plus the claims answered SOLD_OUT before the last success: the 200 clients go in
    // waves, and the third wave's last 100 winners share the server with 100 claims that find the
    // shards empty (each an answer, a counter read and up to 4 failed takes).
    expect(result.soldOutSeconds).toBeGreaterThan(2.2);
    expect(result.soldOutSeconds).toBeLessThan(2.2 + (100 * (0.5 + 5 * (3.5 / 3))) / 1000);
    expect(result.throttledShare).toBe(0);
  });

  it("refuses figures without the saturated rates", () => {
    const { saturated: _saturated, ...older } = figures;
    expect(() => replayScenario(older)).toThrow(/run npm run bench:claims again/);
  });
});

describe("the drop on AWS", () => {
  it("keeps the model's marks in flight, emptied-shard groups and sold-out cache time equal to the claim path's", () => {
    expect(SOLD_OUT_MARK.markConcurrency).toBe(SHARD_WRITE_CONCURRENCY);
    expect(SOLD_OUT_MARK.emptiedGroupSize).toBe(EMPTIED_GROUP_SIZE);
    expect(SOLD_OUT_MARK.soldOutTtlMs).toBe(new ClaimCaches().options.soldOutTtlMs);
  });

  const input = { contenders: 1_000_000, stock: 100_000, calibration: builtInCalibration };
  const plan = recommendedPlan(input);
  const planned = (claimPath: { maxShardTries?: number; campaignReadPartitions?: number; campaignTtlMs?: number } = {}) =>
    awsScenario({ ...input, ...claimPath, shards: plan.shards, provisioned: plan.claimFunction.provisionedConcurrency, quotas: planQuotas(plan), warm: planWarm(plan) });

  it("meets the design point under the plan, its environments opening with nothing cached, only with the campaign's read copies", () => {
    expect(plan.claimFunction.campaignCopies).toBe(128);
    const withCopies = simulateDropDay(planned({ campaignTtlMs: plan.claimFunction.campaignCacheMs, campaignReadPartitions: plan.claimFunction.campaignCopies }));
    expect(withCopies.soldOutSeconds).toBeLessThan(10);
    expect(withCopies.throttledShare).toBeLessThan(0.001);
    // One campaign item for 40,800 environments' first reads: its partition throttles, and the SDK's back-offs hold environments.
    const oneItem = simulateDropDay(planned({ campaignTtlMs: plan.claimFunction.campaignCacheMs, campaignReadPartitions: 1 }));
    expect(oneItem.throttledShare).toBeGreaterThan(0.1);
    expect(oneItem.timeline.some((point) => (point.throttles.campaignPartition ?? 0) > 0.9)).toBe(true);
  });

  it("plans for the busiest second of the arrival curve", () => {
    expect(plan.inputs.attemptsPerSecond).toBe(600_000);
    expect(plan.shards).toBe(1_000);
  });

  it("plays a million contenders under the plan, with the plan's campaign cache time, in well under a minute", () => {
    expect(plan.claimFunction.campaignCacheMs).toBe(10_000);
    const scenario = planned({ campaignTtlMs: plan.claimFunction.campaignCacheMs });
    expect(scenario.campaignTtlMs).toBe(10_000);
    expect(scenario.soldOutMark).toEqual(SOLD_OUT_MARK);
    // The replay's one server is the local runtime's; DynamoDB on AWS is partitioned.
    expect(scenario.oneServer).toBeUndefined();
    const started = performance.now();
    const result = simulateDropDay(scenario);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(result.attempts).toBeGreaterThanOrEqual(1_000_000);
    expect(result.successes).toBeCloseTo(100_000, -1);
    const cost = dropCost(result, plan.claimFunction.provisionedConcurrency, 1);
    expect(cost.total).toBeCloseTo(cost.lambda + cost.provisionedConcurrency + cost.apiGateway + cost.dynamodb + cost.cloudFront + cost.waf, 9);
    expect(cost.waf).toBeCloseTo((result.attempts / 1e6) * 0.6, 9);
    // One try an attempt (1,000 shards at 600,000 attempts/s), the record in groups: announced at the last unit.
    expect(scenario.maxShardTries).toBe(shardTries({ shards: 1_000, attemptsPerSecond: 600_000 }));
    expect(scenario.maxShardTries).toBe(1);
    expect(result.discovery.emptiedRecordsLost).toBe(0);
    expect(result.discovery.announcedBy).toBe("emptied set");
    expect(result.discovery.announcedSeconds).toBeCloseTo(result.discovery.lastUnitSeconds, 2);
  });
});

describe("the sell-out mark", () => {
  it("empties shards as the stock runs low: none at half, most in the last few percent, all at sell-out", () => {
    expect(emptiedShare(50_000, 100_000, 1_000)).toBeLessThan(1e-6);
    expect(emptiedShare(90_000, 100_000, 1_000)).toBeGreaterThan(0.1);
    expect(emptiedShare(90_000, 100_000, 1_000)).toBeLessThan(0.3);
    expect(emptiedShare(99_000, 100_000, 1_000)).toBeGreaterThan(0.7);
    expect(emptiedShare(100_000, 100_000, 1_000)).toBe(1);
    // One shard empties only at sell-out.
    expect(emptiedShare(99_999, 100_000, 1)).toBe(0);
    const shares = [0.8, 0.9, 0.95, 0.99].map((taken) => emptiedShare(taken * 100_000, 100_000, 1_000));
    expect(shares).toEqual([...shares].sort((a, b) => a - b));
  });

  // 200 instances, 64 shards of 50 units, nothing throttles: only the discovery differs.
  const drop = (soldOutMark: DropDayScenario["soldOutMark"]) =>
    simulateDropDay(
      scenario({
        contenders: 20_000,
        stock: 3_200,
        shards: 64,
        provisioned: 200,
        instances: 200,
        load: { kind: "burst", sharePerSecond: [0.5, 0.5] },
        latencies: { ...scenario().latencies, shardWriteMs: 5 },
        ...(soldOutMark ? { soldOutMark } : {}),
      }),
    );

  it("announces when the emptied set completes, marks every shard 16 at a time, and then one failed write tells an instance", () => {
    const marked = drop(SOLD_OUT_MARK);
    const d = marked.discovery;
    expect(d.announcedBy).toBe("emptied set");
    expect(d.emptiedRecordsLost).toBe(0);
    expect(d.announcedSeconds).toBeGreaterThanOrEqual(d.lastUnitSeconds);
    // 64 shards, 16 in flight, 5 ms each: 20 ms.
    expect(d.shardsMarkedSeconds - d.announcedSeconds).toBeCloseTo(0.02, 2);
    // Without the mark, each instance tries 16 shards per claim until its tries covered all 64:
    // the failed writes beyond the successes' 3 WCU (the end-of-stock tries are the same in both).
    const unmarked = drop(undefined);
    expect(unmarked.discovery.announcedBy).not.toBe("emptied set");
    const failedWrites = (r: typeof marked) => r.wcu - 3 * r.successes;
    expect(failedWrites(marked)).toBeLessThan(failedWrites(unmarked) / 2);
    // Every instance knows soon after the marks: within a few claims each.
    const known = marked.timeline.find((point) => point.knownSoldOut > 0.99);
    expect(known?.atMs).toBeLessThan(d.shardsMarkedSeconds * 1000 + 500);
  });

  it("records a thousand shards emptying together in groups of 32 without a throttle, so the record completes", () => {
    const hotScenario = scenario({
      contenders: 200_000,
      stock: 100_000,
      shards: 1_000,
      provisioned: 20_000,
      quotas: { ...scenario().quotas, lambdaConcurrency: 20_000 },
      partition: { readUnitsPerSecond: unlimited, writeUnitsPerSecond: PARTITION_LIMITS.writeUnitsPerSecond },
      soldOutMark: SOLD_OUT_MARK,
      // Few enough tries that the end-of-stock search leaves the shards unthrottled: only the record differs.
      maxShardTries: 2,
    });
    const hot = simulateDropDay(hotScenario);
    expect(hot.timeline.every((point) => (point.throttles.emptiedSet ?? 0) < 0.01)).toBe(true);
    expect(hot.discovery.emptiedRecordsLost).toBe(0);
    expect(hot.discovery.announcedBy).toBe("emptied set");
    // One item for the whole record, as a first version of the claim path had it, throttles and never completes.
    const oneItem = simulateDropDay({ ...hotScenario, soldOutMark: { ...SOLD_OUT_MARK, emptiedGroupSize: 1_000 } });
    expect(oneItem.discovery.announcedBy).not.toBe("emptied set");
  });
});

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "dropday-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run simulate:dropday", { timeout: 60_000 }, () => {
  const run = (...args: string[]) => spawnSync("node_modules/.bin/tsx", ["bench/dropday/simulate.ts", ...args], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });

  it("prints one JSON object with the figures the issue names", () => {
    const result = run("--contenders", "100000", "--stock", "10000", "--json", "--calibration", writeFigures("json", figures));
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    for (const key of ["soldOutSeconds", "throttledShare", "p50Ms", "p99Ms", "peakConcurrency", "wcu", "rcu", "costUsd"]) expect(typeof summary[key]).toBe("number");
    expect(summary.throttledShare).toBeGreaterThanOrEqual(0);
    expect(summary.throttledShare).toBeLessThanOrEqual(1);
  });

  it("prints the quotas, the arrival curve and the contrasts", () => {
    const result = run("--contenders", "100000", "--stock", "10000", "--calibration", writeFigures("human", figures));
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Arrival curve (first attempts): 0–1 s 60 %");
    expect(result.stdout).toContain("quotas assumed: API Gateway");
    expect(result.stdout).toContain("== one shard");
    expect(result.stdout).toContain("== no provisioned concurrency, AWS's default quotas");
  });

  it("replays a benchmark run and exits 0 within 25 % of its sell-out time, 1 outside", () => {
    const predicted = simulateDropDay(replayScenario(figures)).soldOutSeconds;
    const within = run("--replay", writeFigures("within", { ...figures, flood: { ...figures.flood, sellOutSeconds: predicted * 1.1 } }));
    expect(within.status).toBe(0);
    expect(within.stdout).toMatch(/within ±25 %/);
    const outside = run("--replay", writeFigures("outside", { ...figures, flood: { ...figures.flood, sellOutSeconds: predicted * 2 } }));
    expect(outside.status).toBe(1);
    expect(outside.stdout).toMatch(/OUTSIDE ±25 %/);
  });

  it("exits 2 on bad input", () => {
    expect(run("--contenders", "0").status).toBe(2);
    expect(run("--shards", "20", "--stock", "10").status).toBe(2);
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{}");
    const result = run("--replay", broken);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("is not a bench:claims figures file");
  });
});

function writeFigures(name: string, value: BenchClaimsFigures): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(value));
  expect(benchClaimsFiguresSchema.parse(JSON.parse(readFileSync(path, "utf8")))).toEqual(value);
  return path;
}
