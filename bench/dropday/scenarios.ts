/**
 * The drops `npm run simulate:dropday` plays: on AWS under the plan of `npm run capacity`, with
 * one shard, without provisioned concurrency and AWS's default quotas, and the local benchmark's
 * own setting (`--replay`). Also the drop's cost at list prices. Pure: figures in, figures out.
 */
import {
  CAMPAIGN_CACHE_FLOOR_MS,
  DEFAULT_QUOTAS,
  type DropPlan,
  DEFAULT_ATTEMPTS_PER_SECOND,
  ON_DEMAND_WARM_DEFAULT,
  planDrop,
  shardTries,
} from "../../shared/domain/capacity.js";
import { DEFAULT_ROUTE_THROTTLES } from "../../infra/edge-context.js";
import type { BenchClaimsFigures } from "./calibration.js";
import { type CallLatencies, type DropDayResult, type DropDayScenario, PARTITION_LIMITS, type Quotas, type SoldOutMark } from "./model.js";

/**
 * The claim path's sell-out mark (shared/use-cases/claim.ts): the announcing claim marks 16
 * shards at a time (SHARD_WRITE_CONCURRENCY of shared/store/inventory.ts), an instance told by a
 * failed take answers SOLD_OUT from its cache for 5 s (ClaimCaches' soldOutTtlMs), and the
 * emptied-shard record holds 32 shards a group (EMPTIED_GROUP_SIZE). A unit test keeps these
 * equal to the claim path's; importing them here would load the SDK.
 */
export const SOLD_OUT_MARK: SoldOutMark = { markConcurrency: 16, soldOutTtlMs: 5_000, emptiedGroupSize: 32 };

/** The claim function's campaign cache without a plan (ClaimCaches' campaignTtlMs, CLAIM_CAMPAIGN_CACHE_MS's default). */
export const DEFAULT_CAMPAIGN_TTL_MS = CAMPAIGN_CACHE_FLOOR_MS;

/** The design point: sold out in under 10 s with under 0.1 % of attempts throttled. */
export const DESIGN_POINT = { soldOutSeconds: 10, throttledShare: 0.001 } as const;

/** How close `--replay` must come to the measured sell-out time. */
export const REPLAY_TOLERANCE = 0.25;

/** By default every first attempt falls in the first 5 s, most in the first second. */
export const DEFAULT_ARRIVAL_SHARES = [0.6, 0.2, 0.1, 0.06, 0.04] as const;

/**
 * Latency of one DynamoDB call from Lambda in the same region, ms: AWS quotes single-digit
 * milliseconds; a transaction of two items counts as two calls. DynamoDB Local's latency on two
 * shared cores says nothing about AWS, so this is the one figure not taken from the benchmark.
 */
export const AWS_DYNAMODB_CALL_MS = 5;

/** What CloudFront, WAF and API Gateway add to a request, ms. */
export const AWS_EDGE_MS = 15;

/** Lambda's own start of a Node.js environment before the bundle is imported, ms. */
export const LAMBDA_RUNTIME_INIT_MS = 150;

/** Memory of the claim function (shared/wiring/functions.ts). */
export const CLAIM_MEMORY_MB = 1024;

/**
 * Per-call figures when no `.cache/bench-claims.json` is at hand: `bench:claims` on 2026-12-04
 * (docs/benchmarks.md) with the 3-WCU claim's calls (GetItem, the shard's and the counter's
 * UpdateItem, the voucher's PutItem).
 */
export const BUILT_IN_CALIBRATION = {
  perSuccessCalls: { GetItem: 1, UpdateItem: 2, PutItem: 1 } as Record<string, number>,
  wcuPerSuccess: 3,
  rcuPerAttempt: 1,
  importMs: 79,
  handlerCpuMs: 2.4,
};

/** The figures the AWS scenarios take from a benchmark run (or the built-in ones). */
export interface Calibration {
  source: string;
  perSuccessCalls: Record<string, number>;
  wcuPerSuccess: number;
  rcuPerAttempt: number;
  /** Import of the bundle with source maps, as Lambda runs it. */
  importMs: number;
  handlerCpuMs: number;
}

