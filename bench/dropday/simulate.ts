/**
 * `npm run simulate:dropday -- [--contenders 1000000] [--stock 100000] [--shards N] [--provisioned N]
 *   [--provisioned-hours 1] [--shard-tries N] [--campaign-copies N] [--no-mark] [--warm-caches]
 *   [--calibration FILE] [--json]`
 * plays a drop on AWS with the model of bench/dropday/model.ts: under the plan `npm run capacity`
 * recommends (with its quota raises and campaign cache time), and, for contrast, with one shard,
 * without provisioned concurrency on AWS's default quotas, and without the sell-out mark on the
 * shards (`--no-mark` makes that the main drop), without the campaign's read copies, and with the
 * provisioned environments' campaign caches as after earlier traffic (`--warm-caches` makes that the
 * main drop; by default they open the drop with nothing cached, as they do). `--json` prints one
 * object for the first of these.
 *
 * `npm run simulate:dropday -- --replay .cache/bench-claims.json` plays the local benchmark's
 * own setting with the per-call costs measured in that run and compares the predicted sell-out
 * time with the measured one: exit 0 within 25 %, 1 outside.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { numberFlagSchema, parseCommandLine } from "../../scripts/cli.js";
import { MAX_SHARD_TRIES } from "../../shared/domain/capacity.js";
import { BENCH_CLAIMS_FIGURES, readBenchClaimsFigures } from "./calibration.js";
import { type DropDayResult, type DropDayScenario, simulateDropDay } from "./model.js";
import {
  DEFAULT_ARRIVAL_SHARES,
  DEFAULT_MODEL_QUOTAS,
  DEFAULT_WARM,
  awsScenario,
  type Calibration,
  builtInCalibration,
  calibrationFrom,
  dropCost,
  peakArrivals,
  planQuotas,
  planWarm,
  recommendedPlan,
  DESIGN_POINT,
  DEFAULT_CAMPAIGN_TTL_MS,
  REPLAY_TOLERANCE,
  replayScenario,
  replayServer,
} from "./scenarios.js";

const USAGE =
  "usage: npm run simulate:dropday -- [--contenders 1000000] [--stock 100000] [--shards N] [--provisioned N]\n" +
  "                                   [--provisioned-hours 1] [--shard-tries N] [--campaign-copies N] [--no-mark]\n" +
  "                                   [--warm-caches]\n" +
  "                                   [--calibration FILE] [--json]\n" +
  "       npm run simulate:dropday -- --replay .cache/bench-claims.json\n" +
  "  --shards, --provisioned  override the plan's shard count and provisioned environments\n" +
  "  --provisioned-hours      how long the provisioned environments are kept, for the cost (default 1)\n" +
  `  --shard-tries N          shards an attempt tries before SOLD_OUT (default: the claim path's shardTries for the drop's shards and rate, at most ${MAX_SHARD_TRIES})\n` +
  "  --campaign-copies N      read copies of the campaign the claims spread their reads over (default: the plan's campaignCopies)\n" +
  "  --no-mark                the claim path without the sell-out mark on the shards (discovery by trying shards)\n" +
  "  --warm-caches            the provisioned environments open the drop with the campaign cached, expiring at spread times (default: nothing cached, as they do)\n" +
  `  --calibration FILE       bench:claims figures to take per-call costs from (default ${BENCH_CLAIMS_FIGURES} if present)\n` +
  "  --replay FILE            play that benchmark run's own setting and check the predicted sell-out time (±25 %)";

const whole = (min: number, max: number) => numberFlagSchema.pipe(z.number().int("must be a whole number").min(min).max(max));

const args = parseCommandLine({
  usage: USAGE,
  options: {
    contenders: { type: "string" },
    stock: { type: "string" },
    shards: { type: "string" },
    provisioned: { type: "string" },
    "provisioned-hours": { type: "string" },
    "shard-tries": { type: "string" },
    "campaign-copies": { type: "string" },
    "no-mark": { type: "boolean" },
    "warm-caches": { type: "boolean" },
    calibration: { type: "string" },
    replay: { type: "string" },
    json: { type: "boolean" },
  },
  schema: z.object({
    contenders: whole(1, 100_000_000).default(1_000_000),
    stock: whole(1, 100_000_000).default(100_000),
    shards: whole(1, 1_000).optional(),
    provisioned: whole(0, 1_000_000).optional(),
    "provisioned-hours": numberFlagSchema.pipe(z.number().nonnegative()).default(1),
    "shard-tries": whole(1, 1_000).optional(),
    "campaign-copies": whole(1, 1_000).optional(),
    "no-mark": z.boolean().default(false),
    "warm-caches": z.boolean().default(false),
    calibration: z.string().min(1).optional(),
    replay: z.string().min(1).optional(),
    json: z.boolean().default(false),
  }),
});

const n = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "n/a");
const pct = (share: number) => `${(share * 100).toFixed(3)} %`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function replay(path: string): number {
  const figures = readBenchClaimsFigures(resolve(path));
  const scenario = replayScenario(figures);
  const server = replayServer(figures);
  const result = simulateDropDay(scenario);
  const measured = figures.flood.sellOutSeconds;
  const error = (result.soldOutSeconds - measured) / measured;
  const within = Math.abs(error) <= REPLAY_TOLERANCE;
  const saturated = figures.saturated!;
  const cores = (cpuMs: number | null) => (cpuMs === null ? null : cpuMs / saturated.floodCpu.wallMs);
  // For contrast: DynamoDB Local alone as the server, at the raw baseline's calls/s.
  const dynamoDbOnly = simulateDropDay(replayScenario(figures, { perAnswerMs: 0, perCallMs: 1000 / saturated.rawCallsPerSecond, callsPerSuccess: server.callsPerSuccess }));
  const summary = {
    replay: path,
    setting: figures.setting,
    predictedSellOutSeconds: result.soldOutSeconds,
    measuredSellOutSeconds: measured,
    error,
    within25Percent: within,
    predictedP50Ms: result.p50Ms,
    measuredP50Ms: figures.flood.latencyP50Ms,
    server,
    floodCores: { node: cores(saturated.floodCpu.nodeMs), java: cores(saturated.floodCpu.javaMs) },
    dynamoDbLocalOnlySellOutSeconds: dynamoDbOnly.soldOutSeconds,
  };
  if (args.json) {
    console.log(JSON.stringify(summary));
  } else {
    const s = figures.setting;
    const node = summary.floodCores.node;
    const java = summary.floodCores.java;
    console.log(`Replay of bench:claims (${figures.measuredAt}): ${n(s.attempts)} attempts by ${n(s.concurrency)} clients in a loop, stock ${n(s.stock)}, ${s.shards} shard(s)`);
    console.log(`  the flood kept busy: Node (load, gateway, handlers) ${node === null ? "n/a" : n(node, 2)} cores, DynamoDB Local ${java === null ? "n/a" : n(java, 2)} cores (of 2, shared with whatever else ran)`);
    console.log(
      `  its work, from the same run: ${n(server.perAnswerMs, 2)} ms per answer (${saturated.soldOutAnswersPerSecond === null ? "n/a" : n(saturated.soldOutAnswersPerSecond)} sold-out answers/s) ` +
        `+ ${n(server.perCallMs, 2)} ms per DynamoDB call (${n(saturated.successesPerSecond)} successes/s of ${n(server.callsPerSuccess, 2)} calls over HTTP)`,
    );
    console.log(`  sell-out: predicted ${n(result.soldOutSeconds, 2)} s, measured ${n(measured, 2)} s: ${error >= 0 ? "+" : ""}${(error * 100).toFixed(1)} % (${within ? "within" : "OUTSIDE"} ±${REPLAY_TOLERANCE * 100} %)`);
    console.log(`  latency p50: predicted ${n(result.p50Ms)} ms, measured ${n(figures.flood.latencyP50Ms)} ms`);
    console.log(`  (with DynamoDB Local alone as the server, at the raw baseline's ${n(saturated.rawCallsPerSecond)} calls/s: ${n(dynamoDbOnly.soldOutSeconds, 2)} s)`);
  }
  return within ? 0 : 1;
}

interface Played {
  label: string;
  scenario: DropDayScenario;
  result: DropDayResult;
  costUsd: number;
  cost: ReturnType<typeof dropCost>;
}

function play(label: string, scenario: DropDayScenario): Played {
  const result = simulateDropDay(scenario);
  const cost = dropCost(result, scenario.provisioned, args["provisioned-hours"]);
  return { label, scenario, result, costUsd: cost.total, cost };
}

/** The DynamoDB resources that throttled over 1 % in some 100 ms of the drop, with their worst share and the first and last such 100 ms. */
function throttledBy(result: DropDayResult): { resource: string; maxShare: number; fromSeconds: number; toSeconds: number }[] {
  const by = new Map<string, { resource: string; maxShare: number; fromSeconds: number; toSeconds: number }>();
  for (const point of result.timeline) {
    for (const [resource, share] of Object.entries(point.throttles)) {
      if (share < 0.01) continue;
      const entry = by.get(resource) ?? { resource, maxShare: 0, fromSeconds: point.atMs / 1000, toSeconds: point.atMs / 1000 };
      entry.maxShare = Math.max(entry.maxShare, share);
      entry.toSeconds = (point.atMs + 100) / 1000;
      by.set(resource, entry);
    }
  }
  return [...by.values()];
}