/** The calibration a benchmark run gives. */
export function calibrationFrom(figures: BenchClaimsFigures, source: string): Calibration {
  return {
    source,
    perSuccessCalls: figures.perSuccess.calls,
    wcuPerSuccess: figures.perSuccess.wcu,
    // DynamoDB Local reports no consumed capacity for BatchGetItem; a consistent read of an item
    // under 4 KB costs 1 RCU, so the reads a success makes set the floor.
    rcuPerAttempt: Math.max(figures.perSuccess.rcu, (figures.perSuccess.calls.GetItem ?? 0) + (figures.perSuccess.calls.BatchGetItem ?? 0)),
    importMs: figures.import.p50WithSourceMapsMs,
    handlerCpuMs: figures.handlerCpuMsPerSuccess ?? BUILT_IN_CALIBRATION.handlerCpuMs,
  };
}

export const builtInCalibration: Calibration = { source: "built-in (docs/benchmarks.md, 2026-12-04)", ...BUILT_IN_CALIBRATION };

/** Calls of a success besides the counter read and the shard write: the cold writes. */
function coldWriteCalls(calls: Record<string, number>): number {
  // The campaign query is modelled on its own (once per instance per TTL).
  const total = Object.entries(calls)
    .filter(([command]) => command !== "Query")
    .reduce((sum, [command, n]) => sum + n * (command === "TransactWriteItems" ? 2 : 1), 0);
  return Math.max(0, total - 2);
}

/** The claim's latencies on AWS from a calibration. */
export function awsLatencies(calibration: Calibration, keyedShare: number): CallLatencies & { claimMs: number } {
  const call = AWS_DYNAMODB_CALL_MS;
  const latencies: CallLatencies = {
    gatewayMs: AWS_EDGE_MS,
    handlerMs: calibration.handlerCpuMs,
    soldOutMs: 1,
    campaignReadMs: call,
    counterReadMs: call,
    shardWriteMs: call,
    coldWritesMs: coldWriteCalls(calibration.perSuccessCalls) * call,
    idempotencyMs: 2 * call,
  };
  const claimMs = latencies.handlerMs + latencies.counterReadMs + latencies.shardWriteMs + latencies.coldWritesMs + keyedShare * latencies.idempotencyMs;
  return { ...latencies, claimMs };
}

export interface AwsDropInput {
  contenders: number;
  stock: number;
  calibration: Calibration;
  keyedShare?: number;
  arrivalShares?: readonly number[];
  /** Shards an attempt tries; default: the claim path's `shardTries` for the drop's shards and rate. */
  maxShardTries?: number;
  /** Copies of the campaign the claims read (the plan's `campaignCopies`); default 1: the campaign itself. */
  campaignReadPartitions?: number;
  /** The claim function's campaign cache time, ms: the plan's, or 1,000 without one. */
  campaignTtlMs?: number;
  /** The sell-out mark on the shards; null: the claim path before it. Default {@link SOLD_OUT_MARK}. */
  soldOutMark?: SoldOutMark | null;
  /**
   * The provisioned environments open the drop with no campaign cached, as they do: nothing reads
   * the campaign into them before their first claim (default true). false: their caches as after
   * earlier traffic, expiring at spread times (see DropDayScenario).
   */
  campaignCachesCold?: boolean;
}

/** Peak first attempts per second of an arrival curve. */
export function peakArrivals(contenders: number, shares: readonly number[]): number {
  return contenders * Math.max(...shares);
}

/** The plan `npm run capacity` recommends for this drop: its peak arrivals, the calibrated costs. */
export function recommendedPlan(input: AwsDropInput): DropPlan {
  const keyedShare = input.keyedShare ?? 1;
  const latencies = awsLatencies(input.calibration, keyedShare);
  return planDrop({
    attemptsPerSecond: peakArrivals(input.contenders, input.arrivalShares ?? DEFAULT_ARRIVAL_SHARES),
    stock: input.stock,
    wcuPerSuccess: input.calibration.wcuPerSuccess,
    rcuPerAttempt: input.calibration.rcuPerAttempt,
    keyedShare,
    claimMs: Math.ceil(latencies.claimMs),
  });
}

/** A drop on AWS with the given shards, provisioned environments, quotas and warm throughput. */
export function awsScenario(
  input: AwsDropInput & { shards: number; provisioned: number; quotas: Quotas; warm: DropDayScenario["warm"] },
): DropDayScenario {
  const keyedShare = input.keyedShare ?? 1;
  const { claimMs: _claimMs, ...latencies } = awsLatencies(input.calibration, keyedShare);
  return {
    contenders: input.contenders,
    stock: input.stock,
    shards: input.shards,
    provisioned: input.provisioned,
    load: { kind: "burst", sharePerSecond: input.arrivalShares ?? DEFAULT_ARRIVAL_SHARES },
    quotas: input.quotas,
    partition: PARTITION_LIMITS,
    warm: input.warm,
    latencies,
    units: {
      wcuPerSuccess: input.calibration.wcuPerSuccess,
      rcuPerAttempt: input.calibration.rcuPerAttempt,
      campaignRcu: 0.5,
      idempotencyWcu: 2,
      voucherPartitionWcu: input.calibration.perSuccessCalls.TransactWriteItems ? 2 : 1,
    },
    coldStartMs: LAMBDA_RUNTIME_INIT_MS + input.calibration.importMs,
    memoryMb: CLAIM_MEMORY_MB,
    keyedShare,
    client: { baseMs: 250, capMs: 8_000, maxAttempts: 8 },
    campaignTtlMs: input.campaignTtlMs ?? DEFAULT_CAMPAIGN_TTL_MS,
    campaignReadPartitions: input.campaignReadPartitions ?? 1,
    // As the claim path bounds them: what the shards absorb at the drop's expected rate, which the
    // bureau sets to the plan's (the arrival curve's peak).
    maxShardTries: input.maxShardTries ?? shardTries({ shards: input.shards, attemptsPerSecond: peakArrivals(input.contenders, input.arrivalShares ?? DEFAULT_ARRIVAL_SHARES) }),
    ...(input.soldOutMark === null ? {} : { soldOutMark: input.soldOutMark ?? SOLD_OUT_MARK }),
    ...(input.campaignCachesCold === false ? {} : { campaignCachesCold: true }),
    stepMs: 1,
    maxSeconds: 120,
  };
}

const defaultWarm = { read: ON_DEMAND_WARM_DEFAULT.readUnitsPerSecond, write: ON_DEMAND_WARM_DEFAULT.writeUnitsPerSecond };

/** The plan's quotas as the model reads them (the claims route's throttle raised to the plan's rate, as the CDK app does). */
export function planQuotas(plan: DropPlan): Quotas {
  return {
    apiGatewayRps: plan.quotas.apiGatewayRequestsPerSecond,
    apiGatewayBurst: plan.quotas.apiGatewayBurst,
    stageRps: plan.quotas.apiGatewayRequestsPerSecond,
    stageBurst: plan.quotas.apiGatewayBurst,
    lambdaConcurrency: plan.quotas.lambdaConcurrentExecutions,
    tableReadUnits: plan.quotas.tableReadUnitsPerSecond,
    tableWriteUnits: plan.quotas.tableWriteUnitsPerSecond,
  };
}

/** AWS's default quotas, with the claims route's default throttle (infra/edge-context.ts). */
export const DEFAULT_MODEL_QUOTAS: Quotas = {
  apiGatewayRps: DEFAULT_QUOTAS.apiGatewayRequestsPerSecond,
  apiGatewayBurst: DEFAULT_QUOTAS.apiGatewayBurst,
  stageRps: DEFAULT_ROUTE_THROTTLES.claims.rateLimit,
  stageBurst: DEFAULT_ROUTE_THROTTLES.claims.burstLimit,
  lambdaConcurrency: DEFAULT_QUOTAS.lambdaConcurrentExecutions,
  tableReadUnits: DEFAULT_QUOTAS.tableReadUnitsPerSecond,
  tableWriteUnits: DEFAULT_QUOTAS.tableWriteUnitsPerSecond,
};

/** The plan's warm throughput as the model reads it. */
export function planWarm(plan: DropPlan): DropDayScenario["warm"] {
  const warm = (table: keyof DropPlan["warmThroughput"]) => ({ read: plan.warmThroughput[table].readUnitsPerSecond, write: plan.warmThroughput[table].writeUnitsPerSecond });
  return { inventory: warm("inventory"), vouchers: warm("vouchers"), idempotency: warm("idempotency"), campaigns: warm("campaigns") };
}