function calibration(): Calibration {
  const path = args.calibration ?? (existsSync(resolve(BENCH_CLAIMS_FIGURES)) ? BENCH_CLAIMS_FIGURES : undefined);
  return path === undefined ? builtInCalibration : calibrationFrom(readBenchClaimsFigures(resolve(path)), path);
}

function dropDay(): number {
  const { contenders, stock } = args;
  if (args.shards !== undefined && args.shards > stock) fail(`--shards (${args.shards}) must not exceed --stock (${stock})`);
  const cal = calibration();
  const claimPath = {
    ...(args["shard-tries"] === undefined ? {} : { maxShardTries: args["shard-tries"] }),
    ...(args["no-mark"] ? { soldOutMark: null } : {}),
    campaignCachesCold: !args["warm-caches"],
  };
  const input = { contenders, stock, calibration: cal, ...claimPath };
  const plan = recommendedPlan(input);
  // The plan's campaign cache time: the claim function's under the plan (CLAIM_CAMPAIGN_CACHE_MS).
  const planCampaignTtlMs = plan.claimFunction.campaignCacheMs ?? DEFAULT_CAMPAIGN_TTL_MS;
  // The plan's read copies of the campaign (CLAIM_CAMPAIGN_COPIES), unless told otherwise.
  const planCopies = args["campaign-copies"] ?? plan.claimFunction.campaignCopies ?? 1;
  const planned = play(
    args.shards !== undefined || args.provisioned !== undefined ? "the plan, with your overrides" : "the recommended plan, quotas raised",
    awsScenario({
      ...input,
      campaignTtlMs: planCampaignTtlMs,
      campaignReadPartitions: planCopies,
      shards: args.shards ?? plan.shards,
      provisioned: args.provisioned ?? plan.claimFunction.provisionedConcurrency,
      quotas: planQuotas(plan),
      warm: planWarm(plan),
    }),
  );
  const main = planned.result;
  const meets = (r: DropDayResult) => r.soldOutSeconds < DESIGN_POINT.soldOutSeconds && r.throttledShare < DESIGN_POINT.throttledShare;
  const summary = {
    soldOutSeconds: main.soldOutSeconds,
    throttledShare: main.throttledShare,
    p50Ms: main.p50Ms,
    p99Ms: main.p99Ms,
    peakConcurrency: Math.round(main.peakConcurrency),
    wcu: Math.round(main.wcu),
    rcu: Math.round(main.rcu),
    costUsd: Number(planned.costUsd.toFixed(2)),
    contenders,
    stock,
    attempts: Math.round(main.attempts),
    successes: Math.round(main.successes),
    gaveUp: Math.round(main.gaveUp),
    throttled: { apiGateway: Math.round(main.throttled.apiGateway), lambda: Math.round(main.throttled.lambda), dynamodb: Math.round(main.throttled.dynamodb) },
    coldStarts: Math.round(main.coldStarts),
    shards: planned.scenario.shards,
    provisioned: planned.scenario.provisioned,
    quotas: planned.scenario.quotas,
    cost: Object.fromEntries((Object.entries(planned.cost) as [string, number][]).map(([item, usd]) => [item, Number(usd.toFixed(2))])),
    claimPath: {
      shardTries: planned.scenario.maxShardTries,
      campaignCopies: planCopies,
      soldOutMark: !args["no-mark"],
      campaignCacheMs: planCampaignTtlMs,
      campaignCachesCold: !args["warm-caches"],
    },
    discovery: main.discovery,
    throttledBy: throttledBy(main),
    designPointMet: meets(main),
    calibration: cal.source,
  };
  if (args.json) {
    console.log(JSON.stringify(summary));
    return 0;
  }
  const asPlanned = { campaignTtlMs: planCampaignTtlMs, campaignReadPartitions: planCopies, provisioned: planned.scenario.provisioned, quotas: planned.scenario.quotas, warm: planned.scenario.warm };
  const contrasts = [
    planned,
    play("one shard (the plan otherwise)", awsScenario({ ...input, ...asPlanned, shards: 1 })),
    // Without a plan deployed, the claim function keeps its default campaign cache time.
    play("no provisioned concurrency, AWS's default quotas", awsScenario({ ...input, shards: planned.scenario.shards, provisioned: 0, quotas: DEFAULT_MODEL_QUOTAS, warm: DEFAULT_WARM })),
  ];
  if (!args["no-mark"]) {
    contrasts.push(play("the plan, without the sell-out mark on the shards (the claim path before it)", awsScenario({ ...input, ...asPlanned, shards: planned.scenario.shards, soldOutMark: null })));
  }
  if (planCopies > 1) {
    contrasts.push(play("the plan, the claims reading the campaign itself (no read copies)", awsScenario({ ...input, ...asPlanned, shards: planned.scenario.shards, campaignReadPartitions: 1 })));
  }
  if (!args["warm-caches"]) {
    contrasts.push(
      play("the plan, the provisioned environments' campaign caches as after earlier traffic (expiring at spread times)", awsScenario({ ...input, ...asPlanned, shards: planned.scenario.shards, campaignCachesCold: false })),
    );
  }
  console.log(`Drop day: ${n(contenders)} contenders for ${n(stock)} vouchers (per-call costs: ${cal.source})`);
  console.log(`Arrival curve (first attempts): ${DEFAULT_ARRIVAL_SHARES.map((share, second) => `${second}–${second + 1} s ${n(share * 100)} % (${n(contenders * share)})`).join(", ")}; peak ${n(peakArrivals(contenders, DEFAULT_ARRIVAL_SHARES))}/s`);
  console.log(
    `Plan (npm run capacity -- --attempts-per-second ${peakArrivals(contenders, DEFAULT_ARRIVAL_SHARES)} --stock ${stock}): ${plan.shards} shards, ${n(plan.claimFunction.provisionedConcurrency)} provisioned environments, campaign cache ${n(planCampaignTtlMs / 1000, 1)} s, ${n(planCopies)} read copies of the campaign`,
  );
  for (const played of contrasts) {
    const { scenario: sc, result: r } = played;
    const q = sc.quotas;
    console.log();
    console.log(`== ${played.label}`);
    console.log(
      `  quotas assumed: API Gateway ${n(q.apiGatewayRps)} rps (burst ${n(q.apiGatewayBurst)}), claims route ${n(q.stageRps)} rps (burst ${n(q.stageBurst)}); Lambda ${n(q.lambdaConcurrency)} concurrent, ${n(sc.provisioned)} provisioned, ` +
        `+1,000 environments per 10 s; DynamoDB ${n(q.tableWriteUnits)} WCU/s and ${n(q.tableReadUnits)} RCU/s per table, warm inventory ${n(sc.warm.inventory.write)} WCU/s, ` +
        `vouchers ${n(sc.warm.vouchers.write)} WCU/s / ${n(sc.warm.vouchers.read)} RCU/s; 1,000 WCU/s and 3,000 RCU/s per partition; ${sc.shards} shard(s)`,
    );
    console.log(`  sold out after          ${n(r.soldOutSeconds, 2)} s   design point (< ${DESIGN_POINT.soldOutSeconds} s, < ${DESIGN_POINT.throttledShare * 100} % throttled): ${meets(r) ? "met" : "NOT met"}`);
    console.log(
      `  throttled               ${pct(r.throttledShare)} of ${n(r.attempts)} attempts (API Gateway ${n(r.throttled.apiGateway)}, Lambda ${n(r.throttled.lambda)}, DynamoDB ${n(r.throttled.dynamodb)}); ${n(r.gaveUp)} contenders gave up`,
    );
    console.log(`  latency p50 / p99       ${n(r.p50Ms)} / ${n(r.p99Ms)} ms`);
    console.log(`  peak Lambda concurrency ${n(r.peakConcurrency)} (${n(r.coldStarts)} cold starts)`);
    console.log(`  DynamoDB consumed       ${n(r.wcu)} WCU, ${n(r.rcu)} RCU`);
    const d = r.discovery;
    console.log(
      `  sell-out known          last unit at ${n(d.lastUnitSeconds, 3)} s; announced at ${n(d.announcedSeconds, 3)} s (${d.announcedBy}); every shard marked at ${n(d.shardsMarkedSeconds, 3)} s; emptied-shard records lost ${n(d.emptiedRecordsLost, 1)} (campaign cache ${n(sc.campaignTtlMs / 1000, 1)} s)`,
    );
    const by = throttledBy(r);
    console.log(`  throttled by            ${by.length === 0 ? "nothing" : by.map((b) => `${b.resource} up to ${n(b.maxShare * 100)} % (${n(b.fromSeconds, 1)}–${n(b.toSeconds, 1)} s)`).join("; ")}`);
    const c = played.cost;
    console.log(
      `  cost                    $${n(c.total, 2)} (Lambda $${n(c.lambda, 2)}, provisioned $${n(c.provisionedConcurrency, 2)} for ${args["provisioned-hours"]} h, API Gateway $${n(c.apiGateway, 2)}, DynamoDB $${n(c.dynamodb, 2)}, CloudFront $${n(c.cloudFront, 2)}, WAF $${n(c.waf, 2)})`,
    );
  }
  return 0;
}

try {
  process.exitCode = args.replay !== undefined ? replay(args.replay) : dropDay();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