/** Tables as new on-demand tables find themselves: a new table's warm throughput. */
export const DEFAULT_WARM: DropDayScenario["warm"] = { inventory: defaultWarm, vouchers: defaultWarm, idempotency: defaultWarm, campaigns: defaultWarm };

/** The work the replay's one server does per request, ms, from a run's saturated rates. */
export interface ReplayServer {
  /** Every answer: HTTP, the gateway, the handler without DynamoDB (an answer from the sold-out cache). */
  perAnswerMs: number;
  /** Each DynamoDB call on top of that. */
  perCallMs: number;
  /** DynamoDB calls of a success (the campaign query apart), which the two are derived with. */
  callsPerSuccess: number;
}

/**
 * The replay's server, from the run's own saturated rates: an answer from the sold-out cache
 * takes 1 ÷ (answers/s after sell-out), and a success 1 ÷ (successes/s of the same claims over
 * HTTP with stock for all), which is that plus one `perCallMs` per DynamoDB call.
 *
 * @throws Error when the figures predate the saturated rates (run `npm run bench:claims` again).
 */
export function replayServer(figures: BenchClaimsFigures): ReplayServer {
  const saturated = figures.saturated;
  if (saturated === undefined) throw new Error("these figures have no saturated rates (written before 2026-12-05): run npm run bench:claims again");
  const callsPerSuccess = Object.entries(figures.perSuccess.calls)
    .filter(([command]) => command !== "Query")
    .reduce((sum, [, n]) => sum + n, 0);
  const perSuccessMs = 1000 / saturated.successesPerSecond;
  const perAnswerMs = Math.min(perSuccessMs, saturated.soldOutAnswersPerSecond === null ? 0 : 1000 / saturated.soldOutAnswersPerSecond);
  return { perAnswerMs, perCallMs: callsPerSuccess > 0 ? (perSuccessMs - perAnswerMs) / callsPerSuccess : 0, callsPerSuccess };
}

/**
 * The local benchmark's own drop: its clients in a closed loop, its stock and shards, no limit
 * anywhere, one process (one instance of the caches), and one server doing all the work
 * (`oneServer`). In that run one Node process carries the load, the gateway and the handlers
 * beside DynamoDB Local on two cores; with 200 clients in flight it is saturated (the flood's
 * Node CPU equals its wall time), so the sell-out time is set by the rate the runtime serves
 * requests, and the per-call latencies measured under that load are waiting, not work. The
 * server's work per answer and per call come from the same run's saturated rates
 * ({@link replayServer}) unless `server` is given.
 */
export function replayScenario(figures: BenchClaimsFigures, server: ReplayServer = replayServer(figures)): DropDayScenario {
  const { setting } = figures;
  const calls = (commands: string[]) => commands.reduce((sum, command) => sum + (figures.perSuccess.calls[command] ?? 0), 0);
  // The counter read is a GetItem, or a BatchGetItem when the account's person is read with it.
  const counterReads = calls(["GetItem", "BatchGetItem"]);
  const unlimited = Number.POSITIVE_INFINITY;
  return {
    contenders: setting.attempts,
    stock: setting.stock,
    shards: setting.shards,
    // Every client always finds the runtime ready: no cold start, no concurrency limit.
    provisioned: setting.concurrency,
    load: { kind: "closed", clients: setting.concurrency },
    quotas: { apiGatewayRps: unlimited, apiGatewayBurst: unlimited, stageRps: unlimited, stageBurst: unlimited, lambdaConcurrency: unlimited, tableReadUnits: unlimited, tableWriteUnits: unlimited },
    partition: { readUnitsPerSecond: unlimited, writeUnitsPerSecond: unlimited },
    warm: { inventory: { read: unlimited, write: unlimited }, vouchers: { read: unlimited, write: unlimited }, idempotency: { read: unlimited, write: unlimited }, campaigns: { read: unlimited, write: unlimited } },
    latencies: {
      gatewayMs: server.perAnswerMs,
      handlerMs: 0,
      soldOutMs: 0,
      campaignReadMs: server.perCallMs,
      counterReadMs: counterReads * server.perCallMs,
      shardWriteMs: server.perCallMs,
      coldWritesMs: Math.max(0, server.callsPerSuccess - counterReads - 1) * server.perCallMs,
      idempotencyMs: 0,
    },
    units: { wcuPerSuccess: figures.perSuccess.wcu, rcuPerAttempt: figures.perSuccess.rcu, campaignRcu: 0.5, idempotencyWcu: 0, voucherPartitionWcu: 1 },
    coldStartMs: 0,
    memoryMb: CLAIM_MEMORY_MB,
    instances: 1,
    oneServer: true,
    keyedShare: 0,
    client: { baseMs: 0, capMs: 0, maxAttempts: 1 },
    campaignTtlMs: DEFAULT_CAMPAIGN_TTL_MS,
    campaignReadPartitions: 1,
    // The benchmark's drop names no expected rate, so the claim path assumes the default.
    maxShardTries: shardTries({ shards: setting.shards, attemptsPerSecond: DEFAULT_ATTEMPTS_PER_SECOND }),
    stepMs: 1,
    maxSeconds: 600,
  };
}

// ---------------------------------------------------------------------------------------------
// Cost at list prices (us-east-1, December 2026; docs/benchmarks.md names each).

export const PRICES = {
  /** Lambda requests, per million. */
  lambdaRequestsPerMillion: 0.2,
  /** Lambda duration on arm64, per GB-second (on-demand environments). */
  lambdaGbSecond: 0.0000133334,
  /** Lambda provisioned concurrency on arm64, per GB-second it is configured. */
  lambdaProvisionedGbSecond: 0.0000033334,
  /** Lambda duration on provisioned environments, arm64, per GB-second. */
  lambdaProvisionedDurationGbSecond: 0.0000077778,
  /** API Gateway HTTP API requests, per million (first 300 million a month). */
  httpApiRequestsPerMillion: 1.0,
  /** DynamoDB on-demand write request units, per million. */
  dynamoWritesPerMillion: 0.625,
  /** DynamoDB on-demand read request units, per million. */
  dynamoReadsPerMillion: 0.125,
  /** CloudFront HTTPS requests, per 10,000 (North America and Europe). */
  cloudFrontHttpsPer10k: 0.01,
  /** CloudFront data transfer out to the internet, per GB (first 10 TB). */
  cloudFrontTransferPerGb: 0.085,
  /** AWS WAF requests inspected, per million. */
  wafRequestsPerMillion: 0.6,
} as const;

/** Bytes of one answer on the wire (headers and a voucher or an error). */
export const ANSWER_BYTES = 1_000;

export interface DropCost {
  lambda: number;
  provisionedConcurrency: number;
  apiGateway: number;
  dynamodb: number;
  cloudFront: number;
  waf: number;
  total: number;
}

/**
 * The drop's cost in USD: every attempt passes CloudFront, WAF and API Gateway; Lambda bills the
 * invocations and their GB-seconds, plus the provisioned environments for `provisionedHours`;
 * DynamoDB bills the units it served. Monthly fixed fees (a web ACL, its rules) are left out.
 */
export function dropCost(result: DropDayResult, provisioned: number, provisionedHours: number, memoryMb = CLAIM_MEMORY_MB): DropCost {
  const invocations = result.attempts - result.throttled.apiGateway - result.throttled.lambda;
  const lambda =
    (invocations / 1e6) * PRICES.lambdaRequestsPerMillion +
    result.gbSeconds.onDemand * PRICES.lambdaGbSecond +
    result.gbSeconds.provisioned * PRICES.lambdaProvisionedDurationGbSecond;
  const provisionedConcurrency = provisioned * (memoryMb / 1024) * provisionedHours * 3600 * PRICES.lambdaProvisionedGbSecond;
  const apiGateway = ((result.attempts - result.throttled.apiGateway) / 1e6) * PRICES.httpApiRequestsPerMillion;
  const dynamodb = (result.wcu / 1e6) * PRICES.dynamoWritesPerMillion + (result.rcu / 1e6) * PRICES.dynamoReadsPerMillion;
  const cloudFront = (result.attempts / 1e4) * PRICES.cloudFrontHttpsPer10k + ((result.attempts * ANSWER_BYTES) / 1e9) * PRICES.cloudFrontTransferPerGb;
  const waf = (result.attempts / 1e6) * PRICES.wafRequestsPerMillion;
  const total = lambda + provisionedConcurrency + apiGateway + dynamodb + cloudFront + waf;
  return { lambda, provisionedConcurrency, apiGateway, dynamodb, cloudFront, waf, total };
}
